"""How evenly polls fall over an interval: polls per second, from the feed server's request times.

An ingester whose polls bunch (every feed at start-up, or every feed within the same minute of
each interval) needs its peak capacity for a moment and idles the rest of the interval; spread
evenly, the same polls need a fraction of it. Pure functions over request times.
"""

from dataclasses import dataclass

BUCKET_SECONDS = 10.0
FIRST_MINUTE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class PollProfile:
    """Polls over ``[start, start + length)``: per second, and per bucket of seconds."""

    start: float
    length: float
    per_second: tuple[int, ...]

    @property
    def total(self) -> int:
        """Polls in the window."""
        return sum(self.per_second)

    def buckets(self, seconds: float = BUCKET_SECONDS) -> list[int]:
        """Polls per ``seconds``-long bucket, the last one possibly shorter."""
        width = max(1, round(seconds))
        return [
            sum(self.per_second[at : at + width]) for at in range(0, len(self.per_second), width)
        ]

    def share_before(self, seconds: float) -> float:
        """The share of the window's polls in its first ``seconds``."""
        return sum(self.per_second[: round(seconds)]) / max(self.total, 1)


def profile(times: list[float], start: float, length: float) -> PollProfile:
    """The polls among ``times`` (seconds since the epoch) in ``[start, start + length)``."""
    seconds = max(1, round(length))
    counts = [0] * seconds
    for moment in times:
        at = int(moment - start)
        if 0 <= moment - start < length and at < seconds:
            counts[at] += 1
    return PollProfile(start, length, tuple(counts))


def describe(name: str, polls: PollProfile) -> list[str]:
    """Lines for a report: the buckets as one row, and min, mean and max per second."""
    per_second = polls.per_second
    mean = polls.total / len(per_second)
    first = min(FIRST_MINUTE_SECONDS, polls.length)
    even = first / polls.length
    return [
        f"{name}: {polls.total} polls over {polls.length:.0f} s; per second min {min(per_second)}, "
        f"mean {mean:.1f}, max {max(per_second)}; {polls.share_before(first):.1%} in the first "
        f"{first:.0f} s (evenly spread: {even:.1%})",
        f"  per {BUCKET_SECONDS:.0f} s: {' '.join(map(str, polls.buckets()))}",
    ]
