"""Prometheus and Alertmanager as plain processes (Debian's packages), for the tests and the demo.

Only what both need: finding the binaries and their command lines for one instance on one
loopback port. Starting, waiting and stopping stay with each caller (a test owns its processes;
the demo records them in pid files).
"""

import shutil
from pathlib import Path

INSTALL_HINT = (
    "install Debian's packages: apt-get install --no-install-recommends "
    "prometheus prometheus-alertmanager (.ci/run does)"
)
PROMETHEUS_NAMES = ("prometheus",)
ALERTMANAGER_NAMES = ("prometheus-alertmanager", "alertmanager")
"""Debian calls Alertmanager's binary prometheus-alertmanager; upstream calls it alertmanager."""


def find_binary(*names: str) -> str | None:
    """The path of the first of ``names`` found on PATH, or None."""
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    return None


def prometheus_command(binary: str, config: Path, data_dir: Path, port: int) -> list[str]:
    """Prometheus with ``config``, its TSDB in ``data_dir``, listening on 127.0.0.1:``port``."""
    return [
        binary,
        f"--config.file={config}",
        f"--storage.tsdb.path={data_dir}",
        f"--web.listen-address=127.0.0.1:{port}",
    ]


def alertmanager_command(binary: str, config: Path, data_dir: Path, port: int) -> list[str]:
    """Alertmanager with ``config``, its state in ``data_dir``, on 127.0.0.1:``port``, as one
    instance (clustering off, so it opens no other port)."""
    return [
        binary,
        f"--config.file={config}",
        f"--storage.path={data_dir}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
    ]
