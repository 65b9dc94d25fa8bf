"""Starting and stopping the demo: a local Kafka, the demo feed server, an ingester on it, and
Prometheus with Alertmanager when they are installed, all as processes recorded under one
directory (``.local/demo``).

``up`` starts from a clean directory (fresh topics and TSDB, so the breaking story is news
again), prints where to look, then watches its processes until Ctrl-C, SIGTERM (``down``) or
one of them exits; then it stops them all. ``down`` stops a running ``up`` and whatever a killed
one left behind.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TextIO

import yaml

from newswatch_devtools.demo import plan
from newswatch_devtools.demo.plan import DemoError, DemoPorts
from newswatch_devtools.demo.processes import pid_file, record, recorded_pid, spawn, stop
from newswatch_devtools.local_broker import BrokerError, LocalBroker
from newswatch_devtools.monitoring import (
    ALERTMANAGER_NAMES,
    PROMETHEUS_NAMES,
    alertmanager_command,
    find_binary,
    prometheus_command,
)
from newswatch_devtools.readiness import NotReadyError, wait_for_ok

RUNNER = "runner"
STOP_ORDER = ("ingester", "feeds", "prometheus", "alertmanager")
"""The ingester first, so it flushes to a Kafka that still runs; the broker last."""
STOP_TIMEOUT_S = {"ingester": 45.0}
"""Longer than the ingester's flush budget on SIGTERM (30 s); others get the default."""
DEFAULT_STOP_TIMEOUT_S = 15.0
RUNNER_STOP_TIMEOUT_S = 120.0
KAFKA_DIR = "kafka"


@dataclass(frozen=True)
class DemoOptions:
    """Where the demo keeps its state, and its ports."""

    directory: Path
    ports: DemoPorts = field(default_factory=DemoPorts)
    ready_timeout_s: float = 120.0


class _StopRequestedError(Exception):
    """SIGTERM reached the runner (``down``, or a process manager)."""


def up(options: DemoOptions, out: TextIO = sys.stdout, say: TextIO = sys.stderr) -> int:
    """Start the demo, print the summary on ``out``, and run until stopped; the exit code."""
    directory = options.directory.resolve()
    clear_leftovers(directory, say)
    _reset(directory)
    record(directory, RUNNER, os.getpid())
    try:
        with _stop_on_sigterm():
            children = _start(directory, options, say)
            print(plan.summary(options.ports, directory, "prometheus" in children), file=out)
            out.flush()
            return _watch(children, directory, say)
    except (KeyboardInterrupt, _StopRequestedError):
        return 0
    finally:
        print("newswatch demo: stopping", file=say, flush=True)
        _ignore_stop_signals()
        stop_everything(directory, say)
        pid_file(directory, RUNNER).unlink(missing_ok=True)


def clear_leftovers(directory: Path, say: TextIO = sys.stderr) -> None:
    """Refuse to start over a running demo; stop what a killed one left behind (so that its
    ports are free again)."""
    directory = directory.resolve()
    if recorded_pid(directory, RUNNER) is not None:
        raise DemoError(f"a demo already runs from {directory}: stop it with `make demo-down`")
    stop_everything(directory, say)


def down(directory: Path, say: TextIO = sys.stderr) -> None:
    """Stop the demo of ``directory``: its runner (which stops the rest), then anything left."""
    directory = directory.resolve()
    runner = recorded_pid(directory, RUNNER)
    if runner is not None:
        print(f"newswatch demo: stopping the runner (pid {runner})", file=say, flush=True)
        stop(directory, RUNNER, RUNNER_STOP_TIMEOUT_S, whole_group=False)
    stop_everything(directory, say)


def stop_everything(directory: Path, say: TextIO) -> None:
    """Stop every process recorded in ``directory`` but the runner, in ``STOP_ORDER``, then the
    broker."""
    if not directory.is_dir():
        return
    for name in STOP_ORDER:
        if stop(directory, name, STOP_TIMEOUT_S.get(name, DEFAULT_STOP_TIMEOUT_S)):
            print(f"newswatch demo: stopped {name}", file=say, flush=True)
    broker = LocalBroker(directory / KAFKA_DIR)
    if broker.is_running():
        broker.stop()
        print("newswatch demo: stopped Kafka", file=say, flush=True)


