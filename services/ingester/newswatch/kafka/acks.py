"""Acknowledgements from kafka-python's I/O thread to the event loop: in batches, with a deadline.

kafka-python resolves each send's future on its own network thread. Waking the event loop once
per record (``call_soon_threadsafe`` writes to a socket each time) took a third of that thread's
time at a few thousand records a second. Here the thread appends results to a list and wakes
the loop only when the list was empty; the loop then settles everything that arrived at once.

kafka-python 3.0 can also leave a future unresolved for good when the broker goes away while a
batch is being retried (seen in the fault tests). One watchdog task fails every record not
settled within the deadline, instead of a timer per record, and reports it, so that the caller
can replace the producer.
"""

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

WATCHDOG_PERIOD_SECONDS = 1.0


class AckTracker:
    """Turns kafka-python send futures into event-loop futures. Use on the loop's thread."""

    def __init__(self, deadline_seconds: float, on_overdue: Callable[[], None]) -> None:
        self._deadline_seconds = deadline_seconds
        self._on_overdue = on_overdue
        self._pending: dict[int, tuple[float, asyncio.Future[None]]] = {}
        self._next_key = 0
        self._arrived: list[tuple[int, BaseException | None]] = []
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._watchdog: asyncio.Task[None] | None = None

    def track(self, sent: Any) -> "asyncio.Future[None]":
        """A loop future for one kafka-python send future: done when the record is
        acknowledged, failed with the producer's error, or failed with ``TimeoutError`` once
        the deadline has passed."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        if self._watchdog is None or self._watchdog.done():
            self._watchdog = self._loop.create_task(self._watch(), name="kafka ack watchdog")
        key = self._next_key
        self._next_key += 1
        settled: asyncio.Future[None] = self._loop.create_future()
        self._pending[key] = (time.monotonic(), settled)
        sent.add_callback(lambda _metadata: self._arrive(key, None))
        sent.add_errback(lambda error: self._arrive(key, _as_exception(error)))
        return settled

    def __len__(self) -> int:
        """Records tracked and not settled yet."""
        return len(self._pending)

    async def close(self) -> None:
        """Stop the watchdog; records still pending stay unsettled."""
        if self._watchdog is not None:
            self._watchdog.cancel()
            await asyncio.gather(self._watchdog, return_exceptions=True)

    def _arrive(self, key: int, error: BaseException | None) -> None:
        """On any thread: queue the result; wake the loop if nothing was queued before."""
        with self._lock:
            self._arrived.append((key, error))
            wake = len(self._arrived) == 1
        if wake and self._loop is not None:
            self._loop.call_soon_threadsafe(self._settle_arrived)

    def _settle_arrived(self) -> None:
        with self._lock:
            arrived, self._arrived = self._arrived, []
        for key, error in arrived:
            entry = self._pending.pop(key, None)
            if entry is not None:
                _settle(entry[1], error)

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(min(WATCHDOG_PERIOD_SECONDS, self._deadline_seconds / 4))
            self.fail_overdue(time.monotonic())

    def fail_overdue(self, now: float) -> int:
        """Fail the records sent more than the deadline before ``now``; how many there were."""
        cutoff = now - self._deadline_seconds
        overdue = []
        for key, (sent_at, _) in self._pending.items():
            if sent_at > cutoff:
                break
            overdue.append(key)
        late = f"no acknowledgement within {self._deadline_seconds:g} s"
        for key in overdue:
            _, settled = self._pending.pop(key)
            _settle(settled, TimeoutError(late))
        if overdue:
            self._on_overdue()
        return len(overdue)


def _as_exception(error: Any) -> BaseException:
    return error if isinstance(error, BaseException) else RuntimeError(repr(error))


def _settle(future: "asyncio.Future[None]", error: BaseException | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
