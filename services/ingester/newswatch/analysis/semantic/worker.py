"""The service's embedding worker: a child process fed through a bounded queue, in batches.

The event loop never waits on the model. ``SemanticWorker.embed`` puts a candidate's text in a
bounded queue and awaits its vector; one task takes what is queued (up to ``batch_size``: the
entries of a poll arrive together) and has the child embed it as one batch, on a thread of its
own. When the queue is full the item gets no vector (``Skip.QUEUE_FULL``) and is decided on the
rules alone, at once; so is an item whose vector does not come within the timeout
(``Skip.TIMEOUT``) or whose batch failed (``Skip.FAILED``: the child died, or could not load the
model; a new child is started for the next batch). The caller counts the skips (the metric
lives in the service, which owns the metrics).

The child is a ``common.child_process.ChildProcess`` running ``embed.E5Embedder`` with one
thread, so the loop's core stays free; a batch that overruns the timeout ends the child.
"""

import asyncio
import contextlib
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import TYPE_CHECKING, Self

import structlog

from newswatch.analysis.semantic.embed import E5Embedder, SemanticUnavailableError
from newswatch.common.child_process import ChildFailedError, ChildProcess, Handler

if TYPE_CHECKING:
    from newswatch.analysis.semantic.embed import Vectors

log = structlog.get_logger("newswatch.semantic")


class Skip(StrEnum):
    """Why an item was decided on the rules alone: the ``reason`` of the skip metric."""

    QUEUE_FULL = "queue_full"
    TIMEOUT = "timeout"
    FAILED = "failed"


def _embed_or_reason(embedder: E5Embedder, texts: list[str]) -> "Vectors | str":
    """In the child: the batch's vectors, or why there are none."""
    try:
        return embedder.embed(texts)
    except (RuntimeError, ValueError, OSError) as error:
        return f"embedding failed: {error!r}"


@dataclass(frozen=True, slots=True)
class _Embedding:
    """The child's handler: the model, loaded once when the child starts."""

    embedder: E5Embedder

    def __call__(self, texts: list[str]) -> "Vectors | str":
        return _embed_or_reason(self.embedder, texts)


def _embedding_handler() -> Handler:
    """In the child: load the model (one thread), and answer each batch with its vectors."""
    return _Embedding(E5Embedder(threads=1))


@dataclass(slots=True)
class _Request:
    text: str
    answer: "asyncio.Future[Vectors | Skip]"


class SemanticWorker:
    """Embeds candidates in a child process, in batches, through a bounded queue; use
    ``async with``, then ``embed``. Rules alone (a ``Skip``) whenever it cannot keep up."""

    def __init__(self, *, queue_size: int, timeout_seconds: float, batch_size: int) -> None:
        self._queue: asyncio.Queue[_Request] = asyncio.Queue(maxsize=queue_size)
        self._timeout = timeout_seconds
        self._batch_size = batch_size
        self._child = ChildProcess(_embedding_handler, name="newswatch-semantic")
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Self:
        try:
            await asyncio.to_thread(self._child.start)
        except ChildFailedError as error:
            raise SemanticUnavailableError(f"the semantic worker did not start: {error}") from error
        self._task = asyncio.create_task(self._serve(), name="newswatch-semantic")
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        while not self._queue.empty():
            self._answer(self._queue.get_nowait(), Skip.FAILED)
        await asyncio.to_thread(self._child.stop)

    async def embed(self, text: str) -> "Vectors | Skip":
        """The text's embedding, or why the item goes on the rules alone."""
        request = _Request(text, asyncio.get_running_loop().create_future())
        try:
            self._queue.put_nowait(request)
        except asyncio.QueueFull:
            return Skip.QUEUE_FULL
        try:
            return await asyncio.wait_for(asyncio.shield(request.answer), self._timeout)
        except TimeoutError:
            return Skip.TIMEOUT

    async def _serve(self) -> None:
        """Take what is queued, up to a batch, and have the child embed it; forever."""
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self._batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            vectors = await self._embed_batch([request.text for request in batch])
            for index, request in enumerate(batch):
                self._answer(request, vectors if isinstance(vectors, Skip) else vectors[index])

    async def _embed_batch(self, texts: list[str]) -> "Vectors | Skip":
        """The batch's vectors from the child, or ``Skip.FAILED`` (the child is then ended; the
        next batch starts a new one)."""
        try:
            answer: Vectors | str = await asyncio.to_thread(self._child.ask, texts, self._timeout)
        except ChildFailedError as error:
            log.warning("semantic batch failed; rules alone for it", error=str(error))
            await asyncio.to_thread(self._child.stop)
            return Skip.FAILED
        if isinstance(answer, str):
            log.warning("semantic batch failed; rules alone for it", error=answer)
            return Skip.FAILED
        import numpy as np  # noqa: PLC0415 - only with the second opinion on (embed.py says why)

        return np.asarray(answer, dtype=np.float32)

    @staticmethod
    def _answer(request: _Request, result: "Vectors | Skip") -> None:
        if not request.answer.done():
            request.answer.set_result(result)
