"""Assembling an ingester: the one builder the service, the tests and the benchmarks share.

An ingester is assembled from ``Parts`` (a feed source, an event sink, a checkpoint store)
and the settings; how it runs is an explicit ``RunMode``. The service picks the parts for
its mode (``app``); tests and benchmarks pass in-memory ones (``local.memory``) and, for the
network, an ``httpx`` transport of their own if they like.
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, nullcontext
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum

import httpx

from newswatch.analysis.facts.extract import Gazetteer
from newswatch.analysis.items import TextLimits
from newswatch.analysis.stories import BurstConfig, BurstDetector, StoryConfig, StoryIndex
from newswatch.analysis.themes.match import CompiledTheme
from newswatch.fetching.address_policy import AddressPolicy
from newswatch.fetching.http import Fetcher, FetchLimits
from newswatch.fetching.parser_process import Parser, ParserProcess, ParserThread
from newswatch.fetching.scheduling import ScheduleLimits
from newswatch.observability.metrics import Metrics
from newswatch.service.entries import EntryProcessor
from newswatch.service.poll import FeedPoller, PollLimits
from newswatch.service.ports import CheckpointStore, EventSink, FeedSource
from newswatch.service.seen import SeenIds
from newswatch.service.supervisor import Ingester
from newswatch.settings import Settings


class RunMode(Enum):
    """How the ingester runs."""

    SERVICE = "service"
    """Against Kafka, until stopped: the feeds the fleet's group assigns, the HTTP port."""
    ONCE_TO_STDOUT = "once-to-stdout"
    """One pass over the feeds file; items as CloudEvent lines on stdout; nothing kept."""
    ONCE_TO_KAFKA = "once-to-kafka"
    """One pass over the feeds file, to Kafka, resuming from and storing checkpoints."""

    @property
    def once(self) -> bool:
        """One pass, then exit."""
        return self is not RunMode.SERVICE


@dataclass(frozen=True, slots=True)
class Parts:
    """What an ingester is assembled from: where its feeds come from, where its events go,
    where its checkpoints are kept."""

    source: FeedSource
    sink: EventSink
    store: CheckpointStore


@asynccontextmanager
async def assemble(
    settings: Settings,
    parts: Parts,
    *,
    themes: tuple[CompiledTheme, ...],
    metrics: Metrics,
    gazetteer: Gazetteer | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    parse_in_child: bool = False,
) -> AsyncIterator[Ingester]:
    """An ingester built from ``parts`` and ``settings``, with its HTTP client (and parsing
    process, with ``parse_in_child``) open for as long as the context lasts.

    ``transport`` stands in for the network (``httpx.MockTransport`` in tests).
    """
    policy = AddressPolicy(tuple(settings.fetch_allow_networks))
    async with (
        Fetcher(
            fetch_limits(settings), settings.user_agent, policy, transport=transport
        ) as fetcher,
        _parser(settings, in_child=parse_in_child) as parser,
    ):
        seen = SeenIds(settings.seen_ids_capacity)
        entries = EntryProcessor(
            themes=themes,
            sink=parts.sink,
            metrics=metrics,
            seen=seen,
            text_limits=TextLimits(settings.max_title_chars, settings.max_summary_chars),
            stories=StoryIndex(StoryConfig(horizon=timedelta(hours=settings.story_horizon_hours))),
            bursts=BurstDetector(
                BurstConfig(
                    min_sources=settings.story_burst_sources,
                    window=timedelta(minutes=settings.story_burst_window_minutes),
                )
            ),
            gazetteer=gazetteer,
        )
        poller = FeedPoller(
            fetcher=fetcher,
            parser=parser,
            entries=entries,
            store=parts.store,
            metrics=metrics,
            seen=seen,
            limits=PollLimits(
                max_concurrent_fetches=settings.max_concurrent_fetches,
                max_fetches_per_host=settings.max_fetches_per_host,
                max_entries_per_feed=settings.max_entries_per_feed,
            ),
        )
        yield Ingester(
            source=parts.source,
            sink=parts.sink,
            store=parts.store,
            poller=poller,
            metrics=metrics,
            seen=seen,
            schedule=schedule_limits(settings),
        )


async def run_ingester(ingester: Ingester, mode: RunMode, stop: asyncio.Event) -> None:
    """One pass, or poll until ``stop`` is set, as ``mode`` says."""
    if mode.once:
        await ingester.run_once()
    else:
        await ingester.run_forever(stop)


def fetch_limits(settings: Settings) -> FetchLimits:
    """The fetcher's timeouts and caps."""
    return FetchLimits(
        connect_seconds=settings.connect_timeout_seconds,
        read_seconds=settings.read_timeout_seconds,
        total_seconds=settings.total_timeout_seconds,
        max_body_bytes=settings.max_body_bytes,
        max_redirects=settings.max_redirects,
    )


def schedule_limits(settings: Settings) -> ScheduleLimits:
    """The bounds of every poll interval."""
    return ScheduleLimits(
        default_seconds=settings.poll_interval_seconds,
        min_seconds=settings.min_poll_interval_seconds,
        max_seconds=settings.max_poll_interval_seconds,
        max_backoff_seconds=settings.max_backoff_seconds,
    )


def _parser(settings: Settings, *, in_child: bool) -> AbstractAsyncContextManager[Parser]:
    if in_child:
        return ParserProcess(settings.parse_time_limit_seconds)
    return nullcontext(ParserThread())
