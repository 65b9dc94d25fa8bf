"""Freshness and fleet size on one replica: N feeds polled every interval, most answering 304,
a fraction getting new items; how long from an item's appearance to its Kafka acknowledgement,
and how much memory and CPU the ingester takes.

    .venv/bin/python benchmarks/freshness_bench.py [--feeds 10000] [--interval 300] [--rounds 2]
        [--new-fraction 0.1] [--hosts 50] [--margin 15] [--seed 1]

    quick:  .venv/bin/python benchmarks/freshness_bench.py --feeds 1000 --interval 30

Starts its own broker (``newswatch_devtools.local_broker``; the item topics are created
beforehand with ``message.timestamp.type=LogAppendTime``, so a record's timestamp is the
broker's append time) and a feed server in its own process on the loopback addresses
127.0.1.1..127.0.1.H, which honours If-None-Match with 304. Every feed starts with a few old
items, published days ago; the first poll of each feed (the warm-up) publishes the on-theme
ones, and they are not measured. Then ``newswatch run`` (not ``--once``; every feed's
``poll_interval_seconds`` set to the interval) keeps polling while, in each of the first
``rounds - 1`` intervals, ``new-fraction`` of the feeds each get one new on-theme item at a
random moment of that interval (the schedule is drawn up front; the server shows an item from
its moment on). The last interval, with 10% to spare (a poll may start late when every fetch
slot is taken) and a margin, lets the last of them be polled; then the ingester gets SIGTERM (it
flushes and exits 0).

Measured, for each scheduled item: delay = the broker's append time of its record in
``<prefix>.items`` − its appearance, split into the wait for a poll (the item's ``fetched_at`` −
appearance) and the pipeline (append − ``fetched_at``): count seen against scheduled (missing
items make the exit status 1), p50, p90, p99 and max, against the target interval + 2 s. Also:
polls per second achieved and the share of 304s (the server's counts over the measurement), the
gaps between two polls of a feed as the server saw them, the ingester's CPU seconds (total, and
per poll during the measurement) and its resident memory (peak: the larger of VmHWM before the
SIGTERM and the rusage of its exit; and over the measurement); the memory of its whole process
tree, every descendant included (``process_tree``: PSS, else RSS, sampled every 2 s from the
start; the peak and its split per process), against the 300 MB budget; and the polls per second
(``poll_profile``, from the server's request times) over the first interval after the ingester
started (its first polls) and over the last whole interval of the measurement. A script that
reports figures, not a test.
"""

import argparse
import asyncio
import bisect
import json
import multiprocessing
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from e2e_bench import create_topics, percentile
from kafka import KafkaConsumer, TopicPartition
from poll_profile import describe, profile
from process_tree import TreePeak

from newswatch.analysis.engine import Analyzer
from newswatch.analysis.themes.compile import compile_themes
from newswatch.analysis.themes.rules import load_themes
from newswatch_devtools.kafka_reader import read_all
from newswatch_devtools.local_broker import LocalBroker

OLD_ITEMS = 3  # per feed; the last one is off-theme, the others are published at warm-up
LAST_INTERVAL_SPARE = 1.1  # the last interval gets 10% more, for polls that start late
TARGET_SLACK_SECONDS = 2.0
TARGET_RSS_MB = 300.0
SAMPLE_SECONDS = 2.0
PROGRESS_SECONDS = 60.0

PROVINCES = (
    "Kunduz", "Helmand", "Ghazni", "Kandahar", "Herat", "Balkh", "Nangarhar", "Farah",
    "Badakhshan", "Baghlan", "Faryab", "Khost", "Logar", "Paktia", "Uruzgan", "Zabul",
)  # fmt: skip
ATTACKERS = ("Taliban fighters", "Taliban militants", "Taliban insurgents", "Taliban gunmen")
VERBS = ("attacked", "stormed", "ambushed", "raided")
TARGETS = (
    "an army checkpoint", "a police post", "a district headquarters", "a military convoy",
    "a government compound", "a border post",
)  # fmt: skip
SOURCES = (
    "officials said", "a provincial spokesman said", "the interior ministry said",
    "local residents told reporters",
)  # fmt: skip
PRISONS = ("Bagram prison", "Pul-e-Charkhi prison", "a jail in Kandahar", "a prison in Herat")
DOHA_TOPICS = ("a ceasefire", "the prisoner exchange", "the withdrawal of US troops", "a timetable")


