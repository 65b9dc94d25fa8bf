"""Per-feed series built at scrape time: zeros from the start, counts, buckets, removal, and
gauges read from the feeds' states."""

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, generate_latest

from newswatch.observability.feed_metrics import FeedMetrics, FeedReading
from newswatch.observability.metrics import FETCH_OUTCOMES, Metrics

GAUGE_NAMES = (
    "feed_up",
    "feed_consecutive_failures",
    "feed_http_status",
    "feed_poll_interval_seconds",
    "feed_next_poll_timestamp_seconds",
    "feed_last_success_timestamp_seconds",
)


@dataclass(frozen=True)
class Reading:
    """A feed's state as the gauges read it."""

    consecutive_failures: int = 0
    last_status: int | None = None
    interval_seconds: float = 300.0
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    next_poll: datetime | None = None


LAST_SUCCESS = datetime(2025, 5, 4, 9, 0, tzinfo=UTC)
NEXT_POLL = datetime(2025, 5, 4, 10, 20, tzinfo=UTC)
POLLED_AND_FAILING = Reading(
    consecutive_failures=2,
    last_status=None,
    interval_seconds=1200.0,
    last_attempt=datetime(2025, 5, 4, 10, 0, tzinfo=UTC),
    last_success=LAST_SUCCESS,
    next_poll=NEXT_POLL,
)


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def test_a_feed_has_every_outcome_at_zero_once_added() -> None:
    registry = CollectorRegistry()
    metrics = Metrics(registry, "test")
    metrics.feeds.add("kabul")
    for outcome in FETCH_OUTCOMES:
        assert sample(registry, "newswatch_feed_fetches_total", feed="kabul", outcome=outcome) == 0
    assert (
        sample(registry, "newswatch_feed_problems_total", feed="kabul", problem="not_well_formed")
        == 0
    )
    assert sample(registry, "newswatch_feed_up", feed="kabul") is None


def test_counts_gauges_and_duration_buckets() -> None:
    registry = CollectorRegistry()
    feeds = FeedMetrics("nw", ["ok", "timeout"], ["doctype_removed"])
    registry.register(feeds)
    feeds.count_fetch("kabul", "ok", duration=0.07)
    feeds.count_fetch("kabul", "ok", duration=3.0)
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
    assert sample(registry, "nw_feed_up", feed="kabul") == 0
    bucket = "nw_feed_fetch_duration_seconds_bucket"
    assert sample(registry, bucket, feed="kabul", le="0.05") == 0
    assert sample(registry, bucket, feed="kabul", le="0.1") == 1
    assert sample(registry, bucket, feed="kabul", le="5.0") == 2
    assert sample(registry, bucket, feed="kabul", le="60.0") == 2
    assert sample(registry, bucket, feed="kabul", le="+Inf") == 3
    assert sample(registry, "nw_feed_fetch_duration_seconds_count", feed="kabul") == 3
    assert sample(registry, "nw_feed_fetch_duration_seconds_sum", feed="kabul") == 93.07


def test_a_removed_feed_drops_out_and_others_stay() -> None:
    registry = CollectorRegistry()
    feeds = FeedMetrics("nw", ["ok"], [])
    registry.register(feeds)
    feeds.count_fetch("kabul", "ok")
    feeds.count_fetch("herat", "ok")
    feeds.remove("kabul")
    exposition = generate_latest(registry).decode()
    assert 'feed="kabul"' not in exposition
    assert 'nw_feed_fetches_total{feed="herat",outcome="ok"} 1.0' in exposition


def test_gauges_are_read_from_the_states_at_each_scrape() -> None:
    registry = CollectorRegistry()
    feeds = FeedMetrics("nw", ["ok"], [])
    registry.register(feeds)
    feeds.add("kabul")
    states: dict[str, FeedReading] = {"kabul": POLLED_AND_FAILING}
    feeds.read_gauges_from(lambda: dict(states))
    assert sample(registry, "nw_feed_up", feed="kabul") == 0
    assert sample(registry, "nw_feed_consecutive_failures", feed="kabul") == 2
    assert sample(registry, "nw_feed_http_status", feed="kabul") == 0
    assert sample(registry, "nw_feed_poll_interval_seconds", feed="kabul") == 1200
    assert sample(registry, "nw_feed_next_poll_timestamp_seconds", feed="kabul") == (
        NEXT_POLL.timestamp()
    )
    assert sample(registry, "nw_feed_last_success_timestamp_seconds", feed="kabul") == (
        LAST_SUCCESS.timestamp()
    )
    states["kabul"] = replace(POLLED_AND_FAILING, consecutive_failures=0, last_status=200)
    assert sample(registry, "nw_feed_up", feed="kabul") == 1
    assert sample(registry, "nw_feed_http_status", feed="kabul") == 200


def test_a_feed_not_polled_yet_has_no_gauges_but_its_counters() -> None:
    registry = CollectorRegistry()
    feeds = FeedMetrics("nw", ["ok"], [])
    registry.register(feeds)
    feeds.add("kabul")
    feeds.read_gauges_from(lambda: {"kabul": Reading()})
    assert sample(registry, "nw_feed_fetches_total", feed="kabul", outcome="ok") == 0
    for gauge in GAUGE_NAMES:
        assert sample(registry, f"nw_{gauge}", feed="kabul") is None


def test_a_removed_feed_has_no_gauges_even_with_a_state() -> None:
    registry = CollectorRegistry()
    feeds = FeedMetrics("nw", ["ok"], [])
    registry.register(feeds)
    feeds.add("kabul")
    feeds.read_gauges_from(lambda: {"kabul": POLLED_AND_FAILING})
    feeds.remove("kabul")
    assert 'feed="kabul"' not in generate_latest(registry).decode()
