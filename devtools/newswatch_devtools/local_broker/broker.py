"""``LocalBroker``: one single-node KRaft broker+controller, run as a JVM process on 127.0.0.1.

All state lives in one work directory::

    server.properties   generated broker config (holds the ports)
    data/               KRaft metadata + topic data (formatted once, reused on restart)
    logs/               kafka.logs.dir
    broker.log          the JVM's stdout/stderr
    broker.pid          pid of the running broker
"""

from __future__ import annotations

import base64
import logging
import os
import re
import signal
import subprocess
import time
import uuid
from collections import deque
from pathlib import Path
from types import TracebackType

from newswatch_devtools.local_broker.classpath import (
    LOG4J2_CONFIG,
    LOG_TAIL_LINES,
    build_classpath,
)
from newswatch_devtools.local_broker.config import (
    HOST,
    SASL_MECHANISMS,
    saved_ports,
    server_properties,
    with_sasl_listener,
    with_tls_listener,
)
from newswatch_devtools.local_broker.errors import BrokerError
from newswatch_devtools.local_broker.java import check_java
from newswatch_devtools.local_broker.probe import probe_kafka
from newswatch_devtools.local_broker.processes import is_broker_process
from newswatch_devtools.ports import free_ports, port_is_free

_HEAP_RE = re.compile(r"^[1-9][0-9]*[kKmMgG]?$")
_log = logging.getLogger("newswatch.local_broker")


def _new_cluster_id() -> str:
    """Make a cluster id as ``StorageTool random-uuid`` does (URL-safe base64 of a UUID)."""
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode("ascii").rstrip("=")
        if not cid.startswith("-"):
            return cid


