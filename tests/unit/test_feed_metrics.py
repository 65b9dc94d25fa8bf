"""Per-feed series built at scrape time: the successful outcomes at zero from the start, failure
outcomes and problems when they first happen, at most 15 series per feed, counts, the fleet-wide
duration histogram, removal, and gauges read from the feeds' states."""

from dataclasses import dataclass, replace
from datetime import UTC, datetime

import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from newswatch.common.errors import FeedProblem, FetchFailure
from newswatch.observability.feed_metrics import FeedMetrics, FeedReading
from newswatch.observability.metrics import FETCH_OUTCOMES, SUCCESSFUL_OUTCOMES, Metrics

GAUGE_NAMES = (
    "feed_consecutive_failures",
    "feed_http_status",
    "feed_poll_interval_seconds",
    "feed_last_success_timestamp_seconds",
)
SERIES_PER_FEED_LIMIT = 15


@dataclass(frozen=True)
class Reading:
    """A feed's state as the gauges read it."""

    consecutive_failures: int = 0
    last_status: int | None = None
    interval_seconds: float = 300.0
    last_attempt: datetime | None = None
    last_success: datetime | None = None


LAST_SUCCESS = datetime(2025, 5, 4, 9, 0, tzinfo=UTC)
POLLED_AND_FAILING = Reading(
    consecutive_failures=2,
    last_status=None,
    interval_seconds=1200.0,
    last_attempt=datetime(2025, 5, 4, 10, 0, tzinfo=UTC),
    last_success=LAST_SUCCESS,
)


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def series_of(registry: CollectorRegistry, feed: str) -> list[tuple[str, dict[str, str]]]:
    """Every sample of the feed in the registry's exposition, as the scrape shows it."""
    exposition = generate_latest(registry).decode()
    return [
        (sample.name, sample.labels)
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.labels.get("feed") == feed
    ]


def test_a_feed_has_its_successful_outcomes_at_zero_once_added_and_no_failure_yet() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry, "test")
    metrics.feeds.add("kabul")
    for outcome in SUCCESSFUL_OUTCOMES:
        assert sample(registry, "newswatch_feed_fetches_total", feed="kabul", outcome=outcome) == 0
    for outcome in set(FETCH_OUTCOMES) - set(SUCCESSFUL_OUTCOMES):
        assert (
            sample(registry, "newswatch_feed_fetches_total", feed="kabul", outcome=outcome) is None
        )
    for problem in FeedProblem:
        assert (
            sample(registry, "newswatch_feed_problems_total", feed="kabul", problem=problem.value)
            is None
        )
    assert sample(registry, "newswatch_feed_consecutive_failures", feed="kabul") is None


def test_a_failure_outcome_and_a_problem_appear_at_their_first_occurrence() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry, "test")
    metrics.feeds.add("kabul")
    metrics.feeds.count_fetch("kabul", FetchFailure.TIMEOUT.value, duration=30.0)
    metrics.feeds.count_problem("kabul", FeedProblem.DATE_ESTIMATED.value)
    assert sample(registry, "newswatch_feed_fetches_total", feed="kabul", outcome="timeout") == 1
    assert (
        sample(registry, "newswatch_feed_fetches_total", feed="kabul", outcome="dns_error") is None
    )
    assert sample(registry, "newswatch_feed_fetches_total", feed="kabul", outcome="ok") == 0
    assert (
        sample(registry, "newswatch_feed_problems_total", feed="kabul", problem="date_estimated")
        == 1
    )


def test_a_feed_has_at_most_15_series_when_healthy_or_failing_in_a_few_ways() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry, "test")
    failing_polled = replace(POLLED_AND_FAILING, last_status=503)
    metrics.feeds.read_gauges_from(lambda: {"healthy": failing_polled, "failing": failing_polled})
    for _ in range(3):
        metrics.feeds.count_fetch("healthy", "ok", duration=0.2)
        metrics.feeds.count_fetch("healthy", "not_modified", duration=0.1)
        metrics.feeds.count_received("healthy", wire_bytes=1000, entries=10)
    metrics.feeds.count_fetch("failing", "ok", duration=0.2)
    metrics.feeds.count_received("failing", wire_bytes=1000, entries=10)
    for failure in (
        FetchFailure.TIMEOUT,
        FetchFailure.DNS,
        FetchFailure.HTTP_STATUS,
        "parse_error",
    ):
        metrics.feeds.count_fetch("failing", failure, duration=5.0)
    for problem in (FeedProblem.NOT_WELL_FORMED, FeedProblem.DATE_ESTIMATED):
        metrics.feeds.count_problem("failing", problem.value)
    healthy = series_of(registry, "healthy")
    failing = series_of(registry, "failing")
    assert len(healthy) == 8
    assert len(failing) == 14
    assert len(failing) <= SERIES_PER_FEED_LIMIT
    assert not any(name.startswith("newswatch_feed_fetch_duration") for name, _ in healthy)


