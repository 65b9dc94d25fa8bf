"""A replica's memory of the fleet's stories, bursts and published items, kept from Kafka.

Every replica follows ``<prefix>.items`` and ``<prefix>.alerts`` (``kafka.items_follower``),
from the story horizon on: at start-up that rebuilds what it must remember, then keeps it
current, its own items included (observing an item twice changes nothing). What it keeps:

- the **story index**: an item another replica published joins the story it carries
  (``StoryIndex.observe``), so that a later copy polled here joins that story too;
- the **burst detector**: every item of the fleet is observed, so a story whose sources are
  spread over replicas still bursts, and every replica counts the same bursts;
- the **published ids** (``SeenIds``, also fed by the feeds' checkpoints): the same canonical
  URL polled here after another replica published it is a duplicate, not published again.

**One burst event per story and window across the fleet.** Every replica detects the burst
(with the same id: ``burst_id(story_id, ordinal)``); only the replica that holds the story's
partition of ``<prefix>.feeds`` (``partition_of(story_id)``, the group's assignment) publishes
it. The others hold it until it appears in ``<prefix>.alerts`` (or is too old to matter); if
the partition moves to them first (its owner died), they publish it then.
"""

import json
from collections import OrderedDict
from datetime import UTC, datetime, timedelta

import structlog

from newswatch.analysis.stories import BurstDetector, StoryIndex, story_text
from newswatch.common.errors import PublishError
from newswatch.kafka.fleet import partition_of
from newswatch.kafka.items_follower import FollowedRecord
from newswatch.kafka.topics import TopicNames
from newswatch.observability.metrics import Metrics
from newswatch.service.ports import EventSink
from newswatch.service.seen import SeenIds
from newswatch.settings import Settings
from newswatch_schemas import StoryBurst

log = structlog.get_logger("newswatch.stories")

EMITTED_BURSTS_KEPT = 100_000


class FollowedItem:
    """What a replica keeps of an item published by the fleet."""

    __slots__ = ("item_id", "published_at", "source", "story_id", "text", "themes")

    def __init__(self, value: bytes) -> None:
        """Read the fields needed from an item record's JSON value; ``ValueError`` (with the
        field) when it is not a news item."""
        try:
            record = json.loads(value)
            self.item_id: str = record["id"]
            self.story_id: str = record.get("story_id") or self.item_id
            self.text = story_text(record["title"], record["summary"])
            self.published_at = datetime.fromisoformat(record["published_at"])
            self.source: str = record["source"]["feed_url"]
            self.themes: list[str] = [match["theme"] for match in record["themes"]]
        except KeyError as error:
            raise ValueError(f"item record without {error}") from error
        except TypeError as error:
            raise ValueError(f"item record of the wrong shape: {error}") from error
        if self.published_at.tzinfo is None:
            raise ValueError("item record with a naive published_at")


