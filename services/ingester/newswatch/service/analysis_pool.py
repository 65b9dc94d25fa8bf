"""Where documents are parsed and their entries prepared: a pool of worker processes (the
service), or one thread (tests and benchmarks). Both run ``analysis_job.run_job``.

The main process of an ingester fetches, schedules, keeps the story state, publishes and
acknowledges; everything else an item costs (feedparser, normalisation, matching, extraction,
the item's JSON, its story key) runs in the workers, on the other cores. Each worker is a
``common.child_process.ChildProcess`` (one plain child and a pipe: its docstring says why not
``multiprocessing.Pool``), given the analysis engine once when it starts. A job goes to an idle
worker; a poll waits for one when all are busy, holding its fetch slot (``poll.FeedPoller``),
so fetching queues behind the analysis it feeds and no more documents than fetch slots wait in
memory.

Failures: a job that overruns the time limit ends its worker (a new one starts) and is a parse
error of that poll, as a document that makes feedparser spin must be. A worker that dies under
a job (killed from outside, out of memory) is replaced and the job retried once on the new
worker; a job that kills two workers is a parse error. Either way nothing was published for it
(only the main process publishes), so the poll's entries are simply retried at the next poll:
nothing is lost, and nothing is published twice.
"""

import asyncio
import functools
import os
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Protocol, Self

import structlog

from newswatch.analysis.prepare import Preparation
from newswatch.common.child_process import ChildFailedError, ChildProcess, Handler
from newswatch.common.errors import ParseError
from newswatch.service.analysis_job import Answer, Job, run_job

log = structlog.get_logger("newswatch.analysis_pool")


def default_workers() -> int:
    """The pool size when none is set: every core but the main process's, at least one."""
    return max(1, (os.cpu_count() or 1) - 1)


class AnalysisStage(Protocol):
    """Runs jobs off the event loop; the service's pool, or a thread in tests."""

    async def run(self, job: Job, *, feed_url: str) -> Answer:
        """The job's answer; ``ParseError`` (naming ``feed_url``) when it could not be had."""
        ...


class InlineAnalysis:
    """Runs the jobs on one thread of this process: the pool's in-process side, for tests and
    benchmarks that want no child processes. One thread: the work holds the GIL anyway."""

    def __init__(self, preparation: Preparation) -> None:
        self._preparation = preparation
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newswatch-analysis")

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._thread.shutdown(wait=False, cancel_futures=True)

    async def run(self, job: Job, *, feed_url: str) -> Answer:
        """``run_job`` on the thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, run_job, self._preparation, job)


def _worker_handler(preparation: Preparation) -> Handler:
    """In a worker: the handler of each job, the engine unpickled once at start."""
    return functools.partial(run_job, preparation)


class WorkerPool:
    """``workers`` child processes running the jobs; use ``async with``, then ``run``."""

    def __init__(
        self, preparation: Preparation, *, workers: int, time_limit_seconds: float
    ) -> None:
        if workers < 1:
            raise ValueError("an analysis pool needs at least one worker")
        self._time_limit = time_limit_seconds
        self._children = [
            ChildProcess(
                functools.partial(_worker_handler, preparation), name=f"newswatch-analysis-{n}"
            )
            for n in range(workers)
        ]
        self._idle: asyncio.Queue[ChildProcess] = asyncio.Queue()

    @property
    def pids(self) -> list[int]:
        """The running workers' process ids."""
        return [pid for child in self._children if (pid := child.pid) is not None]

    async def __aenter__(self) -> Self:
        try:
            await asyncio.gather(*(asyncio.to_thread(child.start) for child in self._children))
        except ChildFailedError as error:
            await self._stop_all()
            raise ParseError(f"analysis workers could not start: {error}", feed_url="") from error
        for child in self._children:
            self._idle.put_nowait(child)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self._stop_all()

    async def _stop_all(self) -> None:
        await asyncio.gather(*(asyncio.to_thread(child.stop) for child in self._children))

    async def run(self, job: Job, *, feed_url: str) -> Answer:
        """The job's answer from an idle worker (waiting for one); ``ParseError`` when it
        overran the time limit or killed two workers."""
        child = await self._idle.get()
        try:
            return await self._ask(child, job, feed_url=feed_url)
        finally:
            self._idle.put_nowait(child)

    async def _ask(self, child: ChildProcess, job: Job, *, feed_url: str) -> Answer:
        """The job's answer, retried once on a new worker when the first one died under it."""
        try:
            return await self._attempt(child, job, feed_url=feed_url)
        except ChildFailedError as error:
            log.warning("analysis worker died; replaced, job retried", error=str(error))
        try:
            return await self._attempt(child, job, feed_url=feed_url)
        except ChildFailedError as error:
            raise ParseError(
                f"analysis worker failed twice on this document: {error}", feed_url=feed_url
            ) from error

    async def _attempt(self, child: ChildProcess, job: Job, *, feed_url: str) -> Answer:
        """One try; ``ParseError`` when it overran the limit, ``ChildFailedError`` when the
        worker died (``ask`` starts a new one for the next try)."""
        try:
            answer: Answer = await asyncio.to_thread(child.ask, job, self._time_limit)
        except ChildFailedError as error:
            await asyncio.to_thread(child.stop)  # a late answer must not reach the next job
            if error.timed_out:
                log.warning("analysis overran its limit; worker restarted", feed_url=feed_url)
                raise ParseError(
                    f"parsing and analysis took longer than {self._time_limit:g} s",
                    feed_url=feed_url,
                ) from error
            raise
        except BaseException:  # cancelled: the worker may still be busy with the job
            await asyncio.to_thread(child.stop)
            raise
        return answer
