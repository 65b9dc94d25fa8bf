"""What the ingester knows about each feed between polls, and its health as a person reads it."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from newswatch.fetch import Validators


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


def render_table(feeds: list[dict[str, Any]]) -> str:
    """Feed health as an aligned text table, unhealthy feeds first."""
    columns = (
        ("FEED", "name"),
        ("OK", "healthy"),
        ("FAILS", "consecutive_failures"),
        ("LAST", "last_outcome"),
        ("HTTP", "last_status"),
        ("ENTRIES", "last_entries"),
        ("NEW", "last_new_items"),
        ("BYTES", "last_bytes"),
        ("SECONDS", "last_duration_seconds"),
        ("INTERVAL", "interval_seconds"),
        ("LAST SUCCESS", "last_success"),
        ("ERROR", "last_error"),
    )
    ordered = sorted(feeds, key=lambda feed: (bool(feed["healthy"]), str(feed["name"])))
    rows = [[title for title, _ in columns]]
    for feed in ordered:
        row = []
        for _, key in columns:
            value = feed.get(key)
            text = (
                "yes"
                if value is True
                else "no"
                if value is False
                else ""
                if value is None
                else str(value)
            )
            row.append(text[:80])
        rows.append(row)
    widths = [max(len(row[index]) for row in rows) for index in range(len(columns))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
