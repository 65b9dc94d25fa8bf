"""The in-memory side of the event sink and the checkpoint store, for tests and benchmarks.

Like the Kafka side, a publication returns only once it is "acknowledged"; here that is at
once, unless a test holds acknowledgements back (``hold`` / ``release``) or makes some fail
(``refuse``, ``failing``), to check what the service does before and without them.
"""

import asyncio
from collections.abc import Sequence

from newswatch.common.checkpoint import FeedCheckpoint
from newswatch.common.encoded_item import EncodedItem
from newswatch.common.errors import PublishError
from newswatch_schemas import NewsItem, RejectedEntry, StoryBurst

MEMORY_TOPIC = "memory"
"""The ``topic`` a refused publication's ``PublishError`` names."""


class MemorySink:
    """An event sink that keeps what it is given; ``keep=False`` only counts the items."""

    def __init__(self, *, keep: bool = True) -> None:
        self.keep = keep
        self.published = 0
        self.items: list[NewsItem] = []
        self.rejected: list[RejectedEntry] = []
        self.bursts: list[StoryBurst] = []
        self.closed = False
        self._refused_urls: set[str] = set()
        self._open = asyncio.Event()
        self._open.set()
        self._held = 0

    def hold(self) -> None:
        """Keep every publication from now on waiting for ``release``."""
        self._open.clear()

    def release(self) -> None:
        """Acknowledge (or refuse) the publications held, and stop holding."""
        self._open.set()

    @property
    def held(self) -> int:
        """Events (items, rejections, bursts) waiting for ``release``."""
        return self._held

    def refuse(self, *urls: str) -> None:
        """Fail the publication of the items with these URLs (``PublishError``), until
        ``accept``."""
        self._refused_urls.update(urls)

    def accept(self) -> None:
        """Stop refusing items."""
        self._refused_urls.clear()

    async def publish_items(self, items: Sequence[EncodedItem]) -> list[PublishError | None]:
        """Acknowledge each item (keep it, read back as a ``NewsItem``, or count it), unless
        refused."""
        await self._acknowledgement(len(items))
        outcomes: list[PublishError | None] = []
        for item in items:
            if item.url in self._refused_urls:
                outcomes.append(PublishError(f"refused item {item.url}", topic=MEMORY_TOPIC))
                continue
            self.published += 1
            if self.keep:
                self.items.append(NewsItem.model_validate_json(item.value))
            outcomes.append(None)
        return outcomes

    async def publish_rejected(self, rejected: RejectedEntry) -> None:
        """Acknowledge the rejected entry and keep it."""
        await self._acknowledgement()
        self.rejected.append(rejected)

    async def publish_burst(self, burst: StoryBurst) -> None:
        """Acknowledge the burst and keep it."""
        await self._acknowledgement()
        self.bursts.append(burst)

    def is_ready(self) -> bool:
        """Always ready."""
        return True

    async def close(self) -> None:
        """Nothing to deliver."""
        self.closed = True

    async def _acknowledgement(self, events: int = 1) -> None:
        if self._open.is_set():
            return
        self._held += events
        try:
            await self._open.wait()
        finally:
            self._held -= events


class MemoryCheckpoints:
    """A checkpoint store in a dict; ``keep=False`` only counts the saves; ``failing`` makes
    every save raise ``PublishError``."""

    def __init__(
        self, checkpoints: dict[str, FeedCheckpoint] | None = None, *, keep: bool = True
    ) -> None:
        self.checkpoints: dict[str, FeedCheckpoint] = dict(checkpoints or {})
        self.keep = keep
        self.saves = 0
        self.failing = False

    def load_all(self) -> dict[str, FeedCheckpoint]:
        """Every feed's latest checkpoint (a copy)."""
        return dict(self.checkpoints)

    async def save(self, checkpoint: FeedCheckpoint) -> None:
        """Keep the checkpoint as its feed's latest (or count it), unless ``failing``."""
        if self.failing:
            raise PublishError(f"checkpoint of {checkpoint.feed_url} refused", topic=MEMORY_TOPIC)
        self.saves += 1
        if self.keep:
            self.checkpoints[checkpoint.feed_url] = checkpoint
