"""Per-feed Prometheus series, kept as plain numbers and turned into samples only when scraped.

One replica polls thousands of feeds. As prometheus_client children (a counter per feed and
outcome, a histogram per feed, six gauges), each feed cost some 25 KiB: 244 MiB for 10,000
feeds (benchmarks/freshness_bench.py), most of a replica's memory. Here a feed is a small
record of counts; the samples are built by ``collect`` while ``/metrics`` is being read. The
series are the same as before: every outcome and problem of a feed exists at zero from the
moment the feed is polled here, so rates and alerts see it from the start; a feed handed to
another replica (or removed) drops out.
"""

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

FETCH_DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_BUCKET_LABELS = (*(str(bound) for bound in FETCH_DURATION_BUCKETS), "+Inf")


@dataclass(slots=True)
class _Feed:
    """One feed's series. Counts hold only what happened; absent outcomes are zero."""

    fetches: dict[str, int] = field(default_factory=dict)
    problems: dict[str, int] = field(default_factory=dict)
    bytes_total: int = 0
    items_total: int = 0
    durations: list[int] = field(default_factory=lambda: [0] * (len(FETCH_DURATION_BUCKETS) + 1))
    duration_sum: float = 0.0
    gauges: dict[str, float] = field(default_factory=dict)


GAUGES = {
    "feed_up": "1 when the feed's last poll succeeded, else 0.",
    "feed_consecutive_failures": "Failed polls in a row (0 after a success).",
    "feed_http_status": "HTTP status of the feed's last answer (0: no answer).",
    "feed_poll_interval_seconds": "Current interval between polls of the feed.",
    "feed_next_poll_timestamp_seconds": "When the feed is next due.",
    "feed_last_success_timestamp_seconds": "When the feed was last fetched and parsed.",
}
"""The per-feed gauges: name (without the namespace) and help text."""


class FeedMetrics(Collector):
    """The per-feed series of one ingester; register it in the ingester's registry."""

    def __init__(self, namespace: str, outcomes: Iterable[str], problems: Iterable[str]) -> None:
        self._namespace = namespace
        self._outcomes = tuple(outcomes)
        self._problems = tuple(problems)
        self._feeds: dict[str, _Feed] = {}

    def add(self, feed: str) -> None:
        """Start the feed's series at zero (kept if it has them already)."""
        self._feeds.setdefault(feed, _Feed())

    def remove(self, feed: str) -> None:
        """Drop the feed's series: it is no longer polled here."""
        self._feeds.pop(feed, None)

    def count_fetch(self, feed: str, outcome: str, *, duration: float | None = None) -> None:
        """One poll ended with ``outcome``; ``duration`` is the fetch's time, when it ran."""
        series = self._series(feed)
        series.fetches[outcome] = series.fetches.get(outcome, 0) + 1
        if duration is not None:
            series.durations[bisect.bisect_left(FETCH_DURATION_BUCKETS, duration)] += 1
            series.duration_sum += duration

    def count_problem(self, feed: str, problem: str) -> None:
        """A problem that did not stop a poll."""
        series = self._series(feed)
        series.problems[problem] = series.problems.get(problem, 0) + 1

    def count_received(self, feed: str, *, wire_bytes: int = 0, entries: int = 0) -> None:
        """Bytes received on the wire, and entries read from the document."""
        series = self._series(feed)
        series.bytes_total += wire_bytes
        series.items_total += entries

    def set_gauge(self, feed: str, name: str, value: float) -> None:
        """Set one of ``GAUGES`` for the feed."""
        if name not in GAUGES:
            raise KeyError(f"not a per-feed gauge: {name}")
        self._series(feed).gauges[name] = value

    def describe(self) -> Iterator[Metric]:
        """The families, without samples (so registering does not collect)."""
        return self._families({})

    def collect(self) -> Iterator[Metric]:
        """Every feed's samples, built now. Runs on the HTTP server's thread."""
        return self._families(dict(self._feeds))

    def _series(self, feed: str) -> _Feed:
        series = self._feeds.get(feed)
        if series is None:
            series = self._feeds[feed] = _Feed()
        return series

    def _families(self, feeds: dict[str, _Feed]) -> Iterator[Metric]:
        prefix = f"{self._namespace}_"
        fetches = CounterMetricFamily(
            prefix + "feed_fetches", "Feed polls, by outcome.", labels=["feed", "outcome"]
        )
        problems = CounterMetricFamily(
            prefix + "feed_problems",
            "Problems that did not stop a poll, by kind.",
            labels=["feed", "problem"],
        )
        wire = CounterMetricFamily(
            prefix + "feed_bytes", "Bytes received from the feed on the wire.", labels=["feed"]
        )
        entries = CounterMetricFamily(
            prefix + "items_fetched", "Entries read from feeds.", labels=["feed"]
        )
        durations = HistogramMetricFamily(
            prefix + "feed_fetch_duration_seconds",
            "Time to fetch one feed, body included.",
            labels=["feed"],
        )
        gauges = {
            name: GaugeMetricFamily(prefix + name, help_text, labels=["feed"])
            for name, help_text in GAUGES.items()
        }
        for name, series in feeds.items():
            counts = dict(series.fetches)
            for outcome in self._outcomes:
                fetches.add_metric([name, outcome], counts.get(outcome, 0))
            found = dict(series.problems)
            for problem in self._problems:
                problems.add_metric([name, problem], found.get(problem, 0))
            wire.add_metric([name], series.bytes_total)
            entries.add_metric([name], series.items_total)
            durations.add_metric([name], _cumulative(series.durations), series.duration_sum)
            for gauge, value in dict(series.gauges).items():
                gauges[gauge].add_metric([name], value)
        yield from (fetches, durations, wire, problems, entries, *gauges.values())


def _cumulative(counts: list[int]) -> list[tuple[str, float]]:
    """Bucket counts as Prometheus wants them: cumulative, by upper bound, ``+Inf`` last."""
    total = 0
    buckets = []
    for bound, count in zip(_BUCKET_LABELS, counts, strict=True):
        total += count
        buckets.append((bound, float(total)))
    return buckets
