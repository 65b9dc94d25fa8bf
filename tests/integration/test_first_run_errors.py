"""What a newcomer meets on a first run, told in one line each: a metrics port in use, Kafka
not started, a feed on this machine refused, no feed reachable (``run --once`` and the
service). The real ``newswatch`` command, a real broker and real sockets."""

import json
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from newswatch_devtools.feed_server import FeedServer
from newswatch_devtools.ports import free_port
from newswatch_devtools.service import Service, run_newswatch, run_once_to_stdout
from tests.integration.test_ingester_kafka import serve_fixture_feeds

pytestmark = pytest.mark.integration

EXIT_NO_FEED_FETCHED = 3
EXIT_KAFKA_UNREACHABLE = 4
EXIT_PORT_UNAVAILABLE = 5
NO_LOCAL_NETWORKS = {"NEWSWATCH_FETCH_ALLOW_NETWORKS": ""}
"""Undo the test helpers' allowance of loopback feeds: the default a user has."""


@pytest.fixture
def occupied_port() -> Iterator[int]:
    """A loopback port some other process listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def closed_port_url(path: str = "/rss.xml") -> str:
    """A loopback URL nothing answers on: its fetch is a connect error."""
    return f"http://127.0.0.1:{free_port()}{path}"


def feeds_file(tmp_path: Path, **urls: str) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(
        "feeds:\n" + "".join(f"  - {{name: {name}, url: '{url}'}}\n" for name, url in urls.items())
    )
    return path


def run_args(tmp_path: Path, kafka: str) -> list[str]:
    """``run`` flags for one unreachable feed, the brokers at ``kafka``, JSON logs."""
    feeds = feeds_file(tmp_path, site=closed_port_url())
    return ["--feeds", str(feeds), "--bootstrap-servers", kafka, "--log-format", "json"]


def plain_lines(stderr: str) -> list[str]:
    """The lines of stderr that are not JSON log records: what the command says to a person."""
    lines = []
    for line in stderr.splitlines():
        try:
            json.loads(line)
        except json.JSONDecodeError:
            lines.append(line)
    return lines


def log_events(stderr: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def test_a_metrics_port_in_use_is_one_line_naming_the_port_and_its_setting(
    tmp_path: Path, occupied_port: int
) -> None:
    result = run_newswatch(
        "run",
        *run_args(tmp_path, f"127.0.0.1:{free_port()}"),
        "--metrics-port",
        str(occupied_port),
        environment={"NEWSWATCH_METRICS_HOST": "127.0.0.1"},
        timeout_s=60,
    )
    assert result.returncode == EXIT_PORT_UNAVAILABLE, result.stderr
    assert "Traceback" not in result.stderr
    [line] = plain_lines(result.stderr)
    assert f"port {occupied_port}" in line
    assert "in use" in line
    assert "--metrics-port" in line
    assert "NEWSWATCH_METRICS_PORT" in line


def test_kafka_unreachable_on_a_once_run_is_one_line_with_the_address_and_a_hint(
    tmp_path: Path,
) -> None:
    address = f"127.0.0.1:{free_port()}"
    result = run_newswatch("run", "--once", *run_args(tmp_path, address), timeout_s=90)
    assert result.returncode == EXIT_KAFKA_UNREACHABLE, result.stderr
    assert "Traceback" not in result.stderr
    [line] = plain_lines(result.stderr)
    assert f"Kafka not reachable at {address}" in line
    assert "make kafka-up" in line
    kafka_python = [e for e in log_events(result.stderr) if str(e["logger"]).startswith("kafka")]
    assert kafka_python == []


def test_the_service_without_kafka_says_so_in_its_own_lines_only(tmp_path: Path) -> None:
    address = f"127.0.0.1:{free_port()}"
    with Service(run_args(tmp_path, address), tmp_path / "service.log", free_port()) as service:
        service.wait_for("/readyz", 200)
        service.wait_for_log("kafka not reachable; retrying")
        assert service.terminate() == 0, service.logs()
        events = service.log_events()
    retrying = next(e for e in events if e["event"] == "kafka not reachable; retrying")
    assert retrying["bootstrap_servers"] == address
    assert "make kafka-up" in str(retrying["hint"])
    assert [e for e in events if str(e["logger"]).startswith("kafka")] == []


def test_once_exits_3_when_no_feed_could_be_fetched(tmp_path: Path) -> None:
    feeds = feeds_file(tmp_path, first=closed_port_url(), second=closed_port_url())
    result = run_once_to_stdout(feeds, timeout_s=60)
    assert result.returncode == EXIT_NO_FEED_FETCHED, result.stderr
    [summary] = [e for e in log_events(result.stderr) if e["event"] == "no feed could be fetched"]
    assert summary["failed"] == 2
    assert summary["failures"] == {"connect_error": 2}
    assert "make demo" in str(summary["hint"])


def test_once_exits_0_when_some_feeds_failed_and_some_were_fetched(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    serve_fixture_feeds(feed_server)
    feeds = feeds_file(tmp_path, good=feed_server.url("/rss2.xml"), gone=closed_port_url())
    result = run_once_to_stdout(feeds, timeout_s=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    events = log_events(result.stderr)
    assert [e["feed"] for e in events if e["event"] == "feed failed"] == ["gone"]
    assert not [e for e in events if e["event"] == "no feed could be fetched"]


def test_a_feed_on_this_machine_is_refused_with_the_setting_and_flag_that_allow_it(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    serve_fixture_feeds(feed_server)
    feeds = feeds_file(tmp_path, local=feed_server.url("/rss2.xml"))
    refused = run_once_to_stdout(feeds, environment=NO_LOCAL_NETWORKS, timeout_s=60)
    assert refused.returncode == EXIT_NO_FEED_FETCHED, refused.stderr
    [failure] = [e for e in log_events(refused.stderr) if e["event"] == "feed failed"]
    assert failure["status"] == "blocked_address"
    assert "NEWSWATCH_FETCH_ALLOW_NETWORKS" in str(failure["error"])
    assert "--fetch-allow-networks" in str(failure["error"])
    assert "127.0.0.1/32" in str(failure["error"])

    allowed = run_once_to_stdout(
        feeds, "--fetch-allow-networks", "127.0.0.1/32", environment=NO_LOCAL_NETWORKS
    )
    assert allowed.returncode == 0, allowed.stderr
    assert len(allowed.stdout.splitlines()) == 2
    assert not [e for e in log_events(allowed.stderr) if e["event"] == "feed failed"]


def test_the_service_says_once_when_no_feed_answered_its_first_pass_and_how_many_it_stops(
    tmp_path: Path, kafka_bootstrap: str
) -> None:
    feeds = feeds_file(tmp_path, first=closed_port_url(), second=closed_port_url())
    args = [
        "--feeds",
        str(feeds),
        "--bootstrap-servers",
        kafka_bootstrap,
        "--topic-prefix",
        f"t{uuid.uuid4().hex[:8]}",
        "--poll-interval",
        "2",  # first polls come within the interval
        "--log-format",
        "json",
    ]
    with Service(args, tmp_path / "service.log", free_port()) as service:
        service.wait_for_log("no feed could be fetched in the first pass")
        assert service.terminate() == 0, service.logs()
        events = service.log_events()
    [offline] = [e for e in events if e["event"] == "no feed could be fetched in the first pass"]
    assert offline["level"] == "warning"
    assert "feed" not in offline, "the line is about every feed, not the last one polled"
    assert offline["failed"] == 2
    assert offline["failures"] == {"connect_error": 2}
    assert "offline" in str(offline["hint"])
    assert "make demo" in str(offline["hint"])
    [stopped] = [e for e in events if e["event"] == "feeds stopped"]
    assert stopped["stopped"] == 2


def test_feeds_without_an_ingester_says_how_to_start_one() -> None:
    result = run_newswatch("feeds", "--url", f"http://127.0.0.1:{free_port()}")
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert "is an ingester running there?" in line
    assert "make run" in line


def test_a_reader_that_goes_away_gets_no_traceback() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "newswatch", "evaluate"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as evaluate:
        assert evaluate.stdout is not None
        assert evaluate.stderr is not None
        evaluate.stdout.close()
        stderr = evaluate.stderr.read()
        returncode = evaluate.wait(timeout=120)
    assert "Traceback" not in stderr
    assert returncode == 128 + signal.SIGPIPE
