"""Where feed documents are parsed: in a child process (the service), or on a thread.

``ParserProcess`` parses in a child process, one document at a time, within a time limit.

feedparser is pure Python: on a thread of the ingester it takes the interpreter from the event
loop (the GIL) for as long as it parses, and a document that made it spin would stall every
feed. In a child process it runs on another core, and a parse that overruns its limit is
stopped by ending the child (a new one takes over). The child only ever sees the body bytes and
returns plain records (``ParsedFeed``), cheap to send back (some 6 µs an entry).
"""

import asyncio
import functools
import multiprocessing
import signal
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Protocol, Self

import structlog

from newswatch.common.errors import ParseError
from newswatch.fetching.feed_parser import ParsedFeed, parse_feed

log = structlog.get_logger("newswatch.parsing")


class Parser(Protocol):
    """Parses one feed document, as ``parse.parse_feed`` does, without blocking the loop."""

    async def parse(
        self, body: bytes, *, feed_url: str, content_type: str, base_url: str, max_entries: int
    ) -> ParsedFeed:
        """The parsed feed; ``ParseError`` when the body is not a feed."""
        ...


class ParserThread:
    """Parses on one thread of this process (tests and benchmarks that want no child process).

    One thread for all: feedparser holds the GIL, so more would not parse faster, only take the
    interpreter from the event loop more often.
    """

    _thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newswatch-parse")

    async def parse(
        self, body: bytes, *, feed_url: str, content_type: str, base_url: str, max_entries: int
    ) -> ParsedFeed:
        """``parse.parse_feed`` on the parsing thread."""
        parse = functools.partial(
            parse_feed,
            body,
            feed_url=feed_url,
            content_type=content_type,
            base_url=base_url,
            max_entries=max_entries,
        )
        return await asyncio.get_running_loop().run_in_executor(self._thread, parse)


def _parse_or_reason(
    body: bytes, feed_url: str, content_type: str, base_url: str, max_entries: int
) -> ParsedFeed | str:
    """In the child: the parsed feed, or why it is not one (exceptions do not cross cleanly)."""
    try:
        return parse_feed(
            body,
            feed_url=feed_url,
            content_type=content_type,
            base_url=base_url,
            max_entries=max_entries,
        )
    except ParseError as error:
        return error.detail


def _serve(connection: Connection) -> None:
    """In the child: answer each document sent on the connection with its parsed feed (or the
    reason it is not one), until the parent closes the connection or goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; parent decides
    connection.send(True)  # ready: the imports are done
    while True:
        try:
            request = connection.recv()
        except EOFError:
            return
        connection.send(_parse_or_reason(*request))


class ParserProcess:
    """A child process that parses feed documents; use ``async with``, then ``parse``.

    One plain child and one pipe, and nothing shared between them: a child ended from outside
    (a signal to the whole process group, as ``kill -- -PGID`` or systemd's stop send; the OOM
    killer) cannot leave a lock held that the parent then waits for. ``multiprocessing.Pool``
    could: its worker holds the task queue's lock while it waits, and ``terminate`` then hung.
    The parent notices a dead child at the next document and starts another.
    """

    def __init__(self, time_limit_seconds: float) -> None:
        self._time_limit = time_limit_seconds
        self._context = multiprocessing.get_context("spawn")
        self._child: tuple[BaseProcess, Connection] | None = None
        self._turn = asyncio.Lock()

    async def __aenter__(self) -> Self:
        await asyncio.to_thread(self._start)
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self._stop)

    async def parse(
        self, body: bytes, *, feed_url: str, content_type: str, base_url: str, max_entries: int
    ) -> ParsedFeed:
        """``parse.parse_feed`` in the child; ``ParseError`` also when it takes too long."""
        async with self._turn:
            try:
                result = await self._ask(
                    (body, feed_url, content_type, base_url, max_entries), feed_url=feed_url
                )
            except BaseException:  # cancelled, or failed: the child may still be busy with it
                await asyncio.to_thread(self._stop)
                raise
        if isinstance(result, str):
            raise ParseError(result, feed_url=feed_url)
        return result

    async def _ask(
        self, request: tuple[bytes, str, str, str, int], *, feed_url: str
    ) -> ParsedFeed | str:
        if self._child is None or not self._child[0].is_alive():  # ended from outside: replace
            self._child = await asyncio.to_thread(self._start)
        _, connection = self._child
        try:
            await asyncio.to_thread(connection.send, request)
            answered = await asyncio.to_thread(connection.poll, self._time_limit)
            if not answered:
                log.warning("parsing overran its limit; parser process restarted")
                raise ParseError(
                    f"parsing took longer than {self._time_limit:g} s", feed_url=feed_url
                )
            answer: ParsedFeed | str = connection.recv()
        except (EOFError, OSError) as error:  # the child died or could not send its answer
            raise ParseError(f"parser process failed: {error!r}", feed_url=feed_url) from error
        return answer

    def _start(self) -> tuple[BaseProcess, Connection]:
        """A new child, ready: its imports done before a document's time limit starts, so that
        a slow start (a busy machine) is never taken for a document that parses too long."""
        self._stop()
        ours, theirs = self._context.Pipe()
        child = self._context.Process(
            target=_serve, args=(theirs,), name="newswatch-parser", daemon=True
        )
        child.start()
        theirs.close()
        try:
            ours.recv()
        except EOFError as error:
            child.join(timeout=1)
            raise ParseError(
                f"parser process exited at start (code {child.exitcode})", feed_url=""
            ) from error
        self._child = (child, ours)
        return self._child

    def _stop(self) -> None:
        """End the child, if any, whatever it is doing."""
        if self._child is None:
            return
        child, connection = self._child
        self._child = None
        connection.close()
        child.kill()
        child.join()