class LocalBroker:
    """A single-node KRaft Apache Kafka broker+controller, run as a JVM process on 127.0.0.1."""

    def __init__(
        self,
        workdir: Path,
        *,
        port: int | None = None,
        controller_port: int | None = None,
        heap: str = "512m",
        sasl_users: dict[str, str] | None = None,
        tls_keystore_pem: Path | None = None,
    ) -> None:
        """Describe the broker of ``workdir``; ports default to those in its server.properties.

        ``sasl_users`` (name → password) adds a SASL_PLAINTEXT listener that accepts them with
        PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 (``sasl_bootstrap_servers``);
        ``tls_keystore_pem`` (an unencrypted PKCS#8 key followed by its certificate chain) adds
        an SSL listener (``tls_bootstrap_servers``).
        """
        if not _HEAP_RE.match(heap):
            raise BrokerError(f"invalid heap size {heap!r} (expected e.g. 512m or 1g)")
        self.workdir = Path(workdir).resolve()
        self.heap = heap
        self.port: int | None = port
        self.controller_port: int | None = controller_port
        self.sasl_users = dict(sasl_users or {})
        self.sasl_port: int | None = None
        self.tls_keystore_pem = tls_keystore_pem
        self.tls_port: int | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_offset = 0
        saved = saved_ports(self.properties_file)
        if saved is not None:
            if self.port is None:
                self.port = saved.port
            if self.controller_port is None:
                self.controller_port = saved.controller_port
            self.sasl_port, self.tls_port = saved.sasl_port, saved.tls_port

    # ----------------------------------------------------------------- paths
    @property
    def properties_file(self) -> Path:
        """The generated server.properties."""
        return self.workdir / "server.properties"

    @property
    def data_dir(self) -> Path:
        """The KRaft log directory (metadata and topic data)."""
        return self.workdir / "data"

    @property
    def log_file(self) -> Path:
        """The broker JVM's stdout/stderr."""
        return self.workdir / "broker.log"

    @property
    def pid_file(self) -> Path:
        """Holds the pid of the running broker."""
        return self.workdir / "broker.pid"

    # ------------------------------------------------------------- addresses
    @property
    def bootstrap_servers(self) -> str:
        """``127.0.0.1:PORT`` for Kafka clients."""
        if self.port is None:
            raise BrokerError(f"no port known for the broker of {self.workdir}; call start()")
        return f"{HOST}:{self.port}"

    @property
    def tls_bootstrap_servers(self) -> str:
        """``127.0.0.1:PORT`` of the SSL listener (only with ``tls_keystore_pem``)."""
        if self.tls_port is None:
            raise BrokerError(f"the broker of {self.workdir} has no SSL listener")
        return f"{HOST}:{self.tls_port}"

    @property
    def sasl_bootstrap_servers(self) -> str:
        """``127.0.0.1:PORT`` of the SASL_PLAINTEXT listener (only with ``sasl_users``)."""
        if self.sasl_port is None:
            raise BrokerError(f"the broker of {self.workdir} has no SASL listener")
        return f"{HOST}:{self.sasl_port}"

    @property
    def pid(self) -> int | None:
        """Pid of the live broker of this workdir (whoever started it), else None."""
        if self._proc is not None and self._proc.poll() is None:
            return self._proc.pid
        try:
            pid = int(self.pid_file.read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            return None
        if self._proc is not None and self._proc.pid == pid:
            return None  # our own child, already exited
        return pid if is_broker_process(pid, self.properties_file) else None

    # ---------------------------------------------------------------- public
    def is_running(self) -> bool:
        """Return True if the broker process of this workdir is alive (maybe not answering yet)."""
        return self.pid is not None

    def is_ready(self, timeout_s: float = 2.0) -> bool:
        """Return True if the broker is running and answers Kafka requests on its port."""
        if self.port is None or not self.is_running():
            return False
        return probe_kafka(HOST, self.port, timeout_s)

    def start(self, timeout_s: float = 90) -> str:
        """Start the broker and wait until it serves requests; return ``bootstrap_servers``.

        Storage is formatted only on first use. If a broker of this workdir already runs (on the
        same port), this just waits for it to answer.
        """
        deadline = time.monotonic() + timeout_s
        if self.is_running():
            return self._adopt_running(deadline)
        self._remove_pid_file()
        java = check_java()
        classpath = build_classpath()
        port, controller_port = self._write_properties()
        for p in (port, controller_port):
            if not port_is_free(p, HOST):
                raise BrokerError(f"port {HOST}:{p} is already in use (workdir {self.workdir})")
        if not self._is_formatted():
            self._format(java, classpath)
        (self.workdir / "logs").mkdir(parents=True, exist_ok=True)
        cmd = [
            java,
            f"-Xms{self.heap}",
            f"-Xmx{self.heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={LOG4J2_CONFIG}",
            f"-Dkafka.logs.dir={self.workdir / 'logs'}",
            "-cp",
            classpath,
            "kafka.Kafka",
            str(self.properties_file),
        ]
        with self.log_file.open("ab") as log:
            self._log_offset = log.tell()
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
            log.write(f"=== local_broker: starting kafka.Kafka at {stamp} ===\n".encode())
            log.flush()
            _log.info("starting broker on %s:%d: %s", HOST, port, " ".join(cmd))
            self._proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                start_new_session=True,  # outlives the CLI; no Ctrl-C from its terminal
            )
        self.pid_file.write_text(f"{self._proc.pid}\n", encoding="ascii")
        try:
            self._wait_ready(port, deadline, timeout_s)
        except BrokerError:
            self._terminate(signal.SIGKILL, 10.0)
            self._remove_pid_file()
            raise
        return self.bootstrap_servers

    def stop(self, timeout_s: float = 30) -> None:
        """SIGTERM the broker (controlled shutdown), SIGKILL it after ``timeout_s``, and reap it."""
        pid = self.pid
        if pid is None:
            self._remove_pid_file()
            return
        _log.info("stopping broker pid %d (SIGTERM)", pid)
        if not self._terminate(signal.SIGTERM, timeout_s):
            _log.warning("broker pid %d alive %.0f s after SIGTERM; SIGKILL", pid, timeout_s)
            self._kill_or_raise(pid)
        self._remove_pid_file()

    def kill(self) -> None:
        """SIGKILL the broker (for fault tests) and wait until it is gone; data stays."""
        pid = self.pid
        if pid is None:
            return
        _log.info("killing broker pid %d (SIGKILL)", pid)
        self._kill_or_raise(pid)
        self._remove_pid_file()

    def restart(self, timeout_s: float = 90) -> str:
        """Stop the broker if it runs, then start it on the same data dir and ports (no format)."""
        self.stop()
        return self.start(timeout_s)

    def log_tail(self, lines: int = LOG_TAIL_LINES) -> str:
        """Return the last ``lines`` lines of broker.log since this object last started it."""
        try:
            with self.log_file.open("rb") as log:
                log.seek(self._log_offset)
                tail = deque(log, maxlen=lines)
        except OSError:
            return ""
        return b"".join(tail).decode("utf-8", errors="replace")

    def __enter__(self) -> LocalBroker:
        """Start the broker (if not running) for a ``with`` block."""
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the broker at the end of a ``with`` block."""
        self.stop()

    def __repr__(self) -> str:
        """Show the workdir and ports."""
        return (
            f"LocalBroker(workdir={str(self.workdir)!r}, port={self.port}, "
            f"controller_port={self.controller_port})"
        )

    # --------------------------------------------------------------- private
    def _write_properties(self) -> tuple[int, int]:
        """Choose free ports where none are set, write server.properties; return the ports."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        taken = {p for p in (self.port, self.controller_port) if p is not None}
        free = [p for p in free_ports(3, HOST) if p not in taken]
        port = self.port if self.port is not None else free.pop(0)
        cport = self.controller_port if self.controller_port is not None else free.pop(0)
        if port == cport:
            raise BrokerError(f"port and controller_port must differ (both are {port})")
        self.port, self.controller_port = port, cport
        text = server_properties(port, cport, self.data_dir)
        spare = [p for p in free_ports(5, HOST) if p not in {port, cport}]
        if self.sasl_users:
            if self.sasl_port is None:
                self.sasl_port = spare.pop(0)
            text = with_sasl_listener(text, self.sasl_port, self.sasl_users)
        if self.tls_keystore_pem is not None:
            if self.tls_port is None:
                self.tls_port = spare.pop(0)
            text = with_tls_listener(text, self.tls_port, self.tls_keystore_pem)
        self.properties_file.write_text(text, encoding="utf-8")
        return port, cport

    def _is_formatted(self) -> bool:
        """Return True if the data dir was already formatted by StorageTool."""
        return (self.data_dir / "meta.properties").is_file()

    def _format(self, java: str, classpath: str) -> None:
        """Format storage with ``kafka.tools.StorageTool`` (static voters: no --standalone)."""
        cmd = [
            java,
            "-Xmx256m",
            f"-Dlog4j2.configurationFile={LOG4J2_CONFIG}",
            "-cp",
            classpath,
            "kafka.tools.StorageTool",
            "format",
            "-t",
            _new_cluster_id(),
            "-c",
            str(self.properties_file),
        ]
        for name, password in self.sasl_users.items():
            for mechanism in SASL_MECHANISMS[1:]:
                cmd += ["--add-scram", f"{mechanism}=[name={name},password={password}]"]
        _log.info("formatting %s", self.data_dir)
        try:
            result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise BrokerError(f"StorageTool format failed: {exc}") from exc
        if result.returncode != 0:
            output = (result.stdout + result.stderr).splitlines()
            raise BrokerError(
                f"StorageTool format of {self.data_dir} exited with {result.returncode}",
                log_path=self.properties_file,
                log_tail="\n".join(output[-LOG_TAIL_LINES:]),
            )

    def _wait_ready(self, port: int, deadline: float, timeout_s: float) -> None:
        """Wait until ``port`` accepts TCP and answers Kafka requests, else raise BrokerError."""
        while True:
            if self._proc is not None and self._proc.poll() is not None:
                raise BrokerError(
                    f"broker exited early with code {self._proc.returncode}",
                    log_path=self.log_file,
                    log_tail=self.log_tail(),
                )
            if probe_kafka(HOST, port, timeout_s=2.0):
                return
            if time.monotonic() >= deadline:
                raise BrokerError(
                    f"broker on {HOST}:{port} not ready within {timeout_s:g} s (killed it)",
                    log_path=self.log_file,
                    log_tail=self.log_tail(),
                )
            time.sleep(0.1)

    def _adopt_running(self, deadline: float) -> str:
        """start() when a broker of this workdir already runs: check its port, wait for it."""
        saved = saved_ports(self.properties_file)
        if saved is None:
            raise BrokerError(f"a broker of {self.workdir} runs, but its server.properties is gone")
        if self.port is not None and self.port != saved.port:
            raise BrokerError(
                f"a broker of {self.workdir} already runs on {HOST}:{saved.port}, "
                f"not on the requested port {self.port}"
            )
        self.port, self.controller_port, self.sasl_port, self.tls_port = saved
        while not probe_kafka(HOST, saved.port, timeout_s=2.0):
            if not self.is_running():
                raise BrokerError(
                    f"the broker of {self.workdir} exited while starting",
                    log_path=self.log_file,
                    log_tail=self.log_tail(),
                )
            if time.monotonic() >= deadline:
                raise BrokerError(
                    f"a broker of {self.workdir} runs but does not answer on {HOST}:{saved.port}",
                    log_path=self.log_file,
                    log_tail=self.log_tail(),
                )
            time.sleep(0.1)
        return self.bootstrap_servers

    def _terminate(self, sig: signal.Signals, timeout_s: float) -> bool:
        """Send ``sig`` to the broker, wait up to ``timeout_s`` for it to exit; reap our child."""
        pid = self.pid
        if pid is None:
            return True
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return True
        if self._proc is not None and self._proc.pid == pid:
            try:
                self._proc.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                return False
            return True
        deadline = time.monotonic() + timeout_s
        while is_broker_process(pid, self.properties_file):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    def _kill_or_raise(self, pid: int) -> None:
        """SIGKILL the broker and wait for it; raise BrokerError if it survives."""
        if not self._terminate(signal.SIGKILL, 10.0):
            raise BrokerError(
                f"broker pid {pid} survived SIGKILL",
                log_path=self.log_file,
                log_tail=self.log_tail(),
            )

    def _remove_pid_file(self) -> None:
        """Delete broker.pid if present."""
        self.pid_file.unlink(missing_ok=True)
