"""The analysis workers as the service runs them: real child processes, ended from outside,
overrunning, cancelled; and a whole poll whose worker is killed under it publishes every item
exactly once."""

import asyncio
import os
import signal
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from newswatch.analysis.engine import Analyzer
from newswatch.analysis.items import FeedContext
from newswatch.analysis.prepare import Preparation, Prepared
from newswatch.analysis.themes.compile import compile_themes
from newswatch.analysis.themes.rules import load_themes
from newswatch.common.encoded_item import STORY_PLACEHOLDER
from newswatch.common.errors import ParseError
from newswatch.common.feeds import FeedConfig
from newswatch.fetching.config import FetchSettings
from newswatch.local.memory import MemoryCheckpoints, MemorySink
from newswatch.observability.metrics import Metrics
from newswatch.service.analysis_job import DocumentJob, document_result
from newswatch.service.analysis_pool import WorkerPool
from newswatch.service.assembly import Parts, assemble
from newswatch.service.feed_sources import StaticFeeds
from newswatch.settings import Settings
from newswatch_devtools.feed_server import FeedServer, Route
from newswatch_schemas import NewsItem

pytestmark = pytest.mark.integration

SETTINGS = Settings(
    fetch=FetchSettings(allow_networks=["127.0.0.0/8"], max_entries_per_feed=100_000),
    analysis_workers=1,
)
ANALYZER = Analyzer(compile_themes(load_themes(None)[1]))
PREPARATION = Preparation(ANALYZER, SETTINGS.text, SETTINGS.stories.story_config())
FEED = FeedContext(
    url="http://news.test/feed.xml",
    name="news",
    base_url="http://news.test/feed.xml",
    language="en",
)


def attack(number: int) -> str:
    return (
        f"<item><title>Taliban fighters attacked a checkpoint in district {number}</title>"
        f"<link>http://news.test/{number}</link><description>The Taliban attack killed "
        f"{number % 40 + 2} soldiers, officials said.</description></item>"
    )


def rss(items: int) -> bytes:
    body = "".join(attack(number) for number in range(items))
    return f"<rss version='2.0'><channel><title>t</title>{body}</channel></rss>".encode()


def job(items: int, known: frozenset[str] = frozenset()) -> DocumentJob:
    return DocumentJob(
        body=rss(items),
        feed_url=FEED.url,
        content_type="application/rss+xml",
        base_url=FEED.base_url,
        max_entries=100_000,
        feed=FEED,
        fetched_at=datetime.now(UTC),
        known_ids=known,
    )


def only_pid(pool: WorkerPool) -> int:
    (pid,) = pool.pids
    return pid


def test_a_worker_prepares_the_new_entries_of_a_document() -> None:
    async def scenario() -> tuple[int, list[Prepared], int]:
        async with WorkerPool(PREPARATION, workers=1, time_limit_seconds=30) as pool:
            first = document_result(await pool.run(job(3), feed_url=FEED.url), feed_url=FEED.url)
            known = frozenset(first.entry_ids[:2])
            again = document_result(
                await pool.run(job(3, known), feed_url=FEED.url), feed_url=FEED.url
            )
            prepared = [entry for entry in again.new if isinstance(entry, Prepared)]
            return only_pid(pool), prepared, len(first.new)

    worker, prepared, first_new = asyncio.run(scenario())
    assert worker != os.getpid()
    assert first_new == 3
    (entry,) = prepared  # the two known ids were left out
    assert entry.item is not None
    assert entry.story is not None
    assert entry.story.shingles
    item = NewsItem.model_validate_json(entry.item.value)
    assert item.url == "http://news.test/2"
    assert item.story_id == STORY_PLACEHOLDER
    assert [theme.theme for theme in item.themes] == ["taliban_attacks"]


def test_a_worker_killed_under_a_job_is_replaced_and_the_job_retried() -> None:
    async def scenario() -> tuple[int, int, int]:
        async with WorkerPool(PREPARATION, workers=1, time_limit_seconds=60) as pool:
            first = only_pid(pool)
            running = asyncio.create_task(pool.run(job(3000), feed_url=FEED.url))
            await asyncio.sleep(0.5)  # the worker is busy parsing
            os.kill(first, signal.SIGKILL)
            result = document_result(await running, feed_url=FEED.url)
            return first, only_pid(pool), len(result.new)

    first, second, prepared = asyncio.run(scenario())
    assert second != first
    assert prepared == 3000


