"""Fixtures of the fault tests."""

from collections.abc import Iterator

import pytest

from newswatch_devtools.local_broker import LocalBroker
from tests.faults.fault_run import Report


@pytest.fixture
def report(request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> Report:
    """Print a line in the test run's output even though output is captured."""

    def write(line: str) -> None:
        with capsys.disabled():
            print(f"\n[{request.node.name}] {line}")

    return write


@pytest.fixture
def own_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalBroker]:
    """A broker this test may kill; the session's shared broker stays up."""
    broker = LocalBroker(tmp_path_factory.mktemp("own-kafka"))
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
