"""The spooled sink without Kafka: records are accepted into the spool, durably, and polling is
held back once the spool reaches its size limit (the drainer never connects here)."""

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import CollectorRegistry

from newswatch.common.checkpoint import FeedCheckpoint
from newswatch.kafka.config import KafkaSettings, SpoolSettings
from newswatch.kafka.spool import SpoolStore
from newswatch.kafka.spooled_sink import FULL, SPOOLING, open_spooled_sink
from newswatch.kafka.topics import TopicNames
from newswatch.observability.metrics import Metrics

TOPICS = TopicNames("spooltest")


def checkpoint(n: int) -> FeedCheckpoint:
    return FeedCheckpoint(
        feed_url=f"http://feeds.test/{n % 3}.xml",
        effective_url=f"http://feeds.test/{n % 3}.xml",
        done_ids=[f"item-{n}-{i}" for i in range(20)],
        updated_at=datetime(2026, 1, 1, tzinfo=UTC).replace(minute=n % 60),
    )


def test_records_are_accepted_without_kafka_and_polling_pauses_at_the_limit(
    tmp_path: Path,
) -> None:
    metrics = Metrics(CollectorRegistry(), "test")
    spool = SpoolSettings(dir=tmp_path, max_bytes=8192)

    async def scenario() -> tuple[int, list[str]]:
        sink = open_spooled_sink(
            KafkaSettings(), spool, topics=TOPICS, theme_names=[], metrics=metrics
        )
        statuses = [sink.status()]
        saved = 0
        while sink.is_ready():
            await sink.save(checkpoint(saved))
            saved += 1
        statuses.append(sink.status())
        assert not sink.is_ready()
        await sink.close()
        return saved, statuses

    saved, statuses = asyncio.run(scenario())
    assert statuses == [SPOOLING, FULL]
    assert saved > 3
    assert metrics.spool_pauses._value.get() == 1
    reopened = SpoolStore.open(spool.path(TOPICS.prefix))
    assert reopened.level.records == saved
    assert reopened.level.bytes >= 8192
    assert [s.record.topic for s in reopened.peek(0, 1)] == [TOPICS.state]
    assert set(reopened.checkpoints()) == {f"http://feeds.test/{n}.xml" for n in range(3)}
    reopened.close()


def test_an_unreadable_spool_is_counted_and_the_sink_still_opens(tmp_path: Path) -> None:
    metrics = Metrics(CollectorRegistry(), "test")
    spool = SpoolSettings(dir=tmp_path)
    spool.path(TOPICS.prefix).write_bytes(b"garbage" * 1000)

    async def scenario() -> None:
        sink = open_spooled_sink(
            KafkaSettings(), spool, topics=TOPICS, theme_names=[], metrics=metrics
        )
        await sink.save(checkpoint(1))
        await sink.close()

    asyncio.run(scenario())
    assert metrics.spool_moved_aside._value.get() == 1
    assert len([p for p in tmp_path.iterdir() if ".corrupt-" in p.name]) == 1
