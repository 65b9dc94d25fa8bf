"""Shared fixtures: a real Kafka broker for the session, and real HTTP feed servers."""

import importlib.util
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.feed_server import FeedServer

ROOT = Path(__file__).resolve().parents[1]
EXTERNAL_BROKER_VARIABLE = "NEWSWATCH_TEST_KAFKA_BOOTSTRAP_SERVERS"


def load_local_broker() -> ModuleType:
    """deploy/kafka/local_broker.py, the script that runs a real broker from the Kafka jars."""
    path = ROOT / "deploy" / "kafka" / "local_broker.py"
    spec = importlib.util.spec_from_file_location("newswatch_local_broker", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Bootstrap address of a real Apache Kafka broker (KRaft) started for this test session.

    Set NEWSWATCH_TEST_KAFKA_BOOTSTRAP_SERVERS to use a broker that is already running.
    A broker that cannot start fails the tests: it is never skipped.
    """
    external = os.environ.get(EXTERNAL_BROKER_VARIABLE)
    if external:
        yield external
        return
    broker = load_local_broker().LocalBroker(tmp_path_factory.mktemp("kafka"))
    broker.start()
    try:
        yield broker.bootstrap_servers
    finally:
        broker.stop()


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A fresh HTTP server on 127.0.0.1 serving whatever routes the test sets."""
    server = FeedServer().start()
    try:
        yield server
    finally:
        server.stop()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
