"""Nothing lost, nothing doubled: faults injected into real processes while feeds keep publishing.

Each test counts what the feed server served against what reached ``<prefix>.items`` and
prints the counts. The oracle: every served item is in the topic; duplicates (the same key
twice) only where the README says they can happen, and within the stated bound.
"""

import json
import math
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import free_port, load_local_broker
from tests.support.kafka_reader import read_all
from tests.support.live_feed import LiveFeeds
from tests.support.service import Service

pytestmark = pytest.mark.integration

FEEDS = 3
RATE_PER_FEED = 4.0
POLL_SECONDS = 0.5
CATCH_UP_SECONDS = 90.0
# After SIGKILL, only items acknowledged after their feed's last checkpoint are published
# again: at most the new items of the poll in flight and of the one before it, per feed.
SIGKILL_DUPLICATE_BOUND = FEEDS * math.ceil(RATE_PER_FEED * POLL_SECONDS * 1.1 * 2 + 2)

Report = Callable[[str], None]


@pytest.fixture
def report(request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> Report:
    """Print a line in the test run's output even though output is captured."""

    def write(line: str) -> None:
        with capsys.disabled():
            print(f"\n[{request.node.name}] {line}")

    return write


@pytest.fixture
def live() -> Iterator[LiveFeeds]:
    feeds = LiveFeeds(FEEDS, RATE_PER_FEED)
    try:
        yield feeds
    finally:
        feeds.stop()


class Run:
    """One ingester configuration against live feeds; start it as often as a test needs."""

    def __init__(self, tmp_path: Path, live: LiveFeeds, bootstrap: str, **settings: object) -> None:
        self.tmp_path = tmp_path
        self.bootstrap = bootstrap
        self.prefix = f"nwfault-{uuid.uuid4().hex[:10]}"
        feeds_file = tmp_path / "feeds.yaml"
        feeds_file.write_text(
            "feeds:\n"
            + "".join(f"  - {{name: live-{n}, url: '{live.url(n)}'}}\n" for n in range(FEEDS))
        )
        config = {
            "feeds_file": str(feeds_file),
            "kafka_bootstrap_servers": bootstrap,
            "topic_prefix": self.prefix,
            "poll_interval_seconds": POLL_SECONDS,
            "min_poll_interval_seconds": 0.2,
            "max_poll_interval_seconds": POLL_SECONDS,
            "max_backoff_seconds": 2,
            "log_format": "json",
            **settings,
        }
        self.config_file = tmp_path / "newswatch.yaml"
        self.config_file.write_text(json.dumps(config))
        self.starts = 0

    def start(self) -> Service:
        self.starts += 1
        return Service(
            ["--config", str(self.config_file)],
            self.tmp_path / f"ingester-{self.starts}.log",
            free_port(),
        )

    def keys_once_all_arrived(self, expected: set[str]) -> Counter[str]:
        """Wait until every expected URL is in the items topic; return the key counts."""
        deadline = time.monotonic() + CATCH_UP_SECONDS
        while True:
            records = read_all(self.bootstrap, f"{self.prefix}.items")
            urls = {json.loads(record.value)["url"] for record in records}
            if expected <= urls or time.monotonic() > deadline:
                missing = expected - urls
                assert not missing, f"{len(missing)} served items never reached Kafka"
                return Counter(record.key.decode() for record in records)
            time.sleep(1)


def served_then_frozen(live: LiveFeeds, seconds: float) -> set[str]:
    time.sleep(seconds)
    live.freeze()
    time.sleep(POLL_SECONDS * 3)
    return live.expected_urls()


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
    duplicates = sum(count - 1 for count in keys.values())
    assert len(keys) == len(expected)
    report(
        f"served {len(expected)}, in topic {sum(keys.values())}, distinct {len(keys)}, "
        f"duplicates {duplicates}"
    )
    assert duplicates == 0


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
    duplicates = sum(count - 1 for count in keys.values())
    assert len(keys) == len(expected)
    report(
        f"served {len(expected)}, in topic {sum(keys.values())}, distinct {len(keys)}, "
        f"duplicates {duplicates} (bound {SIGKILL_DUPLICATE_BOUND})"
    )
    assert duplicates <= SIGKILL_DUPLICATE_BOUND


@pytest.fixture
def own_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A broker this test may kill; the session's shared broker stays up."""
    broker = load_local_broker().LocalBroker(tmp_path_factory.mktemp("own-kafka"))
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


def test_broker_sigkill_and_restart_lose_nothing(
    tmp_path: Path, live: LiveFeeds, own_broker: Any, report: Report
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
    duplicates = sum(count - 1 for count in keys.values())
    assert len(keys) == len(expected)
    report(
        f"served {len(expected)}, in topic {sum(keys.values())}, distinct {len(keys)}, "
        f"duplicates {duplicates}"
    )
    assert duplicates <= SIGKILL_DUPLICATE_BOUND


def test_broker_away_longer_than_the_buffer_holds(
    tmp_path: Path, live: LiveFeeds, own_broker: Any, report: Report
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
        service.wait_for("/readyz", 503, timeout_s=40)
        outage_started = time.monotonic()
        peak_unacked = 0.0
        while time.monotonic() - outage_started < 15:
            peak_unacked = max(peak_unacked, service.metric("newswatch_kafka_unacked_records"))
            time.sleep(0.5)
        existing_during_outage = live.count() * FEEDS
        broker.restart()
        service.wait_for("/readyz", 200, timeout_s=60)
        expected = served_then_frozen(live, 2)
        keys = run.keys_once_all_arrived(expected)
        assert service.terminate() == 0, service.logs()
    duplicates = sum(count - 1 for count in keys.values())
    assert len(keys) == len(expected)
    report(
        f"buffer {buffer}, peak unacked {peak_unacked:.0f}, served {len(expected)} "
        f"({existing_during_outage} by the end of the outage), in topic {sum(keys.values())}, "
        f"distinct {len(keys)}, duplicates {duplicates}"
    )
    assert peak_unacked <= buffer
    assert len(expected) > buffer * 3
