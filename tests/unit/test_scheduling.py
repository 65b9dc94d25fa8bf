"""When the next poll happens: adaptation, server hints, Retry-After, backoff and jitter."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from newswatch.fetching.config import ScheduleSettings
from newswatch.fetching.scheduling import (
    cache_lifetime,
    http_date_or_seconds,
    next_interval,
    publishing_interval,
    with_jitter,
)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
LIMITS = ScheduleSettings(
    poll_interval_seconds=300,
    min_poll_interval_seconds=60,
    max_poll_interval_seconds=3600,
    max_backoff_seconds=21600,
)


def interval(**overrides: object) -> float:
    arguments: dict[str, object] = {
        "configured": None,
        "publishing_gap": None,
        "server_hint": None,
        "consecutive_failures": 0,
        "retry_after": None,
    }
    arguments.update(overrides)
    return next_interval(LIMITS, **arguments)  # type: ignore[arg-type]


def test_default_until_the_rate_is_known() -> None:
    assert interval() == 300


@pytest.mark.parametrize(("gap", "expected"), [(600, 300), (20, 60), (86400, 3600)])
def test_adapts_to_publishing_gap_within_bounds(gap: float, expected: float) -> None:
    assert interval(publishing_gap=gap) == expected


def test_configured_interval_wins_over_adaptation() -> None:
    assert interval(configured=120, publishing_gap=20) == 120


@pytest.mark.parametrize(("hint", "expected"), [(900, 900), (30, 300), (10**6, 3600)])
def test_server_hint_is_a_lower_bound_capped_at_the_maximum(hint: float, expected: float) -> None:
    assert interval(server_hint=hint) == expected


@pytest.mark.parametrize(("failures", "expected"), [(1, 600), (3, 2400), (10, 21600), (500, 21600)])
def test_backoff_doubles_per_failure_up_to_the_cap(failures: int, expected: float) -> None:
    assert interval(consecutive_failures=failures) == expected


def test_retry_after_is_honoured_up_to_the_cap() -> None:
    assert interval(consecutive_failures=1, retry_after=7200) == 7200
    assert interval(consecutive_failures=1, retry_after=10**9) == 21600


def test_jitter_only_shortens_by_up_to_ten_percent() -> None:
    rng = random.Random(7)
    values = [with_jitter(100, rng) for _ in range(1000)]
    assert min(values) >= 90
    assert max(values) <= 100
    assert max(values) - min(values) > 8


def test_publishing_interval_over_the_last_week() -> None:
    dates = [NOW - timedelta(hours=hours) for hours in (1, 3, 5, 7)]
    assert publishing_interval(dates, NOW) == 7200
    assert publishing_interval([NOW], NOW) is None
    assert publishing_interval([NOW - timedelta(days=30), NOW - timedelta(days=31)], NOW) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120", 120.0), ("Fri, 27 Nov 2026 12:10:00 GMT", 600.0), ("garbage", None), ("", None)],
)
def test_retry_after_forms(value: str, expected: float | None) -> None:
    assert http_date_or_seconds(value, NOW) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"cache-control": "public, max-age=900"}, 900.0),
        ({"cache-control": "no-cache, max-age=900"}, None),
        ({"expires": "Fri, 27 Nov 2026 13:00:00 GMT"}, 3600.0),
        ({}, None),
    ],
)
def test_cache_lifetime(headers: dict[str, str], expected: float | None) -> None:
    assert cache_lifetime(headers, NOW) == expected
