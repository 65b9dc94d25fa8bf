"""Parsing fixture feeds of each format, and refusing what is not a feed."""

from pathlib import Path

import pytest

from newswatch.errors import ParseError
from newswatch.parse import (
    MAX_PERSON_FIELD_BYTES,
    FeedProblem,
    ParsedFeed,
    parse_feed,
    sanitise_body,
)

FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"


def parse_fixture(name: str, content_type: str) -> ParsedFeed:
    """Parse a fixture feed as if served at http://feeds.test/NAME."""
    return parse_feed(
        (FEEDS / name).read_bytes(),
        feed_url=f"http://feeds.test/{name}",
        content_type=content_type,
        base_url=f"http://feeds.test/{name}",
    )


def test_rss2() -> None:
    feed = parse_fixture("rss2.xml", "application/rss+xml")
    assert feed.title == "Kabul Wire"
    assert len(feed.entries) == 4
    first = feed.entries[0]
    assert first.guid == "kabul-wire-41"
    assert first.published is not None
    assert first.published.isoformat() == "2020-05-04T05:30:00+00:00"
    assert first.authors == ("Staff reporter",)
    assert first.tags == ("Security",)
    assert first.language == "en-us"


def test_atom_resolves_relative_links_and_keeps_authors() -> None:
    feed = parse_fixture("atom.xml", "application/atom+xml")
    first = feed.entries[0]
    assert first.link == "http://atom.example.test/news/prisoners-freed?fbclid=abc123&page=2"
    assert first.authors == ("Ayesha Rahimi", "John Doe")
    assert first.language == "en"


def test_rdf() -> None:
    feed = parse_fixture("rdf.xml", "application/rdf+xml")
    assert [entry.link for entry in feed.entries] == [
        "http://rdf.example.test/helmand-ambush",
        "http://rdf.example.test/doha-flights",
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty body"),
        (b"<html><body><p>Not a feed</p></body></html>", "not a feed"),
        (b'<?xml version="1.0"?><rss><!ENTITY a "aaaa"></rss>', "entity declarations"),
    ],
)
def test_not_a_feed(body: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_feed(body, feed_url="http://t/", content_type="text/html", base_url="http://t/")


def test_a_local_path_as_body_is_not_opened(tmp_path: Path) -> None:
    local = tmp_path / "secret.xml"
    local.write_bytes((FEEDS / "rss2.xml").read_bytes())
    with pytest.raises(ParseError):
        parse_feed(
            str(local).encode(), feed_url="http://t/", content_type="text/xml", base_url="http://t/"
        )


def test_sanitise_removes_the_doctype_and_its_entities() -> None:
    body = b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "x">\n]>\n<rss version="2.0"/>'
    cleaned, problems = sanitise_body(body)
    assert cleaned == b'<?xml version="1.0"?>\n\n<rss version="2.0"/>'
    assert problems == {FeedProblem.DOCTYPE_REMOVED}


def test_sanitise_cuts_long_author_fields_on_a_character_boundary() -> None:
    author = ("é" * 2000).encode()
    cleaned, problems = sanitise_body(b"<rss><item><author>" + author + b"</author></item></rss>")
    kept = cleaned.split(b"<author>")[1].split(b"</author>")[0]
    assert len(kept) <= MAX_PERSON_FIELD_BYTES
    assert kept.decode() == "é" * (len(kept) // 2)
    assert problems == {FeedProblem.FIELD_TRUNCATED}


def test_sanitise_leaves_ordinary_feeds_alone() -> None:
    body = (FEEDS / "atom.xml").read_bytes()
    assert sanitise_body(body) == (body, set())


def test_impossible_dates_are_dropped() -> None:
    body = (
        b'<rss version="2.0"><channel><title>t</title><item><title>x</title>'
        b"<link>http://a.test/</link><pubDate>2025-13-45</pubDate></item></channel></rss>"
    )
    parsed = parse_feed(
        body, feed_url="http://t/", content_type="application/rss+xml", base_url="http://t/"
    )
    assert parsed.entries[0].published is None
    assert parsed.entries[0].published_raw == "2025-13-45"
