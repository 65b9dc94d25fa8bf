"""A poll's log line says what happened: counts of what its entries became when it
succeeded, the failure kind and error (and no counts) when it failed."""

from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import Any

from structlog.testing import capture_logs

from newswatch.common.feeds import FeedConfig
from newswatch.fetching.config import ScheduleSettings
from newswatch.service.feed_state import FeedState
from newswatch.service.outcome import EntryCounts, PollOutcome
from newswatch.service.poll_log import log_poll

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def outcome(status: str, **fields: object) -> PollOutcome:
    return PollOutcome(
        status=status,
        attempted_at=NOW,
        finished_at=NOW,
        duration_seconds=0.25,
        fetch_seconds=0.2,
        **fields,  # type: ignore[arg-type]
    )


def logged(polled: PollOutcome) -> MutableMapping[str, Any]:
    feed = FeedConfig(name="kabul-wire", url="https://example.org/rss.xml")
    after = FeedState.start(feed, ScheduleSettings()).apply(polled)
    with capture_logs() as records:
        log_poll(polled, after)
    [record] = records
    return record


def test_a_failed_poll_logs_its_kind_and_error_and_no_entry_counts() -> None:
    record = logged(outcome("dns_error", error="cannot resolve example.org"))
    assert record["event"] == "feed failed"
    assert record["log_level"] == "warning"
    assert record["status"] == "dns_error"
    assert record["error"] == "cannot resolve example.org"
    assert record["consecutive_failures"] == 1
    assert "http_status" not in record
    for count in ("failed", "entries", "new", "published", "unacknowledged"):
        assert count not in record


def test_a_failed_poll_with_an_answer_logs_its_http_status() -> None:
    record = logged(outcome("http_error", error="HTTP 404", http_status=404))
    assert record["http_status"] == 404


def test_a_successful_poll_names_what_its_entries_became() -> None:
    counts = EntryCounts(entries=7, new=3, matched=2, published=1, rejected=1, failed=1)
    record = logged(outcome("ok", http_status=200, parsed=True, counts=counts))
    assert record["event"] == "polled"
    assert record["log_level"] == "info"
    assert (record["entries"], record["new"], record["matched"]) == (7, 3, 2)
    assert (record["published"], record["rejected"], record["unacknowledged"]) == (1, 1, 1)
    assert "failed" not in record
    assert "error" not in record
