"""A replica's rebuild of its stories from ``<prefix>.items``, and the cost of following it.

Run: ``.venv/bin/python benchmarks/rebuild_bench.py [--items N] [--live N] [--rate R]``. It
reports, it does not assert. Starts its own broker (``newswatch_devtools.local_broker``; or
``--bootstrap`` for one that runs), and publishes ``--items`` news items spread over the last
60 hours (story_bench's generator: a third are copies of recent items; each analysed by the
bundled themes and gazetteer, as published, with its story id from a ``StoryIndex``), with Kafka
timestamps at their publication times. Then a child process does what a replica does at start:
follows ``<prefix>.items`` and ``<prefix>.alerts`` from the story horizon with the service's
``TopicFollower`` into a ``FleetStories`` (garbage collector tuned as the service tunes it),
and reports the rebuild's time, CPU and memory (RSS
before and after, in a process of its own). While the child goes on following, the parent
publishes ``--live`` more items, one acknowledged at a time at ``--rate`` per second, as a
replica does; the child reports each one's delay from its Kafka timestamp (taken when the
producer sends it) to its arrival in the child's stories: the window in which two replicas
may each start a story for copies of one story.
"""

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kafka import KafkaProducer
from prometheus_client import CollectorRegistry
from story_bench import build_items

from newswatch.analysis.engine import Analyzer
from newswatch.analysis.facts.gazetteer import compile_gazetteer
from newswatch.analysis.items import stable_id
from newswatch.analysis.stories import StoryIndex
from newswatch.analysis.themes.compile import compile_themes
from newswatch.analysis.themes.rules import load_themes
from newswatch.app import tune_garbage_collector
from newswatch.kafka.client import ensure_topics
from newswatch.kafka.config import KafkaSettings
from newswatch.kafka.items_follower import FollowedRecord, TopicFollower
from newswatch.kafka.topics import TopicNames
from newswatch.local.memory import MemorySink
from newswatch.observability.metrics import Metrics
from newswatch.service.fleet_stories import FleetStories, horizon_start
from newswatch.settings import Settings
from newswatch_devtools.local_broker import LocalBroker
from newswatch_schemas import NewsItem, Source

SPREAD_HOURS = 60.0


def rss_mib(field: str = "VmRSS") -> float:
    """This process's resident memory now (``VmHWM``: its peak). Not ``ru_maxrss``, which a
    child started by fork and exec inherits from its parent."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return 0.0


def build_records(count: int, now: datetime) -> list[tuple[bytes, bytes, int]]:
    """(key, value, timestamp ms) of ``count`` items as the ingester publishes them."""
    analyzer = Analyzer(compile_themes(load_themes(None)[1]), compile_gazetteer(None))
    index = StoryIndex()
    shift = now - timedelta(hours=SPREAD_HOURS) - datetime(2020, 3, 1, tzinfo=UTC)
    records = []
    for number, (_, text, at, source) in enumerate(build_items(count, SPREAD_HOURS)):
        title, summary = text.split("\n", 1)
        published = at + shift
        url = f"http://{source}.test/{number}"
        item_id = stable_id("url", url)
        story = index.assign(item_id, text, published, f"http://{source}.test/feed.xml")
        analysis = analyzer.analyse(title, summary, "en")
        item = NewsItem(
            id=item_id,
            url=url,
            title=title,
            summary=summary,
            published_at=published,
            published_at_estimated=False,
            fetched_at=published,
            language="en",
            source=Source(feed_url=f"http://{source}.test/feed.xml", name=source),
            authors=[],
            tags=[],
            themes=analysis.themes,
            figures=list(analysis.facts.figures),
            actors=list(analysis.facts.actors),
            places=list(analysis.facts.places),
            story_id=story.story_id,
        )
        records.append(
            (
                item_id.encode(),
                item.model_dump_json().encode(),
                int(published.timestamp() * 1000),
            )
        )
    return records


def publish(bootstrap: str, topic: str, records: list[tuple[bytes, bytes, int]]) -> None:
    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", linger_ms=20, batch_size=512 * 1024
    )
    try:
        for key, value, timestamp_ms in records:
            producer.send(topic, value, key=key, timestamp_ms=timestamp_ms)
        producer.flush(timeout=300)
    finally:
        producer.close()


def publish_live(bootstrap: str, topic: str, count: int, rate: float) -> None:
    """``count`` new items, each sent and acknowledged in turn, ``rate`` per second."""
    records = build_records(count, datetime.now(UTC))
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=0)
    try:
        for key, value, _ in records:
            started = time.monotonic()
            producer.send(topic, value, key=key).get(timeout=30)
            time.sleep(max(0.0, 1 / rate - (time.monotonic() - started)))
    finally:
        producer.close()


async def follow(bootstrap: str, prefix: str, live: int) -> dict[str, float]:
    """The child's side: rebuild, then follow ``live`` more items; the figures."""
    settings = Settings(kafka=KafkaSettings(bootstrap_servers=bootstrap, topic_prefix=prefix))
    topics = TopicNames(prefix)
    stories = FleetStories.build(
        settings, MemorySink(), Metrics(CollectorRegistry(), "bench"), topics
    )
    lags: list[float] = []
    live_done = asyncio.Event()

    async def apply(records: list[FollowedRecord]) -> None:
        await stories.apply(records)
        now_ms = time.time() * 1000
        lags.extend(now_ms - r.timestamp_ms for r in records if not r.rebuilding)
        if len(lags) >= live:
            live_done.set()

    tune_garbage_collector()  # as the service does once configured
    rss_before = rss_mib()
    cpu_before = time.process_time()
    follower = TopicFollower(
        {"bootstrap_servers": [bootstrap]},
        topics=[topics.items, topics.alerts],
        since_ms=int(horizon_start(settings, datetime.now(UTC)).timestamp() * 1000),
        apply=apply,
        loop=asyncio.get_running_loop(),
    )
    follower.start()
    rebuild = await follower.rebuilt()
    figures = {
        "records": rebuild.records,
        "seconds": rebuild.seconds,
        "cpu_seconds": time.process_time() - cpu_before,
        "rss_before_mib": rss_before,
        "rss_after_mib": rss_mib(),
        "indexed": len(stories.index),
        "seen": len(stories.seen),
    }
    print(json.dumps({"rebuilt": True}), flush=True)
    cpu_live = time.process_time()
    await asyncio.wait_for(live_done.wait(), timeout=600)
    figures["live_cpu_ms_per_item"] = (time.process_time() - cpu_live) * 1000 / max(live, 1)
    await asyncio.to_thread(follower.close)
    ordered = sorted(lags)
    figures["lag_p50_ms"] = statistics.median(ordered)
    figures["lag_p99_ms"] = ordered[int(len(ordered) * 0.99) - 1]
    figures["lag_max_ms"] = ordered[-1]
    figures["peak_rss_mib"] = rss_mib("VmHWM")
    return figures


