"""Story bursts: a story carried by many sources at once emits one ``StoryBurst``. Pure
logic: no I/O, no clock of its own.

**Bursts** (``BurstDetector``): a story bursts when items from ``min_sources`` distinct sources
fall within ``window`` of each other, in item time (publication time, but never later than
``now``), so a start-up backlog spread over days does not burst. A burst whose last item is more
than ``max_delay`` older than ``now`` is recorded but not emitted (stale). After a burst, the
story can burst again only on a new wave: items published at least ``rearm_after`` after the
burst's last item (``None``: never again). Burst ids hash the story id and the burst's ordinal,
so a replay gives the same ids and consumers can de-duplicate on them.
"""

import bisect
import hashlib
import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from newswatch.analysis.stories.index import StoryAssignment, aware_timestamp
from newswatch_schemas import StoryBurst


@dataclass(frozen=True, slots=True)
class BurstConfig:
    """When a story counts as a burst, and when it may burst again."""

    min_sources: int = 3
    window: timedelta = timedelta(minutes=60)
    rearm_after: timedelta | None = timedelta(hours=24)
    max_delay: timedelta = timedelta(hours=6)
    retention: timedelta = timedelta(hours=72)

    def __post_init__(self) -> None:
        """Refuse settings that cannot work."""
        if self.min_sources < 2:
            raise ValueError("min_sources must be at least 2")
        if self.window <= timedelta(0) or self.retention < self.window:
            raise ValueError("window must be positive and retention at least the window")


class _Track:
    __slots__ = ("bursts", "eligible_from", "first_ts", "last_ts", "observations", "themes")

    def __init__(self, first_ts: float) -> None:
        self.observations: list[tuple[float, str, str]] = []
        self.themes: set[str] = set()
        self.first_ts = first_ts
        self.last_ts = first_ts
        self.bursts = 0
        self.eligible_from = float("-inf")


def burst_id(story_id: str, ordinal: int) -> str:
    """The stable id of a story's ``ordinal``-th burst (0 for the first): 32 hex digits."""
    digest = hashlib.sha256(f"story-burst\x00{story_id}\x00{ordinal}".encode())
    return digest.hexdigest()[:32]


class BurstDetector:
    """Watches story assignments and reports a story when it bursts; see the module docstring."""

    def __init__(self, config: BurstConfig | None = None) -> None:
        self.config = config or BurstConfig()
        self._tracks: dict[str, _Track] = {}
        self._expiry: list[tuple[float, str]] = []
        self._watermark = float("-inf")

    def __len__(self) -> int:
        """The number of stories tracked."""
        return len(self._tracks)

    def observe(
        self, assignment: StoryAssignment, themes: Sequence[str], now: datetime
    ) -> StoryBurst | None:
        """Record an assigned item; return the story's burst when this item completes one."""
        now_ts = aware_timestamp(now)
        item_ts = min(aware_timestamp(assignment.published_at), now_ts)
        self._advance(item_ts)
        track = self._tracks.get(assignment.story_id)
        if track is None:
            track = self._tracks[assignment.story_id] = _Track(item_ts)
            heapq.heappush(self._expiry, (item_ts, assignment.story_id))
        observations = track.observations
        del observations[: bisect.bisect_left(observations, (self._cutoff(),))]
        observation = (item_ts, assignment.source, assignment.item_id)
        position = bisect.bisect_left(observations, observation)
        if position < len(observations) and observations[position] == observation:
            return None
        observations.insert(position, observation)
        track.themes.update(themes)
        track.first_ts = min(track.first_ts, item_ts)
        if item_ts > track.last_ts:
            track.last_ts = item_ts
            heapq.heappush(self._expiry, (item_ts, assignment.story_id))
        if item_ts < track.eligible_from:
            return None
        window_end = self._completed_window(track, item_ts)
        if window_end is None:
            return None
        ordinal = track.bursts
        since = track.eligible_from
        track.bursts += 1
        rearm = self.config.rearm_after
        track.eligible_from = float("inf") if rearm is None else window_end + rearm.total_seconds()
        if now_ts - window_end > self.config.max_delay.total_seconds():
            return None
        return self._burst(assignment.story_id, track, ordinal, since, now)

    def _completed_window(self, track: _Track, item_ts: float) -> float | None:
        """The end of a window around ``item_ts`` holding ``min_sources`` distinct sources of
        eligible observations, or None."""
        span = self.config.window.total_seconds()
        observations = track.observations
        low = bisect.bisect_left(observations, (max(item_ts - span, track.eligible_from),))
        high = bisect.bisect_right(observations, (item_ts + span, "\U0010ffff"))
        nearby = observations[low:high]
        counts: dict[str, int] = {}
        start = 0
        for end_ts, source, _ in nearby:
            counts[source] = counts.get(source, 0) + 1
            while nearby[start][0] < end_ts - span:
                left = nearby[start][1]
                counts[left] -= 1
                if not counts[left]:
                    del counts[left]
                start += 1
            if len(counts) >= self.config.min_sources and nearby[start][0] <= item_ts <= end_ts:
                return end_ts
        return None

    def _burst(
        self, story_id: str, track: _Track, ordinal: int, since: float, now: datetime
    ) -> StoryBurst:
        """The burst event: the story's sources and items since the previous burst's wave."""
        held = [obs for obs in track.observations if obs[0] >= since]
        sources = list(dict.fromkeys(source for _, source, _ in held))
        item_ids = list(dict.fromkeys(item_id for _, _, item_id in held))
        return StoryBurst(
            id=burst_id(story_id, ordinal),
            story_id=story_id,
            themes=sorted(track.themes),
            sources=sources,
            item_ids=item_ids,
            source_count=len(sources),
            first_seen_at=datetime.fromtimestamp(track.first_ts, UTC),
            detected_at=now.astimezone(UTC),
            window_minutes=int(self.config.window.total_seconds() // 60),
            threshold=self.config.min_sources,
        )

    def _cutoff(self) -> float:
        return self._watermark - self.config.retention.total_seconds()

    def _advance(self, item_ts: float) -> None:
        """Forget stories with no item within ``retention`` of the newest item time seen."""
        self._watermark = max(self._watermark, item_ts)
        cutoff = self._cutoff()
        while self._expiry and self._expiry[0][0] < cutoff:
            last_ts, story_id = heapq.heappop(self._expiry)
            track = self._tracks.get(story_id)
            if track is not None and track.last_ts == last_ts:
                del self._tracks[story_id]
