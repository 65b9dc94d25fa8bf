"""Per-feed Prometheus series, kept as plain numbers and turned into samples only when scraped.

One replica polls thousands of feeds. As prometheus_client children (a counter per feed and
outcome, a histogram per feed, six gauges), each feed cost some 25 KiB: 244 MiB for 10,000
feeds (benchmarks/freshness_bench.py), most of a replica's memory. Here a feed is a small
record of counts; the samples are built by ``collect`` while ``/metrics`` is being read. The
counters (fetches by outcome, problems, bytes, entries, fetch durations) are counted as polls
go; the gauges are read from the feeds' states at scrape time (``read_gauges_from``). The
series are the same as before: every outcome and problem of a feed exists at zero from the
moment the feed is polled here, so rates and alerts see it from the start; a feed handed to
another replica (or removed) drops out.
"""

import bisect
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

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


class FeedReading(Protocol):
    """What the per-feed gauges show of a feed's state (``service.feed_state.FeedState``)."""

    @property
    def consecutive_failures(self) -> int:
        """Failed polls in a row."""

    @property
    def last_status(self) -> int | None:
        """HTTP status of the last answer."""

    @property
    def interval_seconds(self) -> float:
        """Current interval between polls."""

    @property
    def last_attempt(self) -> datetime | None:
        """When the feed was last polled; None before its first poll here."""

    @property
    def last_success(self) -> datetime | None:
        """When the feed was last fetched and parsed."""

    @property
    def next_poll(self) -> datetime | None:
        """When the feed is next due."""


Readings = Callable[[], Mapping[str, FeedReading]]
"""Every feed's current state by feed name; called on the HTTP server's thread, so it must
return a mapping nobody changes meanwhile (a copy)."""


def _polled(value: Callable[[FeedReading], float]) -> Callable[[FeedReading], float | None]:
    """A gauge that exists once the feed was polled here."""
    return lambda reading: value(reading) if reading.last_attempt is not None else None


def _timestamp(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


GAUGES: dict[str, tuple[str, Callable[[FeedReading], float | None]]] = {
    "feed_up": (
        "1 when the feed's last poll succeeded, else 0.",
        _polled(lambda reading: 1 if reading.consecutive_failures == 0 else 0),
    ),
    "feed_consecutive_failures": (
        "Failed polls in a row (0 after a success).",
        _polled(lambda reading: reading.consecutive_failures),
    ),
    "feed_http_status": (
        "HTTP status of the feed's last answer (0: no answer).",
        _polled(lambda reading: reading.last_status or 0),
    ),
    "feed_poll_interval_seconds": (
        "Current interval between polls of the feed.",
        _polled(lambda reading: reading.interval_seconds),
    ),
    "feed_next_poll_timestamp_seconds": (
        "When the feed is next due.",
        lambda reading: _timestamp(reading.next_poll),
    ),
    "feed_last_success_timestamp_seconds": (
        "When the feed was last fetched and parsed.",
        lambda reading: _timestamp(reading.last_success),
    ),
}
"""The per-feed gauges: name (without the namespace), help text, and the value a feed's state
gives (None: no sample)."""


class FeedMetrics(Collector):
    """The per-feed series of one ingester; register it in the ingester's registry."""

    def __init__(self, namespace: str, outcomes: Iterable[str], problems: Iterable[str]) -> None:
        self._namespace = namespace
        self._outcomes = tuple(outcomes)
        self._problems = tuple(problems)
        self._feeds: dict[str, _Feed] = {}
        self._readings: Readings = dict

    def read_gauges_from(self, readings: Readings) -> None:
        """Take the gauges from ``readings`` at each scrape (the ingester's feed states)."""
        self._readings = readings

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

    def describe(self) -> Iterator[Metric]:
        """The families, without samples (so registering does not collect)."""
        return self._families({}, {})

    def collect(self) -> Iterator[Metric]:
        """Every feed's samples, built now. Runs on the HTTP server's thread."""
        return self._families(dict(self._feeds), self._readings())

    def _series(self, feed: str) -> _Feed:
        series = self._feeds.get(feed)
        if series is None:
            series = self._feeds[feed] = _Feed()
        return series

    def _families(
        self, feeds: dict[str, _Feed], readings: Mapping[str, FeedReading]
    ) -> Iterator[Metric]:
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
            for name, (help_text, _) in GAUGES.items()
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
            reading = readings.get(name)
            if reading is None:
                continue
            for gauge, (_, value_of) in GAUGES.items():
                value = value_of(reading)
                if value is not None:
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
