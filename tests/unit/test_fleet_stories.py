"""A replica's memory of the fleet's stories: items observed from the items topic join the
stories they carry, observing is idempotent, and exactly one replica publishes a burst."""

import asyncio
import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import CollectorRegistry

from newswatch.analysis.stories import BurstDetector, StoryIndex, story_text
from newswatch.kafka.fleet import partition_of
from newswatch.kafka.items_follower import FollowedRecord
from newswatch.kafka.topics import TopicNames
from newswatch.local.memory import MemorySink
from newswatch.observability.metrics import Metrics
from newswatch.service.fleet_stories import FleetStories, FollowedItem
from newswatch.service.seen import SeenIds

TOPICS = TopicNames("unit")
NOW = datetime.now(UTC).replace(microsecond=0)
"""Bursts are published only while recent (``max_delay``): the items are of today."""
TITLE = "Taliban fighters attack army checkpoint in Kunduz"
SUMMARY = (
    "Taliban fighters attacked an Afghan army checkpoint in Kunduz province overnight, "
    "officials said on Monday, adding that reinforcements had been sent to the district."
)
TEXT = story_text(TITLE, SUMMARY)


def hex_id(label: str) -> str:
    return hashlib.sha256(label.encode()).hexdigest()[:32]


def item_value(label: str, story: str, source: str, minutes: int = 0) -> bytes:
    """An item record as the ingester publishes it (the fields read back)."""
    return json.dumps(
        {
            "id": hex_id(label),
            "story_id": hex_id(story),
            "title": TITLE,
            "summary": f"{SUMMARY} ({label})",
            "published_at": (NOW - timedelta(minutes=minutes)).isoformat(),
            "source": {"feed_url": source, "name": source},
            "themes": [{"theme": "taliban_attacks"}],
        }
    ).encode()


def record(value: bytes, topic: str = TOPICS.items) -> FollowedRecord:
    return FollowedRecord(topic, value, int(NOW.timestamp() * 1000), rebuilding=False)


def replica(sink: MemorySink) -> FleetStories:
    return FleetStories(
        index=StoryIndex(),
        bursts=BurstDetector(),
        seen=SeenIds(1000),
        sink=sink,
        metrics=Metrics(CollectorRegistry(), "test"),
        topics=TOPICS,
    )


def test_an_observed_item_joins_its_story_and_later_copies_join_it_too() -> None:
    index = StoryIndex()
    observed = index.observe(hex_id("a"), hex_id("story"), TEXT, NOW, "feed-a")
    copy = index.assign(hex_id("b"), TEXT + " (Reporting by staff.)", NOW, "feed-b")
    assert observed.story_id == copy.story_id == hex_id("story")
    assert observed.is_new_story
    assert not copy.is_new_story
    assert copy.sources == ("feed-a", "feed-b")


def test_observing_an_item_twice_changes_nothing() -> None:
    index = StoryIndex()
    first = index.assign(hex_id("a"), TEXT, NOW, "feed-a")
    again = index.observe(hex_id("a"), hex_id("a"), TEXT, NOW, "feed-a")
    assert again.is_repeat
    assert (again.item_count, again.sources, again.new_source) == (1, ("feed-a",), False)
    assert len(index) == 1
    assert first.story_id == again.story_id


def test_an_observed_item_never_joins_another_story_than_its_own() -> None:
    index = StoryIndex()
    index.assign(hex_id("a"), TEXT, NOW, "feed-a")
    observed = index.observe(hex_id("b"), hex_id("b"), TEXT, NOW, "feed-b")
    assert observed.story_id == hex_id("b")
    assert observed.is_new_story


def test_an_observed_story_is_forgotten_with_its_last_item() -> None:
    index = StoryIndex()
    index.observe(hex_id("a"), hex_id("story"), TEXT, NOW - timedelta(hours=80), "feed-a")
    later = index.assign(hex_id("b"), TEXT, NOW, "feed-b")
    assert later.story_id == hex_id("b")
    assert len(index) == 1


def test_stories_started_at_once_by_two_replicas_continue_under_the_smaller_id() -> None:
    first, second = StoryIndex(), StoryIndex()
    started_a = first.assign(hex_id("a"), TEXT, NOW, "feed-a")
    started_b = second.assign(hex_id("b"), TEXT, NOW, "feed-b")
    assert started_a.story_id != started_b.story_id  # the race: neither had seen the other
    first.observe(hex_id("b"), started_b.story_id, TEXT, NOW, "feed-b")
    second.observe(hex_id("a"), started_a.story_id, TEXT, NOW, "feed-a")
    later = [index.assign(hex_id("c"), TEXT, NOW, "feed-c").story_id for index in (first, second)]
    assert later == [min(started_a.story_id, started_b.story_id)] * 2


def test_a_followed_item_names_what_it_lacks() -> None:
    with pytest.raises(ValueError, match="'summary'"):
        FollowedItem(json.dumps({"id": hex_id("a"), "title": "t"}).encode())
    with pytest.raises(ValueError, match="naive"):
        FollowedItem(item_value("a", "a", "feed-a").replace(b"+00:00", b""))


def owned_partition(story: str) -> int:
    return partition_of(hex_id(story).encode("ascii"), 2)


async def three_sources(stories: FleetStories) -> None:
    await stories.apply(
        [
            record(item_value(label, "k", f"feed-{label}", minutes))
            for label, minutes in (("a", 20), ("b", 10), ("c", 0))
        ]
    )


def test_only_the_owner_of_the_story_publishes_its_burst() -> None:
    async def scenario() -> tuple[MemorySink, MemorySink]:
        owner_sink, other_sink = MemorySink(), MemorySink()
        owner, other = replica(owner_sink), replica(other_sink)
        partition = owned_partition("k")
        await owner.set_ownership(frozenset({partition}), 2)
        await other.set_ownership(frozenset({1 - partition}), 2)
        for stories in (owner, other):
            await three_sources(stories)
        assert len(owner_sink.bursts) == 1
        await other.apply([record(owner_sink.bursts[0].model_dump_json().encode(), TOPICS.alerts)])
        await other.set_ownership(frozenset({0, 1}), 2)
        return owner_sink, other_sink

    owner_sink, other_sink = asyncio.run(scenario())
    assert [burst.story_id for burst in owner_sink.bursts] == [hex_id("k")]
    assert other_sink.bursts == []


def test_a_burst_whose_owner_died_is_published_by_the_next_owner() -> None:
    async def scenario() -> MemorySink:
        sink = MemorySink()
        survivor = replica(sink)
        await survivor.set_ownership(frozenset({1 - owned_partition("k")}), 2)
        await three_sources(survivor)
        assert sink.bursts == []
        await survivor.set_ownership(frozenset({0, 1}), 2)
        await survivor.set_ownership(frozenset({0, 1}), 2)
        return sink

    assert [burst.story_id for burst in asyncio.run(scenario()).bursts] == [hex_id("k")]


def test_items_read_back_twice_count_once_and_are_remembered_as_published() -> None:
    async def scenario() -> tuple[FleetStories, MemorySink]:
        sink = MemorySink()
        stories = replica(sink)
        await stories.set_ownership(frozenset({0, 1}), 2)
        twice = [record(item_value(label, "k", "feed-a")) for label in ("a", "b")] * 2
        await stories.apply([*twice, record(b"not json"), record(item_value("c", "k", "feed-b"))])
        return stories, sink

    stories, sink = asyncio.run(scenario())
    assert len(stories.index) == 3
    assert all(hex_id(label) in stories.seen for label in "abc")
    assert sink.bursts == []
