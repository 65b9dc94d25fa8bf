"""kafka-python's repeated lines are held back; everything else passes."""

import logging
from collections.abc import Callable

import pytest

from newswatch.observability.logs import RepeatFilter, SlowStepFilter, quieted


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def handler(clock: Clock) -> Collect:
    collect = Collect()
    collect.addFilter(RepeatFilter("kafka", window_seconds=60, clock=clock))
    return collect


@pytest.fixture
def logger(handler: Collect) -> Callable[[str], logging.Logger]:
    def named(name: str) -> logging.Logger:
        standalone = logging.Logger(name)
        standalone.addHandler(handler)
        return standalone

    return named


def test_like_kafka_lines_pass_once_per_window_with_a_count(
    logger: Callable[[str], logging.Logger], handler: Collect, clock: Clock
) -> None:
    kafka = logger("kafka.net.manager")
    for attempt in range(50):
        kafka.error("Connection to node %d failed after %.1f s", 1, attempt / 10)
        clock.now += 1
    assert handler.lines == ["Connection to node 1 failed after 0.0 s"]
    clock.now += 20
    kafka.error("Connection to node %d failed after %.1f s", 1, 9.9)
    assert handler.lines[1] == "Connection to node 1 failed after 9.9 s (49 like lines held back)"
    kafka.error("Metadata refresh failed")
    assert handler.lines[2] == "Metadata refresh failed"


def test_other_loggers_are_never_held_back(
    logger: Callable[[str], logging.Logger], handler: Collect
) -> None:
    ours = logger("newswatch.pipeline")
    for _ in range(5):
        ours.warning("feed failed")
    assert handler.lines == ["feed failed"] * 5


def test_kafka_pythons_slow_step_warning_is_not_shown_and_others_are() -> None:
    collect = Collect()
    collect.addFilter(SlowStepFilter())
    selector = logging.Logger("kafka.net.selector", logging.WARNING)
    selector.addHandler(collect)
    selector.warning(
        "Task %r ran for %.3fs (>%.3fs threshold). It is blocking the event loop -- likely a "
        "tight sync loop inside a coroutine. Other pollers will time out.",
        "<Task send>",
        0.31,
        0.1,
    )
    selector.warning("Connection to node 1 lost")
    assert collect.lines == ["Connection to node 1 lost"]


def test_quieted_holds_back_a_loggers_lines_and_restores_its_level() -> None:
    collect = Collect()
    kafka = logging.getLogger("kafka.net.manager")
    kafka.addHandler(collect)
    before = logging.getLogger("kafka").level
    try:
        with quieted("kafka"):
            kafka.error("Connection failed: KafkaConnectionError: 111 ECONNREFUSED")
        assert logging.getLogger("kafka").level == before
        kafka.setLevel(logging.ERROR)
        kafka.error("after")
    finally:
        kafka.removeHandler(collect)
        kafka.setLevel(logging.NOTSET)
    assert collect.lines == ["after"]
