"""Running the real ``newswatch`` command as a child process, as an operator would."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from prometheus_client.parser import text_string_to_metric_families


class ServiceError(RuntimeError):
    """The service under test exited early, or did not reach the state waited for in time."""


LOCAL_FEEDS_ALLOWED = {"NEWSWATCH_FETCH_ALLOW_NETWORKS": "127.0.0.0/8"}
"""Test feed servers listen on loopback, which the fetcher refuses unless allowed."""


def own_spool(directory: Path | None = None) -> dict[str, str]:
    """The spool directory of one run (a new temporary one unless given), so that no test
    sends records another left in a shared spool; kept if the caller's environment set one."""
    if "NEWSWATCH_SPOOL_DIR" in os.environ:
        return {}
    chosen = directory or Path(tempfile.mkdtemp(prefix="newswatch-spool-"))
    return {"NEWSWATCH_SPOOL_DIR": str(chosen)}


def run_newswatch(
    *args: str, environment: dict[str, str] | None = None, stdin: str = "", timeout_s: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the real ``newswatch`` command once (loopback feeds allowed); capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "newswatch", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        env={**os.environ, **LOCAL_FEEDS_ALLOWED, **own_spool(), **(environment or {})},
        check=False,
    )


def run_once_to_stdout(
    feeds_file: Path,
    *extra: str,
    environment: dict[str, str] | None = None,
    timeout_s: float = 120,
) -> subprocess.CompletedProcess[str]:
    """``newswatch run --once --sink stdout --feeds FILE --log-format json [extra...]``."""
    return run_newswatch(
        "run",
        "--once",
        "--sink",
        "stdout",
        "--feeds",
        str(feeds_file),
        "--log-format",
        "json",
        *extra,
        environment=environment,
        timeout_s=timeout_s,
    )


class Service:
    """``newswatch run ...`` in a child process, with its stderr captured to a file."""

    def __init__(
        self, args: list[str], log_path: Path, metrics_port: int, spool_dir: Path | None = None
    ) -> None:
        self.metrics_port = metrics_port
        self.log_path = log_path
        self._log = log_path.open("wb")
        environment = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            **LOCAL_FEEDS_ALLOWED,
            **own_spool(spool_dir or log_path.parent / "spool"),
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "newswatch",
                "run",
                "--metrics-port",
                str(metrics_port),
                *args,
            ],
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            env=environment,
            start_new_session=True,  # its own process group, for ``terminate(whole_group=True)``
        )

    def __enter__(self) -> "Service":
        """The running service, for a ``with`` block."""
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Kill the service if it still runs (a test that wants a clean stop calls
        ``terminate()``), and close its log."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()

    def get(self, path: str) -> tuple[int, str]:
        """Status and body of GET ``path`` on the service's HTTP port."""
        url = f"http://127.0.0.1:{self.metrics_port}{path}"
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return int(response.status), response.read().decode()
        except urllib.error.HTTPError as error:
            return int(error.code), error.read().decode()

    def wait_for(self, path: str, status: int, timeout_s: float = 60.0) -> str:
        """Poll ``path`` until it answers ``status``; return the body."""
        deadline = time.monotonic() + timeout_s
        last: object = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServiceError(f"service exited early:\n{self.logs()}")
            try:
                code, body = self.get(path)
                if code == status:
                    return body
                last = (code, body)
            except OSError as error:
                last = error
            time.sleep(0.2)
        raise ServiceError(f"{path} never answered {status} (last: {last})\n{self.logs()}")

    def metric(self, name: str, **labels: str) -> float:
        """Current value of one sample from /metrics (0 when absent)."""
        _, text = self.get("/metrics")
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name and all(
                    sample.labels.get(k) == v for k, v in labels.items()
                ):
                    return float(sample.value)
        return 0.0

    def wait_for_metric(
        self, name: str, at_least: float, timeout_s: float = 60.0, **labels: str
    ) -> None:
        """Poll /metrics until the sample reaches ``at_least``."""
        deadline = time.monotonic() + timeout_s
        while self.metric(name, **labels) < at_least:
            if time.monotonic() >= deadline:
                raise ServiceError(f"{name}{labels} stayed below {at_least}\n{self.logs()}")
            time.sleep(0.2)

    def wait_for_log(self, event: str, timeout_s: float = 60.0) -> dict[str, object]:
        """Wait until the (JSON) log has a record of ``event``; return the first one."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for record in self.log_events():
                if record.get("event") == event:
                    return record
            if self.process.poll() is not None:
                raise ServiceError(f"service exited early:\n{self.logs()}")
            time.sleep(0.2)
        raise ServiceError(f"no {event!r} line was logged\n{self.logs()}")

    def terminate(self, timeout_s: float = 60.0, *, whole_group: bool = False) -> int:
        """SIGTERM, then wait for the exit code. ``whole_group``: to the service and its child
        processes at once, as ``kill -- -PGID`` and systemd's stop (KillMode=control-group) do."""
        if whole_group:
            os.killpg(self.process.pid, signal.SIGTERM)
        else:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout_s)

    def logs(self) -> str:
        """Everything the service wrote to stderr so far."""
        self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_events(self) -> list[dict[str, object]]:
        """The stderr log as parsed JSON objects; fails on any line that is not JSON."""
        return [json.loads(line) for line in self.logs().splitlines() if line.strip()]
