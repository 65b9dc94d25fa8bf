"""Publishing: the last stage, where an item is done only once its destination confirms it.

``KafkaSink`` sends each item to ``<prefix>.items`` and to one ``<prefix>.theme.<theme>``
topic per theme, in CloudEvents binary mode, and returns only when every copy is
acknowledged (acks=all, idempotent producer). The number of unacknowledged records is
bounded: when the bound is reached, publishing waits, and so does polling behind it.
``StdoutSink`` writes structured-mode CloudEvents, one JSON line per item, for ``--once``.
"""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import structlog
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError

from newswatch.common.checkpoint import FeedCheckpoint, encode
from newswatch.common.errors import PublishError
from newswatch.kafka.acks import AckTracker
from newswatch.kafka.checkpoints import read_checkpoints
from newswatch.kafka.client import ClusterProbe, kafka_client_config
from newswatch.kafka.config import KafkaSettings
from newswatch.kafka.topics import TopicNames
from newswatch.observability.metrics import Metrics
from newswatch_schemas import NewsItem, RejectedEntry, StoryBurst
from newswatch_schemas.cloudevents import (
    binary_headers,
    burst_attributes,
    item_attributes,
    rejected_attributes,
)

log = structlog.get_logger("newswatch.publish")

ACK_GRACE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class _Send:
    """One record handed to the producer: its topic, when, and its acknowledgement to come
    (or why the producer refused it)."""

    topic: str
    started: float
    acknowledged: "asyncio.Future[None] | None"
    refused: PublishError | None


class KafkaSink:
    """Publishes to Kafka; build it with ``KafkaSink.connect`` (blocking, run it in a thread)."""

    def __init__(
        self,
        make_producer: Callable[[], Any],
        probe: ClusterProbe,
        topics: TopicNames,
        metrics: Metrics,
        settings: KafkaSettings,
    ) -> None:
        self._make_producer = make_producer
        self._producer = make_producer()
        self._replacing: asyncio.Task[None] | None = None
        self._probe = probe
        self._topics = topics
        self._metrics = metrics
        self._slots = asyncio.Semaphore(settings.max_unacked_records)
        self._flush_seconds = settings.shutdown_flush_seconds
        self._client_config = kafka_client_config(settings)
        # kafka-python 3.0 can leave a future unresolved past delivery_timeout_ms, for good,
        # when the broker goes away while a batch is being retried (seen in the fault tests):
        # past this deadline the record counts as failed and the producer is replaced.
        self._acks = AckTracker(
            settings.delivery_timeout_seconds + ACK_GRACE_SECONDS, self._replace_producer
        )

    @classmethod
    def connect(cls, settings: KafkaSettings, topics: TopicNames, metrics: Metrics) -> "KafkaSink":
        """Open the producer (idempotent, acks=all). Blocks until the cluster answers."""
        config = kafka_client_config(settings)

        def make_producer() -> Any:
            return KafkaProducer(
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

        probe = ClusterProbe(KafkaAdminClient(**config, request_timeout_ms=5_000))
        return cls(make_producer, probe, topics, metrics, settings)

    async def publish_item(self, item: NewsItem) -> None:
        """Send the item to the items topic and its theme topics; wait for every ack."""
        value = item.model_dump_json().encode("utf-8")
        headers = binary_headers(item_attributes(item))
        key = item.id.encode("ascii")
        destinations = [self._topics.items, *(self._topics.theme(m.theme) for m in item.themes)]
        sends = [await self._submit(topic, key, value, headers) for topic in destinations]
        failures = [error for send in sends if (error := await self._settle(send)) is not None]
        if failures:
            raise failures[0]
        if not item.published_at_estimated:
            self._metrics.pipeline_delay.observe(time.time() - item.published_at.timestamp())

    async def publish_rejected(self, rejected: RejectedEntry) -> None:
        """Send the rejected entry to the dead-letter topic; wait for the ack."""
        await self._send(
            self._topics.dead_letters,
            rejected.id.encode("ascii"),
            rejected.model_dump_json().encode("utf-8"),
            binary_headers(rejected_attributes(rejected)),
        )

    async def publish_burst(self, burst: StoryBurst) -> None:
        """Send the burst to the alerts topic, keyed by story; wait for the ack."""
        await self._send(
            self._topics.alerts,
            burst.story_id.encode("ascii"),
            burst.model_dump_json().encode("utf-8"),
            binary_headers(burst_attributes(burst)),
        )

    async def save_checkpoint(self, checkpoint: FeedCheckpoint) -> None:
        """Write the feed's checkpoint to the compacted state topic; wait for the ack."""
        await self._send(self._topics.state, checkpoint.key(), encode(checkpoint), [])

    def load_checkpoints(self) -> dict[str, FeedCheckpoint]:
        """Read every feed's latest checkpoint from the state topic. Blocking."""
        return read_checkpoints(self._client_config, self._topics.state)

    def is_ready(self) -> bool:
        """True while the cluster has answered recently."""
        return self._probe.recent()

    async def close(self) -> None:
        """Flush pending records within the shutdown budget, then close the producer."""
        await asyncio.to_thread(self._producer.flush, self._flush_seconds)
        await asyncio.to_thread(self._producer.close, self._flush_seconds)
        await asyncio.to_thread(self._probe.close)
        await self._acks.close()

    async def _send(
        self, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]
    ) -> None:
        error = await self._settle(await self._submit(topic, key, value, headers))
        if error is not None:
            raise error

    async def _submit(
        self, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]
    ) -> _Send:
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
            return _Send(topic, started, None, PublishError(f"send refused: {error}", topic=topic))
        acknowledged = self._acks.track(sent)
        acknowledged.add_done_callback(self._free_slot)
        return _Send(topic, started, acknowledged, None)

    def _free_slot(self, _settled: object = None) -> None:
        self._metrics.unacked_records.dec()
        self._slots.release()

    async def _settle(self, send: _Send) -> PublishError | None:
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
