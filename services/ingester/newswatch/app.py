"""The service: wires settings, configuration, the sink, the HTTP port and the loop together."""

import asyncio
import signal
from typing import Literal

import structlog
from kafka.errors import KafkaError
from prometheus_client import CollectorRegistry

from newswatch import __version__
from newswatch.address_policy import AddressPolicy
from newswatch.feeds import load_feeds
from newswatch.fetch import Fetcher, FetchLimits
from newswatch.health import HealthState, HttpEndpoint, make_app
from newswatch.kafka_connection import ensure_topics
from newswatch.match import compile_themes
from newswatch.metrics import Metrics
from newswatch.normalise import TextLimits
from newswatch.pipeline import Ingester, PipelineLimits
from newswatch.publish import KafkaSink, Sink, StdoutSink
from newswatch.scheduling import ScheduleLimits
from newswatch.seen import SeenIds
from newswatch.settings import Settings
from newswatch.themes import load_themes
from newswatch.topics import TopicNames

log = structlog.get_logger("newswatch.app")

SinkKind = Literal["kafka", "stdout"]
HEARTBEAT_SECONDS = 5.0
MAX_CONNECT_BACKOFF_SECONDS = 30.0


async def run_service(settings: Settings, *, once: bool, sink_kind: SinkKind) -> int:
    """Run until SIGTERM/SIGINT (or one pass with ``once``); return the exit code."""
    feeds_path, feed_list = load_feeds(settings.feeds_file)
    themes_path, theme_set = load_themes(settings.themes_file)
    themes = compile_themes(theme_set)
    theme_names = [theme.name for theme in theme_set.themes]
    topics = TopicNames(settings.topic_prefix)
    registry = CollectorRegistry()
    metrics = Metrics(registry, __version__)
    metrics.preinitialise(
        (feed.name for feed in feed_list.feeds), theme_names, topics.all_topics(theme_names)
    )
    log.info(
        "configuration loaded",
        feeds_file=str(feeds_path),
        feeds=len(feed_list.feeds),
        themes_file=str(themes_path),
        themes=theme_names,
    )

    health = HealthState()
    health.config_loaded = True
    stop = asyncio.Event()
    _install_signal_handlers(stop)
    endpoint = None
    if not once:
        endpoint = HttpEndpoint(
            settings.metrics_host, settings.metrics_port, make_app(registry, health)
        )
        endpoint.start()
        log.info("serving /metrics, /healthz and /readyz", port=endpoint.port)
    heartbeat = asyncio.create_task(_beat(health, stop))
    try:
        sink = await _open_sink(
            settings, sink_kind, topics=topics, theme_names=theme_names, metrics=metrics, stop=stop
        )
        if sink is None:
            return 0
        health.sink_ready = sink.is_ready
        policy = AddressPolicy(tuple(settings.fetch_allow_networks))
        async with Fetcher(_fetch_limits(settings), settings.user_agent, policy) as fetcher:
            ingester = Ingester(
                feed_list.feeds,
                themes=themes,
                fetcher=fetcher,
                sink=sink,
                metrics=metrics,
                seen=SeenIds(settings.seen_ids_capacity),
                limits=_pipeline_limits(settings),
            )
            health.feeds = ingester.health
            checkpoints = await asyncio.to_thread(sink.load_checkpoints)
            log.info("resuming from checkpoints", feeds=ingester.restore(checkpoints))
            if once:
                await ingester.run_once()
            else:
                await ingester.run_forever(stop)
        health.sink_ready = lambda: False
        log.info("stopping: delivering pending records")
        await sink.close()
    finally:
        stop.set()
        await heartbeat
        if endpoint is not None:
            endpoint.stop()
    log.info("stopped")
    return 0


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
            try:
                await asyncio.wait_for(stop.wait(), timeout=delay)
            except TimeoutError:
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
    while not stop.is_set():
        health.beat()
        try:
            await asyncio.wait_for(stop.wait(), timeout=HEARTBEAT_SECONDS)
        except TimeoutError:
            continue
