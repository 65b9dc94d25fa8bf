"""One story across the fleet and across restarts, on the real broker: replicas rebuild their
stories, bursts and published ids from ``<prefix>.items`` (the story horizon only) and follow it,
so copies of one story polled by different replicas share its id, the fleet publishes one burst
for it, and each URL is published once."""

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer

from newswatch.analysis.items import canonical_url, stable_id
from newswatch.kafka.client import ensure_topics
from newswatch.kafka.config import KafkaSettings
from newswatch.kafka.fleet import partition_of
from newswatch.kafka.topics import TopicNames
from newswatch_devtools.feed_server import FeedServer, Route
from newswatch_devtools.kafka_reader import read_all
from newswatch_devtools.ports import free_port
from newswatch_devtools.service import Service
from tests.faults.fault_run import Report
from tests.integration.test_stories_kafka import WIRE_TEXT, WIRE_TITLE

pytestmark = pytest.mark.integration

THEME = "taliban_attacks"
WIRE_URL = "http://wire.test/kunduz-attack"
PARTITIONS = 2
SESSION_TIMEOUT_SECONDS = 6
FOLLOW_MARGIN_SECONDS = 2.0
"""Longer than the measured follow lag (well under a second): the copies arrive one by one, so
the test checks what holds outside the race window."""
DEADLINE_SECONDS = 60.0
REBUILT = "stories rebuilt from kafka"
EARLIER_FEED = "http://earlier.test/feed.xml"


def wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


def copy_url(outlet: int) -> str:
    return f"http://outlet{outlet}.test/kunduz-attack"


def entry(url: str, title: str, text: str, published: datetime) -> str:
    return (
        f"<item><title>{title}</title><link>{url}</link><description>{text}</description>"
        f"<pubDate>{format_datetime(published)}</pubDate></item>"
    )


def serve(server: FeedServer, path: str, entries: list[str]) -> None:
    server.routes[path] = Route(
        (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{path}</title><link>http://feeds.test{path}</link>"
            + "".join(entries)
            + "</channel></rss>"
        ).encode()
    )


def serve_copy(server: FeedServer, path: str, outlet: int) -> None:
    """The outlet's own copy of the story, and the wire's original (the same URL everywhere)."""
    now = datetime.now(UTC)
    serve(
        server,
        path,
        [
            entry(
                copy_url(outlet),
                f"Outlet {outlet}: {WIRE_TITLE}",
                f"{WIRE_TEXT} (Reporting by outlet {outlet}.)",
                now - timedelta(minutes=2),
            ),
            entry(WIRE_URL, WIRE_TITLE, WIRE_TEXT, now - timedelta(minutes=10)),
        ],
    )


def spread_paths(server: FeedServer) -> list[str]:
    """Three feed paths, the first alone in its partition of the feeds topic (keyed by feed
    URL), the other two in the other one: with two replicas holding one partition each, no
    replica polls all three, and the wire's copies in the second and third feeds are polled by
    the replica that did not publish it."""
    by_partition: dict[int, list[str]] = {0: [], 1: []}
    candidate = 0
    while not (len(by_partition[0]) >= 2 and len(by_partition[1]) >= 2):
        path = f"/outlet-{candidate}.xml"
        by_partition[partition_of(server.url(path).encode(), PARTITIONS)].append(path)
        candidate += 1
    return [by_partition[0][0], *by_partition[1][:2]]


def write_config(tmp_path: Path, server: FeedServer, paths: list[str], bootstrap: str) -> Path:
    prefix = f"nwfleet-{uuid.uuid4().hex[:10]}"
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(
        "feeds:\n"
        + "".join(
            f"  - {{name: outlet-{n}, url: '{server.url(path)}'}}\n" for n, path in enumerate(paths)
        )
    )
    config = tmp_path / "newswatch.yaml"
    config.write_text(
        json.dumps(
            {
                "feeds_file": str(feeds_file),
                "kafka_bootstrap_servers": bootstrap,
                "topic_prefix": prefix,
                "topic_partitions": PARTITIONS,
                "kafka_session_timeout_seconds": SESSION_TIMEOUT_SECONDS,
                "poll_interval_seconds": 0.5,
                "min_poll_interval_seconds": 0.2,
                "max_poll_interval_seconds": 0.5,
                "max_backoff_seconds": 2,
                "story_burst_sources": 3,
                "log_format": "json",
            }
        )
    )
    return config


