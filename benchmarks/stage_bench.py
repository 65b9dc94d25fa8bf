"""Each stage of the ingester on its own, beside a naive baseline, on one core.

Run: ``.venv/bin/python benchmarks/stage_bench.py [--items N] [--per-feed N] [--rounds R]
[--records N] [--no-publish]``. It reports, it does not assert. Items come from the labelled
set's texts topped up with neutral filler (``match_bench.build_items``, mix ``themed``: two in
five on a theme, a fifth not in English), so no two items are alike; they are written into RSS
2.0 documents of ``--per-feed`` items each, with escaped HTML in the descriptions, a tracking
parameter in every link, a GUID, an author, a category and a date a minute apart. Each stage
runs on the previous stage's output, in this process, pinned to one core; figures are the best
of ``--rounds`` runs (the median beside it), in items per second and microseconds per item.

- parsing: ``parse.parse_feed`` (what the ingester runs: ``sanitise_body``, the parser, the
  ``RawEntry`` records) against plain ``feedparser.parse(BytesIO(body))`` and, when it is
  installed, ``feedparser_rs.parse(body)`` (not a dependency: parse.py says why).
- normalisation: ``entry_id`` and ``normalise_entry`` on every ``RawEntry`` (as the pipeline
  calls them), against a naive one on feedparser's own entries: tags stripped by a regular
  expression, ``html.unescape``, the link joined to the feed URL, an id hashed from it, a
  datetime from ``published_parsed``, all in a dict.
- matching: the analysis engine (``Analyzer.analyse``, the service's path: folding, the
  language choice from the text and the item's declared language, matching) with the bundled
  themes against ``match_bench``'s baseline (one compiled alternation of each theme's terms),
  on the normalised items' titles and summaries.
- JSON: ``NewsItem.model_dump_json()`` against ``json.dumps(item.model_dump(mode="json"))`` on
  the matched items, themes and facts attached as the pipeline attaches them.
- publishing (unless ``--no-publish``): the matched items' records (key, JSON value,
  CloudEvents headers) sent with kafka-python to a real broker started here
  (``newswatch_devtools.local_broker``; it runs on the other cores, this process on one), acks=all,
  idempotent: one ``send().get()`` per record against sends with the ingester's default
  ``kafka_linger_ms`` and ``kafka_batch_size_bytes`` and one ``flush()``. The publishing
  figures count records, and show the client's CPU per record beside the wall-clock rate.
"""

import argparse
import calendar
import hashlib
import html
import importlib
import io
import json
import os
import re
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from types import ModuleType
from typing import Any, NamedTuple
from urllib.parse import urljoin
from xml.sax.saxutils import escape

import feedparser
from match_bench import baseline_patterns, best_rate, build_items, run_baseline

from newswatch.analysis.engine import Analyzer
from newswatch.analysis.facts.gazetteer import compile_gazetteer
from newswatch.analysis.items import FeedContext, entry_id, normalise_entry
from newswatch.analysis.themes.compile import compile_themes
from newswatch.analysis.themes.rules import load_themes
from newswatch.common.errors import EntryRejectedError
from newswatch.fetching.feed_parser import ParsedFeed, parse_feed
from newswatch.kafka.config import KafkaSettings
from newswatch_devtools.local_broker import LocalBroker
from newswatch_schemas import NewsItem
from newswatch_schemas.cloudevents import binary_headers, item_attributes

try:
    FEEDPARSER_RS: ModuleType | None = importlib.import_module("feedparser_rs")
except ImportError:  # optional: measured only when installed
    FEEDPARSER_RS = None

CONTENT_TYPE = "application/rss+xml; charset=utf-8"
FETCHED_AT = datetime(2020, 5, 6, 12, 0, tzinfo=UTC)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


class Feed(NamedTuple):
    """One benchmark feed document and where it is served from."""

    url: str
    body: bytes


class Row(NamedTuple):
    """One contender's figures in one stage."""

    stage: str
    contender: str
    best: float
    median: float
    note: str


