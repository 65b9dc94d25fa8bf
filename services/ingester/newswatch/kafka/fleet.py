"""Sharing the feeds among replicas with Kafka's own group membership.

The feeds are keyed records of the compacted topic ``<prefix>.feeds`` (key: the feed URL,
value: the feed's configuration). Every replica reconciles that topic with its feeds file at
start-up and whenever the file changes, so an edit reaches the fleet without a restart. The
replicas form one consumer group on the topic: each polls the feeds of the partitions the group
assigned to it. When a replica leaves or dies, the group reassigns its partitions (within the
session timeout); a replica gives a feed up only after its poll in flight has finished and its
checkpoint was stored, so no feed is polled by two replicas at once.
"""

import asyncio
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import structlog
from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError
from kafka.partitioner.default import murmur2
from pydantic import ValidationError

from newswatch.common.feeds import Assign, FeedConfig
from newswatch.kafka.client import read_compacted

log = structlog.get_logger("newswatch.fleet")

HANDOVER_SECONDS = 60.0
POLL_MS = 500

OwnedPartitions = Callable[[frozenset[int], int], Coroutine[Any, Any, None]]
"""Told the partitions of the feeds topic this replica holds now, and how many there are."""


def partition_of(key: bytes, partitions: int) -> int:
    """The partition Kafka's default partitioner gives ``key`` among ``partitions`` (murmur2, as
    every Kafka client computes it)."""
    return int(murmur2(key) & 0x7FFFFFFF) % partitions


def encode_feed(feed: FeedConfig) -> bytes:
    """The record value of a feed."""
    return feed.model_dump_json().encode("utf-8")


def reconcile_feeds_topic(
    client_config: dict[str, Any], topic: str, feeds: list[FeedConfig]
) -> tuple[int, int]:
    """Make ``topic`` hold exactly ``feeds``: upsert changed ones, tombstone removed ones.

    Returns (upserted, removed). Blocking.
    """
    current = read_compacted(client_config, topic)
    wanted = {feed.url: encode_feed(feed) for feed in feeds}
    upserts = {url: value for url, value in wanted.items() if current.get(url) != value}
    removals = [url for url in current if url not in wanted]
    if not upserts and not removals:
        return 0, 0
    producer = KafkaProducer(**client_config, acks="all", enable_idempotence=True)
    try:
        futures = [
            producer.send(topic, key=url.encode("utf-8"), value=value)
            for url, value in upserts.items()
        ]
        futures += [producer.send(topic, key=url.encode("utf-8"), value=None) for url in removals]
        for future in futures:
            future.get(timeout=30)
    finally:
        producer.close(timeout=10)
    return len(upserts), len(removals)


class FeedAssignments(ConsumerRebalanceListener):  # type: ignore[misc]
    """Group membership on the feeds topic, on its own thread; hands the assigned feeds over.

    ``assign`` runs on the event loop with the full list of feeds this replica must poll,
    each time that list changes; the thread waits for it to finish before the group goes on.
    ``owned``, if given, is told after it which partitions this replica holds (the owner of a
    partition publishes the bursts of the stories keyed to it).
    """

    def __init__(
        self,
        client_config: dict[str, Any],
        *,
        topic: str,
        group_id: str,
        session_timeout_ms: int,
        assign: Assign,
        loop: asyncio.AbstractEventLoop,
        owned: OwnedPartitions | None = None,
    ) -> None:
        self._owned = owned
        self._consumer = KafkaConsumer(
            **client_config,
            group_id=group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=session_timeout_ms,
            heartbeat_interval_ms=max(session_timeout_ms // 4, 500),
        )
        self._topic = topic
        self._assign = assign
        self._loop = loop
        self._by_partition: dict[int, dict[str, FeedConfig]] = {}
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="newswatch-fleet", daemon=True)

    def start(self) -> None:
        """Join the group and start following the feeds topic."""
        self._consumer.subscribe([self._topic], listener=self)
        self._thread.start()

    def close(self) -> None:
        """Leave the group (its feeds go to the other replicas) and stop the thread."""
        self._closed.set()
        self._thread.join(timeout=HANDOVER_SECONDS)

    def on_partitions_revoked(self, revoked: Any) -> None:
        """Give up the feeds of the revoked partitions before anyone else may take them."""
        for partition in revoked:
            self._by_partition.pop(partition.partition, None)
        self._hand_over()

    def on_partitions_assigned(self, assigned: Any) -> None:
        """Read the newly assigned partitions from their start: the topic is compacted."""
        for partition in assigned:
            self._by_partition[partition.partition] = {}
        if assigned:
            self._consumer.seek_to_beginning(*assigned)
        log.info("partitions assigned", partitions=sorted(p.partition for p in assigned))
        self._hand_over()

    def _run(self) -> None:
        try:
            while not self._closed.is_set():
                try:
                    batches = self._consumer.poll(timeout_ms=POLL_MS)
                except KafkaError as error:
                    log.warning("feeds topic unreadable; retrying", error=repr(error))
                    self._closed.wait(1.0)
                    continue
                if self._apply(batches):
                    self._hand_over()
        finally:
            self._consumer.close()

    def _apply(self, batches: dict[Any, list[Any]]) -> bool:
        changed = False
        for partition, records in batches.items():
            feeds = self._by_partition.setdefault(partition.partition, {})
            for record in records:
                key = record.key.decode("utf-8") if record.key else ""
                if not record.value:
                    changed = feeds.pop(key, None) is not None or changed
                    continue
                try:
                    feed = FeedConfig.model_validate_json(record.value)
                except ValidationError as error:
                    log.warning("unreadable feed record skipped", key=key, error=str(error))
                    continue
                if feeds.get(key) != feed:
                    feeds[key] = feed
                    changed = True
        return changed

    def _hand_over(self) -> None:
        """Tell the event loop which feeds to poll now, and wait until it has done so; then,
        if asked, which partitions this replica holds."""
        feeds = [feed for partition in self._by_partition.values() for feed in partition.values()]
        self._on_loop(self._assign(feeds))
        if self._owned is not None:
            count = len(self._consumer.partitions_for_topic(self._topic) or ())
            self._on_loop(self._owned(frozenset(self._by_partition), count))

    def _on_loop(self, step: Coroutine[Any, Any, None]) -> None:
        future = asyncio.run_coroutine_threadsafe(step, self._loop)
        try:
            future.result(timeout=HANDOVER_SECONDS)
        except FutureTimeout:
            log.error("feed handover took too long", seconds=HANDOVER_SECONDS)
