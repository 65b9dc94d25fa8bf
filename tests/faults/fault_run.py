"""Running ingesters against live feeds for fault tests, and checking what reached Kafka."""

import json
import math
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from newswatch_devtools.kafka_reader import read_all
from newswatch_devtools.live_feed import LiveFeeds
from newswatch_devtools.ports import free_port
from newswatch_devtools.service import Service, ServiceError

Report = Callable[[str], None]
"""Prints a line in the test run's output (the ``report`` fixture)."""

FEEDS = 3
RATE_PER_FEED = 4.0
POLL_SECONDS = 0.5
CATCH_UP_SECONDS = 90.0
# After SIGKILL, only items acknowledged after their feed's last checkpoint are published
# again: at most the new items of the poll in flight and of the one before it, per feed.
SIGKILL_DUPLICATES_PER_FEED = math.ceil(RATE_PER_FEED * POLL_SECONDS * 1.1 * 2 + 2)


class Run:
    """One ingester configuration against live feeds; start it as often as a test needs."""

    def __init__(self, tmp_path: Path, live: LiveFeeds, bootstrap: str, **settings: object) -> None:
        self.tmp_path = tmp_path
        self.bootstrap = bootstrap
        self.prefix = f"nwfault-{uuid.uuid4().hex[:10]}"
        feeds_file = tmp_path / "feeds.yaml"
        feeds_file.write_text(
            "feeds:\n"
            + "".join(f"  - {{name: live-{n}, url: '{live.url(n)}'}}\n" for n in range(live.feeds))
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

    def start(self, spool: str = "spool") -> Service:
        """Start an ingester; replicas running at once need a ``spool`` directory each."""
        self.starts += 1
        return Service(
            ["--config", str(self.config_file)],
            self.tmp_path / f"ingester-{self.starts}.log",
            free_port(),
            spool_dir=self.tmp_path / spool,
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


@dataclass(frozen=True)
class Tally:
    """What was served against what reached the topic."""

    served: int
    records: int
    distinct: int

    @property
    def duplicates(self) -> int:
        """Records beyond the first of each key."""
        return self.records - self.distinct

    def line(self) -> str:
        """The counts as the fault tests print them."""
        return (
            f"served {self.served}, in topic {self.records}, distinct {self.distinct}, "
            f"duplicates {self.duplicates}"
        )


def tally(expected: set[str], keys: Counter[str]) -> Tally:
    """Count what arrived; every served item must be there exactly under one key."""
    counts = Tally(served=len(expected), records=sum(keys.values()), distinct=len(keys))
    assert counts.distinct == counts.served, counts.line()
    return counts


def wait_for_status(service: Service, status: str, timeout_s: float = 60.0) -> None:
    """Wait until ``/readyz`` says ``status`` ("ok", "degraded: spooling", ...)."""
    deadline = time.monotonic() + timeout_s
    last = ""
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise ServiceError(f"service exited early:\n{service.logs()}")
        try:
            _, body = service.get("/readyz")
        except OSError as error:  # not listening yet
            last = str(error)
        else:
            last = json.loads(body).get("status", "")
        if last == status:
            return
        time.sleep(0.2)
    raise ServiceError(f"/readyz status never became {status!r} (last: {last!r})")
