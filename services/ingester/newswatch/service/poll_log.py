"""The log line of one poll: what it did when it succeeded, why when it failed.

A successful poll logs ``polled`` with what became of the document's entries; a failed one
logs ``feed failed`` with the failure kind (``status``, the label counted in
``newswatch_feed_fetches_total``) and the error, and no entry counts: there were no entries.
"""

from dataclasses import dataclass
from typing import Any

import structlog

from newswatch.service.feed_state import FeedState
from newswatch.service.outcome import EntryCounts, PollOutcome

log = structlog.get_logger("newswatch.pipeline")


@dataclass(frozen=True, slots=True)
class PollLine:
    """One log line: its level, its event and its fields."""

    level: str
    event: str
    fields: dict[str, Any]


def entry_fields(counts: EntryCounts) -> dict[str, int]:
    """The entry counts under names that say what they count; ``unacknowledged`` are the
    records the sink did not confirm (sent again at the next poll)."""
    return {
        "entries": counts.entries,
        "new": counts.new,
        "matched": counts.matched,
        "published": counts.published,
        "rejected": counts.rejected,
        "unacknowledged": counts.failed,
    }


def describe_poll(outcome: PollOutcome, after: FeedState) -> PollLine:
    """The line of a poll whose outcome is ``outcome`` and after which the feed is ``after``."""
    timing = {
        "duration_s": round(outcome.duration_seconds, 3),
        "next_poll_in_s": round(after.interval_seconds, 1),
    }
    if outcome.succeeded:
        return PollLine(
            "info", "polled", {"status": outcome.status, **entry_fields(outcome.counts), **timing}
        )
    answer = {} if outcome.http_status is None else {"http_status": outcome.http_status}
    return PollLine(
        "warning",
        "feed failed",
        {
            "status": outcome.status,
            "error": after.last_error,
            **answer,
            "consecutive_failures": after.consecutive_failures,
            **timing,
        },
    )


def log_poll(outcome: PollOutcome, after: FeedState) -> None:
    """Log the poll's one line."""
    line = describe_poll(outcome, after)
    getattr(log, line.level)(line.event, **line.fields)
