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
from enum import Enum

import httpx

from newswatch.analysis.engine import Analyzer
from newswatch.analysis.prepare import Preparation
from newswatch.analysis.semantic.worker import SemanticWorker
from newswatch.fetching.address_policy import AddressPolicy
from newswatch.fetching.http import Fetcher
from newswatch.observability.metrics import Metrics
from newswatch.service.analysis_pool import (
    AnalysisStage,
    InlineAnalysis,
    WorkerPool,
    default_workers,
)
from newswatch.service.entries import EntryProcessor
from newswatch.service.fleet_stories import FleetStories
from newswatch.service.outcome import PollOutcome
from newswatch.service.poll import FeedPoller, PollLimits
from newswatch.service.ports import CheckpointStore, EventSink, FeedSource
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
    analyzer: Analyzer,
    metrics: Metrics,
    transport: httpx.AsyncBaseTransport | None = None,
    in_workers: bool = False,
    stories: FleetStories | None = None,
) -> AsyncIterator[Ingester]:
    """An ingester built from ``parts`` and ``settings``, with its HTTP client and its analysis
    (a pool of worker processes with ``in_workers``, else a thread) open for as long as the
    context lasts.

    ``transport`` stands in for the network (``httpx.MockTransport`` in tests). ``stories``
    is the replica's memory of the fleet's stories (``FleetStories``), rebuilt and followed by
    the service; without it the ingester starts an empty one of its own and publishes every
    burst it detects.
    """
    policy = AddressPolicy(settings.fetch.allow_networks)
    async with (
        Fetcher(settings.fetch, policy, transport=transport) as fetcher,
        _analysis(settings, analyzer, in_workers=in_workers) as analysis,
        _semantic_worker(settings, analyzer) as semantic,
    ):
        if stories is None:
            stories = FleetStories.build(settings, parts.sink, metrics, topics=None)
        seen = stories.seen
        entries = EntryProcessor(
            analysis=analysis,
            sink=parts.sink,
            metrics=metrics,
            seen=seen,
            stories=stories,
            semantic=semantic,
        )
        poller = FeedPoller(
            fetcher=fetcher,
            analysis=analysis,
            entries=entries,
            store=parts.store,
            metrics=metrics,
            seen=seen,
            limits=PollLimits(
                max_concurrent_fetches=settings.fetch.max_concurrent_fetches,
                max_fetches_per_host=settings.fetch.max_fetches_per_host,
                max_entries_per_feed=settings.fetch.max_entries_per_feed,
            ),
        )
        yield Ingester(
            source=parts.source,
            sink=parts.sink,
            store=parts.store,
            poller=poller,
            metrics=metrics,
            seen=seen,
            schedule=settings.schedule,
        )


async def run_ingester(ingester: Ingester, mode: RunMode, stop: asyncio.Event) -> list[PollOutcome]:
    """One pass, or poll until ``stop`` is set, as ``mode`` says; the outcomes of the pass
    (none for the service)."""
    if mode.once:
        return await ingester.run_once()
    await ingester.run_forever(stop)
    return []


def _semantic_worker(
    settings: Settings, analyzer: Analyzer
) -> AbstractAsyncContextManager[SemanticWorker | None]:
    """The embedding worker, when the analyzer has a second opinion."""
    if analyzer.opinion is None:
        return nullcontext(None)
    return SemanticWorker(
        queue_size=settings.semantic.queue_size,
        timeout_seconds=settings.semantic.timeout_seconds,
        batch_size=settings.semantic.batch_size,
    )


def _analysis(
    settings: Settings, analyzer: Analyzer, *, in_workers: bool
) -> AbstractAsyncContextManager[AnalysisStage]:
    """Where documents are parsed and their entries prepared: the worker pool, or a thread."""
    preparation = Preparation(analyzer, settings.text, settings.stories.story_config())
    if in_workers:
        return WorkerPool(
            preparation,
            workers=settings.analysis_workers or default_workers(),
            time_limit_seconds=settings.fetch.parse_time_limit_seconds,
        )
    return InlineAnalysis(preparation)
