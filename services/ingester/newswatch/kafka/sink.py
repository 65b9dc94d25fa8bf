"""The records the service sends to Kafka, built in one place: what the spool stores is exactly
what Kafka gets.

Each item goes to ``<prefix>.items`` and to one ``<prefix>.theme.<theme>`` topic per theme,
in CloudEvents binary mode, keyed by the item id. Rejected entries go to the dead-letter
topic, story bursts to the alerts topic (keyed by story), and the feeds' checkpoints to the
compacted state topic (keyed by the feed's state key).
"""

from dataclasses import dataclass

from newswatch.common.checkpoint import FeedCheckpoint, encode
from newswatch.common.encoded_item import EncodedItem
from newswatch.kafka.topics import TopicNames
from newswatch_schemas import RejectedEntry, StoryBurst
from newswatch_schemas.cloudevents import (
    binary_headers,
    burst_attributes,
    rejected_attributes,
)

Headers = list[tuple[str, bytes]]


@dataclass(frozen=True, slots=True)
class OutgoingRecord:
    """One Kafka record as it will be sent: topic, key, value and headers."""

    topic: str
    key: bytes
    value: bytes
    headers: Headers

    @property
    def size(self) -> int:
        """Bytes the record takes: what the spool's size limit counts."""
        return (
            len(self.topic)
            + len(self.key)
            + len(self.value)
            + sum(len(name) + len(value) for name, value in self.headers)
        )


def item_records(item: EncodedItem, topics: TopicNames) -> list[OutgoingRecord]:
    """The item's copy for the items topic, then one per theme topic."""
    headers = binary_headers(item.attributes)
    key = item.id.encode("ascii")
    destinations = [topics.items, *(topics.theme(theme) for theme in item.themes)]
    return [OutgoingRecord(topic, key, item.value, headers) for topic in destinations]


def rejected_records(rejected: RejectedEntry, topics: TopicNames) -> list[OutgoingRecord]:
    """The rejected entry's record for the dead-letter topic."""
    return [
        OutgoingRecord(
            topics.dead_letters,
            rejected.id.encode("ascii"),
            rejected.model_dump_json().encode("utf-8"),
            binary_headers(rejected_attributes(rejected)),
        )
    ]


def burst_records(burst: StoryBurst, topics: TopicNames) -> list[OutgoingRecord]:
    """The burst's record for the alerts topic, keyed by story."""
    return [
        OutgoingRecord(
            topics.alerts,
            burst.story_id.encode("ascii"),
            burst.model_dump_json().encode("utf-8"),
            binary_headers(burst_attributes(burst)),
        )
    ]


def checkpoint_records(checkpoint: FeedCheckpoint, topics: TopicNames) -> list[OutgoingRecord]:
    """The checkpoint's record for the compacted state topic, keyed by the feed's state key."""
    return [OutgoingRecord(topics.state, checkpoint.key(), encode(checkpoint), [])]
