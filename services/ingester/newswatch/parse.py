"""Parsing: response bytes to plain entry records, with feedparser doing the reading.

feedparser is only ever handed a file-like object: given ``str`` or ``bytes`` it may open a
local path or fetch a URL itself.
"""

import calendar
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser

from newswatch.errors import ParseError

_ENTITY_DECLARATION = b"<!ENTITY"
_PROLOG_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class RawEntry:
    """One feed entry as the feed gave it, before normalisation."""

    index: int
    guid: str
    link: str
    title: str
    summary: str
    published: datetime | None
    published_raw: str
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    language: str


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed document: its own title and language, and its entries in document order."""

    title: str
    language: str
    entries: tuple[RawEntry, ...]
    well_formed: bool
    problem: str


def parse_feed(body: bytes, *, feed_url: str, content_type: str, base_url: str) -> ParsedFeed:
    """Read ``body`` as RSS, Atom or RDF; raise ``ParseError`` when it is not a feed at all.

    A document with XML errors still yields the entries that could be read
    (``well_formed`` is then False and ``problem`` says what was wrong).
    """
    if not body.strip():
        raise ParseError("empty body", feed_url=feed_url)
    if _ENTITY_DECLARATION in body[:_PROLOG_BYTES]:
        raise ParseError("declares XML entities (refused: entity expansion)", feed_url=feed_url)
    parsed: Any = feedparser.parse(
        io.BytesIO(body),
        response_headers={"content-type": content_type, "content-location": base_url},
    )
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS or Atom document found"
        raise ParseError(f"not a feed: {reason}", feed_url=feed_url)
    feed: Any = parsed.feed
    language = str(feed.get("language") or "")
    return ParsedFeed(
        title=str(feed.get("title") or ""),
        language=language,
        entries=tuple(
            _raw_entry(index, entry, language) for index, entry in enumerate(parsed.entries)
        ),
        well_formed=not parsed.bozo,
        problem=str(parsed.get("bozo_exception") or ""),
    )


def _raw_entry(index: int, entry: Any, feed_language: str) -> RawEntry:
    published = _utc_datetime(entry.get("published_parsed") or entry.get("updated_parsed"))
    summary = str(entry.get("summary") or "")
    if not summary and entry.get("content"):
        summary = str(entry.content[0].get("value") or "")
    detail = entry.get("summary_detail") or entry.get("title_detail") or {}
    return RawEntry(
        index=index,
        guid=str(entry.get("id") or ""),
        link=str(entry.get("link") or ""),
        title=str(entry.get("title") or ""),
        summary=summary,
        published=published,
        published_raw=str(entry.get("published") or entry.get("updated") or ""),
        authors=tuple(
            str(author["name"]) for author in entry.get("authors", []) if author.get("name")
        ),
        tags=tuple(str(tag["term"]) for tag in entry.get("tags", []) if tag.get("term")),
        language=str(detail.get("language") or feed_language or ""),
    )


def _utc_datetime(parsed_time: Any) -> datetime | None:
    """feedparser's UTC ``struct_time`` as an aware datetime; None when absent or impossible."""
    if not parsed_time:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed_time), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None
