"""The interfaces the service core is assembled from: where feeds come from, where events go,
where checkpoints are kept. Each has a real side (Kafka, the feeds file, stdout) and an
in-memory side (``local.memory``) for tests and benchmarks."""

import asyncio
from collections.abc import Sequence
from typing import Protocol

from newswatch.common.checkpoint import FeedCheckpoint
from newswatch.common.encoded_item import EncodedItem
from newswatch.common.errors import PublishError
from newswatch.common.feeds import Assign
from newswatch_schemas import RejectedEntry, StoryBurst


class EventSink(Protocol):
    """Where finished events go. Each ``publish_*`` returns once the events are safely stored
    (or could not be)."""

    async def publish_items(self, items: Sequence[EncodedItem]) -> list[PublishError | None]:
        """Store a poll's matched items, together where the sink can: per item, in order, None
        once it is safely stored, else the ``PublishError`` saying why not."""

    async def publish_rejected(self, rejected: RejectedEntry) -> None:
        """Store one entry that could not be normalised; ``PublishError`` as above."""

    async def publish_burst(self, burst: StoryBurst) -> None:
        """Store one story-burst event; ``PublishError`` as above."""

    def is_ready(self) -> bool:
        """Whether the sink can take events now (polling waits while it cannot)."""

    async def close(self) -> None:
        """Deliver what is pending, within the shutdown budget, and release resources."""


class CheckpointStore(Protocol):
    """Where each feed's checkpoint is kept between runs (and between replicas)."""

    def load_all(self) -> dict[str, FeedCheckpoint]:
        """Every feed's latest checkpoint, by configured feed URL. Blocking."""

    async def save(self, checkpoint: FeedCheckpoint) -> None:
        """Store one feed's checkpoint; return once stored, or raise ``PublishError``."""


class FeedSource(Protocol):
    """What the service should poll, and when that changes."""

    async def follow(self, assign: Assign, until: asyncio.Event) -> None:
        """Hand the feeds to poll to ``assign`` (at once if the source knows them), and again
        whenever they change, until ``until`` is set; then return. A source that knows its
        feeds and is called with ``until`` already set hands them over once and returns."""


class HeldFeeds(Protocol):
    """Where a replica keeps the URLs of the feeds it polls, to start on them without Kafka."""

    async def held_feeds(self) -> list[str]:
        """The URLs of the feeds this replica polled last (empty if never any)."""

    async def hold_feeds(self, urls: list[str]) -> None:
        """Remember the feeds this replica polls now."""
