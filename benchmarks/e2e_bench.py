"""End to end against the ceiling: local feeds → ``newswatch run --once`` → a real Kafka broker,
then the same records pushed by a bare kafka-python producer.

    .venv/bin/python benchmarks/e2e_bench.py [--feeds 100] [--items 100] [--on-theme 1.0]
        [--profile profile.json] [--workers N]

Starts its own broker (``newswatch_devtools.local_broker``) and feed server on loopback. The
topics are created beforehand with ``message.timestamp.type=LogAppendTime``, so every record's
timestamp is the moment the broker appended it: the delay of an item is that time minus the
moment the feeds started serving it. Reports items per second over the publishing window and
over the whole run, p50 and p99 delay, the ingester's CPU seconds per 1,000 items (the whole
process tree; and the main process's alone over the publishing window, sampled from
``/proc/<pid>/stat``) and its peak resident memory, then the bare producer's rate on the same
records and the ratio. By default
every item is on a theme (the worst case: all published); ``--on-theme 0.1`` mixes in ordinary
news, read but not published, as a real stream would. A script that reports, not a test.
"""

import argparse
import bisect
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from newswatch_devtools.feed_server import FeedServer, Route
from newswatch_devtools.kafka_reader import read_all
from newswatch_devtools.local_broker import LocalBroker

THEMES = ("doha_agreement", "prisoner_release", "taliban_attacks")
PROVINCES = (
    "Kunduz", "Helmand", "Ghazni", "Kandahar", "Herat", "Balkh", "Nangarhar", "Farah", "Badakhshan",
    "Baghlan", "Faryab", "Jawzjan", "Khost", "Logar", "Paktia", "Paktika", "Uruzgan", "Zabul",
    "Wardak", "Laghman", "Kunar", "Takhar", "Sar-e Pol", "Badghis", "Ghor", "Nimroz", "Parwan",
)  # fmt: skip
ATTACKERS = ("Taliban fighters", "Taliban militants", "Taliban insurgents", "Taliban gunmen")
ATTACKS = ("attacked", "stormed", "ambushed", "overran", "raided", "assaulted")
TARGETS = (
    "an army checkpoint", "a police post", "a district headquarters", "a military convoy",
    "an outpost of the Afghan forces", "a government compound", "a border post", "a base",
)  # fmt: skip
AFTERMATH = (
    "killing at least {n} soldiers", "leaving {n} police officers dead", "killing {n} members of "
    "the security forces", "wounding {n} civilians", "killing {n} and wounding {m} others",
)  # fmt: skip
SOURCES = (
    "officials said on {day}", "a provincial spokesman said", "the interior ministry said",
    "local residents told reporters", "a security official said on condition of anonymity",
)  # fmt: skip
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CONTEXT = (
    "The attack came days after the United States and the Taliban signed a deal in Doha.",
    "Violence has risen since the agreement was signed, officials say.",
    "The group did not immediately comment.",
    "Fighting in the province has displaced thousands of families this year.",
    "Afghan forces launched a clearing operation in the area.",
    "Reinforcements were sent from the provincial capital, the governor's office said.",
    "It was the third such attack in the district this month.",
    "The Taliban claimed responsibility in a statement.",
)  # fmt: skip


def item_texts(rng: random.Random) -> tuple[str, str]:
    """A distinct attack report (title, summary) drawn from the templates above.

    Every item matches ``taliban_attacks``, so every item is published: the worst case for the
    pipeline, and the same records for the ceiling to push. The parts vary enough that items
    are different stories, as on a real day of news, not copies of one.
    """
    place = rng.choice(PROVINCES)
    attacker, attack, target = rng.choice(ATTACKERS), rng.choice(ATTACKS), rng.choice(TARGETS)
    killed, wounded = rng.randint(2, 40), rng.randint(1, 60)
    aftermath = rng.choice(AFTERMATH).format(n=killed, m=wounded)
    title = f"{attacker} {attack} {target} in {place}, {aftermath}"
    source = rng.choice(SOURCES).format(day=rng.choice(DAYS))
    summary = (
        f"{attacker} {attack} {target} in {place} province, {aftermath}, {source}. "
        + " ".join(rng.sample(CONTEXT, 2))
    )
    return title, summary


