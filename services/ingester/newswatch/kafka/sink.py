"""The Kafka event sink: the last stage, where an item is done only once Kafka confirms it.

``KafkaSink`` sends each item to ``<prefix>.items`` and to one ``<prefix>.theme.<theme>``
topic per theme, in CloudEvents binary mode, and returns only when every copy is
acknowledged (``AckedProducer``: acks=all, idempotent, a bounded number unacknowledged).
Rejected entries go to the dead-letter topic, story bursts to the alerts topic. The feeds'
checkpoints go through the same producer (``checkpoints.KafkaCheckpoints``).
"""

import time

from newswatch.kafka.checkpoints import KafkaCheckpoints
from newswatch.kafka.config import KafkaSettings
from newswatch.kafka.producer import AckedProducer
from newswatch.kafka.topics import TopicNames
from newswatch.observability.metrics import Metrics
from newswatch_schemas import NewsItem, RejectedEntry, StoryBurst
from newswatch_schemas.cloudevents import (
    binary_headers,
    burst_attributes,
    item_attributes,
    rejected_attributes,
)


class KafkaSink:
    """Publishes events to Kafka through one ``AckedProducer``, which it closes."""

    def __init__(self, producer: AckedProducer, topics: TopicNames, metrics: Metrics) -> None:
        self._producer = producer
        self._topics = topics
        self._metrics = metrics

    async def publish_item(self, item: NewsItem) -> None:
        """Send the item to the items topic and its theme topics; wait for every ack."""
        value = item.model_dump_json().encode("utf-8")
        headers = binary_headers(item_attributes(item))
        key = item.id.encode("ascii")
        destinations = [self._topics.items, *(self._topics.theme(m.theme) for m in item.themes)]
        sends = [await self._producer.submit(topic, key, value, headers) for topic in destinations]
        failures = [
            error for send in sends if (error := await self._producer.settle(send)) is not None
        ]
        if failures:
            raise failures[0]
        if not item.published_at_estimated:
            self._metrics.pipeline_delay.observe(time.time() - item.published_at.timestamp())

    async def publish_rejected(self, rejected: RejectedEntry) -> None:
        """Send the rejected entry to the dead-letter topic; wait for the ack."""
        await self._producer.send(
            self._topics.dead_letters,
            rejected.id.encode("ascii"),
            rejected.model_dump_json().encode("utf-8"),
            binary_headers(rejected_attributes(rejected)),
        )

    async def publish_burst(self, burst: StoryBurst) -> None:
        """Send the burst to the alerts topic, keyed by story; wait for the ack."""
        await self._producer.send(
            self._topics.alerts,
            burst.story_id.encode("ascii"),
            burst.model_dump_json().encode("utf-8"),
            binary_headers(burst_attributes(burst)),
        )

    def is_ready(self) -> bool:
        """True while the cluster has answered recently."""
        return self._producer.is_ready()

    async def close(self) -> None:
        """Flush pending records within the shutdown budget, then close the producer."""
        await self._producer.close()


def connect_kafka(
    settings: KafkaSettings, topics: TopicNames, metrics: Metrics
) -> tuple[KafkaSink, KafkaCheckpoints]:
    """The Kafka event sink and checkpoint store, sharing one producer. Blocks until the
    cluster answers (run it in a thread)."""
    producer = AckedProducer.connect(settings, metrics)
    return (
        KafkaSink(producer, topics, metrics),
        KafkaCheckpoints(producer, settings, topics.state),
    )
