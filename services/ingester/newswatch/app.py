"""The service: wires settings, configuration, the sink, the HTTP port and the loop together."""

import asyncio
import gc
import signal
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Literal

import structlog
from kafka.errors import KafkaError
from prometheus_client import CollectorRegistry

from newswatch import __version__
from newswatch.analysis.engine import Analyzer
from newswatch.analysis.facts.gazetteer import compile_gazetteer
from newswatch.analysis.items import TextLimits
from newswatch.analysis.stories import BurstConfig, BurstDetector, StoryConfig, StoryIndex
from newswatch.analysis.themes.compile import compile_themes
from newswatch.analysis.themes.rules import load_themes
from newswatch.common.errors import ConfigError
from newswatch.common.feeds import FeedConfig, load_feeds
from newswatch.fetching.address_policy import AddressPolicy
from newswatch.fetching.http import Fetcher, FetchLimits
from newswatch.fetching.parser_process import ParserProcess
from newswatch.fetching.scheduling import ScheduleLimits
from newswatch.kafka.client import ensure_topics, kafka_client_config
from newswatch.kafka.fleet import Assign, FeedAssignments, reconcile_feeds_topic
from newswatch.kafka.sink import KafkaSink
from newswatch.kafka.topics import TopicNames
from newswatch.local.stdout_sink import StdoutSink
from newswatch.observability.health import HealthState, HttpEndpoint, make_app
from newswatch.observability.metrics import Metrics
from newswatch.service.ports import Sink
from newswatch.service.seen import SeenIds
from newswatch.service.supervisor import Ingester, PipelineLimits, sleep_unless_stopped
from newswatch.settings import Settings

log = structlog.get_logger("newswatch.app")

SinkKind = Literal["kafka", "stdout"]
HEARTBEAT_SECONDS = 5.0
MAX_CONNECT_BACKOFF_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Configuration:
    """The configuration files, loaded and compiled: the feeds, and the analysis engine built
    from the themes and the gazetteer."""

    feeds_path: Path
    feeds: list[FeedConfig]
    analyzer: Analyzer
    theme_names: list[str]


def load_configuration(settings: Settings) -> Configuration:
    """Load the feeds and themes files; raises ``ConfigError`` naming file, line and field."""
    feeds_path, feed_list = load_feeds(settings.feeds_file)
    themes_path, theme_set = load_themes(settings.themes_file)
    theme_names = [theme.name for theme in theme_set.themes]
    log.info(
        "configuration loaded",
        feeds_file=str(feeds_path),
        feeds=len(feed_list.feeds),
        themes_file=str(themes_path),
        themes=theme_names,
    )
    return Configuration(
        feeds_path,
        feed_list.feeds,
        Analyzer(compile_themes(theme_set), compile_gazetteer(settings.gazetteer_file)),
        theme_names,
    )


async def run_service(settings: Settings, *, once: bool, sink_kind: SinkKind) -> int:
    """Run until SIGTERM/SIGINT (or one pass with ``once``); return the exit code."""
    service = Service(settings, load_configuration(settings))
    tune_garbage_collector()
    return await service.run(once=once, sink_kind=sink_kind)


GC_FIRST_GENERATION_THRESHOLD = 50_000
GC_OLDER_GENERATION_THRESHOLD = 20


def tune_garbage_collector() -> None:
    """Keep the cycle collector from eating the ingester's time; call once configured.

    Almost everything the pipeline allocates is freed by reference counting, yet with the
    default thresholds (700, 10, 10) the collector ran some 2,800 times over 10,000 items and
    took a sixth of the CPU (benchmarks/e2e_bench.py). The objects built at start-up (compiled
    themes, the gazetteer, modules) are frozen out of its reach, and it runs less often.
    """
    gc.freeze()
    gc.set_threshold(
        GC_FIRST_GENERATION_THRESHOLD, GC_OLDER_GENERATION_THRESHOLD, GC_OLDER_GENERATION_THRESHOLD
    )