class FleetStories:
    """The story index, burst detector and published ids of one replica, and which bursts it
    publishes. ``fleet=False`` (a single pass, or no group): it publishes every burst."""

    def __init__(
        self,
        *,
        index: StoryIndex,
        bursts: BurstDetector,
        seen: SeenIds,
        sink: EventSink,
        metrics: Metrics,
        topics: TopicNames | None = None,
    ) -> None:
        self.index = index
        self.bursts = bursts
        self.seen = seen
        self._sink = sink
        self._metrics = metrics
        self._topics = topics
        self._owned: frozenset[int] | None = None if topics is None else frozenset()
        self._partitions = 0
        self._pending: dict[str, StoryBurst] = {}
        self._emitted: OrderedDict[str, None] = OrderedDict()

    @classmethod
    def build(
        cls, settings: Settings, sink: EventSink, metrics: Metrics, topics: TopicNames | None
    ) -> "FleetStories":
        """Empty memory configured by ``settings``; with ``topics``, a fleet replica's (it
        publishes bursts only for the partitions it is told it holds)."""
        return cls(
            index=StoryIndex(settings.stories.story_config()),
            bursts=BurstDetector(settings.stories.burst_config()),
            seen=SeenIds(settings.seen_ids_capacity),
            sink=sink,
            metrics=metrics,
            topics=topics,
        )

    def owns(self, story_id: str) -> bool:
        """Whether this replica publishes the story's bursts."""
        if self._owned is None:
            return True
        if not self._partitions:
            return False
        return partition_of(story_id.encode("ascii"), self._partitions) in self._owned

    async def set_ownership(self, partitions: frozenset[int], count: int) -> None:
        """This replica holds ``partitions`` of the ``count`` of the feeds topic now: publish
        the held bursts of the stories it now owns."""
        self._owned, self._partitions = partitions, count
        for burst in list(self._pending.values()):
            await self.offer(burst)

    async def offer(self, burst: StoryBurst) -> None:
        """A burst this replica detected: published if the story is its own and the burst is
        not out yet; otherwise held, until it is seen out or the story becomes its own."""
        if burst.id in self._emitted:
            self._pending.pop(burst.id, None)
            return
        if not self.owns(burst.story_id):
            self._pending[burst.id] = burst
            self._forget_stale(burst.detected_at)
            return
        try:
            await self._sink.publish_burst(burst)
        except PublishError as error:
            log.error("story burst not published", story_id=burst.story_id, error=str(error))
            return
        self._pending.pop(burst.id, None)
        self._note_emitted(burst.id)
        log.info(
            "story burst", story_id=burst.story_id, sources=burst.source_count, themes=burst.themes
        )
        for theme in burst.themes:
            self._metrics.story_bursts.labels(theme).inc()

    async def apply(self, records: list[FollowedRecord]) -> None:
        """Take in records followed from the items and alerts topics (see the module
        docstring); a record that cannot be read is logged and skipped."""
        now = datetime.now(UTC)
        detected: list[StoryBurst] = []
        alerts = self._topics.alerts if self._topics is not None else None
        for record in records:
            if record.topic == alerts:
                self._note_burst_out(record.value)
                continue
            try:
                item = FollowedItem(record.value)
            except ValueError as error:
                log.warning("followed record skipped", topic=record.topic, error=str(error))
                continue
            self._metrics.items_followed.inc()
            if not record.rebuilding:
                lag = now.timestamp() - record.timestamp_ms / 1000
                self._metrics.follow_lag.observe(max(lag, 0.0))
            burst = self.observe(item, now)
            if burst is not None:
                detected.append(burst)
        for burst in detected:
            await self.offer(burst)

    def observe(self, item: FollowedItem, now: datetime) -> StoryBurst | None:
        """Remember a published item: its story, its burst observation, its id; the story's
        burst when this item completes one."""
        self.seen.add(item.item_id)
        assignment = self.index.observe(
            item.item_id, item.story_id, item.text, item.published_at, item.source
        )
        return self.bursts.observe(assignment, item.themes, now)

    def _note_burst_out(self, value: bytes) -> None:
        try:
            burst_id = json.loads(value)["id"]
        except (ValueError, KeyError, TypeError) as error:
            log.warning("followed burst record skipped", error=repr(error))
            return
        self._pending.pop(burst_id, None)
        self._note_emitted(burst_id)

    def _note_emitted(self, burst_id: str) -> None:
        self._emitted[burst_id] = None
        while len(self._emitted) > EMITTED_BURSTS_KEPT:
            self._emitted.popitem(last=False)

    def _forget_stale(self, now: datetime) -> None:
        """Held bursts past the detector's ``max_delay`` are never published."""
        cutoff = now - self.bursts.config.max_delay
        for held in [key for key, burst in self._pending.items() if burst.detected_at < cutoff]:
            del self._pending[held]


def horizon_start(settings: Settings, now: datetime) -> datetime:
    """Where a replica's rebuild starts: the story horizon before ``now``."""
    return now - timedelta(hours=settings.stories.horizon_hours)
