"""Prometheus metrics of the ingester. Labels come only from configured or closed sets."""

import platform
from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

from newswatch.common.errors import FeedProblem, FetchFailure
from newswatch.observability.feed_metrics import FeedMetrics
from newswatch_schemas import RejectionReason

NAMESPACE = "newswatch"

SUCCESSFUL_OUTCOMES = ("ok", "not_modified")
"""The outcomes every feed has at zero from the start; the others appear when they happen."""
FETCH_OUTCOMES = (
    *SUCCESSFUL_OUTCOMES,
    "parse_error",
    "internal_error",
    *(failure.value for failure in FetchFailure),
)
"""Every outcome of a poll: the closed set of the ``outcome`` label of feed_fetches_total."""
FEED_PROBLEMS = tuple(problem.value for problem in FeedProblem)
"""The closed set of the ``problem`` label of feed_problems_total."""
DROP_REASONS = ("duplicate", "no_theme", *(reason.value for reason in RejectionReason))
PUBLISH_OUTCOMES = ("ok", "error")
SEMANTIC_SKIP_REASONS = ("queue_full", "timeout", "failed")
"""Why a candidate of the semantic second opinion was decided on the rules alone
(``analysis.semantic.worker.Skip``)."""


class Metrics:
    """Every metric the ingester exposes, registered in one registry."""

    def __init__(self, registry: CollectorRegistry, version: str) -> None:
        self.registry = registry
        self.build_info = Info(
            "build", "Version of the running ingester.", namespace=NAMESPACE, registry=registry
        )
        self.build_info.info({"version": version, "python": platform.python_version()})
        self.feeds_configured = Gauge(
            "feeds_configured",
            "Feeds in the loaded feeds file.",
            namespace=NAMESPACE,
            registry=registry,
        )
        self.feeds = FeedMetrics(NAMESPACE, SUCCESSFUL_OUTCOMES)
        registry.register(self.feeds)
        self.feeds_assigned = Gauge(
            "feeds_assigned",
            "Feeds this replica polls now (its share of the fleet's feeds).",
            namespace=NAMESPACE,
            registry=registry,
        )
        self.items_matched = Counter(
            "items_matched_total",
            "New items that matched a theme.",
            ["theme"],
            namespace=NAMESPACE,
            registry=registry,
        )
        self.stories = Counter(
            "stories_total",
            "New stories (first items of near-duplicate groups), per theme.",
            ["theme"],
            namespace=NAMESPACE,
            registry=registry,
        )
        self.story_sources = Counter(
            "story_sources_total",
            "Distinct sources joining a story, per theme of the item.",
            ["theme"],
            namespace=NAMESPACE,
            registry=registry,
        )
        self.story_bursts = Counter(
            "story_bursts_total",
            "Story bursts published to the alerts topic, per theme.",
            ["theme"],
            namespace=NAMESPACE,
            registry=registry,
        )
        self.story_rebuild_seconds = Gauge(
            "story_rebuild_seconds",
            "Seconds the start-up rebuild of the stories from the items topic took.",
            namespace=NAMESPACE,
            registry=registry,
        )
        self.story_rebuild_records = Gauge(
            "story_rebuild_records",
            "Records of the story horizon read by the start-up rebuild.",
            namespace=NAMESPACE,
            registry=registry,
        )
        self.items_followed = Counter(
            "items_followed_total",
            "Items of the fleet (this replica's included) read back from the items topic.",
            namespace=NAMESPACE,
            registry=registry,
        )
        self.follow_lag = Histogram(
            "items_follow_lag_seconds",
            "From an item record's Kafka timestamp to its arrival in this replica's stories.",
            namespace=NAMESPACE,
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.items_dropped = Counter(
            "items_dropped_total",
            "Entries not published as items, by reason.",
            ["reason"],
            namespace=NAMESPACE,
            registry=registry,
        )
        self.events_published = Counter(
            "events_published_total",
            "Records sent to Kafka, by acknowledgement outcome.",
            ["topic", "outcome"],
            namespace=NAMESPACE,
            registry=registry,
        )
        self.publish_latency = Histogram(
            "publish_latency_seconds",
            "From send to Kafka acknowledgement.",
            namespace=NAMESPACE,
            registry=registry,
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.pipeline_delay = Histogram(
            "pipeline_delay_seconds",
            "From an item's publication time in its feed to its Kafka acknowledgement.",
            namespace=NAMESPACE,
            registry=registry,
            buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400),
        )
        self.producer_replacements = Counter(
            "kafka_producer_replacements_total",
            "Producers replaced because they stopped acknowledging records.",
            namespace=NAMESPACE,
            registry=registry,
        )
        self.semantic_embedded = Counter(
            "semantic_embedded_total",
            "Items the semantic second opinion embedded and decided on.",
            namespace=NAMESPACE,
            registry=registry,
        )
        self.semantic_added = Counter(
            "semantic_themes_added_total",
            "Themes the semantic classifier added to items the rules did not fire them on.",
            ["theme"],
            namespace=NAMESPACE,
            registry=registry,
        )
        self.semantic_skipped = Counter(
            "semantic_skipped_total",
            "Candidates of the semantic second opinion decided on the rules alone, by reason.",
            ["reason"],
            namespace=NAMESPACE,
            registry=registry,
        )
        self.unacked_records = Gauge(
            "kafka_unacked_records",
            "Records sent and not yet acknowledged by Kafka.",
            namespace=NAMESPACE,
            registry=registry,
        )

        self.spool_bytes = Gauge(
            "spool_bytes",
            "Record bytes in the on-disk spool, waiting for Kafka's acknowledgement.",
            namespace=NAMESPACE,
            registry=registry,
        )
        self.spool_records = Gauge(
            "spool_records",
            "Records in the on-disk spool, waiting for Kafka's acknowledgement.",
            namespace=NAMESPACE,
            registry=registry,
        )
        self.spool_oldest_age = Gauge(
            "spool_oldest_record_age_seconds",
            "How long the oldest record in the spool has waited (0 when empty).",
            namespace=NAMESPACE,
            registry=registry,
        )
        self.spool_pauses = Counter(
            "spool_pauses_total",
            "Times polling paused because the spool reached its size limit.",
            namespace=NAMESPACE,
            registry=registry,
        )
        self.spool_moved_aside = Counter(
            "spool_moved_aside_total",
            "Unreadable spool files moved aside at start (kept for inspection, not read).",
            namespace=NAMESPACE,
            registry=registry,
        )

    def preinitialise(
        self, feeds: Iterable[str], themes: Iterable[str], topics: Iterable[str]
    ) -> None:
        """Create every label combination at zero, so rates and alerts see them from the start.

        A feed's own series start when it is polled here (``FeedMetrics.add``).
        """
        self.feeds_configured.set(len(list(feeds)))
        for theme in themes:
            self.items_matched.labels(theme)
            self.stories.labels(theme)
            self.story_sources.labels(theme)
            self.story_bursts.labels(theme)
            self.semantic_added.labels(theme)
        for reason in DROP_REASONS:
            self.items_dropped.labels(reason)
        for reason in SEMANTIC_SKIP_REASONS:
            self.semantic_skipped.labels(reason)
        for topic in topics:
            for outcome in PUBLISH_OUTCOMES:
                self.events_published.labels(topic, outcome)