def test_a_job_over_the_time_limit_is_a_parse_error_and_the_next_job_runs() -> None:
    async def scenario() -> tuple[str, float, int, int, int]:
        async with WorkerPool(PREPARATION, workers=1, time_limit_seconds=0.3) as pool:
            first = only_pid(pool)
            started = time.monotonic()
            with pytest.raises(ParseError) as error:
                await pool.run(job(5000), feed_url=FEED.url)
            took = time.monotonic() - started
            result = document_result(await pool.run(job(2), feed_url=FEED.url), feed_url=FEED.url)
            return str(error.value), took, first, only_pid(pool), len(result.new)

    message, took, first, second, prepared = asyncio.run(scenario())
    assert "longer than 0.3 s" in message
    assert FEED.url in message
    assert took < 5
    assert second != first
    assert prepared == 2


def test_a_job_cancelled_midway_leaves_no_stale_answer_and_leaving_does_not_hang() -> None:
    async def scenario() -> tuple[int, int, float]:
        async with WorkerPool(PREPARATION, workers=1, time_limit_seconds=30) as pool:
            pending = asyncio.create_task(pool.run(job(2000), feed_url=FEED.url))
            await asyncio.sleep(0.2)
            pending.cancel()
            with pytest.raises(asyncio.CancelledError):
                await pending
            result = document_result(await pool.run(job(1), feed_url=FEED.url), feed_url=FEED.url)
            os.kill(only_pid(pool), signal.SIGTERM)  # what `kill -- -PGID` does to it
            await asyncio.sleep(0.3)
            left_at = time.monotonic()
        return len(result.new), len(result.entry_ids), time.monotonic() - left_at

    prepared, entries, leaving = asyncio.run(scenario())
    assert (prepared, entries) == (1, 1)  # the answer to this job, not the cancelled one's
    assert leaving < 5


def test_a_poll_whose_worker_is_killed_publishes_every_item_exactly_once() -> None:
    server = FeedServer().start()
    server.routes["/big.xml"] = Route(rss(3000))
    feed = FeedConfig(url=server.url("/big.xml"), name="big")
    sink = MemorySink()

    async def scenario() -> tuple[str, int, list[int]]:
        async with assemble(
            SETTINGS,
            Parts(StaticFeeds([feed]), sink, MemoryCheckpoints()),
            analyzer=ANALYZER,
            metrics=Metrics(CollectorRegistry(), "test"),
            in_workers=True,
        ) as ingester:
            polling = asyncio.create_task(ingester.run_once())
            worker = await _busy_worker()
            os.kill(worker, signal.SIGKILL)
            (outcome,) = await polling
            return outcome.status, worker, _spawned_children()

    try:
        status, killed, workers = asyncio.run(scenario())
    finally:
        server.stop()
    urls = [item.url for item in sink.items]
    assert status == "ok"
    assert killed not in workers
    assert len(workers) == 1  # its replacement
    assert len(urls) == 3000
    assert len(set(urls)) == 3000


async def _busy_worker() -> int:
    """The pid of this process's analysis worker once it is using the CPU for a job (its CPU
    time grew by 0.2 s since it was first seen, after its start-up)."""
    baseline: dict[int, int] = {}
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for pid in _spawned_children():
            ticks = _cpu_ticks(pid)
            if ticks - baseline.setdefault(pid, ticks) > 20:
                return pid
        await asyncio.sleep(0.02)
    raise AssertionError("no analysis worker got busy")


def _spawned_children() -> list[int]:
    children: list[int] = []
    for task in Path("/proc/self/task").iterdir():
        children.extend(int(pid) for pid in (task / "children").read_text().split())
    return [pid for pid in children if b"spawn_main" in _read(Path(f"/proc/{pid}/cmdline"))]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


def _cpu_ticks(pid: int) -> int:
    stat = _read(Path(f"/proc/{pid}/stat"))
    if not stat:
        return 0
    fields = stat.rsplit(b")", 1)[1].split()
    return int(fields[11]) + int(fields[12])
