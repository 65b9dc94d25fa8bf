"""Normalisation: a raw feed entry becomes a ``NewsItem`` (plain text, canonical URL, UTC).

Pure functions; the only input besides the entry is the feed it came from and the fetch time.
"""

import functools
import hashlib
import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from newswatch.analysis.config import TextSettings
from newswatch.common.errors import EntryRejectedError
from newswatch.common.raw_entry import RawEntry
from newswatch_schemas import NewsItem, RejectionReason, Source

DEFAULT_TEXT = TextSettings()
EARLIEST_PLAUSIBLE = datetime(1995, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(days=1)

TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ocid",
        "cmpid",
        "ref_src",
        "guccounter",
        "__twitter_impression",
    }
)
TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "hsa_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"  # RFC 3986 path characters; the rest is percent-encoded
_WHITESPACE = re.compile(r"\s+")
_LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[a-z0-9]{1,8})*")
_BLOCK_TAGS = frozenset({"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})
_CONTROL_TO_SPACE = dict.fromkeys(
    (code for code in range(0xA0) if unicodedata.category(chr(code)) == "Cc"), " "
)
"""Every control character (Unicode category Cc, all below U+00A0) to a space."""


@dataclass(frozen=True, slots=True)
class FeedContext:
    """What normalisation needs to know about the feed an entry came from."""

    url: str
    name: str
    base_url: str
    language: str


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment; block elements become spaces."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"} and self._skip_depth:
            self._skip_depth -= 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


def plain_text(markup: str, max_chars: int) -> str:
    """Text of an HTML or plain-text fragment: no tags, entities decoded, one space between words.

    Control characters go; format characters such as the zero-width non-joiner, which Persian
    and Pashto spelling needs, stay.
    """
    if "<" in markup:
        extractor = _TextExtractor()
        extractor.feed(markup)
        extractor.close()
        markup = "".join(extractor.parts)
    elif "&" in markup:
        markup = html.unescape(markup)  # what the parser does to text without tags
    text = html.unescape(markup) if "&" in markup else markup
    text = _WHITESPACE.sub(" ", text.translate(_CONTROL_TO_SPACE)).strip()
    return text[:max_chars].rstrip()


@functools.lru_cache(maxsize=4096)
def canonical_url(link: str, base_url: str) -> str:
    """Absolute http(s) URL with tracking parameters, fragment and default port removed, and
    characters that may not stand in a URL path percent-encoded.

    Raises ``ValueError`` for anything that is not an http or https URL. Remembered (a pure
    function of its arguments): ``entry_id`` and ``normalise_entry`` both need a new entry's
    URL, and ``entry_id`` is asked again for every entry on every poll of its feed.
    """
    absolute = urljoin(base_url, link.strip())
    parts = urlsplit(absolute)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"not an http(s) URL: {link[:200]!r}")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = urlencode(
        [
            (key, value)
            for key, value in parse_qsl(parts.query, keep_blank_values=True)
            if not _is_tracking(key)
        ],
        doseq=True,
    )
    path = quote(parts.path or "/", safe=_PATH_SAFE)
    return urlunsplit((scheme, netloc, path, query, ""))


def _is_tracking(parameter: str) -> bool:
    lowered = parameter.lower()
    return lowered in TRACKING_PARAMETERS or lowered.startswith(TRACKING_PREFIXES)


def stable_id(*parts: str) -> str:
    """A 32-hex-digit id that depends only on ``parts``."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:32]


def entry_id(entry: RawEntry, feed: FeedContext) -> str:
    """The entry's stable id: from its canonical link, else its GUID within the feed.

    The link is preferred because it names the article itself: the same article carried by
    two feeds, or with a different tracking parameter, gets one id.
    """
    if entry.link.strip():
        try:
            return stable_id("url", canonical_url(entry.link, feed.base_url))
        except ValueError:
            pass
    if entry.guid:
        return stable_id("guid", feed.url, entry.guid)
    return stable_id("entry", feed.url, entry.title, entry.published_raw, str(entry.index))


def publication_time(published: datetime | None, fetched_at: datetime) -> tuple[datetime, bool]:
    """The entry's publication time, or ``fetched_at`` when the feed's is absent or implausible.

    Returns the time and whether it was estimated. Implausible: before 1995 (as a Solar Hijri
    year read as Gregorian is) or more than a day after the fetch.
    """
    if published is None or not (EARLIEST_PLAUSIBLE <= published <= fetched_at + FUTURE_TOLERANCE):
        return fetched_at, True
    return published, False


@functools.lru_cache(maxsize=1024)
def language_tag(raw: str) -> str:
    """A lower-case BCP 47 tag (``en-us``), or ``und`` when the feed gives none. Remembered:
    a feed gives every entry the same tag."""
    tag = raw.strip().replace("_", "-").lower()
    return tag if _LANGUAGE_TAG.fullmatch(tag) else "und"


def normalise_entry(
    entry: RawEntry, feed: FeedContext, fetched_at: datetime, limits: TextSettings = DEFAULT_TEXT
) -> NewsItem:
    """The entry as a theme-less ``NewsItem``; raises ``EntryRejectedError`` with the reason."""
    if not entry.link.strip():
        raise EntryRejectedError(RejectionReason.NO_LINK, "entry has no link")
    try:
        url = canonical_url(entry.link, feed.base_url)
    except ValueError as error:
        raise EntryRejectedError(RejectionReason.BAD_URL, f"link: {error}") from error
    title = plain_text(entry.title, limits.max_title_chars)
    summary = plain_text(entry.summary, limits.max_summary_chars)
    if not title and not summary:
        raise EntryRejectedError(RejectionReason.NO_TEXT, "entry has neither title nor summary")
    published_at, estimated = publication_time(entry.published, fetched_at)
    return NewsItem(
        id=stable_id("url", url),  # what ``entry_id`` gives an entry with a valid link
        url=url,
        title=title,
        summary=summary,
        published_at=published_at,
        published_at_estimated=estimated,
        fetched_at=fetched_at,
        language=language_tag(entry.language or feed.language),
        source=Source(feed_url=feed.url, name=feed.name),
        authors=[name for author in entry.authors if (name := plain_text(author, 200))],
        tags=[name for tag in entry.tags if (name := plain_text(tag, 200))],
        themes=[],
    )
