"""Shared fixtures: a real Kafka broker for the session, and real HTTP feed servers.

The tools behind them live in the ``newswatch_devtools`` package (devtools/), which tests import
directly; nothing is imported from this file.
"""

import os
from collections.abc import Iterator

import pytest

from newswatch_devtools.feed_server import FeedServer
from newswatch_devtools.local_broker import LocalBroker

EXTERNAL_BROKER_VARIABLE = "NEWSWATCH_TEST_KAFKA_BOOTSTRAP_SERVERS"


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
    broker = LocalBroker(tmp_path_factory.mktemp("kafka"))
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