@dataclass(frozen=True, slots=True)
class Entry:
    """One feed item as the server renders it."""

    key: str
    title: str
    summary: str
    published: datetime


def seeded(*parts: int) -> random.Random:
    """A generator for reproducible test data, the same in the parent and the server."""
    return random.Random(":".join(map(str, parts)))  # noqa: S311 - test data, not a secret


@dataclass(frozen=True, slots=True)
class NewItem:
    """A new item: which feed shows it, and how long after the measurement starts."""

    feed: int
    serial: int
    offset_s: float

    @property
    def key(self) -> str:
        """The last segment of the item's link, recovered from the published ``url``."""
        return f"new-{self.serial}"


def on_theme_text(rng: random.Random, serial: int) -> tuple[str, str]:
    """A distinct attack, prisoner-release or Doha-talks report (title, summary)."""
    province = rng.choice(PROVINCES)
    count = rng.randint(2, 60)
    kind = serial % 3
    if kind == 0:
        attacker, verb, target = rng.choice(ATTACKERS), rng.choice(VERBS), rng.choice(TARGETS)
        title = f"{attacker} {verb} {target} in {province}"
        summary = (
            f"{attacker} {verb} {target} in {province} province, killing at least {count} "
            f"members of the security forces, {rng.choice(SOURCES)} (dispatch {serial})."
        )
    elif kind == 1:
        prison = rng.choice(PRISONS)
        title = f"Afghan government frees {count * 10} Taliban prisoners from {prison}"
        summary = (
            f"The Afghan government released {count * 10} Taliban prisoners from {prison} under "
            f"the deal with the United States, {rng.choice(SOURCES)} (dispatch {serial})."
        )
    else:
        topic = rng.choice(DOHA_TOPICS)
        title = f"US and Taliban envoys meet in Doha to discuss {topic}"
        summary = (
            f"Zalmay Khalilzad met Taliban negotiators in Doha to discuss {topic} under the "
            f"February agreement, {rng.choice(SOURCES)} (dispatch {serial})."
        )
    return title, summary


def old_entries(feed: int, seed: int, epoch: float) -> list[Entry]:
    """The feed's items before the measurement: published days before ``epoch``."""
    rng = seeded(seed, feed)
    entries = []
    for n in range(OLD_ITEMS):
        published = datetime.fromtimestamp(epoch, UTC) - timedelta(days=1 + n, minutes=feed % 600)
        serial = 10_000_000 + feed * OLD_ITEMS + n
        if n == OLD_ITEMS - 1:
            title = f"Afghanistan cricket team beats Ireland in Abu Dhabi, match {serial}"
            summary = f"Rashid Khan took four wickets as Afghanistan won by {n + 40} runs."
        else:
            title, summary = on_theme_text(rng, serial)
        entries.append(Entry(f"old-{feed}-{n}", title, summary, published))
    return entries


def new_entry(item: NewItem, seed: int, start: float) -> Entry:
    """The entry of a new item, published at its appearance (``start`` + its offset)."""
    title, summary = on_theme_text(seeded(seed, -1, item.serial), item.serial)
    published = datetime.fromtimestamp(start + item.offset_s, UTC).replace(microsecond=0)
    return Entry(item.key, title, summary, published)


def schedule_new_items(
    feeds: int, interval: float, windows: int, fraction: float, seed: int
) -> list[NewItem]:
    """In each of ``windows`` intervals, ``fraction`` of the feeds get one item at a random
    moment of it; offsets count from the start of the measurement."""
    rng = seeded(seed)
    per_window = max(1, round(feeds * fraction))
    items: list[NewItem] = []
    for window in range(windows):
        for feed in rng.sample(range(feeds), per_window):
            offset = window * interval + rng.uniform(0, interval)
            items.append(NewItem(feed, len(items), offset))
    return items


