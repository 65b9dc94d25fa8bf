"""Per-feed Prometheus series, kept as plain numbers and turned into samples only when scraped.

One replica polls thousands of feeds. As prometheus_client children (a counter per feed and
outcome, a histogram per feed, six gauges), each feed cost some 25 KiB: 244 MiB for 10,000
feeds (benchmarks/freshness_bench.py), most of a replica's memory. Here a feed is a small
record of counts; the samples are built by ``collect`` while ``/metrics`` is being read. The
counters (fetches by outcome, problems, bytes, entries) are counted as polls go; the gauges are
read from the feeds' states at scrape time (``read_gauges_from``).

A scrape's cost grows with the series of every feed, so a feed has few (8 while it is healthy,
``benchmarks/scrape_bench.py``): its successful outcomes (``ok``, ``not_modified``) exist at
zero from the moment it is polled here, while a failure outcome or a problem appears only when
it first happens (alerts read the gauges, which exist from the first poll, not ``increase()``
of these); the time of a fetch goes to one fleet-wide histogram by result (success or failure),
not one per feed. A feed handed to another replica (or removed) drops out.
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
from prometheus_client.samples import Sample

FETCH_DURATION_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
_BUCKET_LABELS = (*(str(bound) for bound in FETCH_DURATION_BUCKETS), "+Inf")
FETCH_RESULTS = ("success", "failure")
"""The ``result`` label of the fleet-wide fetch duration histogram."""


@dataclass(slots=True)
class _Feed:
    """One feed's counters. ``fetches`` starts with the successful outcomes at zero; failure
    outcomes and problems are added when they first happen."""

    fetches: dict[str, int]
    problems: dict[str, int] = field(default_factory=dict)
    bytes_total: int = 0
    items_total: int = 0


@dataclass(slots=True)
class _Durations:
    """The fleet's fetch times of one result: counts per bucket (not cumulative) and sum."""

    counts: list[int] = field(default_factory=lambda: [0] * (len(FETCH_DURATION_BUCKETS) + 1))
    total: float = 0.0

    def observe(self, seconds: float) -> None:
        """Count one fetch that took ``seconds``."""
        self.counts[bisect.bisect_left(FETCH_DURATION_BUCKETS, seconds)] += 1
        self.total += seconds

    def cumulative(self) -> list[tuple[str, float]]:
        """Bucket counts as Prometheus wants them: cumulative, by upper bound, ``+Inf`` last."""
        running = 0
        buckets = []
        for bound, count in zip(_BUCKET_LABELS, self.counts, strict=True):
            running += count
            buckets.append((bound, float(running)))
        return buckets


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


Readings = Callable[[], Mapping[str, FeedReading]]
"""Every feed's current state by feed name; called on the HTTP server's thread, so it must
return a mapping nobody changes meanwhile (a copy)."""


def _polled(value: Callable[[FeedReading], float]) -> Callable[[FeedReading], float | None]:
    """A gauge that exists once the feed was polled here."""
    return lambda reading: value(reading) if reading.last_attempt is not None else None


def _timestamp(moment: datetime | None) -> float | None:
    return moment.timestamp() if moment is not None else None


