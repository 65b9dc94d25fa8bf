"""The service: settings and configuration, the parts of the run mode (Kafka or stdout), the
HTTP port and signals, around the ingester that ``service.assembly`` builds."""

import asyncio
import errno
import gc
import signal
from collections.abc import Iterable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import structlog
from kafka.errors import KafkaError
from prometheus_client import CollectorRegistry

from newswatch import __version__
from newswatch.analysis.engine import Analyzer
from newswatch.analysis.facts.gazetteer import compile_gazetteer
from newswatch.analysis.semantic.config import second_opinion
from newswatch.analysis.themes.compile import compile_themes
from newswatch.analysis.themes.rules import load_themes
from newswatch.common.errors import ExitCode, SpoolError, StartupError
from newswatch.common.feeds import FeedConfig, load_feeds
from newswatch.common.stopping import sleep_unless_stopped
from newswatch.kafka.client import kafka_client_config
from newswatch.kafka.config import KafkaSettings
from newswatch.kafka.producer import AckedProducer
from newswatch.kafka.spooled_sink import SpooledSink, connect_producer, open_spooled_sink
from newswatch.kafka.topics import TopicNames
from newswatch.local.memory import MemoryCheckpoints
from newswatch.local.stdout_sink import StdoutSink
from newswatch.observability.health import HealthState, HttpEndpoint, make_app
from newswatch.observability.logs import quieted
from newswatch.observability.metrics import Metrics
from newswatch.service.assembly import Parts, RunMode, assemble, run_ingester
from newswatch.service.feed_sources import FeedsFile, FleetFeeds, StaticFeeds
from newswatch.service.first_pass import all_failed, failure_hint
from newswatch.service.fleet_stories import FleetStories
from newswatch.service.following import following_the_fleet
from newswatch.settings import Settings

log = structlog.get_logger("newswatch.app")

HEARTBEAT_SECONDS = 5.0
KAFKA_HINT = (
    "start a local broker with `make kafka-up`, or point --bootstrap-servers "
    "(NEWSWATCH_KAFKA_BOOTSTRAP_SERVERS) at yours"
)


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
    opinion = second_opinion(settings.semantic)
    log.info(
        "configuration loaded",
        feeds_file=str(feeds_path),
        feeds=len(feed_list.feeds),
        themes_file=str(themes_path),
        themes=theme_names,
        semantic=f"on, threshold {opinion.threshold:g}" if opinion is not None else "off",
    )
    analyzer = Analyzer(
        compile_themes(theme_set), compile_gazetteer(settings.gazetteer_file), opinion=opinion
    )
    return Configuration(feeds_path, feed_list.feeds, analyzer, theme_names)


