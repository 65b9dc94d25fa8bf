"""Reading back what the ingester published, from the real broker."""

import time
from typing import Any

from kafka import KafkaConsumer, TopicPartition


class TopicReadError(RuntimeError):
    """A topic could not be read back: it does not exist, or its end was not reached in time."""


def read_all(bootstrap: str, topic: str, timeout_s: float = 30.0) -> list[Any]:
    """Every record in ``topic`` up to its current end offsets, in partition order."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, consumer_timeout_ms=1000
    )
    try:
        partitions = [
            TopicPartition(topic, partition)
            for partition in sorted(consumer.partitions_for_topic(topic) or [])
        ]
        if not partitions:
            raise TopicReadError(f"topic {topic} does not exist on {bootstrap}")
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        ends = consumer.end_offsets(partitions)
        records: list[Any] = []
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            if time.monotonic() >= deadline:
                raise TopicReadError(f"timed out after {timeout_s:g} s reading {topic}")
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def topic_names(bootstrap: str) -> set[str]:
    """Names of the topics on the broker."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        return set(consumer.topics())
    finally:
        consumer.close()
