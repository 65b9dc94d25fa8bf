"""The Kafka producer the spool drains through: a record is stored only once the cluster
acknowledged it (acks=all, idempotent producer). Records go in turns of at most
``max_unacked_records``, each turn awaited whole (``acks.AckTracker``), so that bound holds.
"""

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import structlog
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError

from newswatch.common.errors import PublishError
from newswatch.kafka.acks import AckTracker
from newswatch.kafka.client import ClusterProbe, kafka_client_config
from newswatch.kafka.config import KafkaSettings
from newswatch.kafka.partitioner import RepeatedKeyPartitioner
from newswatch.kafka.sink import OutgoingRecord
from newswatch.observability.metrics import Metrics

log = structlog.get_logger("newswatch.publish")

ACK_GRACE_SECONDS = 5.0


class AckedProducer:
    """Sends records and waits for their acknowledgements; build it with ``connect`` (blocking,
    run it in a thread)."""

    def __init__(
        self,
        make_producer: Callable[[], Any],
        probe: ClusterProbe,
        metrics: Metrics,
        settings: KafkaSettings,
    ) -> None:
        self._make_producer = make_producer
        self._producer = make_producer()
        self._replacing: asyncio.Task[None] | None = None
        self._probe = probe
        self._metrics = metrics
        self._max_unacked = settings.max_unacked_records
        self._flush_seconds = settings.shutdown_flush_seconds
        # kafka-python 3.0 can leave a future unresolved past delivery_timeout_ms, for good,
        # when the broker goes away while a batch is being retried (seen in the fault tests):
        # past this deadline the record counts as failed and the producer is replaced.
        self._acks = AckTracker(
            settings.delivery_timeout_seconds + ACK_GRACE_SECONDS, self._replace_producer
        )

    @classmethod
    def connect(
        cls, settings: KafkaSettings, metrics: Metrics, topics: Sequence[str] = ()
    ) -> "AckedProducer":
        """Open the producer (idempotent, acks=all). Blocks until the cluster answers.

        The metadata of ``topics`` is fetched at once: a first send to a topic whose metadata
        is unknown would block the event loop while the broker is away.
        """
        config = kafka_client_config(settings)

        def make_producer() -> Any:
            producer = KafkaProducer(
                **config,
                acks="all",
                enable_idempotence=True,
                max_in_flight_requests_per_connection=5,
                linger_ms=settings.linger_ms,
                batch_size=settings.batch_size_bytes,
                max_block_ms=10_000,
                request_timeout_ms=int(settings.request_timeout_seconds * 1000),
                delivery_timeout_ms=int(settings.delivery_timeout_seconds * 1000),
                partitioner=RepeatedKeyPartitioner(),
            )
            for topic in topics:
                producer.partitions_for(topic)
            return producer

        probe = ClusterProbe(KafkaAdminClient(**config, request_timeout_ms=5_000))
        return cls(make_producer, probe, metrics, settings)

    def is_ready(self) -> bool:
        """True while the cluster has answered recently."""
        return self._probe.recent()

    async def send_all(self, records: Sequence[OutgoingRecord]) -> list[PublishError | None]:
        """Send the records in order and wait for every outcome: per record, None once Kafka
        acknowledged it, else why not. At most ``max_unacked_records`` are in flight at once:
        a longer list goes in turns, and after a turn with a failure the rest is not sent (the
        caller sends it again, after the failed record)."""
        outcomes: list[PublishError | None] = []
        for first in range(0, len(records), self._max_unacked):
            outcomes += await self._send_turn(records[first : first + self._max_unacked])
            if any(error is not None for error in outcomes):
                outcomes += [
                    PublishError("not sent: an earlier record was not acknowledged", topic=r.topic)
                    for r in records[len(outcomes) :]
                ]
                break
        return outcomes

    async def _send_turn(self, records: Sequence[OutgoingRecord]) -> list[PublishError | None]:
        started = time.monotonic()
        refused: dict[int, PublishError] = {}
        sent: list[Any] = []
        for index, record in enumerate(records):
            try:
                sent.append(
                    self._producer.send(
                        record.topic, key=record.key, value=record.value, headers=record.headers
                    )
                )
            except KafkaError as refusal:
                refused[index] = PublishError(f"send refused: {refusal}", topic=record.topic)
        self._metrics.unacked_records.inc(len(sent))
        try:
            arrived = iter(await self._acks.track(sent))
        finally:
            self._metrics.unacked_records.dec(len(sent))
        outcomes: list[PublishError | None] = []
        counts: Counter[tuple[str, str]] = Counter()
        for index, record in enumerate(records):
            error = refused.get(index)
            if error is None:
                outcome = next(arrived)
                error = _publish_error(outcome.error, record.topic)
                if error is None:
                    self._metrics.publish_latency.observe(outcome.at - started)
            counts[record.topic, "ok" if error is None else "error"] += 1
            outcomes.append(error)
        for (topic, result), count in counts.items():
            self._metrics.events_published.labels(topic, result).inc(count)
        if any(outcome is None for outcome in outcomes):
            self._probe.contact()
        return outcomes

    async def close(self) -> None:
        """Flush pending records within the shutdown budget, then close the producer."""
        await asyncio.to_thread(self._producer.flush, self._flush_seconds)
        await asyncio.to_thread(self._producer.close, self._flush_seconds)
        await asyncio.to_thread(self._probe.close)
        await self._acks.close()

    def _replace_producer(self) -> None:
        """Swap in a new producer (once at a time); the stuck one is closed in the background."""
        if self._replacing is not None and not self._replacing.done():
            return
        self._replacing = asyncio.create_task(self._swap_producer())

    async def _swap_producer(self) -> None:
        stuck = self._producer
        try:
            self._producer = await asyncio.to_thread(self._make_producer)
        except KafkaError as error:
            log.warning("could not open a new producer; keeping the old one", error=repr(error))
            return
        log.warning("replaced a producer that stopped acknowledging; its records will be re-sent")
        self._metrics.producer_replacements.inc()
        await asyncio.to_thread(stuck.close, 1)


def _publish_error(error: BaseException | None, topic: str) -> PublishError | None:
    """The error of a send that was not acknowledged (None when it was)."""
    if error is None:
        return None
    if isinstance(error, KafkaError):
        return PublishError(f"not acknowledged: {error}", topic=topic)
    return PublishError(str(error), topic=topic)
