"""The broker's jars: resolved by Maven from deploy/kafka/pom.xml into deploy/kafka/target.

The paths come from the checkout's root, so the tools find the jars from any current directory.
"""

import logging
import shutil
import subprocess

from newswatch_devtools.local_broker.errors import BrokerError
from newswatch_devtools.repo import ROOT

KAFKA_DIR = ROOT / "deploy" / "kafka"
POM_FILE = KAFKA_DIR / "pom.xml"
LOG4J2_CONFIG = KAFKA_DIR / "log4j2.properties"
LIBS_DIR = KAFKA_DIR / "target" / "kafka-libs"
LOG_TAIL_LINES = 40

_log = logging.getLogger("newswatch.local_broker")


def build_classpath() -> str:
    """Run ``mvn package`` if target/kafka-libs is missing or empty; return the classpath.

    The classpath is ``kafka-libs/*``: the java launcher expands it to every jar itself.
    """
    if not (LIBS_DIR.is_dir() and any(LIBS_DIR.glob("*.jar"))):
        _resolve_jars()
    return str(LIBS_DIR / "*")


def _resolve_jars() -> None:
    """``mvn package`` on the pom, raising BrokerError unless jars appear in LIBS_DIR."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise BrokerError(f"mvn not found on PATH; it is needed to build {LIBS_DIR}")
    cmd = [mvn, "-B", "-q", "-Dstyle.color=never", "-f", str(POM_FILE), "package"]
    _log.info("resolving the Kafka classpath: %s", " ".join(cmd))
    try:
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=900, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BrokerError(f"'{' '.join(cmd)}' failed: {exc}") from exc
    if result.returncode != 0 or not any(LIBS_DIR.glob("*.jar")):
        output = (result.stdout + result.stderr).splitlines()
        raise BrokerError(
            f"'{' '.join(cmd)}' exited with {result.returncode}, no jars in {LIBS_DIR}",
            log_path=POM_FILE,
            log_tail="\n".join(output[-LOG_TAIL_LINES:]),
        )
