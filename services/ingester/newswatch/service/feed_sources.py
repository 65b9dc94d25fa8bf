"""Feed sources that need no Kafka: a fixed list (``--once``), and the feeds file watched for
changes. The fleet's source, the consumer group, is ``kafka.fleet.FleetFeeds``."""

import asyncio
from pathlib import Path
from typing import Any

import structlog
from kafka.errors import KafkaError

from newswatch.common.errors import ConfigError
from newswatch.common.feeds import Assign, FeedConfig, load_feeds
from newswatch.kafka.fleet import FeedAssignments, OwnedPartitions, reconcile_feeds_topic
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


class FleetFeeds:
    """The feed source of a replica: its share of the feeds topic, as the group assigns it.

    The feeds file is published to the topic first, and again whenever it changes; the group
    membership is left only once ``until`` is set, that is once this replica polls nothing.
    ``owned`` is told the partitions this replica holds whenever they change.
    """

    def __init__(
        self,
        client_config: dict[str, Any],
        feeds_file: FeedsFile,
        *,
        topic: str,
        group_id: str,
        session_timeout_ms: int,
        owned: OwnedPartitions | None = None,
    ) -> None:
        self._owned = owned
        self._client_config = client_config
        self._feeds_file = feeds_file
        self._topic = topic
        self._group_id = group_id
        self._session_timeout_ms = session_timeout_ms

    async def follow(self, assign: Assign, until: asyncio.Event) -> None:
        """Publish the feeds file, join the group, hand over what it assigns until ``until``."""
        await self._publish(self._feeds_file.feeds)
        membership = FeedAssignments(
            self._client_config,
            topic=self._topic,
            group_id=self._group_id,
            session_timeout_ms=self._session_timeout_ms,
            assign=assign,
            loop=asyncio.get_running_loop(),
            owned=self._owned,
        )
        membership.start()
        try:
            await self._feeds_file.watch(self._publish_change, until)
        finally:
            await asyncio.to_thread(membership.close)

    async def _publish(self, feeds: list[FeedConfig]) -> None:
        upserted, removed = await asyncio.to_thread(
            reconcile_feeds_topic, self._client_config, self._topic, feeds
        )
        log.info(
            "feeds topic reconciled with the feeds file",
            feeds=len(feeds),
            written=upserted,
            withdrawn=removed,
        )

    async def _publish_change(self, feeds: list[FeedConfig]) -> None:
        """Publish an edited feeds file; if Kafka refuses, the next edit tries again."""
        try:
            await self._publish(feeds)
        except KafkaError as error:
            log.error("feeds file changed but the feeds topic was not updated", error=repr(error))
