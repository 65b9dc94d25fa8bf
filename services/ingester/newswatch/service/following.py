"""Following the fleet's items: a replica rebuilds its stories from Kafka before it publishes,
then keeps them current (``fleet_stories`` says what is kept, ``kafka.items_follower`` reads)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import structlog

from newswatch.kafka.items_follower import Rebuild, TopicFollower
from newswatch.kafka.topics import TopicNames
from newswatch.observability.metrics import Metrics
from newswatch.service.fleet_stories import FleetStories, horizon_start
from newswatch.settings import Settings

log = structlog.get_logger("newswatch.stories")


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
    at the start) is applied: the rebuild's figures, or None when stopped before it ended."""
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
        rebuild = await _rebuilt_unless_stopped(follower, stop)
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


async def _rebuilt_unless_stopped(follower: TopicFollower, stop: asyncio.Event) -> Rebuild | None:
    rebuilt = asyncio.ensure_future(follower.rebuilt())
    stopped = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({rebuilt, stopped}, return_when=asyncio.FIRST_COMPLETED)
    for waiting in (rebuilt, stopped):
        if waiting not in done:
            waiting.cancel()
    if rebuilt in done and not rebuilt.cancelled():
        return rebuilt.result()
    return None
