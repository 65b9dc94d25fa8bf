"""Cost of one ``/metrics`` scrape of a replica polling N feeds: CPU, bytes, memory, series.

    .venv/bin/python benchmarks/scrape_bench.py [--feeds 10000] [--scrapes 5] [--polls 200]
        [--failing 0.03] [--with-problems 0.02] [--seed 1]

Builds the ingester's registry as the service does (``observability.metrics.Metrics``, its
per-feed collector reading the gauges from ``service.feed_state.FeedState`` records through
``read_gauges_from``, as ``service.supervisor`` wires it), then gives every feed a history:
``--polls`` polls, ok or not_modified, with fetch durations and bytes; ``--failing`` of the
feeds also failed with one to three kinds of failure (timeout, dns_error, http_error, ...) and
fail now (consecutive failures, last HTTP status); ``--with-problems`` of them counted one or
two kinds of problem. No network, no broker: only the metrics.

Then it scrapes through the ingester's own WSGI application (``observability.health.make_app``)
exactly as Prometheus asks (its ``Accept`` header, which prefers OpenMetrics, and gzip), and
also ``prometheus_client.generate_latest`` alone (the text format, without gzip). Reported per
scrape: CPU seconds (``time.process_time``, best and median of ``--scrapes``), bytes of the
body (as sent, and uncompressed), the peak of memory allocated during one scrape
(``tracemalloc``'s peak above the memory held before it; Python allocations only, measured in
a scrape of its own since tracing slows it), and the series: in total, per feed for a healthy
feed and the worst failing one. A script that reports figures, not a test.
"""

import argparse
import random
import statistics
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from newswatch.common.errors import FeedProblem, FetchFailure
from newswatch.common.feeds import FeedConfig
from newswatch.fetching.config import ScheduleSettings
from newswatch.observability.health import HealthState, make_app
from newswatch.observability.metrics import Metrics
from newswatch.service.feed_state import FeedState

PROMETHEUS_ACCEPT = (
    "application/openmetrics-text;version=1.0.0;q=0.5,"
    "application/openmetrics-text;version=0.0.1;q=0.4,"
    "text/plain;version=0.0.4;q=0.3,*/*;q=0.2"
)
"""The ``Accept`` header of a Prometheus 2.x scrape."""
FAILURE_KINDS = [
    FetchFailure.TIMEOUT,
    FetchFailure.DNS,
    FetchFailure.CONNECT,
    FetchFailure.HTTP_STATUS,
    FetchFailure.TLS,
]
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def build_service_metrics(args: argparse.Namespace) -> tuple[Metrics, set[str]]:
    """The registry of a replica polling ``args.feeds`` feeds with a history; the failing feeds."""
    rng = random.Random(args.seed)  # noqa: S311 - reproducible test data, not a secret
    metrics = Metrics(CollectorRegistry(), "bench")
    schedule = ScheduleSettings()
    states: dict[str, FeedState] = {}
    failing: set[str] = set()
    for number in range(args.feeds):
        feed = FeedConfig(url=f"https://news-{number % 500}.example/feed/{number}.xml")
        name = f"feed-{number:05d}"
        feed = feed.model_copy(update={"name": name})
        metrics.feeds.add(name)
        for _ in range(args.polls):
            outcome = "ok" if rng.random() < 0.3 else "not_modified"
            metrics.feeds.count_fetch(name, outcome, duration=rng.lognormvariate(-1.5, 0.8))
            if outcome == "ok":
                metrics.feeds.count_received(
                    name, wire_bytes=rng.randint(2_000, 200_000), entries=rng.randint(5, 50)
                )
            else:
                metrics.feeds.count_received(name, wire_bytes=300)
        state = replace(
            FeedState.start(feed, schedule),
            last_attempt=NOW - timedelta(seconds=rng.uniform(0, 300)),
            last_success=NOW - timedelta(seconds=rng.uniform(0, 300)),
            last_status=200,
            next_poll=NOW + timedelta(seconds=rng.uniform(0, 300)),
        )
        if rng.random() < args.failing:
            failing.add(name)
            kinds = rng.sample(FAILURE_KINDS, rng.randint(1, 3))
            for kind in kinds:
                for _ in range(rng.randint(1, 10)):
                    metrics.feeds.count_fetch(name, kind.value, duration=rng.uniform(1, 30))
            state = replace(
                state,
                consecutive_failures=rng.randint(1, 8),
                last_status=503 if FetchFailure.HTTP_STATUS in kinds else None,
                last_success=NOW - timedelta(hours=rng.uniform(1, 48)),
            )
        if rng.random() < args.with_problems:
            for problem in rng.sample(list(FeedProblem), rng.randint(1, 2)):
                metrics.feeds.count_problem(name, problem.value)
        states[name] = state
    metrics.feeds.read_gauges_from(states.copy)
    metrics.preinitialise(states, ["taliban_attacks", "ceasefire"], ["bench.items"])
    return metrics, failing