GAUGES: dict[str, tuple[str, Callable[[FeedReading], float | None]]] = {
    "feed_consecutive_failures": (
        "Failed polls in a row (0 after a success; the feed is up when 0).",
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
    "feed_last_success_timestamp_seconds": (
        "When the feed was last fetched and parsed.",
        lambda reading: _timestamp(reading.last_success),
    ),
}
"""The per-feed gauges: name (without the namespace), help text, and the value a feed's state
gives (None: no sample). ``feed_up`` was ``feed_consecutive_failures == 0``, and the next poll's
time is in ``/feeds``: neither is a series of its own any more."""


class FeedMetrics(Collector):
    """The per-feed series of one ingester, and the fleet-wide fetch durations; register it in
    the ingester's registry.

    ``successes`` are the outcomes every feed has from the start (at zero) and that count as
    a success in the duration histogram; any other outcome is a failure, created when first
    counted.
    """

    def __init__(self, namespace: str, successes: Iterable[str]) -> None:
        self._namespace = namespace
        self._successes = tuple(successes)
        self._feeds: dict[str, _Feed] = {}
        self._durations = {result: _Durations() for result in FETCH_RESULTS}
        self._readings: Readings = dict

    def read_gauges_from(self, readings: Readings) -> None:
        """Take the gauges from ``readings`` at each scrape (the ingester's feed states)."""
        self._readings = readings

    def add(self, feed: str) -> None:
        """Start the feed's series at zero (kept if it has them already)."""
        self._series(feed)

    def remove(self, feed: str) -> None:
        """Drop the feed's series: it is no longer polled here."""
        self._feeds.pop(feed, None)

    def count_fetch(self, feed: str, outcome: str, *, duration: float | None = None) -> None:
        """One poll ended with ``outcome``; ``duration`` is the fetch's time, when it ran."""
        series = self._series(feed)
        series.fetches[outcome] = series.fetches.get(outcome, 0) + 1
        if duration is not None:
            result = "success" if outcome in self._successes else "failure"
            self._durations[result].observe(duration)

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
        return self._families({}, {}, with_durations=False)

    def collect(self) -> Iterator[Metric]:
        """Every feed's samples, built now, one family at a time (so only one family's samples
        are held while the scrape encodes them). Runs on the HTTP server's thread."""
        return self._families(dict(self._feeds), self._readings(), with_durations=True)

    def _series(self, feed: str) -> _Feed:
        series = self._feeds.get(feed)
        if series is None:
            series = self._feeds[feed] = _Feed(dict.fromkeys(self._successes, 0))
        return series

    def _families(
        self, feeds: dict[str, _Feed], readings: Mapping[str, FeedReading], *, with_durations: bool
    ) -> Iterator[Metric]:
        prefix = f"{self._namespace}_"
        # One label set per feed, shared by its one-label samples (the encoder only reads it).
        by_feed = {name: {"feed": name} for name in feeds}
        yield _counter(
            prefix + "feed_fetches",
            "Feed polls, by outcome (a failure outcome appears when it first happens).",
            _by_kind(feeds, "outcome", lambda series: series.fetches),
        )
        durations = HistogramMetricFamily(
            prefix + "feed_fetch_duration_seconds",
            "Time to fetch one feed, body included, over every feed, by result.",
            labels=["result"],
        )
        if with_durations:
            for result, observed in self._durations.items():
                durations.add_metric([result], observed.cumulative(), observed.total)
        yield durations
        yield _counter(
            prefix + "feed_bytes",
            "Bytes received from the feed on the wire.",
            ((by_feed[name], series.bytes_total) for name, series in feeds.items()),
        )
        yield _counter(
            prefix + "feed_problems",
            "Problems that did not stop a poll, by kind (each appears when it first happens).",
            _by_kind(feeds, "problem", lambda series: series.problems),
        )
        yield _counter(
            prefix + "items_fetched",
            "Entries read from feeds.",
            ((by_feed[name], series.items_total) for name, series in feeds.items()),
        )
        polled = [(by_feed[name], readings[name]) for name in feeds if name in readings]
        for gauge, (help_text, value_of) in GAUGES.items():
            family = GaugeMetricFamily(prefix + gauge, help_text, labels=["feed"])
            values = ((labels, value_of(reading)) for labels, reading in polled)
            family.samples.extend(
                Sample(family.name, labels, value) for labels, value in values if value is not None
            )
            yield family


def _by_kind(
    feeds: dict[str, _Feed], label: str, counts_of: Callable[[_Feed], dict[str, int]]
) -> Iterator[tuple[dict[str, str], float]]:
    """Each feed's counts by kind (outcome, problem) as label sets and values."""
    for name, series in feeds.items():
        for kind, count in list(counts_of(series).items()):
            yield {"feed": name, label: kind}, count


def _counter(
    name: str, help_text: str, values: Iterable[tuple[dict[str, str], float]]
) -> CounterMetricFamily:
    """A counter family of the given label sets and values.

    The samples are made here rather than by ``add_metric``, which builds a label dict for every
    sample from a list of values: at 10,000 feeds that was a third of a scrape's collect time.
    """
    family = CounterMetricFamily(name, help_text, labels=[])
    sample_name = family.name + "_total"
    family.samples.extend(Sample(sample_name, labels, value) for labels, value in values)
    return family