def prefix_of(config: Path) -> str:
    return str(json.loads(config.read_text())["topic_prefix"])


def start(config: Path, log: Path, spool: str = "spool") -> Service:
    """A replica; replicas running at once need a ``spool`` directory each (a spool belongs
    to one process), a restarted one keeps its own."""
    return Service(["--config", str(config)], log, free_port(), log.parent / spool)


def items(bootstrap: str, prefix: str) -> list[dict[str, Any]]:
    return [json.loads(record.value) for record in read_all(bootstrap, f"{prefix}.items")]


def published_urls(bootstrap: str, prefix: str) -> set[str]:
    return {item["url"] for item in items(bootstrap, prefix)}


def url_published(bootstrap: str, prefix: str, url: str) -> Callable[[], bool]:
    return lambda: url in published_urls(bootstrap, prefix)


def shares(replicas: tuple[Service, ...]) -> list[float]:
    return [replica.metric("newswatch_feeds_assigned") for replica in replicas]


def follow_lag(service: Service) -> tuple[float, float]:
    """Mean follow lag (s) and items followed."""
    count = service.metric("newswatch_items_follow_lag_seconds_count")
    total = service.metric("newswatch_items_follow_lag_seconds_sum")
    return (total / count if count else 0.0), count


def test_two_replicas_give_one_story_one_burst_and_publish_each_url_once(
    tmp_path: Path, feed_server: FeedServer, kafka_bootstrap: str, report: Report
) -> None:
    paths = spread_paths(feed_server)
    for path in paths:
        serve(feed_server, path, [])
    config = write_config(tmp_path, feed_server, paths, kafka_bootstrap)
    prefix = prefix_of(config)
    with (
        start(config, tmp_path / "a.log", "spool-a") as first,
        start(config, tmp_path / "b.log", "spool-b") as second,
    ):
        replicas = (first, second)
        for replica in replicas:
            replica.wait_for("/readyz", 200)
        wait_until(
            lambda: min(shares(replicas)) > 0 and sum(shares(replicas)) == len(paths),
            "both replicas to hold feeds",
        )
        assert max(shares(replicas)) < len(paths)
        for outlet, path in enumerate(paths):
            serve_copy(feed_server, path, outlet)
            wait_until(url_published(kafka_bootstrap, prefix, copy_url(outlet)), f"copy {outlet}")
            time.sleep(FOLLOW_MARGIN_SECONDS)
        wait_until(lambda: bool(read_all(kafka_bootstrap, f"{prefix}.alerts")), "the burst")
        time.sleep(FOLLOW_MARGIN_SECONDS)
        bursts = sum(r.metric("newswatch_story_bursts_total", theme=THEME) for r in replicas)
        stories = sum(r.metric("newswatch_stories_total", theme=THEME) for r in replicas)
        lags = [follow_lag(replica) for replica in replicas]
        for replica in replicas:
            assert replica.terminate() == 0, replica.logs()
    published = items(kafka_bootstrap, prefix)
    alerts = read_all(kafka_bootstrap, f"{prefix}.alerts")
    report(
        f"{len(published)} items, story ids "
        f"{sorted({item['story_id'] for item in published})}; {len(alerts)} burst(s); "
        f"follow lag mean {lags[0][0] * 1000:.0f} ms over {lags[0][1]:.0f} items / "
        f"{lags[1][0] * 1000:.0f} ms over {lags[1][1]:.0f} items"
    )
    assert sorted(item["url"] for item in published) == sorted(
        [copy_url(0), copy_url(1), copy_url(2), WIRE_URL]
    )
    assert len({item["story_id"] for item in published}) == 1
    assert len(alerts) == 1
    burst = json.loads(alerts[0].value)
    assert burst["story_id"] == published[0]["story_id"]
    assert sorted(burst["sources"]) == sorted(feed_server.url(path) for path in paths)
    assert bursts == 1
    assert stories == 1


