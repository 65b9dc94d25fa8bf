"""Fixtures of the fault tests."""

import pytest

from tests.faults.fault_run import Report


@pytest.fixture
def report(request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]) -> Report:
    """Print a line in the test run's output even though output is captured."""

    def write(line: str) -> None:
        with capsys.disabled():
            print(f"\n[{request.node.name}] {line}")

    return write
