"""The Kafka checkpoint store: each feed's checkpoint in the compacted ``<prefix>.state`` topic,
keyed by the feed's state key (``FeedConfig.state_key``), written through the event sink's
producer (so it waits for the same acknowledgements) and read back from the start of the
topic."""

from typing import Any

from newswatch.common.checkpoint import FeedCheckpoint, decode, encode
from newswatch.kafka.client import kafka_client_config, read_compacted
from newswatch.kafka.config import KafkaSettings
from newswatch.kafka.producer import AckedProducer


class KafkaCheckpoints:
    """Checkpoints in ``topic``; the producer belongs to the sink, which closes it."""

    def __init__(self, producer: AckedProducer, settings: KafkaSettings, topic: str) -> None:
        self._producer = producer
        self._client_config = kafka_client_config(settings)
        self._topic = topic

    def load_all(self) -> dict[str, FeedCheckpoint]:
        """Every feed's latest checkpoint, by state key. Blocking."""
        return read_checkpoints(self._client_config, self._topic)

    async def save(self, checkpoint: FeedCheckpoint) -> None:
        """Write the checkpoint to the state topic; wait for the ack."""
        await self._producer.send(self._topic, checkpoint.key(), encode(checkpoint), [])


def read_checkpoints(client_config: dict[str, Any], topic: str) -> dict[str, FeedCheckpoint]:
    """Every feed's latest checkpoint, by state key. Blocking."""
    latest = {}
    for key, value in read_compacted(client_config, topic).items():
        checkpoint = decode(value)
        if checkpoint is not None:
            latest[key] = checkpoint
    return latest