def test_counts_gauges_and_the_fleet_wide_duration_buckets_by_result() -> None:
    registry = CollectorRegistry()
    feeds = FeedMetrics("nw", ["ok"])
    registry.register(feeds)
    feeds.count_fetch("kabul", "ok", duration=0.07)
    feeds.count_fetch("kabul", "ok", duration=3.0)
    feeds.count_fetch("herat", "ok", duration=0.3)
    feeds.count_fetch("kabul", "timeout", duration=90.0)
    feeds.count_fetch("kabul", "timeout")
    feeds.count_problem("kabul", "doctype_removed")
    feeds.count_received("kabul", wire_bytes=1200, entries=30)
    feeds.read_gauges_from(lambda: {"kabul": POLLED_AND_FAILING})
    assert sample(registry, "nw_feed_fetches_total", feed="kabul", outcome="ok") == 2
    assert sample(registry, "nw_feed_fetches_total", feed="kabul", outcome="timeout") == 2
    assert sample(registry, "nw_feed_problems_total", feed="kabul", problem="doctype_removed") == 1
    assert sample(registry, "nw_feed_bytes_total", feed="kabul") == 1200
    assert sample(registry, "nw_items_fetched_total", feed="kabul") == 30
    assert sample(registry, "nw_feed_consecutive_failures", feed="kabul") == 2
    bucket = "nw_feed_fetch_duration_seconds_bucket"
    assert sample(registry, bucket, result="success", le="0.05") == 0
    assert sample(registry, bucket, result="success", le="0.1") == 1
    assert sample(registry, bucket, result="success", le="0.5") == 2
    assert sample(registry, bucket, result="success", le="5.0") == 3
    assert sample(registry, bucket, result="success", le="+Inf") == 3
    assert sample(registry, "nw_feed_fetch_duration_seconds_count", result="success") == 3
    success_sum = sample(registry, "nw_feed_fetch_duration_seconds_sum", result="success")
    assert success_sum == pytest.approx(3.37)
    assert sample(registry, bucket, result="failure", le="60.0") == 0
    assert sample(registry, bucket, result="failure", le="+Inf") == 1
    assert sample(registry, "nw_feed_fetch_duration_seconds_sum", result="failure") == 90.0
    assert sample(registry, bucket, feed="kabul", le="+Inf") is None


def test_the_duration_histogram_exists_at_zero_before_any_fetch() -> None:
    registry = CollectorRegistry()
    Metrics(registry, "test")
    for result in ("success", "failure"):
        assert sample(registry, "newswatch_feed_fetch_duration_seconds_count", result=result) == 0


def test_a_removed_feed_drops_out_and_others_stay() -> None:
    registry = CollectorRegistry()
    feeds = FeedMetrics("nw", ["ok"])
    registry.register(feeds)
    feeds.count_fetch("kabul", "ok")
    feeds.count_fetch("herat", "ok")
    feeds.remove("kabul")
    exposition = generate_latest(registry).decode()
    assert 'feed="kabul"' not in exposition
    assert 'nw_feed_fetches_total{feed="herat",outcome="ok"} 1.0' in exposition


def test_gauges_are_read_from_the_states_at_each_scrape() -> None:
    registry = CollectorRegistry()
    feeds = FeedMetrics("nw", ["ok"])
    registry.register(feeds)
    feeds.add("kabul")
    states: dict[str, FeedReading] = {"kabul": POLLED_AND_FAILING}
    feeds.read_gauges_from(lambda: dict(states))
    assert sample(registry, "nw_feed_consecutive_failures", feed="kabul") == 2
    assert sample(registry, "nw_feed_http_status", feed="kabul") == 0
    assert sample(registry, "nw_feed_poll_interval_seconds", feed="kabul") == 1200
    assert sample(registry, "nw_feed_last_success_timestamp_seconds", feed="kabul") == (
        LAST_SUCCESS.timestamp()
    )
    states["kabul"] = replace(POLLED_AND_FAILING, consecutive_failures=0, last_status=200)
    assert sample(registry, "nw_feed_consecutive_failures", feed="kabul") == 0
    assert sample(registry, "nw_feed_http_status", feed="kabul") == 200
    for removed in ("nw_feed_up", "nw_feed_next_poll_timestamp_seconds"):
        assert sample(registry, removed, feed="kabul") is None


def test_a_feed_not_polled_yet_has_no_gauges_but_its_counters() -> None:
    registry = CollectorRegistry()
    feeds = FeedMetrics("nw", ["ok"])
    registry.register(feeds)
    feeds.add("kabul")
    feeds.read_gauges_from(lambda: {"kabul": Reading()})
    assert sample(registry, "nw_feed_fetches_total", feed="kabul", outcome="ok") == 0
    for gauge in GAUGE_NAMES:
        assert sample(registry, f"nw_{gauge}", feed="kabul") is None


def test_a_removed_feed_has_no_gauges_even_with_a_state() -> None:
    registry = CollectorRegistry()
    feeds = FeedMetrics("nw", ["ok"])
    registry.register(feeds)
    feeds.add("kabul")
    feeds.read_gauges_from(lambda: {"kabul": POLLED_AND_FAILING})
    feeds.remove("kabul")
    assert 'feed="kabul"' not in generate_latest(registry).decode()
