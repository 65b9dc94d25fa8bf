"""Is a pid (still) the broker of a work directory? Read from /proc where there is one."""

import os
from pathlib import Path


def pid_exists(pid: int) -> bool:
    """Return True if a process with this pid exists (signal 0 probe)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _thread_count(proc_dir: Path) -> int:
    """Number of threads still listed under /proc/PID/task (0 if the process is gone)."""
    try:
        return sum(1 for _ in (proc_dir / "task").iterdir())
    except OSError:
        return 0


def is_broker_process(pid: int, properties_file: Path) -> bool:
    """Return True if ``pid`` is a live kafka.Kafka process started with ``properties_file``."""
    if not Path("/proc/self").exists():  # no procfs: trust the pid file
        return pid_exists(pid)
    proc_dir = Path("/proc") / str(pid)
    try:
        cmdline = (proc_dir / "cmdline").read_bytes().split(b"\0")
        stat = (proc_dir / "stat").read_text(encoding="ascii")
    except OSError:
        return False
    fields = stat.rsplit(")", 1)[-1].split()
    if not fields or fields[0] in ("Z", "X"):
        # Gone once only the zombie leader is left (it may wait for its parent to reap it);
        # during exit_group the leader turns Z while other threads are still exiting.
        return _thread_count(proc_dir) > 1
    if cmdline == [b""]:
        return True  # still exiting: memory (and so cmdline) released, threads not yet
    config = str(properties_file).encode()
    return b"kafka.Kafka" in cmdline and config in cmdline
