"""Property: normalisation never fails on arbitrary entries except by a typed rejection."""

import unicodedata
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from newswatch.analysis.config import TextSettings
from newswatch.analysis.items import (
    EARLIEST_PLAUSIBLE,
    FUTURE_TOLERANCE,
    FeedContext,
    canonical_url,
    normalise_entry,
    plain_text,
)
from newswatch.common.errors import EntryRejectedError
from newswatch.common.raw_entry import RawEntry
from newswatch_schemas import NewsItem

FEED = FeedContext("http://feeds.test/rss", "test", "http://feeds.test/rss", "en")
FETCHED = datetime(2026, 11, 27, tzinfo=UTC)

any_text = st.text(st.characters(codec="utf-8"), max_size=300)
link_text = st.one_of(
    any_text,
    st.builds(lambda path: f"http://news.test/{path}", any_text),
    st.sampled_from(["", "javascript:x", "//host/x", "http://[::1", "https://a.test:99999/"]),
)
moments = st.one_of(st.none(), st.datetimes(timezones=st.just(UTC), min_value=datetime(1, 1, 2)))
entries = st.builds(
    RawEntry,
    index=st.integers(min_value=0, max_value=10_000),
    guid=any_text,
    link=link_text,
    title=any_text,
    summary=any_text,
    published=moments,
    published_raw=any_text,
    authors=st.tuples(any_text),
    tags=st.tuples(any_text, any_text),
    language=any_text,
)


@settings(max_examples=400, deadline=None)
@given(entries)
def test_normalise_returns_an_item_or_a_typed_rejection(entry: RawEntry) -> None:
    try:
        item = normalise_entry(
            entry, FEED, FETCHED, TextSettings(max_title_chars=200, max_summary_chars=400)
        )
    except EntryRejectedError:
        return
    assert isinstance(item, NewsItem)
    assert len(item.title) <= 200
    assert len(item.summary) <= 400
    assert not any(ord(char) < 32 for char in item.title + item.summary)
    if item.published_at_estimated:
        assert item.published_at == FETCHED
    else:
        assert EARLIEST_PLAUSIBLE <= item.published_at <= FETCHED + FUTURE_TOLERANCE
    NewsItem.model_validate_json(item.model_dump_json())


@given(any_text)
def test_plain_text_is_trimmed_single_spaced_and_free_of_controls(text: str) -> None:
    result = plain_text(text, 1000)
    assert result == result.strip()
    assert "  " not in result
    assert not any(unicodedata.category(char) == "Cc" for char in result)


@given(link_text)
def test_canonical_url_is_a_fixed_point(link: str) -> None:
    try:
        url = canonical_url(link, "http://feeds.test/rss")
    except ValueError:
        return
    assert canonical_url(url, "http://feeds.test/rss") == url