def build_feeds(count: int, per_feed: int) -> list[Feed]:
    """``count`` distinct items as RSS 2.0 documents of ``per_feed`` items each."""
    items = build_items(count, "themed")
    feeds = []
    for start in range(0, count, per_feed):
        number = start // per_feed
        entries = []
        for n, (title, summary, language) in enumerate(items[start : start + per_feed], start):
            date = format_datetime(FETCHED_AT - timedelta(minutes=n))
            lang = f' xml:lang="{language}"' if language != "en" else ""
            entries.append(
                f"<item{lang}><title>{escape(title)}</title>"
                f"<link>http://bench{number}.test/{language}/story-{n}?utm_source=rss&amp;id={n}"
                f"</link><guid isPermaLink='false'>bench-{n}</guid>"
                f"<description>{escape(f'<p>{escape(summary)}</p>')}</description>"
                f"<dc:creator>Staff reporter {n % 7}</dc:creator>"
                f"<category>Section {n % 5}</category><pubDate>{date}</pubDate></item>"
            )
        feeds.append(
            Feed(
                url=f"http://bench{number}.test/feed.xml",
                body=(
                    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
                    'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
                    f"<title>bench {number}</title><link>http://bench{number}.test/</link>"
                    f"<language>en</language>{''.join(entries)}</channel></rss>"
                ).encode(),
            )
        )
    return feeds


def parse_all(feeds: list[Feed]) -> list[ParsedFeed]:
    """``parse_feed`` on every document, as the pipeline calls it."""
    return [
        parse_feed(feed.body, feed_url=feed.url, content_type=CONTENT_TYPE, base_url=feed.url)
        for feed in feeds
    ]


def feedparser_all(feeds: list[Feed]) -> list[Any]:
    """Plain ``feedparser.parse`` on every document, handed a file-like object."""
    return [
        feedparser.parse(
            io.BytesIO(feed.body),
            response_headers={"content-type": CONTENT_TYPE, "content-location": feed.url},
        )
        for feed in feeds
    ]


def context_of(feed: Feed, parsed: ParsedFeed) -> FeedContext:
    """What normalisation knows of the feed, as the pipeline builds it."""
    return FeedContext(url=feed.url, name=feed.url, base_url=feed.url, language=parsed.language)


def normalise_all(feeds: list[Feed], parsed: list[ParsedFeed]) -> list[NewsItem]:
    """``entry_id`` and ``normalise_entry`` on every entry; the items that were not rejected."""
    items = []
    for feed, document in zip(feeds, parsed, strict=True):
        context = context_of(feed, document)
        for entry in document.entries:
            entry_id(entry, context)
            try:
                items.append(normalise_entry(entry, context, FETCHED_AT))
            except EntryRejectedError:
                continue
    return items


def naive_text(markup: str) -> str:
    """Tags out by a regular expression, entities decoded, whitespace collapsed."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", markup))).strip()


def naive_normalise_all(feeds: list[Feed], documents: list[Any]) -> list[dict[str, Any]]:
    """A straightforward normalisation of feedparser's entries into dicts."""
    records = []
    for feed, document in zip(feeds, documents, strict=True):
        for entry in document.entries:
            url = urljoin(feed.url, entry.get("link", ""))
            parsed_time = entry.get("published_parsed")
            records.append(
                {
                    "id": hashlib.sha256(url.encode()).hexdigest()[:32],
                    "url": url,
                    "title": naive_text(entry.get("title", "")),
                    "summary": naive_text(entry.get("summary", "")),
                    "published_at": (
                        datetime.fromtimestamp(calendar.timegm(parsed_time), tz=UTC)
                        if parsed_time
                        else FETCHED_AT
                    ),
                    "authors": [author.get("name", "") for author in entry.get("authors", [])],
                    "tags": [tag.get("term", "") for tag in entry.get("tags", [])],
                }
            )
    return records


def matched_items(items: list[NewsItem], analyzer: Analyzer) -> list[NewsItem]:
    """The items that match a theme, with themes and facts attached as the pipeline does."""
    matched = []
    for item in items:
        analysis = analyzer.analyse(item.title, item.summary, item.language)
        if analysis.themes:
            facts = analysis.facts
            update = {
                "themes": analysis.themes,
                "figures": list(facts.figures),
                "actors": list(facts.actors),
                "places": list(facts.places),
            }
            matched.append(item.model_copy(update=update))
    return matched