def _reset(directory: Path) -> None:
    """An empty state directory (the previous run's logs, topics and TSDB go)."""
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)


def _start(
    directory: Path, options: DemoOptions, say: TextIO
) -> dict[str, subprocess.Popen[bytes]]:
    """Start every process; return them by name once each answers."""
    ports = options.ports
    children: dict[str, subprocess.Popen[bytes]] = {}
    ready: dict[str, str] = {}
    alertmanager = find_binary(*ALERTMANAGER_NAMES)
    prometheus = find_binary(*PROMETHEUS_NAMES)
    if alertmanager and prometheus:
        children["alertmanager"] = spawn(
            directory,
            "alertmanager",
            alertmanager_command(
                alertmanager,
                plan.ALERTMANAGER_CONFIG,
                directory / "alertmanager-data",
                ports.alertmanager,
            ),
        )
        ready["alertmanager"] = plan.url(ports.alertmanager, "/-/ready")
        config = directory / "prometheus.yml"
        config.write_text(yaml.safe_dump(plan.prometheus_config(ports)), encoding="utf-8")
        children["prometheus"] = spawn(
            directory,
            "prometheus",
            prometheus_command(prometheus, config, directory / "prometheus-data", ports.prometheus),
        )
        ready["prometheus"] = plan.url(ports.prometheus, "/-/ready")

    print(f"newswatch demo: starting Kafka on 127.0.0.1:{ports.kafka}", file=say, flush=True)
    try:
        LocalBroker(directory / KAFKA_DIR, port=ports.kafka).start(
            timeout_s=options.ready_timeout_s
        )
    except BrokerError as error:
        raise DemoError(f"Kafka did not start: {error}") from error

    feeds_file = directory / "feeds.yaml"
    feeds_file.write_text(
        plan.local_feeds_yaml(
            plan.FEEDS_TEMPLATE.read_text(encoding="utf-8"), plan.url(ports.feeds)
        ),
        encoding="utf-8",
    )
    children["feeds"] = spawn(
        directory, "feeds", [sys.executable, *plan.feed_server_args(ports), "--quiet"]
    )
    ready["feeds"] = plan.url(ports.feeds, "/healthz")
    children["ingester"] = spawn(
        directory,
        "ingester",
        [sys.executable, "-m", "newswatch", "run"],
        plan.ingester_environment(ports, feeds_file),
    )
    ready["ingester"] = plan.url(ports.metrics, "/readyz")
    for name, url in ready.items():
        print(f"newswatch demo: waiting for {name} ({url})", file=say, flush=True)
        _wait_ready(name, url, children[name], directory, options.ready_timeout_s)
    return children


def _wait_ready(
    name: str, url: str, process: subprocess.Popen[bytes], directory: Path, timeout_s: float
) -> None:
    """Wait until ``url`` answers 200; a process that exits or never answers is an error that
    shows the end of its log."""

    def check_alive() -> None:
        if process.poll() is not None:
            tail = _log_tail(directory, name)
            raise DemoError(f"{name} exited with {process.returncode}:\n{tail}")

    try:
        wait_for_ok(url, timeout_s, check_alive)
    except NotReadyError as error:
        raise DemoError(f"{name}: {error}:\n{_log_tail(directory, name)}") from error


def _watch(children: dict[str, subprocess.Popen[bytes]], directory: Path, say: TextIO) -> int:
    """Wait until a process exits (then say which, and return 1) or a stop is requested."""
    while True:
        for name, process in children.items():
            if process.poll() is not None:
                print(
                    f"newswatch demo: {name} exited with {process.returncode}:\n"
                    f"{_log_tail(directory, name)}",
                    file=say,
                    flush=True,
                )
                return 1
        time.sleep(1.0)


def _log_tail(directory: Path, name: str, lines: int = 20) -> str:
    """The last ``lines`` lines of ``name``'s log."""
    path = directory / f"{name}.log"
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return f"(no log at {path})"
    return "\n".join(text.splitlines()[-lines:])


@contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """SIGTERM raises ``_StopRequestedError`` in the runner while the block runs."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise _StopRequestedError

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _ignore_stop_signals() -> None:
    """While stopping, a second Ctrl-C or SIGTERM does not leave processes behind."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