def render_feed(feed: int, entries: list[Entry]) -> bytes:
    """An RSS document with ``entries``, newest first."""
    items = "".join(
        f"<item><title>{escape(entry.title)}</title>"
        f"<link>http://bench.test/story/{entry.key}</link><guid>{entry.key}</guid>"
        f"<description>{escape(entry.summary)}</description>"
        f"<pubDate>{format_datetime(entry.published, usegmt=True)}</pubDate></item>"
        for entry in sorted(entries, key=lambda entry: entry.published, reverse=True)
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>bench {feed}</title><link>http://bench.test/{feed}</link>{items}"
        f"</channel></rss>"
    ).encode()


def count_on_theme(entries: list[Entry]) -> int:
    """How many of ``entries`` match a bundled theme (and so get published)."""
    analyzer = Analyzer(compile_themes(load_themes(None)[1]))
    return sum(1 for entry in entries if analyzer.analyse(entry.title, entry.summary).themes)


# ------------------------------------------------------------------ the feed server process


@dataclass(frozen=True, slots=True)
class FeedPlan:
    """Everything the feed server needs to know, drawn up by the parent before it starts."""

    hosts: list[str]
    seed: int
    epoch: float
    items: list[NewItem]
    old_published: int = 0


@dataclass
class ServerStats:
    """What the feed server counted; sent to the parent on request."""

    requests: int = 0
    ok: int = 0
    not_modified: int = 0
    last_request: dict[int, float] = field(default_factory=dict)
    gaps: list[float] = field(default_factory=list)
    times: list[float] = field(default_factory=list)

    def note(self, feed: int, now: float, *, modified: bool) -> None:
        """Count one request of ``feed`` and the gap since its previous one."""
        self.requests += 1
        self.times.append(now)
        if modified:
            self.ok += 1
        else:
            self.not_modified += 1
        previous = self.last_request.get(feed)
        if previous is not None:
            self.gaps.append(now - previous)
        self.last_request[feed] = now

    def snapshot(self) -> dict[str, Any]:
        """The counts, the number of feeds requested so far and the sorted poll gaps."""
        return {
            "requests": self.requests,
            "ok": self.ok,
            "not_modified": self.not_modified,
            "feeds_seen": len(self.last_request),
            "gaps": sorted(self.gaps),
        }


class Catalogue:
    """Every feed's current document: old items, plus the new ones whose moment has come."""

    def __init__(self, plan: FeedPlan, start: "Synchronized[float]") -> None:
        self.plan = plan
        self.start = start
        self.new: dict[int, list[NewItem]] = {}
        for item in sorted(plan.items, key=lambda item: item.offset_s):
            self.new.setdefault(item.feed, []).append(item)
        self._offsets = {feed: [item.offset_s for item in new] for feed, new in self.new.items()}
        self._bodies: dict[tuple[int, int], bytes] = {}

    def version(self, feed: int, now: float) -> int:
        """How many of the feed's new items are visible at ``now`` (none before the start)."""
        start = self.start.value
        if start <= 0 or feed not in self._offsets:
            return 0
        return bisect.bisect_right(self._offsets[feed], now - start)

    def body(self, feed: int, version: int) -> bytes:
        """The document of ``feed`` with its first ``version`` new items."""
        cached = self._bodies.get((feed, version))
        if cached is None:
            seed, start = self.plan.seed, self.start.value
            entries = old_entries(feed, seed, self.plan.epoch) + [
                new_entry(item, seed, start) for item in self.new.get(feed, [])[:version]
            ]
            cached = self._bodies[(feed, version)] = render_feed(feed, entries)
        return cached


def respond(catalogue: Catalogue, stats: ServerStats, head: bytes) -> bytes:
    """The HTTP response to one request head: 304 when If-None-Match names the current ETag."""
    lines = head.decode("latin-1").split("\r\n")
    path = lines[0].split(" ")[1]
    if not path.startswith("/feed/"):
        return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    feed = int(path.removeprefix("/feed/").removesuffix(".xml"))
    now = time.time()
    version = catalogue.version(feed, now)
    etag = f'"{feed}.{version}"'
    matches = any(
        line.lower().startswith("if-none-match:") and line.split(":", 1)[1].strip() == etag
        for line in lines[1:]
    )
    stats.note(feed, now, modified=not matches)
    if matches:
        return f"HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\n\r\n".encode()
    body = catalogue.body(feed, version)
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: {etag}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )


