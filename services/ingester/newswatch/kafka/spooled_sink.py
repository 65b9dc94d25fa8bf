"""The Kafka event sink and checkpoint store, through the on-disk spool.

Every record goes through the spool, whether Kafka is up or not (as Logstash's persistent
queue does): ``publish_*`` and ``save`` return once the spool holds the record durably (the
item is *accepted*); the drainer (``spool_drain``) sends the records to Kafka in the order
accepted and deletes each once acknowledged (the item is *done*). While Kafka is away polling
goes on into the spool; when the spool reaches its size limit, ``is_ready`` turns false and
polling pauses until the drainer has made room.

A feed's checkpoint is spooled after the items it covers, so Kafka never holds a checkpoint
ahead of them; it is also kept in the spool's own table, so that a restart (even without
Kafka) resumes from it and does not publish again what the spool still holds.
"""

import asyncio
import sqlite3
import time
from collections.abc import Sequence
from typing import Any

import structlog
from kafka.errors import KafkaConnectionError, KafkaError

from newswatch.common.checkpoint import FeedCheckpoint
from newswatch.common.encoded_item import EncodedItem
from newswatch.common.errors import PublishError, SpoolError
from newswatch.kafka.checkpoints import read_checkpoints
from newswatch.kafka.client import ensure_topics, kafka_client_config
from newswatch.kafka.config import KafkaSettings, SpoolSettings
from newswatch.kafka.producer import AckedProducer
from newswatch.kafka.sink import (
    burst_records,
    checkpoint_records,
    item_records,
    rejected_records,
)
from newswatch.kafka.spool import Accepted, open_spool
from newswatch.kafka.spool_drain import Drainer
from newswatch.kafka.spool_thread import SpoolThread
from newswatch.kafka.topics import TopicNames
from newswatch.observability.logs import quieted
from newswatch.observability.metrics import Metrics
from newswatch_schemas import RejectedEntry, StoryBurst

log = structlog.get_logger("newswatch.spool")

DRAINED_POLL_SECONDS = 0.1
CONNECT_GRACE_SECONDS = 3.0
SPOOLING = "degraded: spooling"
FULL = "spool full: polling paused until Kafka takes records"


def newest_checkpoints(
    *sources: dict[str, FeedCheckpoint],
) -> dict[str, FeedCheckpoint]:
    """Per feed, the most recent checkpoint of all the sources."""
    newest: dict[str, FeedCheckpoint] = {}
    for source in sources:
        for key, checkpoint in source.items():
            known = newest.get(key)
            if known is None or checkpoint.updated_at > known.updated_at:
                newest[key] = checkpoint
    return newest