OFF_THEME_SUBJECTS = (
    "The central bank", "The football federation", "The weather service", "The car maker",
    "The university", "The city council", "The airline", "The film festival", "The port authority",
)  # fmt: skip
OFF_THEME_NEWS = (
    "left interest rates unchanged at {n} percent", "named a new coach after {n} matches",
    "warned of heavy rain for the next {n} days", "recalled {n} thousand vehicles",
    "opened {n} new courses this autumn", "approved a budget of {n} million",
    "added {n} weekly flights to the capital", "sold {n} thousand tickets",
    "handled {n} million tonnes of cargo",
)  # fmt: skip


def off_theme_texts(rng: random.Random) -> tuple[str, str]:
    """An ordinary news item (title, summary) that matches no theme."""
    subject, news = rng.choice(OFF_THEME_SUBJECTS), rng.choice(OFF_THEME_NEWS)
    title = f"{subject} {news.format(n=rng.randint(2, 90))}"
    other = rng.choice(OFF_THEME_NEWS).format(n=rng.randint(2, 90))
    summary = (
        f"{title}, {rng.choice(SOURCES).format(day=rng.choice(DAYS))}. "
        f"{rng.choice(OFF_THEME_SUBJECTS)} {other}."
    )
    return title, summary


def feed_body(feed: int, items: int, published: datetime, on_theme: float = 1.0) -> bytes:
    """An RSS document of ``items`` distinct items, all published at ``published``: attack
    reports, and ordinary news for the share ``1 - on_theme``."""
    rng = random.Random(feed)  # noqa: S311 - reproducible test data, not a secret
    date = format_datetime(published)
    entries = []
    for n in range(items):
        texts = item_texts(rng) if rng.random() < on_theme else off_theme_texts(rng)
        title, summary = (escape(text) for text in texts)
        entries.append(
            f"<item><title>{title}</title><link>http://bench{feed}.test/story/{n}</link>"
            f"<description>{summary}</description><pubDate>{date}</pubDate></item>"
        )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>bench {feed}'
        f"</title><link>http://bench{feed}.test/</link>{''.join(entries)}</channel></rss>"
    ).encode()


def create_topics(bootstrap: str, prefix: str) -> None:
    """The ingester's output topics, with broker-side timestamps."""
    names = [f"{prefix}.items", *(f"{prefix}.theme.{theme}" for theme in THEMES)]
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics(
            [
                NewTopic(name, 3, 1, topic_configs={"message.timestamp.type": "LogAppendTime"})
                for name in names
            ]
        )
    finally:
        admin.close()


