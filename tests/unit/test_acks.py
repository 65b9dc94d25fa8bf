"""Acknowledgements carried from kafka-python's thread to the loop, a batch at a time, and the
deadline."""

import asyncio
import threading
import time

from kafka.errors import KafkaTimeoutError
from kafka.future import Future

from newswatch.kafka.acks import AckTracker


async def _acknowledgements_from_another_thread_settle_every_record_in_order() -> None:
    tracker = AckTracker(60, on_overdue=lambda: None)
    sent = [Future() for _ in range(500)]
    before = time.monotonic()
    settled = tracker.track(sent)
    assert len(tracker) == 500

    def acknowledge() -> None:
        for number, future in reversed(list(enumerate(sent))):
            if number == 7:
                future.failure(KafkaTimeoutError("batch expired"))
            else:
                future.success(object())

    thread = threading.Thread(target=acknowledge)
    thread.start()
    outcomes = await asyncio.wait_for(settled, 5)
    thread.join()
    assert len(outcomes) == 500
    assert [index for index, outcome in enumerate(outcomes) if outcome.error is not None] == [7]
    assert isinstance(outcomes[7].error, KafkaTimeoutError)
    assert all(before <= outcome.at <= time.monotonic() for outcome in outcomes)
    assert len(tracker) == 0
    await tracker.close()


def test_acknowledgements_from_another_thread_settle_every_record_in_order() -> None:
    asyncio.run(_acknowledgements_from_another_thread_settle_every_record_in_order())


async def _a_batch_waits_for_its_last_record() -> None:
    tracker = AckTracker(60, on_overdue=lambda: None)
    first, last = Future(), Future()
    settled = tracker.track([first, last])
    first.success(object())
    await asyncio.sleep(0.05)
    assert not settled.done()
    assert len(tracker) == 1
    last.success(object())
    outcomes = await asyncio.wait_for(settled, 5)
    assert [outcome.error for outcome in outcomes] == [None, None]
    await tracker.close()


def test_a_batch_waits_for_its_last_record() -> None:
    asyncio.run(_a_batch_waits_for_its_last_record())


async def _a_send_already_failed_when_tracked_is_settled_with_its_error() -> None:
    tracker = AckTracker(60, on_overdue=lambda: None)
    failed: Future = Future()
    failed.failure(KafkaTimeoutError("no metadata"))
    acknowledged: Future = Future()
    acknowledged.success(object())
    outcomes = await asyncio.wait_for(tracker.track([acknowledged, failed]), 5)
    assert outcomes[0].error is None
    assert isinstance(outcomes[1].error, KafkaTimeoutError)
    assert await asyncio.wait_for(tracker.track([]), 5) == []
    await tracker.close()


def test_a_send_already_failed_when_tracked_is_settled_with_its_error() -> None:
    asyncio.run(_a_send_already_failed_when_tracked_is_settled_with_its_error())


async def _records_past_the_deadline_fail_and_are_reported_once() -> None:
    overdue_calls: list[int] = []
    tracker = AckTracker(30, on_overdue=lambda: overdue_calls.append(1))
    answered: Future = Future()
    stuck = tracker.track([Future(), answered, Future()])
    other = tracker.track([Future()])
    answered.success(object())
    await asyncio.sleep(0.05)
    assert tracker.fail_overdue(time.monotonic()) == 0
    assert tracker.fail_overdue(time.monotonic() + 31) == 3
    outcomes = await stuck
    assert [type(outcome.error) for outcome in outcomes] == [TimeoutError, type(None), TimeoutError]
    assert "within 30 s" in str(outcomes[0].error)
    assert isinstance((await other)[0].error, TimeoutError)
    assert overdue_calls == [1]
    assert len(tracker) == 0
    await tracker.close()


def test_records_past_the_deadline_fail_and_are_reported_once() -> None:
    asyncio.run(_records_past_the_deadline_fail_and_are_reported_once())


async def _the_watchdog_fails_a_record_that_is_never_acknowledged() -> None:
    overdue_calls: list[int] = []
    tracker = AckTracker(0.2, on_overdue=lambda: overdue_calls.append(1))
    answered: Future = Future()
    settled = tracker.track([Future(), answered])
    answered.success(object())
    outcomes = await asyncio.wait_for(settled, 5)
    assert isinstance(outcomes[0].error, TimeoutError)
    assert outcomes[1].error is None
    assert overdue_calls == [1]
    await tracker.close()


def test_the_watchdog_fails_a_record_that_is_never_acknowledged() -> None:
    asyncio.run(_the_watchdog_fails_a_record_that_is_never_acknowledged())
