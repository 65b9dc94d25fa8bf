"""Replicas share the feeds through Kafka group membership: no feed polled by two replicas at
once, a dead replica's feeds taken over, a feed added to the file reaching the fleet without a
restart."""

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from newswatch_devtools.kafka_reader import read_all
from newswatch_devtools.live_feed import LiveFeeds
from newswatch_devtools.service import Service
from tests.faults.fault_run import (
    RATE_PER_FEED,
    SIGKILL_DUPLICATES_PER_FEED,
    Report,
    Run,
    served_then_frozen,
    tally,
)

pytestmark = pytest.mark.integration

FLEET_FEEDS = 6
SESSION_TIMEOUT_SECONDS = 6
TAKEOVER_DEADLINE_SECONDS = SESSION_TIMEOUT_SECONDS + 20


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def assigned(service: Service) -> float:
    return service.metric("newswatch_feeds_assigned")


def fetches(service: Service) -> dict[str, float]:
    return {
        f"live-{n}": service.metric("newswatch_feed_fetches_total", feed=f"live-{n}", outcome="ok")
        for n in range(FLEET_FEEDS)
    }


@pytest.fixture
def fleet_feeds() -> Iterator[LiveFeeds]:
    with LiveFeeds(FLEET_FEEDS, RATE_PER_FEED) as feeds:
        yield feeds


def test_two_replicas_share_the_feeds_and_one_takes_over_when_the_other_dies(
    tmp_path: Path, fleet_feeds: LiveFeeds, kafka_bootstrap: str, report: Report
) -> None:
    live = fleet_feeds
    run = Run(
        tmp_path, live, kafka_bootstrap, kafka_session_timeout_seconds=SESSION_TIMEOUT_SECONDS
    )
    with run.start("spool-first") as first, run.start("spool-second") as second:
        first.wait_for("/readyz", 200)
        second.wait_for("/readyz", 200)
        wait_until(
            lambda: (
                assigned(first) > 0
                and assigned(second) > 0
                and assigned(first) + assigned(second) == FLEET_FEEDS
            ),
            TAKEOVER_DEADLINE_SECONDS,
            "both replicas to hold a share of the feeds",
        )
        shares = (assigned(first), assigned(second))
        before = (fetches(first), fetches(second))
        time.sleep(3)
        after = (fetches(first), fetches(second))
        polled = [
            {feed for feed, count in after[side].items() if count > before[side][feed]}
            for side in (0, 1)
        ]
        first.process.kill()
        first.process.wait()
        killed_at = time.monotonic()
        wait_until(
            lambda: assigned(second) == FLEET_FEEDS,
            TAKEOVER_DEADLINE_SECONDS,
            "the survivor to take over every feed",
        )
        takeover_seconds = time.monotonic() - killed_at
        expected = served_then_frozen(live, 3)
        keys = run.keys_once_all_arrived(expected)
        assert second.terminate() == 0, second.logs()
    counts = tally(expected, keys)
    report(
        f"shares {shares}, polled in the same 3 s: {sorted(polled[0])} / {sorted(polled[1])}, "
        f"takeover after {takeover_seconds:.1f} s; {counts.line()}"
    )
    assert not polled[0] & polled[1], "a feed was polled by both replicas at once"
    assert len(polled[0] | polled[1]) == FLEET_FEEDS
    assert counts.duplicates <= FLEET_FEEDS * SIGKILL_DUPLICATES_PER_FEED


def test_a_feed_added_to_the_file_reaches_the_fleet_without_a_restart(
    tmp_path: Path, fleet_feeds: LiveFeeds, kafka_bootstrap: str
) -> None:
    live = fleet_feeds
    run = Run(tmp_path, live, kafka_bootstrap, feeds_reload_seconds=1)
    feeds_file = tmp_path / "feeds.yaml"
    lines = feeds_file.read_text().splitlines(keepends=True)
    feeds_file.write_text("".join(lines[:-1]))
    with run.start() as service:
        service.wait_for("/readyz", 200)
        wait_until(lambda: assigned(service) == FLEET_FEEDS - 1, 30, "the first feeds")
        time.sleep(1.1)
        feeds_file.write_text("".join(lines))
        wait_until(lambda: assigned(service) == FLEET_FEEDS, 30, "the added feed to be assigned")
        last = f"live-{FLEET_FEEDS - 1}"
        wait_until(lambda: fetches(service)[last] > 0, 30, "the added feed to be polled")
        wait_until(
            lambda: any(
                json.loads(record.value)["url"].startswith(f"http://hostile.test/{last}-")
                for record in read_all(kafka_bootstrap, f"{run.prefix}.items")
            ),
            30,
            "items of the added feed in Kafka",
        )
        assert service.terminate() == 0, service.logs()
