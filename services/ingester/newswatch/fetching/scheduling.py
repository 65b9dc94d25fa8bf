"""When to poll a feed next: pure functions over what the feed and the server told us.

The base interval adapts to how often the feed publishes, within a minimum and a maximum.
Cache-Control max-age, Expires and RSS ``<ttl>`` may raise it, but only up to
``max_hinted_interval_seconds`` (by default the configured interval: the feed's own, else
``poll_interval_seconds``), so a server cannot stretch the wait for a new entry past what the
operator configured; on 429 and 503 Retry-After is honoured; after failures the interval doubles
per consecutive failure up to a cap, so a failing feed is polled less often but never abandoned.
Jitter spreads the load, and only ever brings a poll earlier: an interval is the longest a new
entry waits to be seen.

First polls are spread over the interval. Each feed has a stable phase, a fraction of its
interval taken from a hash of its state key (as Prometheus offsets its scrape targets), and a
long-running service polls it first at that phase. Stable rather than random: a restart puts
every feed back at the same place in the interval, and replicas of a group agree without
talking. Polling everything at start-up instead would bunch a whole fleet's polls into its first
seconds, and, the intervals being nearly equal, into the same seconds of every later interval;
from evenly spread phases, the jitter (which only shortens intervals) lets them drift apart at
random and so stay even. A feed resumed from a checkpoint whose next poll falls before its
phase keeps that earlier time (its bound still holds). A feed already overdue (the service was
down longer than its interval) is polled at its phase too: a shorter catch-up window would poll
the fleet faster than its steady rate, the burst spreading avoids, and after a downtime every
feed is polled within one interval of the start, as on a first start.
"""

import hashlib
import random
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from newswatch.fetching.config import ScheduleSettings

_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-)?max-age\s*=\s*\"?(\d+)", re.IGNORECASE)
ADAPTIVE_WINDOW_SECONDS = 7 * 24 * 3600
JITTER = 0.1


def http_date_or_seconds(value: str, now: datetime) -> float | None:
    """Seconds until the moment ``value`` names: delta-seconds or an HTTP-date (Retry-After)."""
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - now).total_seconds())


def cache_lifetime(headers: Mapping[str, str], now: datetime) -> float | None:
    """How long the server says the response stays fresh: max-age, else Expires."""
    control = headers.get("cache-control", "")
    if "no-store" in control.lower() or "no-cache" in control.lower():
        return None
    found = _MAX_AGE.search(control)
    if found:
        return float(found.group(1))
    expires = headers.get("expires", "")
    return http_date_or_seconds(expires, now) if expires else None


def publishing_interval(published: Iterable[datetime], now: datetime) -> float | None:
    """The feed's typical gap between entries over the last week; None without two dates."""
    recent = sorted(
        moment
        for moment in published
        if 0 <= (now - moment).total_seconds() <= ADAPTIVE_WINDOW_SECONDS
    )
    if len(recent) < 2:
        return None
    span = (recent[-1] - recent[0]).total_seconds()
    return span / (len(recent) - 1) if span > 0 else None


def next_interval(
    limits: ScheduleSettings,
    *,
    configured: float | None,
    publishing_gap: float | None,
    server_hint: float | None,
    consecutive_failures: int,
    retry_after: float | None,
) -> float:
    """Seconds until the next poll, before jitter.

    ``configured`` (the feed's own interval) wins over adaptation; the publishing gap is
    halved so a new entry waits on average a quarter of the gap.
    """
    if configured is not None:
        base = configured
    elif publishing_gap is not None:
        base = min(
            max(publishing_gap / 2, limits.min_poll_interval_seconds),
            limits.max_poll_interval_seconds,
        )
    else:
        base = limits.poll_interval_seconds
    if server_hint is not None:
        base = max(base, min(server_hint, hinted_interval_cap(limits, configured)))
    if consecutive_failures > 0:
        base = min(base * 2 ** min(consecutive_failures, 30), limits.max_backoff_seconds)
    if retry_after is not None:
        base = max(base, min(retry_after, limits.max_backoff_seconds))
    return base


def hinted_interval_cap(limits: ScheduleSettings, configured: float | None) -> float:
    """The longest interval a server hint may ask for: ``max_hinted_interval_seconds``, by
    default the configured interval (the feed's own, else ``poll_interval_seconds``); never
    above ``max_poll_interval_seconds``."""
    cap = limits.max_hinted_interval_seconds
    if cap is None:
        cap = configured if configured is not None else limits.poll_interval_seconds
    return min(cap, limits.max_poll_interval_seconds)


def phase(key: str) -> float:
    """A feed's stable place in its interval, a fraction in [0, 1) from a hash of ``key``
    (its state key): the same in every process and on every start."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def first_poll_delay(*, key: str, interval: float, due_in: float | None) -> float:
    """Seconds from a long-running service's start (or a feed's arrival) to the feed's first
    poll: its phase of ``interval``, or ``due_in`` (seconds until the resumed feed is due)
    when that comes sooner and is not already past."""
    at_phase = phase(key) * interval
    if due_in is not None and 0 <= due_in < at_phase:
        return due_in
    return at_phase


def with_jitter(seconds: float, rng: random.Random | None = None) -> float:
    """``seconds`` shortened by up to 10%, so feeds added together do not stay in lockstep.

    Never longer: the interval an operator configures bounds how stale a feed can be.
    """
    source = rng or random
    return seconds * source.uniform(1 - JITTER, 1)
