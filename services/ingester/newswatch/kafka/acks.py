"""Acknowledgements from kafka-python's I/O thread to the event loop: a batch of sends at a
time, woken in bursts, with a deadline.

Threads: ``track``, ``fail_overdue`` and ``close`` run on the event loop's thread only (they
touch the batches and resolve loop futures). kafka-python resolves each send's future on its
network thread, so the callbacks there (``_arrive``) only append to a list under a lock and
wake the loop when the list was empty; the loop then settles everything that arrived at once.

Why batches: waking the event loop once per record (``call_soon_threadsafe`` writes to a
socket each time) took a third of the network thread's time at a few thousand records a
second. And a loop future per record, with its callbacks and its awaiting coroutine, weighed
on the main process: one loop future per batch (a turn of the drainer's, up to 2,000 records),
resolved when every record of the batch has an outcome, took it from 506 to 456 µs of CPU per
item on ``benchmarks/e2e_bench.py`` (with the spool encoding each item's headers once).

kafka-python 3.0 can also leave a future unresolved for good when the broker goes away while a
batch is being retried (seen in the fault tests). One watchdog task fails every record not
settled within the deadline, instead of a timer per record, and reports it, so that the caller
can replace the producer.
"""

import asyncio
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

WATCHDOG_PERIOD_SECONDS = 1.0


class Outcome(NamedTuple):
    """What became of one send: ``error`` None when acknowledged; ``at`` when it was known
    (``time.monotonic``)."""

    error: BaseException | None
    at: float


class _Batch:
    """The sends of one ``track`` call and their outcomes so far."""

    __slots__ = ("left", "outcomes", "sent_at", "settled")

    def __init__(self, size: int, settled: "asyncio.Future[list[Outcome]]") -> None:
        self.sent_at = time.monotonic()
        self.outcomes: list[Outcome | None] = [None] * size
        self.left = size
        self.settled = settled

    def settle(self, index: int, outcome: Outcome) -> bool:
        """Record one outcome (the first one counts); True once the batch is complete."""
        if self.outcomes[index] is None:
            self.outcomes[index] = outcome
            self.left -= 1
        return self.left == 0

    def finish(self) -> None:
        """Resolve the batch's future with its outcomes (every one is known by now)."""
        if not self.settled.done():
            self.settled.set_result([outcome for outcome in self.outcomes if outcome is not None])


class AckTracker:
    """Turns batches of kafka-python send futures into event-loop futures. Use on the loop's
    thread (see the module docstring)."""

    def __init__(self, deadline_seconds: float, on_overdue: Callable[[], None]) -> None:
        self._deadline_seconds = deadline_seconds
        self._on_overdue = on_overdue
        self._batches: dict[int, _Batch] = {}
        self._next_key = 0
        self._arrived: list[tuple[int, int, BaseException | None, float]] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._watchdog: asyncio.Task[None] | None = None

    def track(self, sent: Sequence[Any]) -> "asyncio.Future[list[Outcome]]":
        """A loop future for kafka-python send futures: done, with one ``Outcome`` per send in
        the same order, once each was acknowledged, failed with the producer's error, or failed
        with ``TimeoutError`` past the deadline."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = self._loop.create_task(self._watch(), name="kafka ack watchdog")
        batch = _Batch(len(sent), self._loop.create_future())
        if not sent:
            batch.finish()
            return batch.settled
        key = self._next_key
        self._next_key += 1
        self._batches[key] = batch
        for index, future in enumerate(sent):
            future.add_callback(self._arrive, key, index, None)
            future.add_errback(self._arrive_failed, key, index)
        return batch.settled

    def __len__(self) -> int:
        """Records tracked and not settled yet."""
        return sum(batch.left for batch in self._batches.values())

    async def close(self) -> None:
        """Stop the watchdog; records still pending stay unsettled."""
        if self._watchdog is not None:
            self._watchdog.cancel()
            await asyncio.gather(self._watchdog, return_exceptions=True)

    def _arrive(self, key: int, index: int, error: BaseException | None, _metadata: Any) -> None:
        """On any thread: queue the outcome; wake the loop if nothing was queued before."""
        with self._lock:
            self._arrived.append((key, index, error, time.monotonic()))
            wake = len(self._arrived) == 1
        if wake and self._loop is not None:
            self._loop.call_soon_threadsafe(self._settle_arrived)

    def _arrive_failed(self, key: int, index: int, error: Any) -> None:
        self._arrive(key, index, _as_exception(error), None)

    def _settle_arrived(self) -> None:
        with self._lock:
            arrived, self._arrived = self._arrived, []
        for key, index, error, at in arrived:
            batch = self._batches.get(key)
            if batch is not None and batch.settle(index, Outcome(error, at)):
                del self._batches[key]
                batch.finish()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(min(WATCHDOG_PERIOD_SECONDS, self._deadline_seconds / 4))
            self.fail_overdue(time.monotonic())

    def fail_overdue(self, now: float) -> int:
        """Fail the records of batches sent more than the deadline before ``now`` that are not
        settled yet; how many there were."""
        cutoff = now - self._deadline_seconds
        overdue = [key for key, batch in self._batches.items() if batch.sent_at <= cutoff]
        late = TimeoutError(f"no acknowledgement within {self._deadline_seconds:g} s")
        failed = 0
        for key in overdue:
            batch = self._batches.pop(key)
            failed += batch.left
            for index in range(len(batch.outcomes)):
                batch.settle(index, Outcome(late, now))
            batch.finish()
        if failed:
            self._on_overdue()
        return failed


def _as_exception(error: Any) -> BaseException:
    return error if isinstance(error, BaseException) else RuntimeError(repr(error))