def serve_feeds(plan: FeedPlan, start: "Synchronized[float]", parent: Connection) -> None:
    """The feed server process: send the port, then serve and answer stats requests."""
    catalogue = Catalogue(plan, start)
    stats = ServerStats()

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                writer.write(respond(catalogue, stats, await reader.readuntil(b"\r\n\r\n")))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        port, servers = await listen_on_one_port(plan.hosts, connection)
        parent.send(port)
        while servers:
            if parent.poll():
                wanted = parent.recv()
                parent.send(stats.times if wanted == "times" else stats.snapshot())
            await asyncio.sleep(0.1)

    asyncio.run(main())


async def listen_on_one_port(
    hosts: list[str], handler: Callable[..., Any]
) -> tuple[int, list[asyncio.Server]]:
    """Listen on every host on one port, the first host's free one (retried if taken)."""
    for _ in range(20):
        first = await asyncio.start_server(handler, hosts[0], 0, backlog=1024)
        port = first.sockets[0].getsockname()[1]
        servers = [first]
        try:
            for host in hosts[1:]:
                servers.append(await asyncio.start_server(handler, host, port, backlog=1024))
        except OSError:
            for server in servers:
                server.close()
            continue
        return port, servers
    raise SystemExit("no port free on every loopback host")


class FeedServer:
    """The parent's handle on the feed server process."""

    def __init__(self, plan: FeedPlan) -> None:
        context = multiprocessing.get_context("spawn")
        self.start_time = context.Value("d", 0.0)
        self._pipe, child = context.Pipe()
        self._process = context.Process(
            target=serve_feeds, args=(plan, self.start_time, child), daemon=True
        )
        self._process.start()
        if not self._pipe.poll(60):
            raise SystemExit("feed server did not start")
        self.port: int = self._pipe.recv()

    def stats(self) -> dict[str, Any]:
        """The server's counts now."""
        self._pipe.send("stats")
        if not self._pipe.poll(30):
            raise SystemExit("feed server does not answer")
        stats: dict[str, Any] = self._pipe.recv()
        return stats

    def request_times(self) -> list[float]:
        """When each request so far came (seconds since the epoch), in order."""
        self._pipe.send("times")
        if not self._pipe.poll(30):
            raise SystemExit("feed server does not answer")
        times: list[float] = self._pipe.recv()
        return times

    def stop(self) -> None:
        """End the server process."""
        self._process.terminate()
        self._process.join()


# ------------------------------------------------------------------ the ingester process


def proc_status_kib(pid: int, field_name: str) -> int:
    """A ``/proc/<pid>/status`` memory field (VmRSS, VmHWM) in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field_name}:"):
            return int(line.split()[1])
    raise KeyError(field_name)


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def write_feeds_file(path: Path, hosts: list[str], port: int, feeds: int, interval: float) -> None:
    """The feeds file: feed n on host n mod H, each polled every ``interval`` seconds."""
    path.write_text(
        "feeds:\n"
        + "".join(
            f"  - {{name: bench-{n}, url: 'http://{hosts[n % len(hosts)]}:{port}/feed/{n}.xml', "
            f"poll_interval_seconds: {interval}}}\n"
            for n in range(feeds)
        )
    )


def start_ingester(
    bootstrap: str, prefix: str, feeds_file: Path, log: Path
) -> subprocess.Popen[bytes]:
    """``newswatch run`` with the Kafka sink, loopback feeds allowed, warnings only."""
    command = [sys.executable, "-m", "newswatch", "run", "--feeds", str(feeds_file)]
    command += ["--bootstrap-servers", bootstrap, "--topic-prefix", prefix, "--metrics-port", "0"]
    command += ["--log-format", "json", "--log-level", "WARNING"]
    with log.open("wb") as stderr:
        return subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env={**os.environ, "NEWSWATCH_FETCH_ALLOW_NETWORKS": "127.0.0.0/8"},
        )


def records_in(consumer: KafkaConsumer, topic: str) -> int:
    """How many records ``topic`` holds (sum of its partitions' end offsets)."""
    partitions = [
        TopicPartition(topic, partition) for partition in consumer.partitions_for_topic(topic) or []
    ]
    return sum(consumer.end_offsets(partitions).values()) if partitions else 0


def wait_for_warm_up(
    ingester: subprocess.Popen[bytes],
    server: FeedServer,
    consumer: KafkaConsumer,
    tree: TreePeak,
    *,
    topic: str,
    feeds: int,
    old_items: int,
) -> None:
    """Until every feed was polled once and its old on-theme items are all in ``topic``."""
    deadline = time.monotonic() + 1800
    while True:
        if ingester.poll() is not None:
            raise SystemExit(f"the ingester exited during warm-up (status {ingester.returncode})")
        tree.sample()
        seen, stored = server.stats()["feeds_seen"], records_in(consumer, topic)
        if seen >= feeds and stored >= old_items:
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"warm-up incomplete: {seen} feeds polled, {stored} items stored")
        time.sleep(SAMPLE_SECONDS)


