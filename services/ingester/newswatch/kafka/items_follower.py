"""Following the fleet's output: every record of some topics, from a point in time, on a thread.

A thin edge. The follower has no consumer group: it assigns itself every partition of its
topics, so every replica reads every record. It starts at the first record at or after
``since_ms`` (``offsets_for_times``), notes the end offsets at that moment, and hands the
records to the event loop in batches (``apply``, awaited before the next poll, so a slow loop
slows the reading instead of piling records up). Records before those end offsets are the
*rebuild*: ``rebuilt()`` answers once they are all applied, with how many there were. Then it
keeps following until closed.
"""

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

import structlog
from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

log = structlog.get_logger("newswatch.follower")

POLL_MS = 500
RETRY_SECONDS = 1.0
APPLY_TIMEOUT_SECONDS = 60.0
MAX_POLL_RECORDS = 2000
FETCH_MAX_BYTES = 4 * 1024 * 1024
"""Records fetched ahead of the ones applied are held in memory: a few MiB is enough to keep
the loop busy (the default, 50 MiB, held some 150 MiB of decoded records during a rebuild)."""


@dataclass(frozen=True, slots=True)
class FollowedRecord:
    """One record as followed: its topic, value and Kafka timestamp, and whether it was
    already in the topic when the follower started (part of the rebuild)."""

    topic: str
    value: bytes
    timestamp_ms: int
    rebuilding: bool


Apply = Callable[[list[FollowedRecord]], Coroutine[Any, Any, None]]


@dataclass(frozen=True, slots=True)
class Rebuild:
    """What the rebuild read: records, and seconds from the start to the last one applied."""

    records: int
    seconds: float


class TopicFollower:
    """Reads every partition of ``topics`` from ``since_ms`` on, on its own thread."""

    def __init__(
        self,
        client_config: dict[str, Any],
        *,
        topics: list[str],
        since_ms: int,
        apply: Apply,
        loop: asyncio.AbstractEventLoop,
    ) -> None:
        self._client_config = client_config
        self._topics = topics
        self._since_ms = since_ms
        self._apply = apply
        self._loop = loop
        self._rebuilt: Future[Rebuild] = Future()
        self._placed: Future[None] = Future()
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="newswatch-follower", daemon=True)

    def start(self) -> None:
        """Start reading."""
        self._thread.start()

    async def placed(self) -> bool:
        """True once Kafka answered and the follower knows where the rebuild starts and ends."""
        await asyncio.wrap_future(self._placed)
        return True

    async def rebuilt(self) -> Rebuild:
        """Once the records that were in the topics at the start are applied: how many."""
        return await asyncio.wrap_future(self._rebuilt)

    def close(self) -> None:
        """Stop reading and close the consumer. Blocking."""
        self._closed.set()
        self._thread.join(timeout=APPLY_TIMEOUT_SECONDS)

    def _run(self) -> None:
        started = time.monotonic()
        consumer: KafkaConsumer | None = None
        try:
            while consumer is None and not self._closed.is_set():
                try:
                    consumer, ends = self._place()
                except KafkaError as error:
                    log.warning("topics not readable yet; retrying", error=repr(error))
                    self._closed.wait(RETRY_SECONDS)
            if consumer is not None:
                self._placed.set_result(None)
                self._follow(consumer, ends, started)
        finally:
            if consumer is not None:
                consumer.close()
            for waiting in (self._placed, self._rebuilt):
                if not waiting.done():
                    waiting.cancel()

    def _place(self) -> tuple[KafkaConsumer, dict[TopicPartition, int]]:
        """A consumer on every partition, at ``since_ms``; the end offsets now."""
        consumer = KafkaConsumer(
            **self._client_config,
            group_id=None,
            enable_auto_commit=False,
            max_poll_records=MAX_POLL_RECORDS,
            fetch_max_bytes=FETCH_MAX_BYTES,
        )
        try:
            partitions = [
                TopicPartition(topic, number)
                for topic in self._topics
                for number in sorted(consumer.partitions_for_topic(topic) or ())
            ]
            consumer.assign(partitions)
            ends: dict[TopicPartition, int] = consumer.end_offsets(partitions)
            found = consumer.offsets_for_times(dict.fromkeys(partitions, self._since_ms))
            for partition in partitions:
                hit = found.get(partition)
                consumer.seek(partition, hit.offset if hit is not None else ends[partition])
        except BaseException:
            consumer.close()
            raise
        return consumer, ends

    def _follow(
        self, consumer: KafkaConsumer, ends: dict[TopicPartition, int], started: float
    ) -> None:
        rebuilt = 0
        behind = {tp for tp, end in ends.items() if consumer.position(tp) < end}
        while not self._closed.is_set():
            if not behind and not self._rebuilt.done():
                self._rebuilt.set_result(Rebuild(rebuilt, time.monotonic() - started))
            try:
                batches = consumer.poll(timeout_ms=POLL_MS)
            except KafkaError as error:
                log.warning("followed topics unreadable; retrying", error=repr(error))
                self._closed.wait(RETRY_SECONDS)
                continue
            records = [
                FollowedRecord(
                    record.topic,
                    record.value,
                    record.timestamp,
                    record.offset < ends.get(partition, 0),
                )
                for partition, partition_records in batches.items()
                for record in partition_records
                if record.value
            ]
            rebuilt += sum(record.rebuilding for record in records)
            if records:
                self._hand_over(records)
            behind = {tp for tp in behind if consumer.position(tp) < ends[tp]}

    def _hand_over(self, records: list[FollowedRecord]) -> None:
        """Apply the batch on the event loop, and wait until it is applied."""
        future = asyncio.run_coroutine_threadsafe(self._apply(records), self._loop)
        try:
            future.result(timeout=APPLY_TIMEOUT_SECONDS)
        except FutureTimeout:
            log.error("followed records took too long to apply", seconds=APPLY_TIMEOUT_SECONDS)
        except Exception:  # the follower must outlive one bad batch; the loop logged it
            log.exception("followed records not applied")
