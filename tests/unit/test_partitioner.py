"""The partitioner puts every keyed record where kafka-python's default one does."""

import random

from kafka.partitioner import DefaultPartitioner

from newswatch.kafka.partitioner import RepeatedKeyPartitioner


class _Cluster:
    """The two questions partitioners ask of ``ClusterMetadata``, for topics of 1 to 7
    partitions."""

    def __init__(self) -> None:
        self.partitions = {f"topic{count}": set(range(count)) for count in range(1, 8)}

    def topics(self) -> set[str]:
        return set(self.partitions)

    def partitions_for_topic(self, topic: str) -> set[int] | None:
        return self.partitions.get(topic)

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return self.partitions[topic]


def test_keyed_records_go_where_the_default_partitioner_puts_them() -> None:
    cluster = _Cluster()
    ours, default = RepeatedKeyPartitioner(), DefaultPartitioner()
    rng = random.Random(7)
    keys = [rng.randbytes(rng.randint(0, 40)) for _ in range(300)]
    for key in keys:
        for topic in rng.sample(sorted(cluster.partitions), 3):
            assert ours.partition(topic, key, key, b"", b"", cluster) == default.partition(
                topic, key, key, b"", b"", cluster
            )


def test_an_unkeyed_record_goes_to_one_of_the_topics_partitions() -> None:
    cluster = _Cluster()
    partitioner = RepeatedKeyPartitioner()
    chosen = {partitioner.partition("topic5", None, None, b"", b"", cluster) for _ in range(200)}
    assert chosen <= set(range(5))
    assert len(chosen) > 1