@dataclass
class Window:
    """What was sampled between the start of the measurement and the SIGTERM."""

    start: float
    end: float = 0.0
    stats_start: dict[str, Any] = field(default_factory=dict)
    stats_end: dict[str, Any] = field(default_factory=dict)
    cpu_start: float = 0.0
    cpu_end: float = 0.0
    rss_kib: list[int] = field(default_factory=list)
    peak_kib: int = 0


def watch(
    ingester: subprocess.Popen[bytes],
    server: FeedServer,
    window: Window,
    tree: TreePeak,
    until: float,
) -> None:
    """Sample the ingester's memory (its own RSS, and its whole tree's) until ``until``,
    printing progress; fill ``window``."""
    window.stats_start = server.stats()
    window.cpu_start = proc_cpu_seconds(ingester.pid)
    next_progress = time.time() + PROGRESS_SECONDS
    while (now := time.time()) < until:
        if ingester.poll() is not None:
            raise SystemExit(f"the ingester exited during the measurement ({ingester.returncode})")
        window.rss_kib.append(proc_status_kib(ingester.pid, "VmRSS"))
        whole = tree.sample()
        if now >= next_progress:
            polls = server.stats()["requests"] - window.stats_start["requests"]
            print(
                f"  t+{now - window.start:.0f} s: {polls} polls, "
                f"RSS {window.rss_kib[-1] / 1024:.0f} MiB, tree {whole.kinds} "
                f"{whole.total_kib / 1024:.0f} MiB",
                flush=True,
            )
            next_progress += PROGRESS_SECONDS
        time.sleep(min(SAMPLE_SECONDS, max(0.0, until - now)))
    window.end = time.time()
    window.stats_end = server.stats()
    window.cpu_end = proc_cpu_seconds(ingester.pid)
    window.peak_kib = proc_status_kib(ingester.pid, "VmHWM")


def stop_ingester(ingester: subprocess.Popen[bytes]) -> tuple[int, resource.struct_rusage]:
    """SIGTERM, then wait for the flush; the exit status and the ingester's own rusage.

    ``os.wait4`` rather than ``RUSAGE_CHILDREN``, whose peak memory would also be that of the
    broker's storage-format JVM.
    """
    ingester.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(ingester.pid, os.WNOHANG)
        if pid:
            ingester.returncode = os.waitstatus_to_exitcode(status)
            return ingester.returncode, usage
        time.sleep(0.2)
    ingester.kill()
    ingester.wait()
    raise SystemExit("the ingester did not stop within 120 s of SIGTERM")


# ------------------------------------------------------------------ the figures


def published_times(bootstrap: str, topic: str) -> dict[str, tuple[float, float, int]]:
    """For each item key in ``topic``: first append time, its ``fetched_at`` and copies."""
    found: dict[str, tuple[float, float, int]] = {}
    for record in read_all(bootstrap, topic, timeout_s=300):
        value = json.loads(record.value)
        key = value["url"].rsplit("/", 1)[-1]
        appended = record.timestamp / 1000
        fetched = datetime.fromisoformat(value["fetched_at"]).timestamp()
        earlier = found.get(key)
        if earlier is None or appended < earlier[0]:
            found[key] = (appended, fetched, 1 + (earlier[2] if earlier else 0))
        else:
            found[key] = (*earlier[:2], earlier[2] + 1)
    return found


def spread(values: list[float]) -> str:
    """p50, p90, p99 and max of ``values``, in seconds."""
    return (
        f"p50 {percentile(values, 0.5):.2f} s, p90 {percentile(values, 0.9):.2f} s, "
        f"p99 {percentile(values, 0.99):.2f} s, max {max(values):.2f} s"
    )


