"""When the next poll happens: adaptation, server hints, Retry-After, backoff and jitter; and
when a long-running service polls a feed first (its phase of the interval)."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from newswatch.fetching.config import ScheduleSettings
from newswatch.fetching.scheduling import (
    cache_lifetime,
    first_poll_delay,
    http_date_or_seconds,
    next_interval,
    phase,
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


def interval(limits: ScheduleSettings = LIMITS, **overrides: object) -> float:
    arguments: dict[str, object] = {
        "configured": None,
        "publishing_gap": None,
        "server_hint": None,
        "consecutive_failures": 0,
        "retry_after": None,
    }
    arguments.update(overrides)
    return next_interval(limits, **arguments)  # type: ignore[arg-type]


def test_default_until_the_rate_is_known() -> None:
    assert interval() == 300


@pytest.mark.parametrize(("gap", "expected"), [(600, 300), (20, 60), (86400, 3600)])
def test_adapts_to_publishing_gap_within_bounds(gap: float, expected: float) -> None:
    assert interval(publishing_gap=gap) == expected


def test_configured_interval_wins_over_adaptation() -> None:
    assert interval(configured=120, publishing_gap=20) == 120


@pytest.mark.parametrize(("hint", "expected"), [(900, 900), (30, 300), (10**6, 3600)])
def test_server_hint_is_a_lower_bound_capped_at_the_maximum(hint: float, expected: float) -> None:
    uncapped = LIMITS.model_copy(update={"max_hinted_interval_seconds": 10**7})
    assert interval(uncapped, server_hint=hint) == expected


@pytest.mark.parametrize(("hint", "expected"), [(200, 300), (299, 300), (900, 300), (10**6, 300)])
def test_server_hint_lengthens_by_default_only_up_to_the_configured_interval(
    hint: float, expected: float
) -> None:
    assert LIMITS.max_hinted_interval_seconds is None
    assert interval(server_hint=hint) == expected


@pytest.mark.parametrize(("hint", "expected"), [(100, 120), (150, 150), (900, 180)])
def test_server_hint_below_and_above_an_explicit_cap(hint: float, expected: float) -> None:
    capped = LIMITS.model_copy(update={"max_hinted_interval_seconds": 180})
    assert interval(capped, configured=120, server_hint=hint) == expected


@pytest.mark.parametrize(("hint", "expected"), [(60, 120), (100, 120), (900, 120)])
def test_by_default_the_feeds_own_interval_is_the_cap(hint: float, expected: float) -> None:
    assert interval(configured=120, server_hint=hint) == expected


def test_an_explicit_cap_larger_than_the_configured_interval() -> None:
    larger = LIMITS.model_copy(update={"max_hinted_interval_seconds": 1800})
    assert interval(larger, server_hint=900) == 900
    assert interval(larger, server_hint=2400) == 1800
    assert interval(larger, configured=120, server_hint=2400) == 1800


def test_a_capped_hint_never_shortens_an_adapted_interval() -> None:
    assert interval(publishing_gap=4000, server_hint=3000) == 2000


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


def test_phase_is_stable_and_spread_evenly() -> None:
    keys = [f"https://feeds.example.org/{n}.xml" for n in range(10_000)]
    phases = [phase(key) for key in keys]
    assert phases == [phase(key) for key in keys]
    assert all(0 <= value < 1 for value in phases)
    per_tenth = [
        sum(1 for value in phases if tenth / 10 <= value < (tenth + 1) / 10) for tenth in range(10)
    ]
    assert min(per_tenth) > 900
    assert max(per_tenth) < 1100


def test_a_new_feed_is_polled_first_at_its_phase_of_the_interval() -> None:
    key = "https://feeds.example.org/kabul.xml"
    assert first_poll_delay(key=key, interval=300, due_in=None) == pytest.approx(phase(key) * 300)
    assert first_poll_delay(key=key, interval=60, due_in=None) == pytest.approx(phase(key) * 60)


def test_a_resumed_feed_due_sooner_keeps_its_earlier_time() -> None:
    key = next(f"https://f.test/{n}" for n in range(100) if phase(f"https://f.test/{n}") > 0.5)
    assert first_poll_delay(key=key, interval=300, due_in=20) == 20
    assert first_poll_delay(key=key, interval=300, due_in=0) == 0


def test_a_resumed_feed_due_later_than_its_phase_is_polled_at_its_phase() -> None:
    key = next(f"https://f.test/{n}" for n in range(100) if phase(f"https://f.test/{n}") < 0.5)
    assert first_poll_delay(key=key, interval=300, due_in=200) == pytest.approx(phase(key) * 300)


def test_overdue_feeds_are_spread_over_the_interval_not_bunched() -> None:
    delays = [
        first_poll_delay(key=f"https://f.test/{n}", interval=300, due_in=-3600) for n in range(3000)
    ]
    assert all(0 <= delay < 300 for delay in delays)
    assert sum(1 for delay in delays if delay < 60) < 0.25 * len(delays)
    assert sum(1 for delay in delays if delay >= 240) > 0.15 * len(delays)
