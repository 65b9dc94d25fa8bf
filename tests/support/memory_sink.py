"""A sink that keeps what it is given in memory, for tests and benchmarks of the stages before
Kafka. Everything is "acknowledged" at once."""

from newswatch.common.checkpoint import FeedCheckpoint
from newswatch_schemas import NewsItem, RejectedEntry, StoryBurst


class MemorySink:
    """Implements ``newswatch.publish.Sink``; ``keep=False`` only counts the items."""

    def __init__(self, *, keep: bool = True) -> None:
        self.keep = keep
        self.published = 0
        self.items: list[NewsItem] = []
        self.rejected: list[RejectedEntry] = []
        self.bursts: list[StoryBurst] = []

    async def publish_item(self, item: NewsItem) -> None:
        self.published += 1
        if self.keep:
            self.items.append(item)

    async def publish_rejected(self, rejected: RejectedEntry) -> None:
        self.rejected.append(rejected)

    async def publish_burst(self, burst: StoryBurst) -> None:
        self.bursts.append(burst)

    async def save_checkpoint(self, checkpoint: FeedCheckpoint) -> None:
        return

    def load_checkpoints(self) -> dict[str, FeedCheckpoint]:
        return {}

    def is_ready(self) -> bool:
        return True

    async def close(self) -> None:
        return