class Service:
    """One ingester process: its HTTP port, its sink, and the polling of its feeds."""

    def __init__(self, settings: Settings, configuration: Configuration) -> None:
        self.settings = settings
        self.configuration = configuration
        self.topics = TopicNames(settings.topic_prefix)
        self.registry = CollectorRegistry()
        self.metrics = Metrics(self.registry, __version__)
        self.metrics.preinitialise(
            (feed.name for feed in configuration.feeds),
            configuration.theme_names,
            self.topics.all_topics(configuration.theme_names),
        )
        self.health = HealthState()
        self.health.config_loaded = True
        self.stop = asyncio.Event()

    async def run(self, *, once: bool, sink_kind: SinkKind) -> int:
        """Serve, connect, poll; on a signal finish the polls in flight and deliver; exit 0."""
        _install_signal_handlers(self.stop)
        endpoint = None
        if not once:
            endpoint = HttpEndpoint(
                self.settings.metrics_host,
                self.settings.metrics_port,
                make_app(self.registry, self.health),
            )
            endpoint.start()
            log.info("serving /metrics, /healthz, /readyz and /feeds", port=endpoint.port)
        heartbeat = asyncio.create_task(_beat(self.health, self.stop))
        try:
            sink = await _open_sink(
                self.settings,
                sink_kind,
                topics=self.topics,
                theme_names=self.configuration.theme_names,
                metrics=self.metrics,
                stop=self.stop,
            )
            if sink is None:
                return 0
            self.health.sink_ready = sink.is_ready
            await self._ingest(sink, once=once)
            self.health.sink_ready = lambda: False
            log.info("stopping: delivering pending records")
            await sink.close()
        finally:
            self.stop.set()
            await heartbeat
            if endpoint is not None:
                endpoint.stop()
        log.info("stopped")
        return 0

    async def _ingest(self, sink: Sink, *, once: bool) -> None:
        settings = self.settings
        in_fleet = isinstance(sink, KafkaSink) and not once
        policy = AddressPolicy(tuple(settings.fetch_allow_networks))
        async with (
            Fetcher(_fetch_limits(settings), settings.user_agent, policy) as fetcher,
            ParserProcess(settings.parse_time_limit_seconds) as parser,
        ):
            ingester = Ingester(
                [] if in_fleet else self.configuration.feeds,
                analyzer=self.configuration.analyzer,
                fetcher=fetcher,
                sink=sink,
                metrics=self.metrics,
                seen=SeenIds(settings.seen_ids_capacity),
                limits=_pipeline_limits(settings),
                stories=StoryIndex(
                    StoryConfig(horizon=timedelta(hours=settings.story_horizon_hours))
                ),
                parser=parser,
                bursts=BurstDetector(
                    BurstConfig(
                        min_sources=settings.story_burst_sources,
                        window=timedelta(minutes=settings.story_burst_window_minutes),
                    )
                ),
            )
            self.health.feeds = ingester.health

            async def poll_these(feeds: list[FeedConfig]) -> None:
                await ingester.set_feeds(feeds, await asyncio.to_thread(sink.load_checkpoints))

            if once:
                ingester.restore(await asyncio.to_thread(sink.load_checkpoints))
                await ingester.run_once()
            elif in_fleet:
                await self._run_in_fleet(ingester, poll_these)
            else:
                await poll_these(self.configuration.feeds)
                await self._run_watching_feeds_file(ingester, poll_these)

    async def _run_watching_feeds_file(self, ingester: Ingester, apply: Assign) -> None:
        watcher = asyncio.create_task(
            _watch_feeds_file(
                self.configuration.feeds_path, self.settings.feeds_reload_seconds, apply, self.stop
            )
        )
        try:
            await ingester.run_forever(self.stop)
        finally:
            await watcher

    async def _run_in_fleet(self, ingester: Ingester, poll_these: Assign) -> None:
        """Publish the feeds file to the feeds topic, join the group, poll what it assigns."""
        settings = self.settings
        client_config = kafka_client_config(settings)
        topic = self.topics.feeds

        async def publish(feeds: list[FeedConfig]) -> None:
            upserted, removed = await asyncio.to_thread(
                reconcile_feeds_topic, client_config, topic, feeds
            )
            log.info(
                "feeds topic reconciled with the feeds file", upserted=upserted, removed=removed
            )

        await publish(self.configuration.feeds)
        membership = FeedAssignments(
            client_config,
            topic=topic,
            group_id=settings.kafka_group_id or f"{settings.topic_prefix}.ingesters",
            session_timeout_ms=int(settings.kafka_session_timeout_seconds * 1000),
            assign=poll_these,
            loop=asyncio.get_running_loop(),
        )
        membership.start()
        try:
            await self._run_watching_feeds_file(ingester, publish)
        finally:
            await asyncio.to_thread(membership.close)


