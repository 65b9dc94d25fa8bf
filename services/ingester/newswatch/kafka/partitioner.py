"""Which partition a keyed record goes to: kafka-python's default (murmur2 of the key, as the
Java client does, so a key lands where any Kafka client would put it), with the last key's hash
remembered.

An item goes to the items topic and to one topic per theme, one record after another with the
same key, and kafka-python's murmur2 is pure Python: hashing each key once instead of once per
record saved some 15 µs of the main process's CPU per item on ``benchmarks/e2e_bench.py``.
Called by ``KafkaProducer.send``, on the event loop's thread only.
"""

from typing import Any

from kafka.partitioner import DefaultPartitioner, murmur2


class RepeatedKeyPartitioner(DefaultPartitioner):  # type: ignore[misc]
    """``DefaultPartitioner`` that hashes a key sent several times in a row only once."""

    def __init__(self) -> None:
        self._last_key: bytes | None = None
        self._last_hash = 0

    def partition(  # noqa: PLR0917 - kafka-python's Partitioner signature
        self,
        topic: str,
        key: Any,
        serialized_key: bytes | None,
        value: Any,
        serialized_value: bytes | None,
        cluster: Any,
    ) -> int:
        """The partition of ``topic`` for the record: by its key's hash, or as the default
        partitioner places an unkeyed one."""
        partitions = cluster.partitions_for_topic(topic)
        if serialized_key is None or partitions is None:
            chosen: int = super().partition(
                topic, key, serialized_key, value, serialized_value, cluster
            )
            return chosen
        if serialized_key != self._last_key:
            self._last_key = serialized_key
            self._last_hash = murmur2(serialized_key) & 0x7FFFFFFF
        ordered: list[int] = sorted(partitions)
        return ordered[self._last_hash % len(ordered)]