def run_ingester(
    bootstrap: str,
    prefix: str,
    feeds_file: Path,
    log: Path,
    profile: Path | None,
    *,
    workers: int | None = None,
) -> tuple[dict[str, float], list[tuple[float, float]]]:
    """One ``newswatch run --once`` pass (``workers`` analysis workers; unset: the default);
    its wall time, CPU seconds of the whole process tree and peak RSS, and samples (wall
    clock, CPU seconds) of the main process alone: what the main process spends per item
    bounds a replica on any number of cores.

    With ``profile``, the pass runs under py-spy (``pip install py-spy``), which writes a
    speedscope profile (https://speedscope.app) of the threads while they hold the GIL, so it
    shows where the interpreter's time goes; the CPU figures then include py-spy's own.
    """
    profiler = (
        ["py-spy", "record", "--gil", "--threads", "--format", "speedscope", "-o", str(profile)]
        if profile is not None
        else []
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    environment = {
        **os.environ,
        "NEWSWATCH_FETCH_ALLOW_NETWORKS": "127.0.0.0/8",
        "NEWSWATCH_LOG_LEVEL": "WARNING",
    }
    if workers is not None:
        environment["NEWSWATCH_ANALYSIS_WORKERS"] = str(workers)
    main_cpu: list[tuple[float, float]] = [(time.time(), 0.0)]
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [
                *profiler,
                *(["--"] if profiler else []),
                sys.executable,
                "-m",
                "newswatch",
                "run",
                "--once",
                "--feeds",
                str(feeds_file),
                "--bootstrap-servers",
                bootstrap,
                "--topic-prefix",
                prefix,
                "--log-format",
                "json",
            ],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=environment,
        )
        while process.poll() is None:
            cpu = process_cpu_seconds(process.pid)
            if cpu is not None:
                main_cpu.append((time.time(), cpu))
            time.sleep(0.02)
            if time.monotonic() - started > 1800:
                process.kill()
        if process.returncode != 0:
            raise SystemExit(f"the ingester exited with {process.returncode}; its log: {log}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "wall_s": time.monotonic() - started,
        "cpu_s": (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        "peak_rss_mib": after.ru_maxrss / 1024,
    }, main_cpu


def cpu_between(samples: list[tuple[float, float]], start: float, end: float) -> float:
    """CPU seconds the sampled process spent between two wall-clock moments (interpolated)."""
    moments = [moment for moment, _ in samples]

    def at(moment: float) -> float:
        index = bisect.bisect_left(moments, moment)
        if index == 0:
            return samples[0][1]
        if index == len(samples):
            return samples[-1][1]
        (t0, c0), (t1, c1) = samples[index - 1], samples[index]
        return c0 + (c1 - c0) * (moment - t0) / (t1 - t0) if t1 > t0 else c1

    return at(end) - at(start)


def process_cpu_seconds(pid: int) -> float | None:
    """CPU seconds (user + system) of the process itself, children not included; None once
    it is gone. Sampled while it runs: the last sample misses at most its final 20 ms."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def ceiling(bootstrap: str, records: list[Any], topic_prefix: str) -> tuple[float, float]:
    """Records per second of a bare, tuned producer sending the same records, acks=all, and
    the CPU seconds this process spent doing it (every thread: the caller's and the producer's
    I/O thread)."""
    topics = {record.topic for record in records}
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics(
            [
                NewTopic(topic.replace(topic_prefix, f"{topic_prefix}-ceiling"), 3, 1)
                for topic in topics
            ]
        )
    finally:
        admin.close()
    producer = KafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=20,
        batch_size=512 * 1024,
        max_in_flight_requests_per_connection=5,
    )
    renamed = [
        (record.topic.replace(topic_prefix, f"{topic_prefix}-ceiling"), record)
        for record in records
    ]
    started, cpu_started = time.perf_counter(), time.process_time()
    futures = [
        producer.send(topic, key=record.key, value=record.value, headers=record.headers)
        for topic, record in renamed
    ]
    producer.flush()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if not all(future.succeeded() for future in futures):
        raise SystemExit("the ceiling producer lost records")
    producer.close()
    return len(records) / elapsed, cpu


def percentile(values: list[float], fraction: float) -> float:
    """The ``fraction`` quantile (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    """Run the pipeline, then the ceiling, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=100)
    parser.add_argument("--items", type=int, default=100, help="items per feed")
    parser.add_argument("--profile", type=Path, help="write a py-spy speedscope profile here")
    parser.add_argument(
        "--on-theme",
        type=float,
        default=1.0,
        help="share of items on a theme (the rest is ordinary news, read but not published)",
    )
    parser.add_argument(
        "--workers", type=int, help="analysis worker processes (default: the service's)"
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="newswatch-e2e-"))
    broker = LocalBroker(workdir / "kafka", heap="768m")
    bootstrap = broker.start()
    server = FeedServer().start()
    try:
        prefix = f"bench-{uuid.uuid4().hex[:8]}"
        create_topics(bootstrap, prefix)
        appeared = datetime.now(UTC).replace(microsecond=0)
        for feed in range(args.feeds):
            server.routes[f"/feed/{feed}.xml"] = Route(
                feed_body(feed, args.items, appeared, args.on_theme)
            )
        feeds_file = workdir / "feeds.yaml"
        feeds_file.write_text(
            "feeds:\n"
            + "".join(
                f"  - {{name: bench-{feed}, url: '{server.url(f'/feed/{feed}.xml')}'}}\n"
                for feed in range(args.feeds)
            )
        )
        served_at = time.time()
        figures, main_samples = run_ingester(
            bootstrap,
            prefix,
            feeds_file,
            workdir / "ingester.log",
            args.profile,
            workers=args.workers,
        )
        print(
            f"ingester run: {figures['wall_s']:.1f} s, CPU {figures['cpu_s']:.1f} s (reading the "
            "topics back now)",
            flush=True,
        )
        items = read_all(bootstrap, f"{prefix}.items", timeout_s=300)
        themed = [
            record
            for theme in THEMES
            for record in read_all(bootstrap, f"{prefix}.theme.{theme}", timeout_s=300)
        ]
        count = len(items)
        expected = args.feeds * args.items
        appended = [record.timestamp / 1000 for record in items]
        delays = [stamp - served_at for stamp in appended]
        window = max(appended) - min(appended)
        keys = {json.loads(record.value)["id"] for record in items}
        print(
            f"{args.feeds} feeds x {args.items} items = {expected} items served; {count} in "
            f"{prefix}.items ({len(keys)} distinct), {len(themed)} theme-topic copies; "
            f"Python {sys.version.split()[0]}, {os.cpu_count()} cores"
        )
        print(
            f"ingester: {count / window:,.0f} items/s over the publishing window "
            f"({window:.1f} s), {count / figures['wall_s']:,.0f} items/s over the whole run "
            f"({figures['wall_s']:.1f} s, start-up included), "
            f"{args.feeds / figures['wall_s']:,.1f} feeds/s"
        )
        if args.on_theme < 1:
            print(
                f"items read (published or not): {expected / figures['wall_s']:,.0f} items/s "
                f"over the whole run; {count} of {expected} on a theme and published"
            )
        print(
            f"delay from appearance to acknowledgement: p50 {percentile(delays, 0.5):.2f} s, "
            f"p99 {percentile(delays, 0.99):.2f} s, mean {statistics.mean(delays):.2f} s; "
            f"the last acknowledged {max(delays):.1f} s after the feeds appeared"
        )
        print(
            f"ingester CPU {figures['cpu_s']:.1f} s = {figures['cpu_s'] / count * 1000:.2f} s per "
            f"1,000 items published, {figures['cpu_s'] / expected * 1000:.2f} s per 1,000 read "
            f"(start-up included); peak RSS {figures['peak_rss_mib']:.0f} MiB"
        )
        main_total = main_samples[-1][1]
        main_window = cpu_between(main_samples, min(appended), max(appended))
        print(
            f"main process CPU: {main_total:.1f} s in all (start-up included), "
            f"{main_window / count * 1e6:.0f} µs per item over the publishing window; analysis "
            f"workers (and the rest of the tree) {figures['cpu_s'] - main_total:.1f} s"
        )
        records = items + themed
        rate, ceiling_cpu = ceiling(bootstrap, records, prefix)
        items_ceiling = rate * count / len(records)
        print(
            f"ceiling: bare producer, same {len(records)} records (linger 20 ms, 512 KiB "
            f"batches, acks=all, idempotent, crc32c): {rate:,.0f} records/s = "
            f"{items_ceiling:,.0f} items/s, CPU {ceiling_cpu / count * 1e6:.0f} µs per item"
        )
        print(f"ratio ingester / ceiling (publishing window): {count / window / items_ceiling:.2f}")
        print(
            f"of the ingester's {figures['cpu_s'] / count * 1e6:.0f} µs of CPU per item, "
            f"producing its records is {ceiling_cpu / count * 1e6:.0f} µs (the ceiling's cost)"
        )
    finally:
        server.stop()
        broker.stop()


if __name__ == "__main__":
    main()
