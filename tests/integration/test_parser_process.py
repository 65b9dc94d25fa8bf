"""The parser's child process, as the service runs it: a real child, ended from outside or cut
off by the service, is replaced, and the service can always leave (a hang on shutdown when
SIGTERM reached the whole process group was found by the demo runner)."""

import asyncio
import os
import signal
import time

import pytest

from newswatch.fetching.parser_process import ParserProcess

FEED = (
    b"<rss version='2.0'><channel><title>t</title>"
    b"<item><title>Kabul talks resume</title><link>http://news.test/1</link></item>"
    b"</channel></rss>"
)


async def _parse(parser: ParserProcess) -> int:
    parsed = await parser.parse(
        FEED,
        feed_url="http://news.test/feed.xml",
        content_type="application/rss+xml",
        base_url="http://news.test/feed.xml",
        max_entries=10,
    )
    return len(parsed.entries)


def _child_pid(parser: ParserProcess) -> int:
    pid = parser._child.pid  # the test looks at the child it is about to end
    assert pid is not None
    return pid


def test_a_child_ended_from_outside_is_replaced_and_leaving_does_not_hang() -> None:
    async def scenario() -> tuple[int, int, float]:
        async with ParserProcess(time_limit_seconds=20) as parser:
            first = _child_pid(parser)
            os.kill(first, signal.SIGTERM)  # what `kill -- -PGID` or systemd's stop does to it
            await asyncio.sleep(0.5)
            entries = await _parse(parser)
            second = _child_pid(parser)
            os.kill(second, signal.SIGTERM)
            await asyncio.sleep(0.5)
            left_at = time.monotonic()
        return entries, second - first, time.monotonic() - left_at

    entries, pid_change, leaving_seconds = asyncio.run(scenario())
    assert entries == 1
    assert pid_change != 0
    assert leaving_seconds < 5


def test_a_parse_cancelled_midway_leaves_no_stale_answer_behind() -> None:
    async def scenario() -> tuple[int, int]:
        async with ParserProcess(time_limit_seconds=20) as parser:
            first = _child_pid(parser)
            pending = asyncio.create_task(_parse(parser))
            await asyncio.sleep(0)  # the document is on its way to the child
            pending.cancel()
            with pytest.raises(asyncio.CancelledError):
                await pending
            entries = await _parse(parser)
            return entries, _child_pid(parser) - first

    entries, pid_change = asyncio.run(scenario())
    assert entries == 1
    assert pid_change != 0
