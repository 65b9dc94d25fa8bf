"""Feed sources that need no Kafka: a fixed list (``--once``), and the feeds file watched for
changes. The fleet's source, the consumer group, is ``kafka.fleet.FleetFeeds``."""

import asyncio
from pathlib import Path
from typing import Any

import structlog
from kafka.errors import KafkaError

from newswatch.common.errors import ConfigError
from newswatch.common.feeds import Assign, FeedConfig, load_feeds
from newswatch.common.stopping import sleep_unless_stopped
from newswatch.kafka.fleet import FeedAssignments, OwnedPartitions, reconcile_feeds_topic
from newswatch.observability.logs import quieted
from newswatch.service.ports import HeldFeeds

log = structlog.get_logger("newswatch.app")

OFFLINE_RETRY_SECONDS = 1.0
OFFLINE_GRACE_SECONDS = 3.0
"""How long a replica waits for Kafka at start before it polls into its spool without it: for
the group's share of the feeds here, for the stories' rebuild in ``following``. A replica
started during an outage must not miss items that rotate out of their feeds."""


def feeds_held(feeds: list[FeedConfig], held_urls: list[str]) -> list[FeedConfig]:
    """The file's feeds this replica held last; all of them if it held none of them."""
    held = set(held_urls)
    mine = [feed for feed in feeds if feed.url in held]
    return mine or list(feeds)


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
    While Kafka cannot be reached at start, the replica polls the feeds it held last (kept in
    ``held``), or every feed of its file if it never held any, until the group takes over.
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
        held: HeldFeeds,
        owned: OwnedPartitions | None = None,
    ) -> None:
        self._held = held
        self._owned = owned
        self._client_config = client_config
        self._feeds_file = feeds_file
        self._topic = topic
        self._group_id = group_id
        self._session_timeout_ms = session_timeout_ms

    async def follow(self, assign: Assign, until: asyncio.Event) -> None:
        """Publish the feeds file, join the group, hand over what it assigns until ``until``.

        Until Kafka answers, hand over the feeds held last (or the file's) instead."""

        async def assign_and_hold(feeds: list[FeedConfig]) -> None:
            await assign(feeds)
            await self._held.hold_feeds([feed.url for feed in feeds])

        if not await self._publish_when_reachable(assign, until):
            return
        membership = FeedAssignments(
            self._client_config,
            topic=self._topic,
            group_id=self._group_id,
            session_timeout_ms=self._session_timeout_ms,
            assign=assign_and_hold,
            loop=asyncio.get_running_loop(),
            owned=self._owned,
        )
        membership.start()
        try:
            await self._feeds_file.watch(self._publish_change, until)
        finally:
            await asyncio.to_thread(membership.close)

    async def _publish_when_reachable(self, assign: Assign, until: asyncio.Event) -> bool:
        """Publish the feeds file, retrying while Kafka is away; meanwhile (from the first
        failure, or once an attempt has taken ``OFFLINE_GRACE_SECONDS``) hand over the feeds
        held last. False when ``until`` was set first."""
        offline = False
        while True:
            attempt = asyncio.create_task(self._publish_quietly(self._feeds_file.feeds))
            done, _ = await asyncio.wait({attempt}, timeout=OFFLINE_GRACE_SECONDS)
            if not done and not offline:
                offline = await self._poll_held(assign, "no answer yet")
            try:
                await attempt
            except (KafkaError, TimeoutError) as error:
                if not offline:
                    offline = await self._poll_held(assign, str(error))
            else:
                return True
            if await sleep_unless_stopped(until, OFFLINE_RETRY_SECONDS):
                return False

    async def _poll_held(self, assign: Assign, error: str) -> bool:
        """Hand over the feeds held last (all the file's if none), while Kafka is away."""
        feeds = feeds_held(self._feeds_file.feeds, await self._held.held_feeds())
        log.warning(
            "kafka not reachable; polling the feeds held last until the group answers",
            feeds=len(feeds),
            error=error,
        )
        await assign(feeds)
        return True

    async def _publish_quietly(self, feeds: list[FeedConfig]) -> None:
        with quieted("kafka"):
            await self._publish(feeds)

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
