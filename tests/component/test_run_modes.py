"""The run flags name one explicit run mode; the stdout sink is for one pass only."""

import pytest

from newswatch.cli import main, run_mode
from newswatch.service.assembly import RunMode


@pytest.mark.parametrize(
    ("once", "sink", "mode"),
    [
        (False, "kafka", RunMode.SERVICE),
        (True, "kafka", RunMode.ONCE_TO_KAFKA),
        (True, "stdout", RunMode.ONCE_TO_STDOUT),
    ],
)
def test_flags_name_a_mode(once: bool, sink: str, mode: RunMode) -> None:
    assert run_mode(once=once, sink=sink) is mode
    assert mode.once is once


def test_the_stdout_sink_without_once_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "--sink", "stdout"]) == 2
    assert "--sink stdout needs --once" in capsys.readouterr().err
