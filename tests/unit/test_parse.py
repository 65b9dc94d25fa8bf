"""Parsing fixture feeds of each format, and refusing what is not a feed."""

from pathlib import Path

import pytest

from newswatch.analysis.items import plain_text
from newswatch.common.errors import FeedProblem, ParseError
from newswatch.fetching.feed_parser import (
    MAX_PERSON_FIELD_BYTES,
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


def parse_body(body: bytes, content_type: str = "application/rss+xml") -> ParsedFeed:
    """Parse ``body`` as if served at http://t/ with ``content_type``."""
    return parse_feed(body, feed_url="http://t/", content_type=content_type, base_url="http://t/")


def rss_items(*items: str, declaration: str = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    """An RSS 2.0 document around ``items``, as text."""
    return (
        f'{declaration}<rss version="2.0"><channel><title>t</title>{"".join(items)}</channel></rss>'
    )


def item(title: str, slug: str) -> str:
    """An RSS item with ``title`` (as markup) and link http://a.test/SLUG."""
    return f"<item><title>{title}</title><link>http://a.test/{slug}</link></item>"


def test_impossible_dates_are_dropped() -> None:
    parsed = parse_body(
        rss_items(item("x", "").replace("</item>", "<pubDate>2025-13-45</pubDate></item>")).encode()
    )
    assert parsed.entries[0].published is None
    assert parsed.entries[0].published_raw == "2025-13-45"


# The tests below pin behaviour that feedparser-rs 0.7.1 lacks (see the module docstring of
# newswatch.parse): a parser that replaces feedparser must pass them too.


@pytest.mark.parametrize(
    "broken",
    [
        pytest.param(item("AT&T wins contract", "ampersand"), id="bare-ampersand"),
        pytest.param(item("Prices: a < b", "less-than"), id="bare-less-than"),
        pytest.param(item("Kabul <b>blast", "unclosed"), id="unclosed-tag"),
    ],
)
def test_a_malformed_entry_costs_no_other_entry(broken: str) -> None:
    parsed = parse_body(rss_items(item("one", "one"), broken, item("three", "three")).encode())
    assert FeedProblem.NOT_WELL_FORMED in parsed.problems
    links = [entry.link for entry in parsed.entries]
    assert len(links) == 3
    assert (links[0], links[-1]) == ("http://a.test/one", "http://a.test/three")


def test_the_charset_of_the_content_type_decodes_a_body_that_declares_none() -> None:
    body = rss_items(item("طالبان", "t"), declaration='<?xml version="1.0"?>').encode("cp1256")
    parsed = parse_body(body, "application/rss+xml; charset=windows-1256")
    assert parsed.entries[0].title == "طالبان"
    assert FeedProblem.ENCODING_SUSPECT not in parsed.problems


def test_an_rss_author_element_gives_the_author() -> None:
    author = "<author>jo@example.test (Jo Bloggs)</author></item>"
    parsed = parse_body(rss_items(item("t", "a").replace("</item>", author)).encode())
    assert parsed.entries[0].authors == ("Jo Bloggs",)


def test_character_references_in_attributes_are_decoded() -> None:
    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title>t</title>'
        b'<id>1</id><link href="http://a.test/p?x=1&amp;y=2&#38;z=3"/></entry></feed>'
    )
    parsed = parse_body(body, "application/atom+xml")
    assert parsed.entries[0].link == "http://a.test/p?x=1&y=2&z=3"


def test_markup_in_summaries_leaves_only_text_once_normalised() -> None:
    """feedparser's own sanitiser is off: what it would strip must not reach an item's text."""
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
        b"<item><title>Kunduz &lt;b&gt;attack&lt;/b&gt;</title><link>/news/kunduz</link>"
        b"<description><![CDATA[<p onclick=\"steal()\">Taliban attacked <a href='/x'>a post</a>"
        b"</p><script>document.write('injected')</script><style>p{color:red}</style>"
        b"<iframe src='http://evil.test/'></iframe>in Kunduz.]]></description></item>"
        b"</channel></rss>"
    )
    entry = parse_feed(
        body, feed_url="http://feeds.test/rss", content_type="", base_url="http://feeds.test/rss"
    ).entries[0]
    assert entry.link == "http://feeds.test/news/kunduz"
    assert plain_text(entry.title, 100) == "Kunduz attack"
    assert plain_text(entry.summary, 500) == "Taliban attacked a post in Kunduz."
