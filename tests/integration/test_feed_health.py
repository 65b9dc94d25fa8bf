"""Feed health of a running ingester: /feeds, ``newswatch feeds``, ``healthcheck``, metrics."""

import json
import uuid
from pathlib import Path

import pytest

from newswatch_devtools.feed_server import FeedServer, Route
from newswatch_devtools.ports import free_port
from newswatch_devtools.repo import ROOT
from newswatch_devtools.service import Service, run_newswatch

pytestmark = pytest.mark.integration

POLL_SECONDS = 2.0


def test_feed_health_is_reported(
    tmp_path: Path, feed_server: FeedServer, kafka_bootstrap: str
) -> None:
    feed_server.routes["/good.xml"] = Route(
        (ROOT / "tests" / "fixtures" / "feeds" / "rss2.xml").read_bytes()
    )
    feed_server.routes["/broken.xml"] = Route(b"server error", status=500)
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(
        "feeds:\n"
        f"  - {{name: good, url: '{feed_server.url('/good.xml')}'}}\n"
        f"  - {{name: broken, url: '{feed_server.url('/broken.xml')}'}}\n"
    )
    args = [
        "--feeds",
        str(feeds_file),
        "--bootstrap-servers",
        kafka_bootstrap,
        "--topic-prefix",
        f"nwtest-{uuid.uuid4().hex[:10]}",
        "--poll-interval",
        f"{POLL_SECONDS:g}",  # first polls come within the interval
        "--log-format",
        "json",
    ]
    with Service(args, tmp_path / "service.log", free_port()) as service:
        service.wait_for("/readyz", 200)
        service.wait_for_metric("newswatch_feed_consecutive_failures", 1, feed="broken")
        service.wait_for_metric("newswatch_feed_fetches_total", 1, feed="good", outcome="ok")
        url = f"http://127.0.0.1:{service.metrics_port}"

        healthy = run_newswatch("healthcheck", "--url", url)
        as_json = run_newswatch("feeds", "--url", url, "--json")
        table = run_newswatch("feeds", "--url", url)

        assert service.metric("newswatch_feed_consecutive_failures", feed="good") == 0
        assert service.metric("newswatch_feed_last_success_timestamp_seconds", feed="good") > 0
        assert service.metric("newswatch_feed_consecutive_failures", feed="broken") >= 1
        assert service.metric("newswatch_feed_http_status", feed="broken") == 500
        # backed off: at least doubled after its first failure
        assert service.metric("newswatch_feed_poll_interval_seconds", feed="broken") >= (
            2 * POLL_SECONDS
        )
        # SIGTERM reaches the parser child too, as systemd's stop sends it: still a clean exit
        assert service.terminate(timeout_s=30, whole_group=True) == 0, service.logs()

    assert healthy.returncode == 0, healthy.stderr
    feeds = {feed["name"]: feed for feed in json.loads(as_json.stdout)}
    assert feeds["good"]["healthy"] is True
    assert feeds["good"]["last_entries"] == 4
    assert feeds["broken"]["healthy"] is False
    assert feeds["broken"]["last_status"] == 500
    assert feeds["broken"]["last_outcome"] == "http_error"
    assert feeds["broken"]["consecutive_failures"] >= 1
    lines = table.stdout.splitlines()
    assert lines[0].split()[:3] == ["FEED", "OK", "FAILS"]
    assert lines[1].startswith("broken")


def test_healthcheck_fails_when_nothing_listens() -> None:
    result = run_newswatch("healthcheck", "--url", f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 1
    assert "not ready" in result.stderr