async def _watch_feeds_file(
    path: Path, interval: float, apply: Assign, stop: asyncio.Event
) -> None:
    """Apply the feeds file again whenever it changes; a broken edit is logged and ignored."""
    last_seen = _modified(path)
    while not await sleep_unless_stopped(stop, interval):
        modified = _modified(path)
        if modified == last_seen:
            continue
        last_seen = modified
        try:
            _, feed_list = load_feeds(path)
        except ConfigError as error:
            log.error(
                "feeds file changed but is invalid; keeping the current feeds", error=str(error)
            )
            continue
        log.info("feeds file changed", feeds=len(feed_list.feeds))
        await apply(feed_list.feeds)


def _modified(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _fetch_limits(settings: Settings) -> FetchLimits:
    return FetchLimits(
        connect_seconds=settings.connect_timeout_seconds,
        read_seconds=settings.read_timeout_seconds,
        total_seconds=settings.total_timeout_seconds,
        max_body_bytes=settings.max_body_bytes,
        max_redirects=settings.max_redirects,
    )


def _pipeline_limits(settings: Settings) -> PipelineLimits:
    return PipelineLimits(
        schedule=ScheduleLimits(
            default_seconds=settings.poll_interval_seconds,
            min_seconds=settings.min_poll_interval_seconds,
            max_seconds=settings.max_poll_interval_seconds,
            max_backoff_seconds=settings.max_backoff_seconds,
        ),
        max_concurrent_fetches=settings.max_concurrent_fetches,
        max_fetches_per_host=settings.max_fetches_per_host,
        max_entries_per_feed=settings.max_entries_per_feed,
        text=TextLimits(settings.max_title_chars, settings.max_summary_chars),
    )


async def _open_sink(
    settings: Settings,
    kind: SinkKind,
    *,
    topics: TopicNames,
    theme_names: list[str],
    metrics: Metrics,
    stop: asyncio.Event,
) -> Sink | None:
    """The sink; for Kafka, retry with backoff until the cluster answers or we are stopped."""
    if kind == "stdout":
        return StdoutSink()
    delay = 1.0
    while not stop.is_set():
        try:
            created = await asyncio.to_thread(
                ensure_topics, settings, topics.all_topics(theme_names), topics.compacted()
            )
            sink = await asyncio.to_thread(KafkaSink.connect, settings, topics, metrics)
        except KafkaError as error:
            log.warning(
                "kafka not reachable; retrying",
                error=repr(error),
                bootstrap_servers=settings.kafka_bootstrap_servers,
                retry_in_s=delay,
            )
            if not await sleep_unless_stopped(stop, delay):
                delay = min(delay * 2, MAX_CONNECT_BACKOFF_SECONDS)
            continue
        if created:
            log.info("created topics", topics=created)
        log.info("connected to kafka", bootstrap_servers=settings.kafka_bootstrap_servers)
        return sink
    return None


def _install_signal_handlers(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, _request_stop, stop, signum)


def _request_stop(stop: asyncio.Event, signum: int) -> None:
    log.info("signal received; finishing current polls", signal=signal.Signals(signum).name)
    stop.set()


async def _beat(health: HealthState, stop: asyncio.Event) -> None:
    health.beat()
    while not await sleep_unless_stopped(stop, HEARTBEAT_SECONDS):
        health.beat()