def timed(
    stage: str, contender: str, run: Callable[[], int], count: int, rounds: int, *, note: str = ""
) -> Row:
    """``run`` (which returns how many items it produced or hit) timed over ``count`` items."""
    best, median, result = best_rate(run, count, rounds)
    return Row(stage, contender, best, median, note.format(result=result))


Record = tuple[bytes, bytes, list[tuple[str, bytes]]]


def time_producer(
    bootstrap: str,
    topic: str,
    batch: list[Record],
    rounds: int,
    *,
    linger_ms: int,
    batch_bytes: int,
    naive: bool,
) -> Row:
    """One producer (acks=all, idempotent) sending ``batch``: awaiting each record's
    acknowledgement when ``naive``, else leaving them to batch and flushing once at the end."""
    from kafka import KafkaProducer  # noqa: PLC0415 - only when publishing

    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        max_in_flight_requests_per_connection=5,
        linger_ms=linger_ms,
        batch_size=batch_bytes,
    )
    producer.send(topic, key=b"warm-up", value=b"{}").get(timeout=30)
    cpu_seconds: list[float] = []

    def run() -> int:
        started = time.process_time()
        futures = []
        for key, value, headers in batch:
            future = producer.send(topic, key=key, value=value, headers=headers)
            if naive:
                future.get(timeout=30)
            futures.append(future)
        producer.flush()
        cpu_seconds.append(time.process_time() - started)
        return sum(future.succeeded() for future in futures)

    try:
        best, median, acknowledged = best_rate(run, len(batch), rounds)
    finally:
        producer.close()
    contender = (
        "send().get() per record (naive)"
        if naive
        else f"send(), linger {linger_ms} ms, {batch_bytes // 1024} KiB batches, flush()"
    )
    cpu = min(cpu_seconds) / len(batch) * 1e6
    note = f"{acknowledged} acknowledged; {cpu:.0f} µs CPU per record (all threads)"
    return Row("publishing", contender, best, median, note)


def publishing_rows(items: list[NewsItem], records: int, rounds: int, core: int) -> list[Row]:
    """Start a broker, pin this process to ``core``, then time the two producers."""
    from kafka.admin import KafkaAdminClient, NewTopic  # noqa: PLC0415 - only when publishing

    payloads = [
        (
            item.id.encode("ascii"),
            item.model_dump_json().encode(),
            binary_headers(item_attributes(item)),
        )
        for item in items
    ]
    batch = [payloads[n % len(payloads)] for n in range(records)]
    workdir = Path(tempfile.mkdtemp(prefix="newswatch-stage-"))
    broker = LocalBroker(workdir / "kafka", heap="768m")
    bootstrap = broker.start()
    os.sched_setaffinity(0, {core})
    try:
        topic = f"stage-bench-{uuid.uuid4().hex[:8]}"
        admin = KafkaAdminClient(bootstrap_servers=bootstrap)
        try:
            admin.create_topics([NewTopic(topic, 3, 1)])
        finally:
            admin.close()
        defaults = KafkaSettings.model_fields
        return [
            time_producer(
                bootstrap, topic, batch, rounds, linger_ms=0, batch_bytes=16384, naive=True
            ),
            time_producer(
                bootstrap,
                topic,
                batch,
                rounds,
                linger_ms=defaults["linger_ms"].default,
                batch_bytes=defaults["batch_size_bytes"].default,
                naive=False,
            ),
        ]
    finally:
        broker.stop()


