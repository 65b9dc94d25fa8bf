"""The demo's processes, recorded in pid files so that another command can stop them.

Each process runs in a session (and so a process group) of its own: Ctrl-C in the demo's
terminal reaches only the runner, which stops them in order, and stopping one stops its
children too (the ingester's analysis workers). A pid file holds the pid and the process's start
time, so a pid that the system has since given to another process is never signalled.
"""

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

from newswatch_devtools.demo.plan import DemoError
from newswatch_devtools.local_broker.processes import pid_exists

PROC = Path("/proc")


def start_time(pid: int) -> str | None:
    """The start time of process ``pid`` (clock ticks since boot, from /proc), or None when no
    live process has this pid. Without /proc, "0" for any live pid."""
    if not PROC.exists():
        return "0" if pid_exists(pid) else None
    try:
        stat = (PROC / str(pid) / "stat").read_text(encoding="ascii")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    if fields[0] in {"Z", "X"}:
        return None
    return fields[19]


def pid_file(directory: Path, name: str) -> Path:
    """Where the pid of the demo's process ``name`` is kept."""
    return directory / f"{name}.pid"


def record(directory: Path, name: str, pid: int) -> None:
    """Write the pid file of ``name``."""
    started = start_time(pid)
    if started is None:
        raise DemoError(f"{name} (pid {pid}) exited at once; see {directory / name}.log")
    pid_file(directory, name).write_text(f"{pid} {started}\n", encoding="ascii")


def recorded_pid(directory: Path, name: str) -> int | None:
    """The pid of ``name`` if its pid file names a process that still runs; a stale pid file
    is removed."""
    path = pid_file(directory, name)
    try:
        pid_text, started = path.read_text(encoding="ascii").split()
        pid = int(pid_text)
    except (OSError, ValueError):
        path.unlink(missing_ok=True)
        return None
    if start_time(pid) != started:
        path.unlink(missing_ok=True)
        return None
    return pid


def spawn(
    directory: Path, name: str, args: list[str], environment: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start ``args`` in a session of its own, output to ``directory/name.log``; record it."""
    with (directory / f"{name}.log").open("wb") as log:
        process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(environment or {})},
            start_new_session=True,
        )
    record(directory, name, process.pid)
    return process


def stop(directory: Path, name: str, timeout_s: float, *, whole_group: bool = True) -> bool:
    """SIGTERM ``name``, wait ``timeout_s`` for it (with ``whole_group``, for the process group
    it leads: what ``spawn`` started) to be gone, then SIGKILL it (the group); remove its pid
    file. True if it was running.

    SIGTERM goes to the leader alone, as Docker sends it to a container's first process: the
    leader stops its own children (the ingester its analysis workers, in order).
    """
    pid = recorded_pid(directory, name)
    if pid is None:
        return False
    _signal(pid, signal.SIGTERM, whole_group=False)
    if not _wait_gone(pid, timeout_s, whole_group):
        _signal(pid, signal.SIGKILL, whole_group)
        _wait_gone(pid, 10.0, whole_group)
    pid_file(directory, name).unlink(missing_ok=True)
    return True


def _signal(pid: int, signum: signal.Signals, whole_group: bool) -> None:
    try:
        if whole_group:
            os.killpg(pid, signum)
        else:
            os.kill(pid, signum)
    except ProcessLookupError:
        pass


def _wait_gone(pid: int, timeout_s: float, whole_group: bool) -> bool:
    """Wait until ``pid`` (and the rest of its group) is gone; reap it if it is our child."""
    deadline = time.monotonic() + timeout_s
    while True:
        with contextlib.suppress(ChildProcessError):  # not our child: its parent reaps it
            os.waitpid(pid, os.WNOHANG)
        if start_time(pid) is None and not (whole_group and group_members(pid)):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)


def group_members(pgid: int) -> list[int]:
    """The live (not zombie) processes of process group ``pgid``, from /proc; without /proc,
    ``[pgid]`` while a signal still reaches the group."""
    if not PROC.exists():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return []
        return [pgid]
    members: list[int] = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text(encoding="ascii").rsplit(")", 1)[-1].split()
        except OSError:
            continue
        if fields[0] not in {"Z", "X"} and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members
