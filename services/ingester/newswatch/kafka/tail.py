"""Following topics as a person watches them: the Kafka edge of ``newswatch tail``.

A thin edge: it connects with the service's own client settings (``kafka_client_config``:
bootstrap servers, SASL, TLS), places the reader where it was asked to start, and yields plain
``TailRecord`` values; what to show and how is decided by pure functions elsewhere.

Without a group the reader is a throwaway one: it assigns itself every partition of the topics
and commits nothing. With a group it joins that consumer group and commits what the caller
marked done, so the next reader of the group resumes after it.
"""

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal

from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
from kafka.errors import KafkaError, KafkaTimeoutError
from kafka.structs import OffsetAndMetadata

from newswatch.common.errors import KafkaUnreachableError, TopicMissingError
from newswatch.kafka.client import kafka_client_config
from newswatch.kafka.config import KafkaSettings

TAIL_CLIENT_ID = "newswatch-tail"
POLL_MS = 500


@dataclass(frozen=True, slots=True)
class StartAt:
    """Where reading starts: ``latest`` (only new records), ``earliest``, or ``time`` (the first
    record at or after ``timestamp_ms``). With a group, ``latest`` and ``earliest`` apply only to
    partitions the group has no committed offset for; ``time`` always applies."""

    kind: Literal["latest", "earliest", "time"] = "latest"
    timestamp_ms: int | None = None


@dataclass(frozen=True, slots=True)
class TailRecord:
    """One record as read: where it was, its key, its headers (decoded) and its value."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    headers: dict[str, str]
    value: bytes | None


def quiet_kafka_logs() -> None:
    """Keep kafka-python's own lines (reconnect attempts, tracebacks) off a person's terminal:
    the tail says in one line what went wrong."""
    kafka_log = logging.getLogger("kafka")
    kafka_log.handlers[:] = [logging.NullHandler()]
    kafka_log.propagate = False


class TopicTail:
    """A consumer placed on ``topics``; use it in a ``with`` block, read ``records()``, mark each
    handled record ``done()`` (committed with a group, at every poll and at the end)."""

    def __init__(
        self,
        settings: KafkaSettings,
        topics: list[str],
        *,
        start: StartAt,
        group_id: str | None,
        connect_timeout_s: float,
    ) -> None:
        self._servers = settings.bootstrap_servers
        self._group_id = group_id
        self._start = start
        self._done: dict[TopicPartition, int] = {}
        config: dict[str, Any] = {
            **kafka_client_config(settings),
            "client_id": TAIL_CLIENT_ID,
            "bootstrap_timeout_ms": int(connect_timeout_s * 1000),
            "group_id": group_id,
            "enable_auto_commit": False,
            "auto_offset_reset": "earliest" if start.kind == "earliest" else "latest",
        }
        try:
            self._consumer = KafkaConsumer(**config)
        except KafkaTimeoutError as error:
            raise KafkaUnreachableError(
                f"cannot reach Kafka at {self._servers} within {connect_timeout_s:g} s "
                "(no broker answered, or the brokers refused the security settings)",
                bootstrap_servers=self._servers,
            ) from error
        except KafkaError as error:
            raise KafkaUnreachableError(
                f"Kafka at {self._servers} refused the connection: {error!r}",
                bootstrap_servers=self._servers,
            ) from error
        try:
            self._place(topics)
        except BaseException:
            self._consumer.close()
            raise

    def __enter__(self) -> "TopicTail":
        """The placed reader, for a ``with`` block."""
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Commit what was done (with a group) and close the consumer."""
        try:
            self._commit()
        finally:
            self._consumer.close()

    def records(self, idle_timeout_s: float | None) -> Iterator[TailRecord]:
        """Records as they arrive; ends when ``idle_timeout_s`` passes without one (never when
        it is None)."""
        last_seen = time.monotonic()
        while True:
            batches = self._consumer.poll(timeout_ms=POLL_MS)
            for partition_records in batches.values():
                for record in partition_records:
                    last_seen = time.monotonic()
                    yield _tail_record(record)
            self._commit()
            if idle_timeout_s is not None and time.monotonic() - last_seen >= idle_timeout_s:
                return

    def done(self, record: TailRecord) -> None:
        """Mark the record handled: a group's next reader starts after it."""
        self._done[TopicPartition(record.topic, record.partition)] = record.offset + 1

    def _commit(self) -> None:
        if self._group_id is None or not self._done:
            return
        offsets = {
            partition: OffsetAndMetadata(offset, "", -1) for partition, offset in self._done.items()
        }
        self._consumer.commit(offsets)
        self._done.clear()

    def _place(self, topics: list[str]) -> None:
        partitions: list[TopicPartition] = []
        for topic in topics:
            numbers = self._consumer.partitions_for_topic(topic)
            if not numbers:
                raise TopicMissingError(topic, bootstrap_servers=self._servers)
            partitions += [TopicPartition(topic, number) for number in sorted(numbers)]
        if self._group_id is not None:
            self._consumer.subscribe(topics, listener=_SeekOnAssign(self))
            return
        self._consumer.assign(partitions)
        self.seek(partitions)

    def seek(self, partitions: list[TopicPartition]) -> None:
        """Place the reader on ``partitions`` where ``StartAt`` says (a group's committed
        offsets stand unless a start time was given)."""
        if self._start.kind == "time":
            found = self._consumer.offsets_for_times(
                dict.fromkeys(partitions, self._start.timestamp_ms)
            )
            ends = self._consumer.end_offsets(partitions)
            for partition in partitions:
                hit = found.get(partition)
                self._consumer.seek(partition, hit.offset if hit is not None else ends[partition])
        elif self._group_id is not None:
            return
        elif self._start.kind == "earliest":
            self._consumer.seek_to_beginning(*partitions)
        else:
            self._consumer.seek_to_end(*partitions)


class _SeekOnAssign(ConsumerRebalanceListener):  # type: ignore[misc]
    """Places a group reader's newly assigned partitions (for ``--since``)."""

    def __init__(self, tail: TopicTail) -> None:
        self._tail = tail

    def on_partitions_revoked(self, revoked: Any) -> None:
        """Nothing to hand back: offsets are committed as records are done."""

    def on_partitions_assigned(self, assigned: Any) -> None:
        """Seek the new partitions to the start time, if one was given."""
        self._tail.seek(list(assigned))


def _tail_record(record: Any) -> TailRecord:
    return TailRecord(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        timestamp_ms=record.timestamp,
        key=record.key,
        headers={
            name: value.decode("utf-8", errors="replace") for name, value in record.headers or []
        },
        value=record.value,
    )