async def run_service(settings: Settings, mode: RunMode) -> int:
    """Run until SIGTERM/SIGINT (or one pass, in a ``once`` mode); return the exit code."""
    service = Service(settings, load_configuration(settings))
    tune_garbage_collector()
    return await service.run(mode)


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
    """One ingester process: its HTTP port, its parts for the run mode, and the polling."""

    def __init__(self, settings: Settings, configuration: Configuration) -> None:
        self.settings = settings
        self.configuration = configuration
        self.topics = TopicNames(settings.kafka.topic_prefix)
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
        self.stories: FleetStories | None = None

    async def run(self, mode: RunMode) -> int:
        """Serve, connect, poll; on a signal finish the polls in flight and deliver; exit 0,
        or ``ExitCode.NO_FEED_FETCHED`` when a ``once`` pass fetched no feed at all.

        Raises ``StartupError`` when the metrics port cannot be listened on, or (``once``
        modes) when Kafka does not answer.
        """
        _install_signal_handlers(self.stop)
        endpoint = None
        if not mode.once:
            endpoint = self._listen()
            endpoint.start()
            log.info(
                "serving /metrics, /healthz, /readyz and /feeds",
                host=self.settings.metrics_host,
                port=endpoint.port,
            )
        heartbeat = asyncio.create_task(_beat(self.health, self.stop))
        try:
            parts = await self._open_parts(mode)
            async with (
                self._following(),
                assemble(
                    self.settings,
                    parts,
                    analyzer=self.configuration.analyzer,
                    metrics=self.metrics,
                    in_workers=True,
                    stories=self.stories,
                ) as ingester,
            ):
                self.health.feeds = ingester.health
                outcomes = await run_ingester(ingester, mode, self.stop)
            self.health.sink_ready = lambda: False
            log.info("stopping: delivering pending records")
            await parts.sink.close()
        finally:
            self.stop.set()
            await heartbeat
            if endpoint is not None:
                endpoint.stop()
        log.info("stopped")
        return _once_exit_code(outcome.status for outcome in outcomes)

    def _listen(self) -> HttpEndpoint:
        """The HTTP endpoint, bound; ``StartupError`` naming the port and its setting when
        the port cannot be had."""
        host, port = self.settings.metrics_host, self.settings.metrics_port
        try:
            return HttpEndpoint(host, port, make_app(self.registry, self.health))
        except OSError as error:
            reason = "is in use" if error.errno == errno.EADDRINUSE else f"failed: {error.strerror}"
            raise StartupError(
                f"listening on port {port} (host {host}) {reason}; choose another port with "
                "--metrics-port or NEWSWATCH_METRICS_PORT",
                exit_code=ExitCode.PORT_UNAVAILABLE,
            ) from error

    async def _open_parts(self, mode: RunMode) -> Parts:
        """The source, sink and store of ``mode``.

        To Kafka, every record goes through the spool. ``--once`` connects first (and fails
        with ``StartupError`` when Kafka does not answer); the service starts without Kafka,
        polling into the spool, and its drainer connects when Kafka answers.
        """
        feeds = self.configuration.feeds
        if mode is RunMode.ONCE_TO_STDOUT:
            return Parts(StaticFeeds(feeds), StdoutSink(), MemoryCheckpoints())
        producer = None
        if mode is RunMode.ONCE_TO_KAFKA:
            producer = await _connect_once(
                self.settings.kafka,
                topics=self.topics,
                theme_names=self.configuration.theme_names,
                metrics=self.metrics,
            )
        sink = self._spooled_sink(producer)
        sink.start()
        self.health.sink_ready = sink.has_room
        self.health.sink_status = sink.status
        if mode is RunMode.ONCE_TO_KAFKA:
            return Parts(StaticFeeds(feeds), sink, sink)
        self.stories = FleetStories.build(self.settings, sink, self.metrics, self.topics)
        return Parts(self._fleet(sink, self.stories), sink, sink)

    def _following(self) -> AbstractAsyncContextManager[object]:
        """A replica of the fleet rebuilds its stories from Kafka before it publishes, and
        follows the fleet's items from then on; a single pass does neither."""
        if self.stories is None:
            return nullcontext()
        return following_the_fleet(
            self.settings,
            kafka_client_config(self.settings.kafka),
            self.topics,
            self.stories,
            metrics=self.metrics,
            stop=self.stop,
        )

    def _spooled_sink(self, producer: AckedProducer | None) -> SpooledSink:
        try:
            return open_spooled_sink(
                self.settings.kafka,
                self.settings.spool,
                topics=self.topics,
                theme_names=self.configuration.theme_names,
                metrics=self.metrics,
                producer=producer,
                hint=KAFKA_HINT,
            )
        except SpoolError as error:
            raise StartupError(
                f"{error}; point spool_dir (NEWSWATCH_SPOOL_DIR) at a writable directory",
                exit_code=ExitCode.CONFIG_ERROR,
            ) from error

    def _fleet(self, held: SpooledSink, stories: FleetStories) -> FleetFeeds:
        """The service's feed source: the feeds file, shared by the replicas' group; it tells
        ``stories`` which partitions (so which stories' bursts) this replica holds."""
        settings = self.settings
        feeds_file = FeedsFile(
            self.configuration.feeds_path,
            self.configuration.feeds,
            check_seconds=settings.feeds_reload_seconds,
        )
        return FleetFeeds(
            kafka_client_config(settings.kafka),
            feeds_file,
            topic=self.topics.feeds,
            group_id=settings.kafka.fleet_group_id(),
            session_timeout_ms=int(settings.kafka.session_timeout_seconds * 1000),
            held=held,
            owned=stories.set_ownership,
        )


async def _connect_once(
    settings: KafkaSettings, *, topics: TopicNames, theme_names: list[str], metrics: Metrics
) -> AckedProducer:
    """The producer of a ``--once`` pass; ``StartupError`` when Kafka does not answer.

    kafka-python's own connection errors are held back: one line of ours says which address
    was tried and what to do.
    """
    try:
        with quieted("kafka"):
            producer = await asyncio.to_thread(
                connect_producer, settings, topics, theme_names, metrics
            )
    except KafkaError as error:
        raise StartupError(
            f"Kafka not reachable at {settings.bootstrap_servers} ({error}); {KAFKA_HINT}",
            exit_code=ExitCode.KAFKA_UNREACHABLE,
        ) from error
    log.info("connected to kafka", bootstrap_servers=settings.bootstrap_servers)
    return producer


def _once_exit_code(statuses: Iterable[str]) -> int:
    """0, or ``ExitCode.NO_FEED_FETCHED`` (with one line saying how they failed) when polls
    were made and none succeeded. The service's polls are not passed here: it runs on."""
    kinds = all_failed(statuses)
    if kinds is None:
        return ExitCode.OK
    log.error(
        "no feed could be fetched",
        failed=kinds.total(),
        failures=dict(kinds),
        hint=failure_hint(kinds),
        exit_code=int(ExitCode.NO_FEED_FETCHED),
    )
    return ExitCode.NO_FEED_FETCHED


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
