"""Acknowledgements carried from kafka-python's thread to the loop, and the deadline."""

import asyncio
import threading
import time

import pytest
from kafka.errors import KafkaTimeoutError
from kafka.future import Future

from newswatch.kafka.acks import AckTracker


async def _acknowledgements_from_another_thread_settle_every_record() -> None:
    tracker = AckTracker(60, on_overdue=lambda: None)
    sent = [Future() for _ in range(500)]
    settled = [tracker.track(future) for future in sent]

    def acknowledge() -> None:
        for number, future in enumerate(sent):
            if number == 7:
                future.failure(KafkaTimeoutError("batch expired"))
            else:
                future.success(object())

    thread = threading.Thread(target=acknowledge)
    thread.start()
    results = await asyncio.wait_for(asyncio.gather(*settled, return_exceptions=True), 5)
    thread.join()
    assert [index for index, result in enumerate(results) if result is not None] == [7]
    assert isinstance(results[7], KafkaTimeoutError)
    assert len(tracker) == 0
    await tracker.close()


def test_acknowledgements_from_another_thread_settle_every_record() -> None:
    asyncio.run(_acknowledgements_from_another_thread_settle_every_record())


async def _a_send_already_failed_when_tracked_is_settled_with_its_error() -> None:
    tracker = AckTracker(60, on_overdue=lambda: None)
    failed: Future = Future()
    failed.failure(KafkaTimeoutError("no metadata"))
    with pytest.raises(KafkaTimeoutError):
        await asyncio.wait_for(tracker.track(failed), 5)
    await tracker.close()


def test_a_send_already_failed_when_tracked_is_settled_with_its_error() -> None:
    asyncio.run(_a_send_already_failed_when_tracked_is_settled_with_its_error())


async def _records_past_the_deadline_fail_and_are_reported_once() -> None:
    overdue_calls: list[int] = []
    tracker = AckTracker(30, on_overdue=lambda: overdue_calls.append(1))
    stuck = [tracker.track(Future()) for _ in range(3)]
    await asyncio.sleep(0)
    assert tracker.fail_overdue(time.monotonic()) == 0
    assert tracker.fail_overdue(time.monotonic() + 31) == 3
    for settled in stuck:
        with pytest.raises(TimeoutError, match="within 30 s"):
            await settled
    assert overdue_calls == [1]
    assert len(tracker) == 0
    await tracker.close()


def test_records_past_the_deadline_fail_and_are_reported_once() -> None:
    asyncio.run(_records_past_the_deadline_fail_and_are_reported_once())


async def _the_watchdog_fails_a_record_that_is_never_acknowledged() -> None:
    overdue_calls: list[int] = []
    tracker = AckTracker(0.2, on_overdue=lambda: overdue_calls.append(1))
    answered: Future = Future()
    never = tracker.track(Future())
    acknowledged = tracker.track(answered)
    answered.success(object())
    await acknowledged
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(never, 5)
    assert overdue_calls == [1]
    await tracker.close()


def test_the_watchdog_fails_a_record_that_is_never_acknowledged() -> None:
    asyncio.run(_the_watchdog_fails_a_record_that_is_never_acknowledged())