def old_record(url: str, published: datetime) -> bytes:
    """An item as the ingester publishes it (the fields a replica reads back)."""
    item_id = stable_id("url", canonical_url(url, url))
    return json.dumps(
        {
            "id": item_id,
            "url": url,
            "title": f"Earlier report from {url}",
            "summary": "Officials said the district was calm.",
            "published_at": published.isoformat(),
            "published_at_estimated": False,
            "fetched_at": published.isoformat(),
            "language": "en",
            "source": {"feed_url": EARLIER_FEED, "name": "earlier"},
            "authors": [],
            "tags": [],
            "themes": [{"theme": THEME}],
            "story_id": item_id,
        }
    ).encode()


def publish_before_start(bootstrap: str, prefix: str, records: list[tuple[str, datetime]]) -> None:
    """Items published by an earlier run, with their Kafka timestamps at their publication."""
    topics = TopicNames(prefix)
    ensure_topics(
        KafkaSettings(bootstrap_servers=bootstrap, topic_partitions=PARTITIONS),
        [topics.items, topics.alerts],
        set(),
    )
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    try:
        for url, published in records:
            producer.send(
                topics.items,
                old_record(url, published),
                timestamp_ms=int(published.timestamp() * 1000),
            ).get(timeout=30)
    finally:
        producer.close()


def test_a_restarted_replica_rebuilds_the_horizon_and_new_copies_join_its_story(
    tmp_path: Path, feed_server: FeedServer, kafka_bootstrap: str, report: Report
) -> None:
    paths = [f"/outlet-{n}.xml" for n in range(3)]
    for path in paths:
        serve(feed_server, path, [])
    config = write_config(tmp_path, feed_server, paths, kafka_bootstrap)
    prefix = prefix_of(config)
    now = datetime.now(UTC)
    beyond_horizon = now - timedelta(hours=100)
    # the second outlet's copy, published once beyond the horizon: were it read, the copy
    # would be taken for a duplicate and never published again
    publish_before_start(
        kafka_bootstrap,
        prefix,
        [
            (copy_url(1), beyond_horizon),
            ("http://earlier.test/a", beyond_horizon),
            ("http://earlier.test/b", now - timedelta(hours=1)),
        ],
    )
    with start(config, tmp_path / "run-1.log") as replica:
        replica.wait_for("/readyz", 200)
        first_rebuild = replica.wait_for_log(REBUILT)["records"]
        serve_copy(feed_server, paths[0], 0)
        wait_until(
            lambda: {copy_url(0), WIRE_URL} <= published_urls(kafka_bootstrap, prefix),
            "the first copies in Kafka",
        )
        assert replica.terminate() == 0, replica.logs()
    serve_copy(feed_server, paths[1], 1)
    with start(config, tmp_path / "run-2.log") as replica:
        replica.wait_for("/readyz", 200)
        second_rebuild = replica.wait_for_log(REBUILT)["records"]
        assert second_rebuild == replica.metric("newswatch_story_rebuild_records")
        rebuild_seconds = replica.metric("newswatch_story_rebuild_seconds")
        wait_until(
            lambda: sum(item["url"] == copy_url(1) for item in items(kafka_bootstrap, prefix)) == 2,
            "the second copy in Kafka",
        )
        serve_copy(feed_server, paths[2], 2)
        wait_until(lambda: bool(read_all(kafka_bootstrap, f"{prefix}.alerts")), "the burst")
        time.sleep(FOLLOW_MARGIN_SECONDS)
        assert replica.terminate() == 0, replica.logs()
    published = [
        item
        for item in items(kafka_bootstrap, prefix)
        if item["source"]["feed_url"] != EARLIER_FEED
    ]
    report(
        f"rebuild read {first_rebuild} then {second_rebuild} records "
        f"({rebuild_seconds * 1000:.0f} ms); after the restart: "
        f"{[(item['url'], item['story_id'][:8]) for item in published]}"
    )
    assert first_rebuild == 1  # the hour-old item; the two from 100 hours ago are not read
    assert second_rebuild == 3  # that one and the first run's two
    assert sorted(item["url"] for item in published) == sorted(
        [copy_url(0), copy_url(1), copy_url(2), WIRE_URL]
    )
    assert len({item["story_id"] for item in published}) == 1
    alerts = read_all(kafka_bootstrap, f"{prefix}.alerts")
    assert len(alerts) == 1
    assert json.loads(alerts[0].value)["source_count"] == 3