def scrape(app: Callable[..., Iterable[bytes]], accept: str, encoding: str) -> bytes:
    """One request to ``/metrics`` through the ingester's WSGI application; the body."""
    environ: dict[str, Any] = {
        "PATH_INFO": "/metrics",
        "REQUEST_METHOD": "GET",
        "QUERY_STRING": "",
        "HTTP_ACCEPT": accept,
        "HTTP_ACCEPT_ENCODING": encoding,
    }
    return b"".join(app(environ, lambda status, headers: None))


def timed(scrapes: int, once: Callable[[], bytes]) -> tuple[list[float], bytes]:
    """CPU seconds of each of ``scrapes`` calls, and the last body."""
    seconds = []
    body = b""
    for _ in range(scrapes):
        started = time.process_time()
        body = once()
        seconds.append(time.process_time() - started)
    return seconds, body


def peak_bytes(once: Callable[[], bytes]) -> int:
    """Peak of Python memory allocated during one call, above what was held before it."""
    tracemalloc.start()
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    once()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak - held


def series_per_feed(exposition: str) -> Counter[str]:
    """Samples by ``feed`` label in a text exposition."""
    per_feed: Counter[str] = Counter()
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            feed = sample.labels.get("feed")
            if feed is not None:
                per_feed[feed] += 1
    return per_feed


def main() -> None:
    """Build the registry, scrape it, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feeds", type=int, default=10_000)
    parser.add_argument("--scrapes", type=int, default=5)
    parser.add_argument("--polls", type=int, default=200, help="successful polls per feed")
    parser.add_argument("--failing", type=float, default=0.03, help="share of failing feeds")
    parser.add_argument("--with-problems", type=float, default=0.02, help="share with problems")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    started = time.perf_counter()
    metrics, failing = build_service_metrics(args)
    print(f"registry of {args.feeds} feeds built in {time.perf_counter() - started:.1f} s")
    app = make_app(metrics.registry, HealthState())

    def as_prometheus() -> bytes:
        return scrape(app, PROMETHEUS_ACCEPT, "gzip")

    def as_text() -> bytes:
        return generate_latest(metrics.registry)

    for label, once in (("as Prometheus asks", as_prometheus), ("generate_latest", as_text)):
        seconds, body = timed(args.scrapes, once)
        peak = peak_bytes(once)
        print(
            f"{label}: CPU per scrape {min(seconds):.3f} s best, "
            f"{statistics.median(seconds):.3f} s median; body {len(body) / 1e6:.2f} MB; "
            f"peak allocated during a scrape {peak / 1e6:.1f} MB (tracemalloc)"
        )
    exposition = as_text().decode()
    per_feed = series_per_feed(exposition)
    total = sum(len(family.samples) for family in text_string_to_metric_families(exposition))
    healthy = [count for feed, count in per_feed.items() if feed not in failing]
    broken = [per_feed[feed] for feed in failing]
    print(f"series in total: {total} ({total / args.feeds:.1f} per feed)")
    print(f"series per healthy feed: max {max(healthy)}, min {min(healthy)}")
    if broken:
        print(f"series per failing feed ({len(broken)} feeds): max {max(broken)}")


if __name__ == "__main__":
    main()
