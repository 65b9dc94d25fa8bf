"""The Kafka producer shared by the event sink and the checkpoint store: a record is stored only
once the cluster acknowledged it (acks=all, idempotent producer), and the number of records
awaiting an acknowledgement is bounded: when the bound is reached, sending waits, and so does
polling behind it.
"""

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError

from newswatch.common.errors import PublishError
from newswatch.kafka.acks import AckTracker
from newswatch.kafka.client import ClusterProbe, kafka_client_config
from newswatch.kafka.config import KafkaSettings
from newswatch.observability.metrics import Metrics

log = structlog.get_logger("newswatch.publish")

ACK_GRACE_SECONDS = 5.0
Headers = list[tuple[str, bytes]]


@dataclass(frozen=True, slots=True)
class Send:
    """One record handed to the producer: its topic, when, and its acknowledgement to come
    (or why the producer refused it)."""

    topic: str
    started: float
    acknowledged: "asyncio.Future[None] | None"
    refused: PublishError | None


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
        self._slots = asyncio.Semaphore(settings.max_unacked_records)
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
            )
            for topic in topics:
                producer.partitions_for(topic)
            return producer

        probe = ClusterProbe(KafkaAdminClient(**config, request_timeout_ms=5_000))
        return cls(make_producer, probe, metrics, settings)

    def is_ready(self) -> bool:
        """True while the cluster has answered recently."""
        return self._probe.recent()

    async def send(self, topic: str, key: bytes, value: bytes, headers: Headers) -> None:
        """Send one record and wait for its acknowledgement; ``PublishError`` without one."""
        error = await self.settle(await self.submit(topic, key, value, headers))
        if error is not None:
            raise error

    async def submit(self, topic: str, key: bytes, value: bytes, headers: Headers) -> Send:
        """Hand one record to the producer, once the bound on unacknowledged records allows.

        The record's slot is freed as soon as its outcome is known, not when someone awaits it:
        an item waiting for a slot for its second copy must not hold up its first.
        """
        await self._slots.acquire()
        self._metrics.unacked_records.inc()
        started = time.monotonic()
        try:
            sent = self._producer.send(topic, key=key, value=value, headers=headers)
        except KafkaError as error:
            self._free_slot()
            return Send(topic, started, None, PublishError(f"send refused: {error}", topic=topic))
        acknowledged = self._acks.track(sent)
        acknowledged.add_done_callback(self._free_slot)
        return Send(topic, started, acknowledged, None)

    async def settle(self, send: Send) -> PublishError | None:
        """Wait for one submitted record's outcome, and count it."""
        error = send.refused
        try:
            if send.acknowledged is not None:
                await send.acknowledged
        except KafkaError as failure:
            error = PublishError(f"not acknowledged: {failure}", topic=send.topic)
        except TimeoutError as failure:
            error = PublishError(str(failure), topic=send.topic)
        if error is not None:
            self._metrics.events_published.labels(send.topic, "error").inc()
            return error
        self._probe.contact()
        self._metrics.events_published.labels(send.topic, "ok").inc()
        self._metrics.publish_latency.observe(time.monotonic() - send.started)
        return None

    async def close(self) -> None:
        """Flush pending records within the shutdown budget, then close the producer."""
        await asyncio.to_thread(self._producer.flush, self._flush_seconds)
        await asyncio.to_thread(self._producer.close, self._flush_seconds)
        await asyncio.to_thread(self._probe.close)
        await self._acks.close()

    def _free_slot(self, _settled: object = None) -> None:
        self._metrics.unacked_records.dec()
        self._slots.release()

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
