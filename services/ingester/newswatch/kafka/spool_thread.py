"""The spool seen from the event loop: every SQLite call on one dedicated thread (a connection
belongs to its thread), and the records accepted meanwhile committed together.

Group commit: while one transaction is being written, the records handed in queue up; the next
transaction takes them all. One fsync then covers many items, and the loop never waits on disk.
"""

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from newswatch.common.checkpoint import FeedCheckpoint
from newswatch.common.errors import PublishError
from newswatch.kafka.spool import Accepted, SpooledRecord, SpoolLevel, SpoolStore

T = TypeVar("T")


class SpoolThread:
    """Async access to a ``SpoolStore``; use it on the event loop's thread (``checkpoints`` and
    ``held_feeds`` also from other threads)."""

    def __init__(self, store: SpoolStore) -> None:
        self._store = store
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newswatch-spool")
        self._waiting: list[tuple[Accepted, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.appended = asyncio.Event()

    @property
    def level(self) -> SpoolLevel:
        """How full the spool is now; on any thread."""
        return self._store.level

    async def accept(self, accepted: Accepted) -> None:
        """Store the records durably (with the next group commit); return once they are, or
        raise ``PublishError`` when the disk refused them."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((accepted, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting(), name="spool writer")
        await done

    async def peek(self, after_seq: int, limit: int) -> list[SpooledRecord]:
        """Up to ``limit`` records after ``after_seq``, in order."""
        return await self._call(lambda: self._store.peek(after_seq, limit))

    async def delete_through(self, seq: int) -> SpoolLevel:
        """Drop the records up to ``seq``."""
        return await self._call(lambda: self._store.delete_through(seq))

    async def hold_feeds(self, urls: list[str]) -> None:
        """Remember the feeds this replica polls now."""
        await self._call(lambda: self._store.hold_feeds(urls))

    def checkpoints(self) -> dict[str, FeedCheckpoint]:
        """The last checkpoint spooled for each feed. Blocking; not on the spool's thread."""
        return self._thread.submit(self._store.checkpoints).result()

    def held_feeds(self) -> list[str]:
        """The feeds this replica polled last. Blocking; not on the spool's thread."""
        return self._thread.submit(self._store.held_feeds).result()

    async def close(self) -> None:
        """Finish the commit in progress, then close the store and its thread."""
        while self._writer is not None and not self._writer.done():
            await self._writer
        await self._call(self._store.close)
        self._thread.shutdown(wait=True)

    async def _write_waiting(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            groups = [accepted for accepted, _ in batch]
            try:
                await self._call(partial(self._store.append, groups))
            except (sqlite3.Error, OSError) as error:
                for accepted, done in batch:
                    if not done.done():
                        topic = accepted.records[0].topic if accepted.records else "spool"
                        done.set_exception(
                            PublishError(f"not spooled at {self._store.path}: {error}", topic=topic)
                        )
                continue
            for _, done in batch:
                if not done.done():
                    done.set_result(None)
            self.appended.set()

    async def _call(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._thread, work)
