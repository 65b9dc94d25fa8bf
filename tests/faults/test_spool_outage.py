"""The spool while Kafka is away: polling goes on, and every item that ever appeared in a feed
that rotates its items out reaches ``<prefix>.items`` once the broker is back; across an
ingester SIGKILL during the outage too; a full spool pauses polling and loses nothing; and
the service uses the broker again within 2 s of its answering.

Each test prints its counts (``-s`` not needed: the ``report`` fixture writes through).
"""

import json
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newswatch_devtools.kafka_reader import read_all
from newswatch_devtools.live_feed import LiveFeeds
from newswatch_devtools.local_broker import LocalBroker
from newswatch_devtools.service import Service
from tests.faults.fault_run import Report, Run, served_then_frozen, tally, wait_for_status

pytestmark = pytest.mark.integration

RATE = 2.0
WINDOW = 50
OUTAGE_SECONDS = 60.0
RESUME_RUNS = 5
RESUME_OUTAGE_SECONDS = 3.0
RESUME_LIMIT_SECONDS = 2.0
FULL_SPOOL_BYTES = 48 * 1024


@pytest.fixture
def windowed() -> Iterator[LiveFeeds]:
    """One feed gaining 2 items a second and serving its latest 50."""
    with LiveFeeds(1, RATE, window=WINDOW) as feeds:
        yield feeds


def outage_line(expected: set[str], run: Run) -> str:
    """Items appeared / in topic / never fetched / duplicates, as the closing note gives them."""
    records = read_all(run.bootstrap, f"{run.prefix}.items")
    urls = {str(json.loads(record.value)["url"]) for record in records}
    distinct = {record.key for record in records}
    missing = len(expected - urls)
    return (
        f"items appeared {len(expected)}, in topic {len(records)} ({len(distinct)} distinct), "
        f"never fetched {missing}, duplicates {len(records) - len(distinct)}"
    )


def test_a_minute_without_kafka_loses_no_item_that_appeared(
    tmp_path: Path, windowed: LiveFeeds, own_broker: LocalBroker, report: Report
) -> None:
    run = Run(tmp_path, windowed, own_broker.bootstrap_servers)
    with run.start() as service:
        wait_for_status(service, "ok")
        time.sleep(3)
        own_broker.kill()
        wait_for_status(service, "degraded: spooling", timeout_s=30)
        time.sleep(OUTAGE_SECONDS - 15)
        spooled = service.metric("newswatch_spool_records")
        own_broker.restart()
        expected = served_then_frozen(windowed, 3)
        keys = run.keys_once_all_arrived(expected)
        assert service.terminate() == 0, service.logs()
    line = outage_line(expected, run)
    report(f"60 s outage: {line}; {spooled:.0f} records spooled near its end")
    counts = tally(expected, keys)
    assert spooled > 0, line
    assert len(expected) > WINDOW * 2, line
    assert counts.duplicates <= 2 * WINDOW, line


def test_an_ingester_killed_during_the_outage_delivers_its_spool_after_restart(
    tmp_path: Path, windowed: LiveFeeds, own_broker: LocalBroker, report: Report
) -> None:
    run = Run(tmp_path, windowed, own_broker.bootstrap_servers)
    with run.start() as first:
        wait_for_status(first, "ok")
        time.sleep(3)
        own_broker.kill()
        time.sleep(OUTAGE_SECONDS / 2)
        spooled_at_kill = first.metric("newswatch_spool_records")
        first.process.kill()
        first.process.wait()
    with run.start() as second:
        body = second.wait_for("/readyz", 200)
        assert "degraded: spooling" in body
        time.sleep(OUTAGE_SECONDS / 2)
        own_broker.restart()
        expected = served_then_frozen(windowed, 3)
        keys = run.keys_once_all_arrived(expected)
        assert second.terminate() == 0, second.logs()
    line = outage_line(expected, run)
    report(f"60 s outage, ingester SIGKILLed at 30 s ({spooled_at_kill:.0f} spooled): {line}")
    counts = tally(expected, keys)
    assert spooled_at_kill > 0, line
    assert counts.duplicates <= 2 * WINDOW, line


def test_a_full_spool_pauses_polling_loses_nothing_and_resumes(
    tmp_path: Path, own_broker: LocalBroker, report: Report
) -> None:
    with LiveFeeds(1, 4.0) as live:
        run = Run(tmp_path, live, own_broker.bootstrap_servers, spool_max_bytes=FULL_SPOOL_BYTES)
        with run.start() as service:
            wait_for_status(service, "ok")
            time.sleep(2)
            own_broker.kill()
            wait_for_status(service, "spool full: polling paused until Kafka takes records", 60)
            fetches = service.metric("newswatch_feed_fetches_total", feed="live-0", outcome="ok")
            time.sleep(3)
            paused_fetches = (
                service.metric("newswatch_feed_fetches_total", feed="live-0", outcome="ok")
                - fetches
            )
            status, _ = service.get("/readyz")
            pauses = service.metric("newswatch_spool_pauses_total")
            peak = service.metric("newswatch_spool_bytes")
            own_broker.restart()
            wait_for_status(service, "ok", timeout_s=60)
            expected = served_then_frozen(live, 3)
            keys = run.keys_once_all_arrived(expected)
            assert service.terminate() == 0, service.logs()
    counts = tally(expected, keys)
    report(
        f"limit {FULL_SPOOL_BYTES} B, spool peaked at {peak:.0f} B, {pauses:.0f} pause(s), "
        f"{paused_fetches:.0f} fetches in 3 s while full; {counts.line()}"
    )
    assert status == 503
    assert pauses >= 1
    assert paused_fetches == 0


def first_ack_after_restart(service: Service, broker: LocalBroker, topic: str) -> float:
    """Kill the broker, wait, start it again; seconds from its answering to the next ack."""
    broker.kill()
    time.sleep(RESUME_OUTAGE_SECONDS)
    before = service.metric("newswatch_events_published_total", topic=topic, outcome="ok")
    broker.restart()
    answered = time.monotonic()
    deadline = answered + 60
    while service.metric("newswatch_events_published_total", topic=topic, outcome="ok") <= before:
        assert time.monotonic() < deadline, "no acknowledgement within 60 s of the restart"
        time.sleep(0.05)
    return time.monotonic() - answered


def test_kafka_is_used_again_within_two_seconds_of_answering(
    tmp_path: Path, own_broker: LocalBroker, report: Report
) -> None:
    with LiveFeeds(1, 4.0) as live:
        run = Run(tmp_path, live, own_broker.bootstrap_servers)
        with run.start() as service:
            wait_for_status(service, "ok")
            time.sleep(2)
            seconds = [
                first_ack_after_restart(service, own_broker, f"{run.prefix}.items")
                for _ in range(RESUME_RUNS)
            ]
            assert service.terminate() == 0, service.logs()
    median = statistics.median(seconds)
    report(
        f"first acknowledgement after the broker answered: median {median:.2f} s of "
        f"{', '.join(f'{s:.2f}' for s in seconds)}"
    )
    assert median <= RESUME_LIMIT_SECONDS, seconds
