"""A child process that answers requests on a pipe, one at a time: the analysis workers and
the semantic worker run in them (``service.analysis_pool``, ``analysis.semantic.worker``).

One plain child and one pipe, and nothing shared between them: a child ended from outside (a
signal to the whole process group, as ``kill -- -PGID`` or systemd's stop send; the OOM killer)
cannot leave a lock held that the parent then waits for. ``multiprocessing.Pool`` could: its
worker holds the task queue's lock while it waits, and ``terminate`` then hung. The owner
notices a dead child at its next request and starts another (``ask`` does).

The calls block: an asyncio owner runs them with ``asyncio.to_thread``.
"""

import multiprocessing
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from newswatch.common.errors import NewswatchError

Handler = Callable[[Any], Any]
"""Answers one request, in the child; it must not raise (return the failure as a value)."""


class ChildFailedError(NewswatchError):
    """The child could not start, did not answer in time, or died."""

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        self.timed_out = timed_out
        super().__init__(message)


def serve(connection: Connection, make_handler: Callable[[], Handler]) -> None:
    """In the child: build the handler (imports, a model), say ready, then answer each request
    sent on the connection until the parent closes it or goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; parent decides
    handler = make_handler()
    connection.send(True)  # ready
    while True:
        try:
            request = connection.recv()
        except EOFError:
            return
        connection.send(handler(request))


class ChildProcess:
    """One spawned child running ``serve(make_handler)``; ``ask`` sends it a request."""

    def __init__(self, make_handler: Callable[[], Handler], *, name: str) -> None:
        self._make_handler = make_handler
        self._name = name
        self._context = multiprocessing.get_context("spawn")
        self._child: tuple[BaseProcess, Connection] | None = None

    @property
    def pid(self) -> int | None:
        """The running child's process id (None before the first start or after ``stop``)."""
        return None if self._child is None else self._child[0].pid

    def start(self) -> Connection:
        """A new child, ready: its handler built before a request's time limit starts, so that
        a slow start (a busy machine) is never taken for a request that runs too long."""
        self.stop()
        ours, theirs = self._context.Pipe()
        child = self._context.Process(
            target=serve, args=(theirs, self._make_handler), name=self._name, daemon=True
        )
        child.start()
        theirs.close()
        try:
            ours.recv()
        except EOFError as error:
            child.join(timeout=1)
            raise ChildFailedError(
                f"{self._name} process exited at start (code {child.exitcode})"
            ) from error
        self._child = (child, ours)
        return ours

    def ask(self, request: object, time_limit: float) -> Any:
        """The child's answer to ``request`` (a child ended from outside is replaced first);
        ``ChildFailedError`` when it takes longer than ``time_limit`` seconds (the child may
        still be busy: ``stop`` it) or the child dies."""
        if self._child is None or not self._child[0].is_alive():
            connection = self.start()
        else:
            connection = self._child[1]
        try:
            connection.send(request)
            if not connection.poll(time_limit):
                raise ChildFailedError(
                    f"{self._name} took longer than {time_limit:g} s", timed_out=True
                )
            return connection.recv()
        except (EOFError, OSError) as error:  # the child died or could not send its answer
            raise ChildFailedError(f"{self._name} process failed: {error!r}") from error

    def stop(self) -> None:
        """End the child, if any, whatever it is doing."""
        if self._child is None:
            return
        child, connection = self._child
        self._child = None
        connection.close()
        child.kill()
        child.join()