class SpooledSink:
    """``EventSink`` and ``CheckpointStore`` in one: records into the spool, the drainer out of
    it. ``start`` the drainer once on the event loop; ``close`` at the end."""

    def __init__(
        self,
        spool: SpoolThread,
        drainer: Drainer,
        *,
        topics: TopicNames,
        settings: SpoolSettings,
        metrics: Metrics,
        client_config: dict[str, Any],
        flush_seconds: float,
    ) -> None:
        self._spool = spool
        self._drainer = drainer
        self._topics = topics
        self._max_bytes = settings.max_bytes
        self._metrics = metrics
        self._client_config = client_config
        self._flush_seconds = flush_seconds
        self._stop = asyncio.Event()
        self._draining: asyncio.Task[None] | None = None
        self._paused = False
        metrics.spool_bytes.set_function(lambda: spool.level.bytes)
        metrics.spool_records.set_function(lambda: spool.level.records)
        metrics.spool_oldest_age.set_function(lambda: spool.level.oldest_age(time.time()))

    def start(self) -> None:
        """Start draining into Kafka (connecting first if need be)."""
        self._draining = asyncio.create_task(self._drainer.run(self._stop), name="spool drainer")

    async def publish_items(self, items: Sequence[EncodedItem]) -> list[PublishError | None]:
        """Spool every item's copies for the items topic and its theme topics, all together in
        one commit: all are stored, or none."""
        records = [record for item in items for record in item_records(item, self._topics)]
        try:
            await self._spool.accept(Accepted(records))
        except PublishError as error:
            return [error] * len(items)
        now = time.time()
        for item in items:
            if item.published_ts is not None:
                self._metrics.pipeline_delay.observe(now - item.published_ts)
        return [None] * len(items)

    async def publish_rejected(self, rejected: RejectedEntry) -> None:
        """Spool the rejected entry's dead-letter record."""
        await self._spool.accept(Accepted(rejected_records(rejected, self._topics)))

    async def publish_burst(self, burst: StoryBurst) -> None:
        """Spool the burst's alert record."""
        await self._spool.accept(Accepted(burst_records(burst, self._topics)))

    async def save(self, checkpoint: FeedCheckpoint) -> None:
        """Spool the checkpoint's record (after the items it covers) and keep it locally."""
        await self._spool.accept(Accepted(checkpoint_records(checkpoint, self._topics), checkpoint))

    def load_all(self) -> dict[str, FeedCheckpoint]:
        """Every feed's latest checkpoint: the state topic's, overlaid with the spool's where
        the spool's is newer (not yet in Kafka, or Kafka away). Blocking."""
        local = self._spool.checkpoints()
        try:
            if not self._drainer.wait_connected(CONNECT_GRACE_SECONDS):
                raise KafkaConnectionError("not connected")
            with quieted("kafka"):
                stored = read_checkpoints(self._client_config, self._topics.state)
        except (KafkaError, TimeoutError) as error:
            log.warning(
                "state topic unreadable; resuming from the spool's checkpoints",
                error=str(error),
                checkpoints=len(local),
            )
            stored = {}
        return newest_checkpoints(stored, local)

    def has_room(self) -> bool:
        """True while the spool is below its size limit; on any thread."""
        return self._spool.level.bytes < self._max_bytes

    def is_ready(self) -> bool:
        """True while the spool is below its size limit; polling pauses while it is not (each
        pause is counted and logged once)."""
        full = not self.has_room()
        if full and not self._paused:
            self._metrics.spool_pauses.inc()
            log.warning("spool full; polling paused", max_bytes=self._max_bytes)
        elif self._paused and not full:
            log.info("spool has room again; polling resumes")
        self._paused = full
        return not full

    def status(self) -> str:
        """Empty while Kafka answers; otherwise what readiness should say. On any thread."""
        if not self.has_room():
            return FULL
        if not self._drainer.kafka_answers():
            return SPOOLING
        return ""

    async def held_feeds(self) -> list[str]:
        """The feeds this replica polled last (for a start without Kafka)."""
        return await asyncio.to_thread(self._spool.held_feeds)

    async def hold_feeds(self, urls: list[str]) -> None:
        """Remember the feeds this replica polls now."""
        await self._spool.hold_feeds(urls)

    async def close(self) -> None:
        """Give the drainer the shutdown budget to empty the spool, then stop it; what is left
        stays in the spool for the next start."""
        deadline = time.monotonic() + self._flush_seconds
        while (
            self._spool.level.records
            and self._drainer.kafka_answers()
            and time.monotonic() < deadline
        ):
            await asyncio.sleep(DRAINED_POLL_SECONDS)
        self._stop.set()
        if self._draining is not None:
            try:
                await asyncio.wait_for(self._draining, max(1.0, deadline - time.monotonic()))
            except TimeoutError:
                log.warning(
                    "records left in the spool for the next start",
                    records=self._spool.level.records,
                )
        if self._drainer.producer is not None:
            await self._drainer.producer.close()
        await self._spool.close()
        log.info("spool closed", records_left=self._spool.level.records)


def connect_producer(
    settings: KafkaSettings, topics: TopicNames, theme_names: list[str], metrics: Metrics
) -> AckedProducer:
    """Create the missing topics, then open the producer. Blocks; ``KafkaError`` when the
    cluster does not answer."""
    every_topic = topics.all_topics(theme_names)
    created = ensure_topics(settings, every_topic, topics.compacted())
    if created:
        log.info("created topics", topics=created)
    return AckedProducer.connect(settings, metrics, every_topic)


def open_spooled_sink(
    kafka: KafkaSettings,
    spool: SpoolSettings,
    *,
    topics: TopicNames,
    theme_names: list[str],
    metrics: Metrics,
    producer: AckedProducer | None = None,
    hint: str = "",
) -> SpooledSink:
    """The spooled sink of a topic prefix, draining through ``producer`` or, without one,
    through a producer it connects itself (retrying while Kafka is away). An unreadable spool
    file is moved aside, logged and counted. ``SpoolError`` when no spool can be opened."""
    path = spool.path(topics.prefix)
    try:
        store, aside = open_spool(path)
    except (sqlite3.Error, OSError) as error:
        raise SpoolError(f"cannot open the spool: {error}", path=path) from error
    if aside is not None:
        metrics.spool_moved_aside.inc()
        log.error(
            "spool unreadable; moved aside and started a new one (its records were not sent)",
            spool=str(path),
            moved_to=str(aside),
        )
    if store.level.records:
        log.info(
            "spool holds records from before; sending them first",
            records=store.level.records,
            bytes=store.level.bytes,
        )
    spool_thread = SpoolThread(store)
    drainer = Drainer(
        spool_thread,
        lambda: connect_producer(kafka, topics, theme_names, metrics),
        bootstrap_servers=kafka.bootstrap_servers,
        producer=producer,
        hint=hint,
    )
    return SpooledSink(
        spool_thread,
        drainer,
        topics=topics,
        settings=spool,
        metrics=metrics,
        client_config=kafka_client_config(kafka),
        flush_seconds=kafka.shutdown_flush_seconds,
    )
