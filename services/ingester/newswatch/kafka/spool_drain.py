"""Emptying the spool into Kafka: records in the order they were accepted, each deleted only
once Kafka acknowledged it and every record before it.

The drainer connects on its own (retrying every second while Kafka is away, so that the
service starts and spools without it), sends a batch through the ``AckedProducer``, and
deletes the acknowledged prefix of the batch. A record that fails is sent again with every
record after it (order per key kept; those after it may reach Kafka twice).
"""

import asyncio
import threading
from collections.abc import Callable

import structlog
from kafka.errors import KafkaError

from newswatch.common.stopping import sleep_unless_stopped
from newswatch.kafka.producer import AckedProducer
from newswatch.kafka.spool import SpooledRecord
from newswatch.kafka.spool_thread import SpoolThread
from newswatch.observability.logs import quieted

log = structlog.get_logger("newswatch.spool")

DRAIN_BATCH_RECORDS = 2_000
RETRY_SECONDS = 1.0


class Drainer:
    """Sends the spool's records to Kafka; ``run`` until stopped."""

    def __init__(
        self,
        spool: SpoolThread,
        open_producer: Callable[[], AckedProducer],
        *,
        bootstrap_servers: str,
        producer: AckedProducer | None = None,
        hint: str = "",
    ) -> None:
        self._hint = hint
        self._spool = spool
        self._open_producer = open_producer
        self._bootstrap_servers = bootstrap_servers
        self.producer = producer
        self._connected = threading.Event()

    def wait_connected(self, seconds: float) -> bool:
        """Wait up to ``seconds`` for the producer to be connected. Blocking: on another
        thread than the event loop's."""
        return self._connected.wait(seconds)

    def kafka_answers(self) -> bool:
        """True while connected and the cluster has answered recently."""
        return self.producer is not None and self.producer.is_ready()

    async def run(self, stop: asyncio.Event) -> None:
        """Connect (unless connected), then send what the spool holds until ``stop``."""
        if self.producer is None:
            self.producer = await self._connect(stop)
        producer = self.producer
        if producer is None:
            return
        self._connected.set()
        while not stop.is_set():
            self._spool.appended.clear()
            batch = await self._spool.peek(0, DRAIN_BATCH_RECORDS)
            if not batch:
                await _first_of(self._spool.appended, stop)
                continue
            acknowledged = await send_in_order(producer, batch)
            if acknowledged is not None:
                await self._spool.delete_through(acknowledged)
            if acknowledged != batch[-1].seq:
                await sleep_unless_stopped(stop, RETRY_SECONDS)

    async def _connect(self, stop: asyncio.Event) -> AckedProducer | None:
        """Open the producer (and the topics), retrying every second; None when stopped."""
        while not stop.is_set():
            try:
                with quieted("kafka"):
                    producer = await asyncio.to_thread(self._open_producer)
            except KafkaError as error:
                log.warning(
                    "kafka not reachable; retrying",
                    bootstrap_servers=self._bootstrap_servers,
                    error=str(error),
                    retry_in_s=RETRY_SECONDS,
                    spooling=True,
                    hint=self._hint,
                )
                await sleep_unless_stopped(stop, RETRY_SECONDS)
                continue
            log.info("connected to kafka", bootstrap_servers=self._bootstrap_servers)
            return producer
        return None


async def send_in_order(producer: AckedProducer, batch: list[SpooledRecord]) -> int | None:
    """Send the batch; the sequence number up to which every record was acknowledged (None
    when the first one was not)."""
    outcomes = await producer.send_all([spooled.record for spooled in batch])
    acknowledged = None
    for spooled, error in zip(batch, outcomes, strict=True):
        if error is not None:
            log.warning("record not acknowledged; it stays in the spool", error=str(error))
            break
        acknowledged = spooled.seq
    return acknowledged


async def _first_of(first: asyncio.Event, second: asyncio.Event) -> None:
    waits = [asyncio.create_task(first.wait()), asyncio.create_task(second.wait())]
    _, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
