"""Normalisation: plain text, canonical URLs, stable ids, plausible dates."""

from datetime import UTC, datetime, timedelta

import pytest

from newswatch.analysis.items import (
    FeedContext,
    canonical_url,
    entry_id,
    language_tag,
    normalise_entry,
    plain_text,
    publication_time,
)
from newswatch.common.errors import EntryRejectedError
from newswatch.common.raw_entry import RawEntry
from newswatch_schemas import RejectionReason

FEED = FeedContext(
    url="http://feeds.test/rss", name="test", base_url="http://feeds.test/rss", language="en"
)
FETCHED = datetime(2020, 5, 6, 12, 0, tzinfo=UTC)


def raw(**overrides: object) -> RawEntry:
    fields: dict[str, object] = {
        "index": 0,
        "guid": "guid-1",
        "link": "http://news.test/a",
        "title": "Title",
        "summary": "Summary",
        "published": datetime(2020, 5, 5, tzinfo=UTC),
        "published_raw": "Tue, 05 May 2020 00:00:00 GMT",
        "authors": (),
        "tags": (),
        "language": "",
    }
    fields.update(overrides)
    return RawEntry(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("<p>Taliban <b>attack</b></p><p>checkpoint</p>", "Taliban attack checkpoint"),
        ("AT&amp;T &lt;3 &#1591;&#1575;&#1604;&#1576;&#1575;&#1606;", "AT&T <3 طالبان"),
        ("line\x00one\x07\r\n\t two", "line one two"),
        ("<script>alert(1)</script>kept<style>p{}</style>", "kept"),
        ("می\u200cخواهند", "می\u200cخواهند"),
        ("   ", ""),
    ],
)
def test_plain_text(markup: str, expected: str) -> None:
    assert plain_text(markup, 1000) == expected


def test_plain_text_truncates() -> None:
    assert plain_text("word " * 100, 12) == "word word wo"


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("http://News.Test:80/a?utm_source=x&id=3&fbclid=y#frag", "http://news.test/a?id=3"),
        ("https://news.test:443", "https://news.test/"),
        ("/relative/path?gclid=1", "http://feeds.test/relative/path"),
        ("HTTPS://news.test:8443/x?UTM_Campaign=a&b=", "https://news.test:8443/x?b="),
    ],
)
def test_canonical_url(link: str, expected: str) -> None:
    assert canonical_url(link, "http://feeds.test/rss") == expected


@pytest.mark.parametrize("link", ["javascript:alert(1)", "mailto:a@b.test", "ftp://x.test/f"])
def test_canonical_url_refuses_other_schemes(link: str) -> None:
    with pytest.raises(ValueError, match="not an http"):
        canonical_url(link, "http://feeds.test/rss")


def test_id_is_stable_and_ignores_tracking_parameters() -> None:
    first = entry_id(raw(link="http://news.test/a?utm_medium=rss"), FEED)
    assert first == entry_id(raw(link="http://news.test/a", guid="other"), FEED)
    assert first != entry_id(raw(link="http://news.test/b"), FEED)
    assert len(first) == 32


def test_id_falls_back_to_guid_within_feed() -> None:
    other_feed = FeedContext("http://other.test/rss", "o", "http://other.test/rss", "en")
    assert entry_id(raw(link=""), FEED) != entry_id(raw(link=""), other_feed)
    assert entry_id(raw(link=""), FEED) == entry_id(raw(link="", title="changed"), FEED)


@pytest.mark.parametrize(
    ("published", "estimated"),
    [
        (datetime(2020, 5, 5, tzinfo=UTC), False),
        (None, True),
        (datetime(1403, 11, 1, tzinfo=UTC), True),  # a Solar Hijri year read as Gregorian
        (datetime(9999, 9, 6, tzinfo=UTC), True),
        (FETCHED + timedelta(hours=23), False),
        (FETCHED + timedelta(days=2), True),
    ],
)
def test_publication_time_window(published: datetime | None, estimated: bool) -> None:
    when, was_estimated = publication_time(published, FETCHED)
    assert was_estimated is estimated
    assert when == (FETCHED if estimated else published)


@pytest.mark.parametrize(
    ("raw_tag", "expected"), [("en-US", "en-us"), ("fa_AF", "fa-af"), ("", "und"), ("??", "und")]
)
def test_language_tag(raw_tag: str, expected: str) -> None:
    assert language_tag(raw_tag) == expected


def test_normalise_entry_builds_a_utc_item() -> None:
    item = normalise_entry(
        raw(title="<b>Kabul</b> &amp; Doha", authors=("<i>A. Writer</i>", ""), tags=("Asia",)),
        FEED,
        FETCHED,
    )
    assert item.title == "Kabul & Doha"
    assert item.language == "en"
    assert item.authors == ["A. Writer"]
    assert item.tags == ["Asia"]
    assert item.published_at == datetime(2020, 5, 5, tzinfo=UTC)
    assert item.source.feed_url == FEED.url
    assert item.themes == []


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"link": ""}, RejectionReason.NO_LINK),
        ({"link": "javascript:void(0)"}, RejectionReason.BAD_URL),
        ({"title": "<br/>", "summary": " "}, RejectionReason.NO_TEXT),
    ],
)
def test_normalise_entry_rejects_with_reason(
    overrides: dict[str, object], reason: RejectionReason
) -> None:
    with pytest.raises(EntryRejectedError) as caught:
        normalise_entry(raw(**overrides), FEED, FETCHED)
    assert caught.value.reason is reason
