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
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Protocol, Self

import structlog

from newswatch.common.child_process import ChildFailedError, ChildProcess, Handler
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


def _parse_or_reason(request: tuple[bytes, str, str, str, int]) -> ParsedFeed | str:
    """In the child: the parsed feed, or why it is not one (exceptions do not cross cleanly)."""
    body, feed_url, content_type, base_url, max_entries = request
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


def _parser() -> Handler:
    """In the child: the handler of each document (feedparser is imported with this module)."""
    return _parse_or_reason


class ParserProcess:
    """A child process that parses feed documents; use ``async with``, then ``parse``.

    The child is a ``common.child_process.ChildProcess`` (one plain process and a pipe: its
    docstring says why not a pool); a child ended from outside is replaced at the next document.
    """

    def __init__(self, time_limit_seconds: float) -> None:
        self._time_limit = time_limit_seconds
        self._child = ChildProcess(_parser, name="newswatch-parser")
        self._turn = asyncio.Lock()

    async def __aenter__(self) -> Self:
        try:
            await asyncio.to_thread(self._child.start)
        except ChildFailedError as error:
            raise ParseError(str(error), feed_url="") from error
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await asyncio.to_thread(self._child.stop)

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
                await asyncio.to_thread(self._child.stop)
                raise
        if isinstance(result, str):
            raise ParseError(result, feed_url=feed_url)
        return result

    async def _ask(
        self, request: tuple[bytes, str, str, str, int], *, feed_url: str
    ) -> ParsedFeed | str:
        try:
            answer: ParsedFeed | str = await asyncio.to_thread(
                self._child.ask, request, self._time_limit
            )
        except ChildFailedError as error:
            if error.timed_out:
                log.warning("parsing overran its limit; parser process restarted")
                raise ParseError(
                    f"parsing took longer than {self._time_limit:g} s", feed_url=feed_url
                ) from error
            raise ParseError(str(error), feed_url=feed_url) from error
        return answer
