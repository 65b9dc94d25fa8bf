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
import multiprocessing.pool
import signal
from concurrent.futures import ThreadPoolExecutor
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


def _ready() -> bool:
    """In the child: nothing; running it proves this module and the parser are imported."""
    return True


def _ignore_interrupts() -> None:
    """In the child: Ctrl-C in a terminal reaches the whole process group; the parent decides."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ParserProcess:
    """A child process that parses feed documents; use ``async with``, then ``parse``."""

    def __init__(self, time_limit_seconds: float) -> None:
        self._time_limit = time_limit_seconds
        self._context = multiprocessing.get_context("spawn")
        self._pool: multiprocessing.pool.Pool | None = None
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
        if self._pool is not None:
            await asyncio.to_thread(self._pool.terminate)
            self._pool = None

    async def parse(
        self, body: bytes, *, feed_url: str, content_type: str, base_url: str, max_entries: int
    ) -> ParsedFeed:
        """``parse.parse_feed`` in the child; ``ParseError`` also when it takes too long."""
        async with self._turn:
            pool = self._pool if self._pool is not None else await asyncio.to_thread(self._start)
            loop = asyncio.get_running_loop()
            outcome: asyncio.Future[ParsedFeed | str] = loop.create_future()

            def deliver(result: ParsedFeed | str) -> None:
                loop.call_soon_threadsafe(_settle, outcome, result, None)

            def fail(error: BaseException) -> None:
                loop.call_soon_threadsafe(_settle, outcome, None, error)

            pool.apply_async(
                _parse_or_reason,
                (body, feed_url, content_type, base_url, max_entries),
                callback=deliver,
                error_callback=fail,
            )
            try:
                result = await asyncio.wait_for(outcome, self._time_limit)
            except TimeoutError:
                log.warning("parsing overran its limit; parser process restarted")
                await asyncio.to_thread(self._restart)
                raise ParseError(
                    f"parsing took longer than {self._time_limit:g} s", feed_url=feed_url
                ) from None
            except Exception as error:  # the child died or could not send its result back
                await asyncio.to_thread(self._restart)
                raise ParseError(f"parser process failed: {error!r}", feed_url=feed_url) from error
        if isinstance(result, str):
            raise ParseError(result, feed_url=feed_url)
        return result

    def _start(self) -> multiprocessing.pool.Pool:
        """A new child, ready: its imports done before a document's time limit starts, so that
        a slow start (a busy machine) is never taken for a document that parses too long."""
        self._pool = self._context.Pool(1, initializer=_ignore_interrupts)
        self._pool.apply(_ready)
        return self._pool

    def _restart(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
        self._start()


def _settle(
    future: "asyncio.Future[ParsedFeed | str]",
    result: ParsedFeed | str | None,
    error: BaseException | None,
) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    elif result is not None:
        future.set_result(result)
