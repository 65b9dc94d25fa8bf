"""When every feed failed: ``run --once`` exits non-zero, the service says so once, and the
hint says offline only when every failure was a network one."""

from collections import Counter

from newswatch.service.first_pass import (
    FEEDS_HINT,
    OFFLINE_HINT,
    all_failed,
    failure_hint,
    first_pass_failed,
)


def test_all_failed_counts_the_kinds() -> None:
    assert all_failed(["dns_error", "timeout", "dns_error"]) == Counter(dns_error=2, timeout=1)


def test_one_success_or_no_poll_is_not_all_failed() -> None:
    assert all_failed(["dns_error", "not_modified"]) is None
    assert all_failed(["ok"]) is None
    assert all_failed([]) is None


def test_the_first_pass_is_judged_only_once_every_feed_was_polled() -> None:
    feeds = ["a", "b"]
    assert first_pass_failed({"a": "dns_error"}, feeds) is None
    assert first_pass_failed({"a": "dns_error", "b": "connect_error"}, feeds) == Counter(
        dns_error=1, connect_error=1
    )
    assert first_pass_failed({"a": "dns_error", "b": "ok"}, feeds) is None
    assert first_pass_failed({}, []) is None


def test_first_polls_of_feeds_no_longer_polled_do_not_count() -> None:
    assert first_pass_failed({"gone": "ok", "b": "timeout"}, ["b"]) == Counter(timeout=1)


def test_the_hint_says_offline_only_for_network_failures() -> None:
    assert failure_hint(Counter(dns_error=3, connect_error=1, timeout=1)) == OFFLINE_HINT
    assert "make demo" in OFFLINE_HINT
    assert failure_hint(Counter(dns_error=3, http_error=1)) == FEEDS_HINT
