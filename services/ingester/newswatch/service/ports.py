"""The interfaces the service core is assembled from."""

from typing import Protocol

from newswatch.common.checkpoint import FeedCheckpoint
from newswatch_schemas import NewsItem, RejectedEntry, StoryBurst


class Sink(Protocol):
    """Where finished items go. Each ``publish_*`` returns once the item is safely stored."""

    async def publish_item(self, item: NewsItem) -> None:
        """Store one matched item; raise ``PublishError`` when that cannot be confirmed."""

    async def publish_rejected(self, rejected: RejectedEntry) -> None:
        """Store one entry that could not be normalised."""

    async def publish_burst(self, burst: StoryBurst) -> None:
        """Store one story-burst event."""

    async def save_checkpoint(self, checkpoint: FeedCheckpoint) -> None:
        """Store a feed's checkpoint; returns once it is safely stored."""

    def load_checkpoints(self) -> dict[str, FeedCheckpoint]:
        """Every feed's stored checkpoint, by configured feed URL. Blocking."""

    def is_ready(self) -> bool:
        """Whether the sink can take items now."""

    async def close(self) -> None:
        """Deliver what is pending, within the shutdown budget, and release resources."""
