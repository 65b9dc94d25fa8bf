"""Following the fleet's items: a replica rebuilds its stories from Kafka before it publishes,
then keeps them current (``fleet_stories`` says what is kept, ``kafka.items_follower`` reads)."""

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import structlog

from newswatch.kafka.items_follower import Rebuild, TopicFollower
from newswatch.kafka.topics import TopicNames
from newswatch.observability.metrics import Metrics
from newswatch.service.feed_sources import OFFLINE_GRACE_SECONDS
from newswatch.service.fleet_stories import FleetStories, horizon_start
from newswatch.settings import Settings

log = structlog.get_logger("newswatch.stories")

T = TypeVar("T")


@asynccontextmanager
async def following_the_fleet(
    settings: Settings,
    client_config: dict[str, Any],
    topics: TopicNames,
    stories: FleetStories,
    *,
    metrics: Metrics,
    stop: asyncio.Event,
) -> AsyncIterator[Rebuild | None]:
    """Follow ``<prefix>.items`` and ``<prefix>.alerts`` into ``stories`` for as long as the
    context lasts; it is entered once the rebuild (the story horizon, up to the topics' ends
    at the start) is applied: the rebuild's figures; None when stopped before it ended, or when
    Kafka did not answer within ``OFFLINE_GRACE_SECONDS`` (the follower then applies the horizon
    whenever Kafka answers, while the replica polls into the spool)."""
    since = horizon_start(settings, datetime.now(UTC))
    follower = TopicFollower(
        client_config,
        topics=[topics.items, topics.alerts],
        since_ms=int(since.timestamp() * 1000),
        apply=stories.apply,
        loop=asyncio.get_running_loop(),
    )
    follower.start()
    try:
        rebuild = None
        if await _first(follower.placed(), stop, timeout=OFFLINE_GRACE_SECONDS):
            rebuild = await _first(follower.rebuilt(), stop, timeout=None)
        else:
            log.warning(
                "kafka not answering: polling goes on without the stories' rebuild; they are "
                "rebuilt as the fleet's items arrive",
                waited_s=OFFLINE_GRACE_SECONDS,
            )
        if rebuild is not None:
            metrics.story_rebuild_seconds.set(rebuild.seconds)
            metrics.story_rebuild_records.set(rebuild.records)
            log.info(
                "stories rebuilt from kafka",
                records=rebuild.records,
                seconds=round(rebuild.seconds, 3),
                items_indexed=len(stories.index),
                since=since.isoformat(),
            )
        yield rebuild
    finally:
        await asyncio.to_thread(follower.close)


async def _first(
    waiting: Coroutine[Any, Any, T], stop: asyncio.Event, *, timeout: float | None
) -> T | None:
    """``waiting``'s result, or None when ``stop`` is set or ``timeout`` passes first."""
    result = asyncio.ensure_future(waiting)
    stopped = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait(
        {result, stopped}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
    )
    for pending in (result, stopped):
        if pending not in done:
            pending.cancel()
    if result in done and not result.cancelled() and result.exception() is None:
        return result.result()
    return None