def report_delays(
    items: list[NewItem], found: dict[str, tuple[float, float, int]], start: float, target: float
) -> bool:
    """Print the delays of the scheduled items; False when some never reached Kafka."""
    delays, waits, pipeline = [], [], []
    missing = [item for item in items if item.key not in found]
    for item in items:
        if item.key in found:
            appended, fetched, _ = found[item.key]
            appeared = start + item.offset_s
            delays.append(appended - appeared)
            waits.append(fetched - appeared)
            pipeline.append(appended - fetched)
    repeated = sum(1 for item in items if found.get(item.key, (0, 0, 1))[2] > 1)
    print(f"new items: {len(delays)} of {len(items)} scheduled reached Kafka; {repeated} twice")
    if missing:
        print(
            f"!!! MISSING: {len(missing)} scheduled items never reached Kafka "
            f"(e.g. {', '.join(item.key for item in missing[:5])}) !!!"
        )
    if not delays:
        return False
    print(f"delay appearance → Kafka ack: {spread(delays)}")
    print(f"  of which waiting for a poll (fetched_at − appearance): {spread(waits)}")
    print(f"  of which fetch → ack (append − fetched_at): {spread(pipeline)}")
    p99 = percentile(delays, 0.99)
    verdict = "meets" if p99 <= target else "MISSES"
    print(f"p99 {p99:.2f} s {verdict} the target, interval + 2 s = {target:.0f} s")
    return not missing


def report_load(window: Window, interval: float, cpu_total: float, rusage_rss_kib: int) -> None:
    """Print polls/s, the 304 share, the poll gaps, CPU and memory."""
    seconds = window.end - window.start
    polls = window.stats_end["requests"] - window.stats_start["requests"]
    not_modified = window.stats_end["not_modified"] - window.stats_start["not_modified"]
    gaps = window.stats_end["gaps"]
    cpu = window.cpu_end - window.cpu_start
    print(
        f"polls: {polls} in {seconds:.0f} s = {polls / seconds:.1f} polls/s; "
        f"{not_modified / max(polls, 1):.1%} answered 304"
    )
    if gaps:
        print(
            f"gap between two polls of a feed (server side, {len(gaps)} gaps): "
            f"min {gaps[0] / interval:.3f}, p50 {percentile(gaps, 0.5) / interval:.3f}, "
            f"p99 {percentile(gaps, 0.99) / interval:.3f}, max {gaps[-1] / interval:.3f} "
            f"× interval"
        )
    print(
        f"ingester CPU: {cpu:.1f} s over the measurement = {cpu / seconds:.1%} of one core, "
        f"{cpu / max(polls, 1) * 1000:.2f} ms per poll; {cpu_total:.1f} s in all "
        f"(start-up and warm-up included)"
    )
    peak_kib = max(window.peak_kib, rusage_rss_kib)
    peak_mb = peak_kib * 1024 / 1e6
    verdict = "within" if peak_mb <= TARGET_RSS_MB else "OVER"
    print(
        f"ingester RSS: peak {peak_kib / 1024:.0f} MiB = {peak_mb:.0f} MB, {verdict} the "
        f"{TARGET_RSS_MB:.0f} MB target (VmHWM before SIGTERM {window.peak_kib / 1024:.0f} MiB, "
        f"rusage at exit {rusage_rss_kib / 1024:.0f} MiB); during the measurement "
        f"{min(window.rss_kib) / 1024:.0f}..{max(window.rss_kib) / 1024:.0f} MiB"
    )


def report_profiles(
    times: list[float], started: float, measured: float, args: argparse.Namespace
) -> None:
    """Print how the polls fell over the first interval after the ingester started (the first
    polls) and over the last whole interval of the measurement (steady state)."""
    steady = measured + (args.rounds - 1) * args.interval
    for line in describe("first interval after start-up", profile(times, started, args.interval)):
        print(line)
    for line in describe("last whole interval measured", profile(times, steady, args.interval)):
        print(line)


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=10_000)
    parser.add_argument("--interval", type=float, default=300.0, help="poll interval, seconds")
    parser.add_argument("--rounds", type=int, default=2, help="intervals measured (>= 2)")
    parser.add_argument("--new-fraction", type=float, default=0.1, help="feeds with a new item")
    parser.add_argument("--hosts", type=int, default=50, help="loopback hosts (127.0.1.x)")
    parser.add_argument("--margin", type=float, default=15.0, help="seconds after the last poll")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    if args.rounds < 2:
        parser.error("--rounds must be at least 2: the last interval lets the last items in")
    return args


