"""Nothing lost, nothing doubled: faults injected into real processes while feeds keep publishing.

Each test counts what the feed server served against what reached ``<prefix>.items`` and
prints the counts. The oracle: every served item is in the topic; duplicates (the same key
twice) only where the README says they can happen, and within the stated bound.
"""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newswatch_devtools.live_feed import LiveFeeds
from newswatch_devtools.local_broker import LocalBroker
from tests.faults.fault_run import (
    FEEDS,
    RATE_PER_FEED,
    SIGKILL_DUPLICATES_PER_FEED,
    Report,
    Run,
    served_then_frozen,
    tally,
    wait_for_status,
)

pytestmark = pytest.mark.integration

SIGKILL_DUPLICATE_BOUND = FEEDS * SIGKILL_DUPLICATES_PER_FEED


@pytest.fixture
def live() -> Iterator[LiveFeeds]:
    with LiveFeeds(FEEDS, RATE_PER_FEED) as feeds:
        yield feeds


def test_sigterm_and_restart_lose_nothing_and_repeat_nothing(
    tmp_path: Path, live: LiveFeeds, kafka_bootstrap: str, report: Report
) -> None:
    run = Run(tmp_path, live, kafka_bootstrap)
    with run.start() as first:
        first.wait_for("/readyz", 200)
        time.sleep(4)
        assert first.terminate() == 0, first.logs()
    with run.start() as second:
        second.wait_for("/readyz", 200)
        expected = served_then_frozen(live, 3)
        keys = run.keys_once_all_arrived(expected)
        assert second.terminate() == 0, second.logs()
    counts = tally(expected, keys)
    report(counts.line())
    assert counts.duplicates == 0


def test_ingester_sigkill_and_restart_lose_nothing(
    tmp_path: Path, live: LiveFeeds, kafka_bootstrap: str, report: Report
) -> None:
    run = Run(tmp_path, live, kafka_bootstrap)
    with run.start() as first:
        first.wait_for("/readyz", 200)
        time.sleep(4)
        first.process.kill()
        first.process.wait()
    with run.start() as second:
        second.wait_for("/readyz", 200)
        expected = served_then_frozen(live, 3)
        keys = run.keys_once_all_arrived(expected)
        assert second.terminate() == 0, second.logs()
    counts = tally(expected, keys)
    report(f"{counts.line()} (bound {SIGKILL_DUPLICATE_BOUND})")
    assert counts.duplicates <= SIGKILL_DUPLICATE_BOUND


def test_broker_sigkill_and_restart_lose_nothing(
    tmp_path: Path, live: LiveFeeds, own_broker: LocalBroker, report: Report
) -> None:
    broker = own_broker
    run = Run(tmp_path, live, broker.bootstrap_servers)
    with run.start() as service:
        service.wait_for("/readyz", 200)
        time.sleep(3)
        broker.kill()
        time.sleep(5)
        broker.restart()
        expected = served_then_frozen(live, 3)
        keys = run.keys_once_all_arrived(expected)
        assert service.terminate() == 0, service.logs()
    counts = tally(expected, keys)
    report(counts.line())
    assert counts.duplicates <= SIGKILL_DUPLICATE_BOUND


def test_broker_away_longer_than_the_buffer_holds(
    tmp_path: Path, live: LiveFeeds, own_broker: LocalBroker, report: Report
) -> None:
    broker = own_broker
    buffer = 20
    run = Run(
        tmp_path,
        live,
        broker.bootstrap_servers,
        max_unacked_records=buffer,
        kafka_request_timeout_seconds=3,
        kafka_delivery_timeout_seconds=6,
    )
    with run.start() as service:
        service.wait_for("/readyz", 200)
        time.sleep(2)
        broker.stop()
        wait_for_status(service, "degraded: spooling", timeout_s=40)
        outage_started = time.monotonic()
        peak_unacked = 0.0
        while time.monotonic() - outage_started < 15:
            peak_unacked = max(peak_unacked, service.metric("newswatch_kafka_unacked_records"))
            time.sleep(0.5)
        existing_during_outage = live.count() * FEEDS
        broker.restart()
        wait_for_status(service, "ok", timeout_s=60)
        expected = served_then_frozen(live, 2)
        keys = run.keys_once_all_arrived(expected)
        assert service.terminate() == 0, service.logs()
    counts = tally(expected, keys)
    report(
        f"buffer {buffer}, peak unacked {peak_unacked:.0f}, {existing_during_outage} items "
        f"existed by the end of the outage; {counts.line()}"
    )
    assert peak_unacked <= buffer
    assert len(expected) > buffer * 3
