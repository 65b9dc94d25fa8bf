"""What the ingester knows about each feed between polls, and its health as a person reads it.

A ``FeedState`` is immutable: it starts from the feed's configuration and stored checkpoint
(``FeedState.start``) and changes in one place, ``apply``, which takes a poll's outcome and
returns the next state. Being immutable, a state can be read from another thread (``/feeds``,
the per-feed metrics) while the event loop moves on.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from newswatch.common.checkpoint import FeedCheckpoint
from newswatch.common.feeds import FeedConfig
from newswatch.common.redaction import redact_url, restore_secrets
from newswatch.fetching.config import ScheduleSettings
from newswatch.fetching.http import Validators
from newswatch.fetching.scheduling import next_interval
from newswatch.service.outcome import PollOutcome

ERROR_CHARS = 500


@dataclass(frozen=True, slots=True)
class FeedState:
    """One feed's polling state: where it stands (validators, done ids, address), how its
    last poll went, and when it is due.

    ``configured_url`` and ``url`` (the address polled now, after permanent redirects) may
    carry credentials and go to the fetcher only; ``public_url`` and ``state_key`` are the
    feed's identity outside the process (``FeedConfig``)."""

    name: str
    configured_url: str
    url: str
    public_url: str
    state_key: str
    schedule: ScheduleSettings = field(repr=False)
    configured_interval: float | None
    interval_seconds: float
    validators: Validators = field(default_factory=Validators)
    done_ids: frozenset[str] = frozenset()
    checkpoint_saved: bool = True
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
    language: str = ""
    tags: tuple[str, ...] = ()

    @classmethod
    def start(
        cls, feed: FeedConfig, schedule: ScheduleSettings, checkpoint: FeedCheckpoint | None = None
    ) -> "FeedState":
        """A feed's state before its first poll here, resumed from its stored checkpoint.

        A resumed feed is due one interval after its checkpoint was stored, at the latest (a
        checkpoint is stored when a poll moves the feed on, so the last poll may be later)."""
        state = cls(
            name=feed.name,
            configured_url=feed.url,
            url=feed.url,
            public_url=feed.public_url,
            state_key=feed.state_key,
            schedule=schedule,
            configured_interval=feed.poll_interval_seconds,
            interval_seconds=feed.poll_interval_seconds or schedule.poll_interval_seconds,
            language=feed.language,
            tags=feed.tags,
        )
        if checkpoint is None:
            return state
        return replace(
            state,
            url=restore_secrets(checkpoint.effective_url, feed.url) or feed.url,
            validators=Validators(checkpoint.etag, checkpoint.last_modified),
            done_ids=frozenset(checkpoint.done_ids),
            next_poll=checkpoint.updated_at + timedelta(seconds=state.interval_seconds),
        )

    def apply(self, outcome: PollOutcome) -> "FeedState":
        """The state after ``outcome``.

        The validators and done ids move on only with the outcome's ``progress`` (every record
        of the poll acknowledged); a moved address is kept at once. Either makes the stored
        checkpoint stale until a poll stores it again.
        """
        url = outcome.moved_to or self.url
        validators, done_ids = self.validators, self.done_ids
        if outcome.progress is not None:
            validators, done_ids = outcome.progress.validators, outcome.progress.done_ids
        changed = (url, validators, done_ids) != (self.url, self.validators, self.done_ids)
        saved = outcome.checkpoint_stored
        if saved is None:
            saved = self.checkpoint_saved and not changed
        failures = 0 if outcome.succeeded else self.consecutive_failures + 1
        gap = outcome.publishing_gap_seconds if outcome.parsed else self.publishing_gap_seconds
        interval = next_interval(
            self.schedule,
            configured=self.configured_interval,
            publishing_gap=gap,
            server_hint=outcome.server_hint,
            consecutive_failures=failures,
            retry_after=outcome.retry_after,
        )
        wait = max(0.0, interval * outcome.jitter - outcome.duration_seconds)
        return replace(
            self,
            url=url,
            validators=validators,
            done_ids=done_ids,
            checkpoint_saved=saved,
            consecutive_failures=failures,
            last_outcome=outcome.status,
            last_error=outcome.error[:ERROR_CHARS],
            last_status=outcome.http_status,
            last_attempt=outcome.attempted_at,
            last_success=outcome.finished_at if outcome.succeeded else self.last_success,
            last_entries=outcome.counts.entries,
            last_new_items=outcome.counts.new,
            last_bytes=self.last_bytes if outcome.wire_bytes is None else outcome.wire_bytes,
            last_duration_seconds=outcome.duration_seconds,
            interval_seconds=interval,
            next_poll=outcome.finished_at + timedelta(seconds=wait),
            publishing_gap_seconds=gap,
        )

    def checkpoint(self, now: datetime) -> FeedCheckpoint:
        """The checkpoint that stores where this feed stands, keyed by ``state_key``.

        It holds no credential: the address polled now is stored redacted when the
        configured URL's credentials restore it (``restore_secrets``), else the configured
        address is (the next start follows the redirect again).
        """
        effective = redact_url(self.url)
        if restore_secrets(effective, self.configured_url) != self.url:
            effective = self.public_url
        return FeedCheckpoint(
            feed_url=self.state_key,
            effective_url=effective,
            etag=self.validators.etag,
            last_modified=self.validators.last_modified,
            done_ids=sorted(self.done_ids),
            updated_at=now,
        )

    @property
    def healthy(self) -> bool:
        """Polled successfully, and not failed since."""
        return self.consecutive_failures == 0 and self.last_success is not None

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready view of the feed's health."""
        return {
            "name": self.name,
            "url": self.public_url,
            "language": self.language,
            "tags": list(self.tags),
            "effective_url": redact_url(self.url),
            "healthy": self.healthy,
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