def make_plan(args: argparse.Namespace) -> FeedPlan:
    """The feeds' plan, with how many old items the warm-up publishes (matched here)."""
    epoch = time.time()
    items = schedule_new_items(
        args.feeds, args.interval, args.rounds - 1, args.new_fraction, args.seed
    )
    new = [new_entry(item, args.seed, epoch) for item in items]
    if count_on_theme(new) != len(new):
        raise SystemExit("some new items match no theme; they would never be published")
    return FeedPlan(
        hosts=[f"127.0.1.{n}" for n in range(1, args.hosts + 1)],
        seed=args.seed,
        epoch=epoch,
        items=items,
        old_published=count_on_theme(
            [entry for feed in range(args.feeds) for entry in old_entries(feed, args.seed, epoch)]
        ),
    )


def run(
    args: argparse.Namespace, plan: FeedPlan, server: FeedServer, bootstrap: str, workdir: Path
) -> bool:
    """Start the ingester, warm it up, measure, stop it and print; False on a failure."""
    prefix = f"fresh-{uuid.uuid4().hex[:8]}"
    create_topics(bootstrap, prefix)
    feeds_file = workdir / "feeds.yaml"
    write_feeds_file(feeds_file, plan.hosts, server.port, args.feeds, args.interval)
    started = time.time()
    ingester = start_ingester(bootstrap, prefix, feeds_file, workdir / "ingester.log")
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    tree = TreePeak(ingester.pid)
    try:
        wait_for_warm_up(
            ingester,
            server,
            consumer,
            tree,
            topic=f"{prefix}.items",
            feeds=args.feeds,
            old_items=plan.old_published,
        )
        print(
            f"warm-up: every feed polled and {plan.old_published} old items published "
            f"{time.time() - started:.0f} s after the ingester started; RSS "
            f"{proc_status_kib(ingester.pid, 'VmRSS') / 1024:.0f} MiB",
            flush=True,
        )
        window = Window(start=time.time() + 1)
        server.start_time.value = window.start
        until = window.start + args.interval * (args.rounds - 1 + LAST_INTERVAL_SPARE) + args.margin
        print(f"measuring for {until - window.start:.0f} s", flush=True)
        watch(ingester, server, window, tree, until)
        status, usage = stop_ingester(ingester)
    finally:
        consumer.close()
        if ingester.poll() is None:
            ingester.kill()
            ingester.wait()
    print(f"ingester stopped by SIGTERM, exit status {status}")
    found = published_times(bootstrap, f"{prefix}.items")
    complete = report_delays(plan.items, found, window.start, args.interval + TARGET_SLACK_SECONDS)
    report_load(window, args.interval, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
    print("\n".join(tree.report(TARGET_RSS_MB)))
    report_profiles(server.request_times(), started, window.start, args)
    log = (workdir / "ingester.log").read_text().splitlines()
    print(f"ingester log: {len(log)} lines at WARNING or above")
    for line in log[:5]:
        print(f"  {line[:300]}")
    return complete and status == 0


def main() -> None:
    """Plan the feeds, start broker and feed server, run the measurement, clean up."""
    args = parse_args()
    plan = make_plan(args)
    print(
        f"{args.feeds} feeds on {args.hosts} loopback hosts, polled every {args.interval:.0f} s; "
        f"{len(plan.items)} new items over {args.rounds - 1} interval(s), "
        f"{plan.old_published} old on-theme items; Python {sys.version.split()[0]}, "
        f"{os.cpu_count()} cores",
        flush=True,
    )
    workdir = Path(tempfile.mkdtemp(prefix="newswatch-freshness-"))
    broker = LocalBroker(workdir / "kafka", heap="768m")
    bootstrap = broker.start()
    server = FeedServer(plan)
    try:
        succeeded = run(args, plan, server, bootstrap, workdir)
    finally:
        server.stop()
        broker.stop()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    if not succeeded:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
