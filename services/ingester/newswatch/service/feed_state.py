"""What the ingester knows about each feed between polls, and its health as a person reads it."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from newswatch.fetching.http import Validators


@dataclass(slots=True)
class FeedState:
    """One feed's polling state; owned by the pipeline, read by ``/feeds`` and metrics."""

    name: str
    configured_url: str
    url: str
    interval_seconds: float
    validators: Validators = field(default_factory=Validators)
    consecutive_failures: int = 0
    last_outcome: str = ""
    last_error: str = ""
    last_status: int | None = None
    last_attempt: datetime | None = None
    last_success: datetime | None = None
    last_entries: int = 0
    last_new_items: int = 0
    last_bytes: int = 0
    last_duration_seconds: float = 0.0
    next_poll: datetime | None = None
    publishing_gap_seconds: float | None = None
    done_ids: frozenset[str] = frozenset()
    checkpoint_saved: bool = True

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready view of the feed's health."""
        return {
            "name": self.name,
            "url": self.configured_url,
            "effective_url": self.url,
            "healthy": self.consecutive_failures == 0 and self.last_success is not None,
            "consecutive_failures": self.consecutive_failures,
            "last_outcome": self.last_outcome,
            "last_error": self.last_error,
            "last_status": self.last_status,
            "last_attempt": _iso(self.last_attempt),
            "last_success": _iso(self.last_success),
            "last_entries": self.last_entries,
            "last_new_items": self.last_new_items,
            "last_bytes": self.last_bytes,
            "last_duration_seconds": round(self.last_duration_seconds, 3),
            "interval_seconds": round(self.interval_seconds, 1),
            "next_poll": _iso(self.next_poll),
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None
