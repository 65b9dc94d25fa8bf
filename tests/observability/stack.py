"""Real Prometheus and Alertmanager processes, and a webhook receiver, for end-to-end tests."""

import json
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from newswatch_devtools.monitoring import (
    ALERTMANAGER_NAMES,
    INSTALL_HINT,
    PROMETHEUS_NAMES,
    alertmanager_command,
    find_binary,
    prometheus_command,
)
from newswatch_devtools.ports import free_port
from newswatch_devtools.readiness import NotReadyError, wait_for_ok


def binary(*names: str) -> str:
    """The first of ``names`` found on PATH; a missing binary fails the test, never skips it."""
    path = find_binary(*names)
    if path is None:
        raise AssertionError(f"none of {names} is installed: {INSTALL_HINT}")
    return path


def get_json(url: str, timeout_s: float = 5.0) -> Any:
    """GET ``url`` and decode its JSON body."""
    with urllib.request.urlopen(url, timeout=timeout_s) as response:
        return json.loads(response.read())


class Process:
    """A child process whose output goes to a log file; stopped with SIGTERM, then SIGKILL."""

    def __init__(self, name: str, args: list[str], log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            args, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )

    def logs(self) -> str:
        """What the process wrote so far."""
        self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]

    def wait_ready(self, url: str, timeout_s: float = 30.0) -> None:
        """Poll ``url`` until it answers 200."""

        def check_alive() -> None:
            assert self.process.poll() is None, f"{self.name} exited early:\n{self.logs()}"

        try:
            wait_for_ok(url, timeout_s, check_alive)
        except NotReadyError as error:
            raise AssertionError(f"{self.name}: {error}:\n{self.logs()}") from error

    def stop(self, timeout_s: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if it does not exit in time."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout_s)
        self._log.close()


def _ready(process: Process, url: str) -> tuple[Process, str]:
    """Wait until ``url``/-/ready answers; stop the process if it never does."""
    try:
        process.wait_ready(f"{url}/-/ready")
    except AssertionError:
        process.stop()
        raise
    return process, url


def start_alertmanager(directory: Path, config: dict[str, Any]) -> tuple[Process, str]:
    """A real Alertmanager on a free loopback port, clustering off; returns it and its URL."""
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "alertmanager.yml"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    port = free_port()
    process = Process(
        "alertmanager",
        alertmanager_command(binary(*ALERTMANAGER_NAMES), config_path, directory / "data", port),
        directory / "alertmanager.log",
    )
    return _ready(process, f"http://127.0.0.1:{port}")


def start_prometheus(directory: Path, config: dict[str, Any]) -> tuple[Process, str]:
    """A real Prometheus on a free loopback port with its TSDB in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    config_path = directory / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
    port = free_port()
    process = Process(
        "prometheus",
        prometheus_command(binary(*PROMETHEUS_NAMES), config_path, directory / "data", port),
        directory / "prometheus.log",
    )
    return _ready(process, f"http://127.0.0.1:{port}")


class WebhookReceiver:
    """An HTTP server on loopback that keeps every Alertmanager webhook notification it gets."""

    def __init__(self) -> None:
        self.notifications: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                payload = json.loads(self.rfile.read(length))
                with receiver._changed:
                    receiver.notifications.append(payload)
                    receiver._changed.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/alerts"

    def __enter__(self) -> "WebhookReceiver":
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    def alerts(self) -> list[dict[str, Any]]:
        """Every alert of every notification so far, in arrival order."""
        with self._changed:
            return [alert for payload in self.notifications for alert in payload["alerts"]]

    def wait_for_alert(
        self,
        matches: Callable[[dict[str, Any]], bool],
        timeout_s: float,
        context: Callable[[], str],
    ) -> dict[str, Any]:
        """The first alert that ``matches``, waiting at most ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        with self._changed:
            while True:
                for payload in self.notifications:
                    for alert in payload["alerts"]:
                        if matches(alert):
                            return dict(alert)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(timeout=min(remaining, 1.0))
        raise AssertionError(
            f"no matching alert within {timeout_s} s; got {self.notifications}\n{context()}"
        )
