"""What one poll of one feed found and did, as immutable records.

A poll (``poll.FeedPoller``) returns a ``PollOutcome``; the feed's state changes only by
``FeedState.apply(outcome)``.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from newswatch.fetching.http import Validators

SUCCESSFUL_STATUSES = frozenset({"ok", "not_modified"})


class EntryResult(Enum):
    """How one new entry of a poll ended."""

    NO_THEME = "no_theme"
    """Matched no theme: done, nothing to publish."""
    PUBLISHED = "published"
    """Matched, published and acknowledged."""
    PUBLISH_FAILED = "publish_failed"
    """Matched, but its publication was not acknowledged: it is retried at the next poll."""
    REJECTED = "rejected"
    """Could not be normalised; its dead-letter record was acknowledged."""
    REJECTED_FAILED = "rejected_failed"
    """Could not be normalised, and its dead-letter record was not acknowledged."""

    @property
    def acknowledged(self) -> bool:
        """Whether the entry is done (its id may be remembered)."""
        return self not in {EntryResult.PUBLISH_FAILED, EntryResult.REJECTED_FAILED}


@dataclass(frozen=True, slots=True)
class EntryCounts:
    """The entries of one poll, counted by what became of them."""

    entries: int = 0
    new: int = 0
    matched: int = 0
    published: int = 0
    rejected: int = 0
    failed: int = 0

    @classmethod
    def tally(cls, entries: int, results: Iterable[EntryResult]) -> "EntryCounts":
        """Counts of a document of ``entries`` entries whose new ones ended as ``results``."""
        count = Counter(results)
        return cls(
            entries=entries,
            new=count.total(),
            matched=count[EntryResult.PUBLISHED] + count[EntryResult.PUBLISH_FAILED],
            published=count[EntryResult.PUBLISHED],
            rejected=count[EntryResult.REJECTED] + count[EntryResult.REJECTED_FAILED],
            failed=count[EntryResult.PUBLISH_FAILED] + count[EntryResult.REJECTED_FAILED],
        )


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a feed stands once every record of a poll was acknowledged: the validators of
    the document read, and the ids of its entries that are done."""

    validators: Validators
    done_ids: frozenset[str]


@dataclass(frozen=True, slots=True)
class PollOutcome:
    """One poll of one feed: what the fetch returned or why it failed, what the document held
    and what became of its entries, how long it took, and whether the checkpoint was stored.
    """

    status: str
    """The outcome counted in ``feed_fetches_total``: ok, not_modified, parse_error, or why
    the fetch failed."""
    attempted_at: datetime
    finished_at: datetime
    duration_seconds: float
    """The whole poll: fetch, parse, publication and checkpoint."""
    fetch_seconds: float
    http_status: int | None = None
    """The status of the server's answer; None when none came."""
    error: str = ""
    """Why the poll failed; empty when it succeeded."""
    retry_after: float | None = None
    wire_bytes: int | None = None
    """Bytes received; None when the fetch failed."""
    moved_to: str | None = None
    """The feed's new address, when it moved permanently (a 301/308 chain)."""
    server_hint: float | None = None
    """How long the server says the feed stays fresh (Cache-Control, Expires, RSS ttl)."""
    parsed: bool = False
    publishing_gap_seconds: float | None = None
    """The feed's typical gap between entries, when the document was parsed."""
    counts: EntryCounts = EntryCounts()
    """The document's entries, by what became of them (all 0 when none was read)."""
    progress: Progress | None = None
    """Set when the document was read and every record of the poll was acknowledged."""
    checkpoint_stored: bool | None = None
    """True or False when the poll tried to store the feed's checkpoint; None when it did not."""
    jitter: float = 1.0
    """The share of the next interval to wait (at most 1), so feeds do not poll in lockstep."""

    @property
    def succeeded(self) -> bool:
        """Whether the feed was fetched (and, when it changed, parsed)."""
        return self.status in SUCCESSFUL_STATUSES