def cpu_rows(feeds: list[Feed], rounds: int) -> tuple[list[Row], list[NewsItem]]:
    """Every stage but publishing, in order; and the matched items, for publishing."""
    parsed = parse_all(feeds)
    documents = feedparser_all(feeds)
    entries = sum(len(document.entries) for document in parsed)
    items = normalise_all(feeds, parsed)
    _, theme_set = load_themes(None)
    themes = compile_themes(theme_set)
    matching = Analyzer(themes)
    patterns = baseline_patterns(theme_set)
    matched = matched_items(items, Analyzer(themes, compile_gazetteer(None)))
    texts = [(item.title, item.summary, item.language) for item in items]

    def parse_newswatch() -> int:
        return sum(len(document.entries) for document in parse_all(feeds))

    def parse_feedparser() -> int:
        return sum(len(document.entries) for document in feedparser_all(feeds))

    def match_newswatch() -> int:
        return sum(bool(matching.analyse(*text).themes) for text in texts)

    def dump_newswatch() -> int:
        return sum(bool(item.model_dump_json()) for item in matched)

    def dump_naive() -> int:
        return sum(bool(json.dumps(item.model_dump(mode="json"))) for item in matched)

    contenders: list[tuple[str, str, Callable[[], int], int, str]] = [
        ("parsing", "newswatch parse_feed (feedparser)", parse_newswatch, entries, ""),
        ("parsing", "feedparser.parse(BytesIO)", parse_feedparser, entries, ""),
    ]
    if FEEDPARSER_RS is not None:
        parse = FEEDPARSER_RS.parse
        contenders.append(
            (
                "parsing",
                f"feedparser_rs {FEEDPARSER_RS.__version__} .parse(bytes)",
                lambda: sum(len(parse(feed.body).entries) for feed in feeds),
                entries,
                "not used: see parse.py",
            )
        )
    contenders += [
        (
            "normalisation",
            "newswatch entry_id + normalise_entry",
            lambda: len(normalise_all(feeds, parsed)),
            entries,
            "{result} items",
        ),
        (
            "normalisation",
            "naive (regex strip, unescape, dict)",
            lambda: len(naive_normalise_all(feeds, documents)),
            entries,
            "{result} records",
        ),
        (
            "matching",
            "newswatch Analyzer, bundled themes",
            match_newswatch,
            len(texts),
            "{result} matched",
        ),
        (
            "matching",
            "match_bench regex alternation per theme",
            lambda: run_baseline(patterns, texts),
            len(texts),
            "{result} hit",
        ),
        ("JSON", "NewsItem.model_dump_json()", dump_newswatch, len(matched), ""),
        ("JSON", 'json.dumps(model_dump(mode="json"))', dump_naive, len(matched), ""),
    ]
    rows = [
        timed(stage, contender, run, count, rounds, note=note)
        for stage, contender, run, count, note in contenders
    ]
    if FEEDPARSER_RS is None:
        rows.insert(
            2, Row("parsing", "feedparser_rs .parse(bytes)", 0, 0, "skipped: not installed")
        )
    return rows, matched


def main() -> None:
    """Build the feeds, time every stage's contenders, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2_000)
    parser.add_argument("--per-feed", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--records", type=int, default=2_000, help="records per publishing run")
    parser.add_argument("--no-publish", action="store_true", help="skip the broker stage")
    args = parser.parse_args()
    cores = os.sched_getaffinity(0)
    core = min(cores)
    os.sched_setaffinity(0, {core})
    feeds = build_feeds(args.items, args.per_feed)
    size = sum(len(feed.body) for feed in feeds) / args.items
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} cores, this process pinned to core "
        f"{core}; {args.items} items in {len(feeds)} RSS documents ({size:.0f} bytes per item); "
        f"best and median of {args.rounds} runs"
    )
    rows, matched = cpu_rows(feeds, args.rounds)
    if args.no_publish:
        rows.append(Row("publishing", "kafka-python", 0, 0, "skipped: --no-publish"))
    else:
        os.sched_setaffinity(0, cores)  # the broker gets every core; this process, one
        rows += publishing_rows(matched, args.records, min(args.rounds, 3), core)
    print(f"{'stage':<14} {'contender':<40} {'per s':>10} {'µs each':>9} {'median/s':>10}  note")
    for row in rows:
        figures = (
            f"{row.best:>10,.0f} {1e6 / row.best:>9.1f} {row.median:>10,.0f}"
            if row.best
            else " " * 31
        )
        print(f"{row.stage:<14} {row.contender:<40} {figures}  {row.note}")


if __name__ == "__main__":
    main()
