"""Feed sources that need no Kafka: a fixed list (``--once``), and the feeds file watched for
changes. The fleet's source, the consumer group, is ``kafka.fleet.FleetFeeds``."""

import asyncio
from pathlib import Path

import structlog

from newswatch.common.errors import ConfigError
from newswatch.common.feeds import FeedConfig, load_feeds
from newswatch.service.ports import Assign
from newswatch.service.supervisor import sleep_unless_stopped

log = structlog.get_logger("newswatch.app")


class StaticFeeds:
    """A fixed list of feeds, handed over once."""

    def __init__(self, feeds: list[FeedConfig]) -> None:
        self.feeds = list(feeds)

    async def follow(self, assign: Assign, until: asyncio.Event) -> None:
        """Hand the feeds over and return: they never change."""
        await assign(self.feeds)


class FeedsFile:
    """The feeds file: its feeds as loaded at start-up, then again whenever it changes."""

    def __init__(self, path: Path, feeds: list[FeedConfig], *, check_seconds: float) -> None:
        self.path = path
        self.feeds = list(feeds)
        self._check_seconds = check_seconds

    async def follow(self, assign: Assign, until: asyncio.Event) -> None:
        """Hand over the feeds loaded at start-up, then the file's each time it changes."""
        await assign(self.feeds)
        await self.watch(assign, until)

    async def watch(self, apply: Assign, until: asyncio.Event) -> None:
        """Apply the file's feeds whenever it changes; a broken edit is logged and ignored."""
        last_seen = _modified(self.path)
        while not await sleep_unless_stopped(until, self._check_seconds):
            modified = _modified(self.path)
            if modified == last_seen:
                continue
            last_seen = modified
            try:
                _, feed_list = load_feeds(self.path)
            except ConfigError as error:
                log.error(
                    "feeds file changed but is invalid; keeping the current feeds",
                    error=str(error),
                )
                continue
            log.info("feeds file changed", feeds=len(feed_list.feeds))
            await apply(feed_list.feeds)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
