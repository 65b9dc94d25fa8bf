"""``make demo`` end to end: the demo runner (python -m newswatch_devtools.demo) on free ports,
with a real Kafka, the demo feed server, the ingester, Prometheus and Alertmanager as processes.

Within two minutes of the start, items are in Kafka and the demo's one intended alert,
StoryBurst, is in Alertmanager, and no other alert fires or is pending; ``down`` then leaves no
process of it running. The time from the start to the alert is printed (pytest -s shows it).
"""

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from newswatch_devtools.demo.plan import DemoPorts
from newswatch_devtools.demo.processes import group_members, start_time
from newswatch_devtools.kafka_reader import read_all
from newswatch_devtools.ports import free_ports, port_is_free
from tests.observability.stack import binary, get_json

pytestmark = pytest.mark.integration

ALERT_WITHIN_S = 120.0
DEMO = [sys.executable, "-m", "newswatch_devtools.demo"]


def recorded_processes(directory: Path) -> set[int]:
    """Every live process the demo recorded (pid files, the broker's too) and their groups."""
    pids: set[int] = set()
    for path in directory.rglob("*.pid"):
        pid = int(path.read_text(encoding="ascii").split()[0])
        if start_time(pid) is not None:
            pids.add(pid)
            pids.update(group_members(pid))
    return pids


def alerts(url: str) -> list[dict[str, Any]]:
    """The alerts Alertmanager holds (API v2)."""
    result: list[dict[str, Any]] = get_json(f"{url}/api/v2/alerts")
    return result


def wait_for_alert(
    alertmanager: str, runner: subprocess.Popen[str], deadline: float, log: Path
) -> list[dict[str, Any]]:
    """Alertmanager's alerts once it holds one; fails at ``deadline`` or if the runner exits."""
    while time.monotonic() < deadline:
        assert runner.poll() is None, f"the demo runner exited:\n{log.read_text()[-4000:]}"
        try:
            held = alerts(alertmanager)
        except OSError:
            held = []
        if held:
            return held
        time.sleep(1.0)
    raise AssertionError(f"no alert within {ALERT_WITHIN_S:g} s:\n{log.read_text()[-4000:]}")


def test_the_demo_brings_items_and_only_the_story_burst_alert_and_down_stops_it_all(
    tmp_path: Path,
) -> None:
    binary("prometheus")
    binary("prometheus-alertmanager", "alertmanager")
    ports = DemoPorts(*free_ports(5))
    directory = tmp_path / "demo"
    log = tmp_path / "runner.log"
    options = [f"--{name}-port={port}" for name, port in ports.named().items()]
    alertmanager = f"http://127.0.0.1:{ports.alertmanager}"
    prometheus = f"http://127.0.0.1:{ports.prometheus}"

    started = time.monotonic()
    with log.open("w") as stderr:
        runner = subprocess.Popen(
            [*DEMO, "up", "--dir", str(directory), *options],
            stdout=subprocess.PIPE,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            text=True,
        )
    try:
        held = wait_for_alert(alertmanager, runner, started + ALERT_WITHIN_S, log)
        elapsed = time.monotonic() - started
        print(f"\ndemo: StoryBurst in Alertmanager {elapsed:.0f} s after the start")
        assert [(a["labels"]["alertname"], a["labels"].get("theme")) for a in held] == [
            ("StoryBurst", "taliban_attacks")
        ]
        rules = get_json(f"{prometheus}/api/v1/alerts")["data"]["alerts"]
        assert {(a["labels"]["alertname"], a["state"]) for a in rules} == {
            ("StoryBurst", "firing")
        }, "another alert is pending or firing"

        bootstrap = f"127.0.0.1:{ports.kafka}"
        items = read_all(bootstrap, "demo.items")
        assert items, "no item in Kafka"
        bursts = read_all(bootstrap, "demo.alerts")
        assert len(bursts) == 1
        processes = recorded_processes(directory)
        assert len(processes) >= 6, processes  # runner, broker, feeds, ingester, prom., am.
    finally:
        down = subprocess.run(
            [*DEMO, "down", "--dir", str(directory)],
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        summary, _ = runner.communicate(timeout=60)
    assert down.returncode == 0, down.stderr
    assert runner.returncode == 0, log.read_text()[-4000:]
    assert [pid for pid in processes if start_time(pid) is not None] == []
    assert not list(directory.rglob("*.pid"))
    assert all(port_is_free(port) for port in ports.named().values())
    for shown in (
        f"127.0.0.1:{ports.kafka}",
        f"http://127.0.0.1:{ports.metrics}/metrics",
        f"{prometheus}/alerts",
        f"{alertmanager}/#/alerts",
        ".venv/bin/newswatch tail",
    ):
        assert shown in summary, summary
