"""Feed checkpoints: what the ingester has finished with, kept in a compacted Kafka topic.

Like a Kafka Connect source offset, a feed's checkpoint is written only after every item of
the poll it describes was acknowledged, and it is read back at start-up, so a restarted
ingester (on this machine or another) neither skips nor repeats what was done. Keyed by the
feed's configured URL; ``<prefix>.state`` keeps the latest record per key.
"""

import time
from typing import Any, Literal

from kafka import KafkaConsumer, TopicPartition
from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

CHECKPOINT_VERSION: Literal[1] = 1


class FeedCheckpoint(BaseModel):
    """Where one feed stands: validators for the next conditional GET and the ids already done.

    ``done_ids`` are the ids of the entries of the feed's last document that were published,
    sent to the dead-letter topic, or matched no theme.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    version: Literal[1] = CHECKPOINT_VERSION
    feed_url: str
    effective_url: str
    etag: str = ""
    last_modified: str = ""
    done_ids: list[str]
    updated_at: AwareDatetime

    def key(self) -> bytes:
        """The record key: the feed's configured URL."""
        return self.feed_url.encode("utf-8")


def encode(checkpoint: FeedCheckpoint) -> bytes:
    """The record value."""
    return checkpoint.model_dump_json().encode("utf-8")


def decode(value: bytes | None) -> FeedCheckpoint | None:
    """A record value back to a checkpoint; None for tombstones and unreadable records."""
    if not value:
        return None
    try:
        return FeedCheckpoint.model_validate_json(value)
    except ValidationError:
        return None


def read_checkpoints(
    client_config: dict[str, Any], topic: str, timeout_s: float = 30.0
) -> dict[str, FeedCheckpoint]:
    """Every feed's latest checkpoint, read from the start of ``topic`` to its end. Blocking."""
    consumer = KafkaConsumer(
        **client_config, enable_auto_commit=False, group_id=None, consumer_timeout_ms=1000
    )
    try:
        partitions = [
            TopicPartition(topic, number)
            for number in sorted(consumer.partitions_for_topic(topic) or [])
        ]
        if not partitions:
            return {}
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        latest: dict[str, FeedCheckpoint] = {}
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            if time.monotonic() > deadline:
                raise TimeoutError(f"reading {topic} took longer than {timeout_s:g} s")
            for records in consumer.poll(timeout_ms=500).values():
                for record in records:
                    key = record.key.decode("utf-8") if record.key else ""
                    checkpoint = decode(record.value)
                    if checkpoint is None:
                        latest.pop(key, None)
                    else:
                        latest[key] = checkpoint
        return latest
    finally:
        consumer.close()
