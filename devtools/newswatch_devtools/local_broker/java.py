"""Finding a Java launcher new enough for Apache Kafka 4.x."""

import os
import re
import shutil
import subprocess
from pathlib import Path

from newswatch_devtools.local_broker.errors import BrokerError

MIN_JAVA = 17
_JAVA_VERSION_RE = re.compile(r'version "(?P<version>[^"]+)"')


def java_binary() -> str:
    """Return the java launcher: ``$JAVA_HOME/bin/java`` if set, else ``java`` on PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        if candidate.is_file():
            return str(candidate)
    found = shutil.which("java")
    if found is None:
        raise BrokerError(f"java not found on PATH or in $JAVA_HOME; Java >= {MIN_JAVA} is needed")
    return found


def java_major_version(java: str) -> int:
    """Return the major version of a java launcher (8 for ``1.8.0_x``, 17 for ``17.0.15``)."""
    try:
        out = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BrokerError(f"could not run '{java} -version': {exc}") from exc
    match = _JAVA_VERSION_RE.search(out.stderr + out.stdout)
    if match is None:
        raise BrokerError(f"cannot parse '{java} -version' output: {out.stderr.strip()!r}")
    parts = re.split(r"[.+_-]", match.group("version"))
    return int(parts[1]) if parts[0] == "1" and len(parts) > 1 else int(parts[0])


def check_java() -> str:
    """Return the java launcher, raising BrokerError unless it is Java >= 17."""
    java = java_binary()
    major = java_major_version(java)
    if major < MIN_JAVA:
        raise BrokerError(
            f"{java} is Java {major}, but Apache Kafka 4.x needs Java >= {MIN_JAVA}; "
            "point JAVA_HOME or PATH at a newer JDK"
        )
    return java
