"""Per-feed series built at scrape time: zeros from the start, counts, buckets, removal."""

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from newswatch.observability.feed_metrics import FeedMetrics
from newswatch.observability.metrics import FETCH_OUTCOMES, Metrics


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
    feeds.set_gauge("kabul", "feed_up", 0)
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


def test_only_the_known_gauges_can_be_set() -> None:
    feeds = FeedMetrics("nw", ["ok"], [])
    with pytest.raises(KeyError, match="feed_mood"):
        feeds.set_gauge("kabul", "feed_mood", 1)