def main() -> None:
    """Publish, rebuild in a child, follow live items; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--live", type=int, default=500)
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--bootstrap", help="a running broker (default: start one)")
    parser.add_argument("--child", nargs=2, metavar=("BOOTSTRAP", "PREFIX"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_bootstrap, child_prefix = args.child
        print(json.dumps(asyncio.run(follow(child_bootstrap, child_prefix, args.live))), flush=True)
        return
    workdir = Path(tempfile.mkdtemp(prefix="rebuild-bench-"))
    broker = None if args.bootstrap else LocalBroker(workdir / "kafka", heap="768m")
    bootstrap = args.bootstrap or broker.start()  # type: ignore[union-attr]
    try:
        prefix = f"rebuild-{uuid.uuid4().hex[:8]}"
        topics = TopicNames(prefix)
        ensure_topics(
            KafkaSettings(bootstrap_servers=bootstrap), [topics.items, topics.alerts], set()
        )
        started = time.monotonic()
        records = build_records(args.items, datetime.now(UTC))
        mean_bytes = statistics.mean(len(value) for _, value, _ in records)
        print(
            f"{len(records):,} items built in {time.monotonic() - started:.0f} s, "
            f"mean record {mean_bytes:,.0f} bytes"
        )
        publish(bootstrap, topics.items, records)
        del records
        child = subprocess.Popen(
            [sys.executable, __file__, "--live", str(args.live), "--child", bootstrap, prefix],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).parent)},
        )
        if child.stdout is None:
            raise RuntimeError("the child's output is not readable")
        child.stdout.readline()  # rebuilt
        publish_live(bootstrap, topics.items, args.live, args.rate)
        figures = json.loads(child.stdout.readline())
        child.wait()
    finally:
        if broker is not None:
            broker.stop()
    print(
        f"rebuild: {figures['records']:,.0f} records in {figures['seconds']:.1f} s "
        f"({figures['records'] / figures['seconds']:,.0f}/s; CPU {figures['cpu_seconds']:.1f} s, "
        f"{figures['cpu_seconds'] * 1e6 / figures['records']:.0f} µs per record); "
        f"{figures['indexed']:,.0f} items indexed, {figures['seen']:,.0f} ids remembered"
    )
    grown = figures["rss_after_mib"] - figures["rss_before_mib"]
    print(
        f"memory: RSS {figures['rss_before_mib']:.0f} MiB before, "
        f"{figures['rss_after_mib']:.0f} MiB after ({grown:.0f} MiB, "
        f"{grown * 1024 * 1024 / figures['records']:,.0f} bytes per item); "
        f"peak {figures['peak_rss_mib']:.0f} MiB"
    )
    print(
        f"following {args.live} live items at {args.rate:g}/s: "
        f"{figures['live_cpu_ms_per_item']:.2f} ms of CPU per item; send to applied "
        f"p50 {figures['lag_p50_ms']:.0f} ms, p99 {figures['lag_p99_ms']:.0f} ms, "
        f"max {figures['lag_max_ms']:.0f} ms"
    )


if __name__ == "__main__":
    main()
