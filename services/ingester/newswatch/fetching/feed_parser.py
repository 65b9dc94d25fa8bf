"""Parsing: response bytes to plain entry records, with feedparser doing the reading.

Before feedparser sees a body, ``sanitise_body`` removes what is known to hurt it: a DOCTYPE
with its internal subset (entity expansion, "billion laughs", the quadratic blow-up of one
large entity, external entities) and over-long author fields (the quadratic regular
expression of kurtmckee/feedparser#562). feedparser is only ever handed a file-like object:
given ``str`` or ``bytes`` it may open a local path or fetch a URL itself. Its HTML sanitiser
and its resolving of links inside HTML content are off (a sixth of its time): normalisation
keeps only the text of summaries (``normalise.plain_text``, which drops scripts and styles), and
entry links are resolved all the same.

feedparser-rs 0.7.1 (some 30 times faster here) was tried in feedparser's place and kept out:
it loses the entry with a bare ``&``, and every entry after a bare ``<`` or an unclosed tag; it
cannot be given the Content-Type, so a charset declared only there is ignored; it leaves
``&amp;`` undecoded in attribute values (Atom links); and it holds the GIL while it parses. The
tests in tests/unit/test_parse.py that pin these are the ones a replacement has to pass.
"""

import calendar
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser

from newswatch.common.errors import FeedProblem, ParseError
from newswatch.common.raw_entry import RawEntry

MAX_PERSON_FIELD_BYTES = 512
_DOCTYPE = re.compile(rb"<!DOCTYPE\b[^\[>]*(?:\[.*?\]\s*)?>", re.DOTALL | re.IGNORECASE)
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_PERSON_FIELD = re.compile(
    rb"(<(?:[\w.-]+:)?(?:author|creator|contributor|managingEditor|webMaster|name|email)\b[^>]*>"
    rb"\s*(?:<!\[CDATA\[)?)([^<\]]{%d,})" % (MAX_PERSON_FIELD_BYTES + 1)
)
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_MOJIBAKE = re.compile("\ufffd|[\u00d8\u00d9\u00da\u00db][\u0080-\u00bf\u2018-\u203a\u0152-\u0192]")


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    """A feed document: its own title and language, and its entries in document order."""

    title: str
    language: str
    entries: tuple[RawEntry, ...]
    ttl_seconds: float | None
    problems: frozenset[FeedProblem]
    detail: str


def sanitise_body(body: bytes) -> tuple[bytes, set[FeedProblem]]:
    """The body with its DOCTYPE removed and over-long person fields cut; and what was done.

    Raises ``ValueError`` when entity declarations remain that could not be removed safely.
    """
    problems: set[FeedProblem] = set()
    cleaned = _DOCTYPE.sub(b"", body, count=1)
    if cleaned != body:
        problems.add(FeedProblem.DOCTYPE_REMOVED)
    if _ENTITY_DECLARATION.search(cleaned):
        raise ValueError("XML entity declarations outside a removable DOCTYPE")
    body = cleaned
    truncated = _PERSON_FIELD.sub(_cut_person_field, body)
    if truncated != body:
        problems.add(FeedProblem.FIELD_TRUNCATED)
    return truncated, problems


def _cut_person_field(found: re.Match[bytes]) -> bytes:
    """Keep the opening tag and the first bytes of the field, cut on a UTF-8 boundary."""
    text = found.group(2)
    cut = MAX_PERSON_FIELD_BYTES
    while cut > 0 and 0x80 <= text[cut] <= 0xBF:
        cut -= 1
    return found.group(1) + text[:cut]


def parse_feed(
    body: bytes, *, feed_url: str, content_type: str, base_url: str, max_entries: int = 1000
) -> ParsedFeed:
    """Read ``body`` as RSS, Atom or RDF; raise ``ParseError`` when it is not a feed at all.

    A document with XML errors still yields the entries that could be read, with
    ``NOT_WELL_FORMED`` among its problems and ``detail`` saying what was wrong.
    """
    if not body.strip():
        raise ParseError("empty body", feed_url=feed_url)
    try:
        body, problems = sanitise_body(body)
    except ValueError as error:
        raise ParseError(str(error), feed_url=feed_url) from error
    parsed: Any = feedparser.parse(
        io.BytesIO(body),
        response_headers={"content-type": content_type, "content-location": base_url},
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    if not parsed.get("version") and not parsed.entries:
        reason = parsed.get("bozo_exception") or "no RSS or Atom document found"
        raise ParseError(f"not a feed: {reason}", feed_url=feed_url)
    if parsed.bozo:
        problems.add(FeedProblem.NOT_WELL_FORMED)
    if len(parsed.entries) > max_entries:
        problems.add(FeedProblem.TOO_MANY_ENTRIES)
    feed: Any = parsed.feed
    language = str(feed.get("language") or "")
    entries = tuple(
        _raw_entry(index, entry, language)
        for index, entry in enumerate(parsed.entries[:max_entries])
    )
    if any(_MOJIBAKE.search(entry.title + entry.summary) for entry in entries):
        problems.add(FeedProblem.ENCODING_SUSPECT)
    return ParsedFeed(
        title=str(feed.get("title") or ""),
        language=language,
        entries=entries,
        ttl_seconds=_ttl_seconds(feed.get("ttl")),
        problems=frozenset(problems),
        detail=str(parsed.get("bozo_exception") or ""),
    )


def _ttl_seconds(ttl: Any) -> float | None:
    """RSS ``<ttl>`` is in minutes."""
    text = str(ttl or "").strip()
    return float(text) * 60 if text.isdigit() else None


def _raw_entry(index: int, entry: Any, feed_language: str) -> RawEntry:
    # dict.get throughout: feedparser's own get() maps missing keys onto each other (with a
    # warning for the dates), and for the plain keys read here it gives what dict.get gives,
    # at several times the cost
    get = dict.get
    published_raw = str(get(entry, "published") or get(entry, "updated") or "")
    published = (
        None
        if _impossible_calendar_date(published_raw)
        else _utc_datetime(get(entry, "published_parsed") or get(entry, "updated_parsed"))
    )
    summary = str(get(entry, "summary") or "")
    content = get(entry, "content")
    if not summary and content:
        summary = str(get(content[0], "value") or "")
    detail = get(entry, "summary_detail") or get(entry, "title_detail") or {}
    return RawEntry(
        index=index,
        guid=str(get(entry, "id") or ""),
        link=str(get(entry, "link") or ""),
        title=str(get(entry, "title") or ""),
        summary=summary,
        published=published,
        published_raw=published_raw,
        authors=tuple(
            str(author["name"]) for author in get(entry, "authors", ()) if get(author, "name")
        ),
        tags=tuple(str(tag["term"]) for tag in get(entry, "tags", ()) if get(tag, "term")),
        language=str(get(detail, "language") or feed_language or ""),
    )


def _impossible_calendar_date(raw: str) -> bool:
    """True for ``2025-13-45``-style dates, which feedparser silently rolls over into real ones."""
    found = _ISO_DATE.search(raw)
    if found is None:
        return False
    try:
        year, month, day = (int(part) for part in found.groups())
        datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return True
    return False


def _utc_datetime(parsed_time: Any) -> datetime | None:
    """feedparser's UTC ``struct_time`` as an aware datetime; None when absent or impossible."""
    if not parsed_time:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed_time), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None
