"""The ingester's loop: for each feed, fetch → parse, then each new entry (``entries``).

A feed's conditional-GET validators advance only after every item of that poll was
acknowledged, and an item is remembered as published only once acknowledged, so a failed
publish is retried at the next poll instead of being lost. Each feed is polled on its own
schedule (see ``scheduling``); fetches are bounded globally and per host.
"""

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import structlog

from newswatch.analysis.engine import Analyzer
from newswatch.analysis.items import FeedContext, TextLimits, entry_id
from newswatch.analysis.stories import BurstDetector, StoryIndex
from newswatch.common.checkpoint import FeedCheckpoint
from newswatch.common.errors import FeedError, FeedProblem, FetchError, ParseError, PublishError
from newswatch.common.feeds import FeedConfig
from newswatch.fetching.feed_parser import ParsedFeed
from newswatch.fetching.http import Fetcher, FetchResult, Validators
from newswatch.fetching.parser_process import Parser, ParserThread
from newswatch.fetching.scheduling import (
    ScheduleLimits,
    next_interval,
    publishing_interval,
    with_jitter,
)
from newswatch.observability.metrics import Metrics
from newswatch.service.entries import EntryProcessor, PollReport
from newswatch.service.feed_state import FeedState
from newswatch.service.ports import Sink
from newswatch.service.seen import SeenIds

log = structlog.get_logger("newswatch.pipeline")

FIRST_POLL_SPREAD_SECONDS = 5.0
SINK_RETRY_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class PipelineLimits:
    """The knobs of the loop that are not the fetcher's."""

    schedule: ScheduleLimits
    max_concurrent_fetches: int
    max_fetches_per_host: int
    max_entries_per_feed: int
    text: TextLimits


class Ingester:
    """Polls the configured feeds and publishes matched items to the sink."""

    def __init__(
        self,
        feeds: list[FeedConfig],
        *,
        analyzer: Analyzer,
        fetcher: Fetcher,
        sink: Sink,
        metrics: Metrics,
        seen: SeenIds,
        limits: PipelineLimits,
        stories: StoryIndex | None = None,
        bursts: BurstDetector | None = None,
        parser: Parser | None = None,
    ) -> None:
        self._feeds = {feed.url: feed for feed in feeds}
        self._running: dict[str, tuple[asyncio.Task[None], asyncio.Event]] = {}
        self._accepting = False
        self._fetcher = fetcher
        self._sink = sink
        self._metrics = metrics
        self._seen = seen
        self._limits = limits
        self._parser = parser if parser is not None else ParserThread()
        self._entries = EntryProcessor(
            analyzer=analyzer,
            sink=sink,
            metrics=metrics,
            seen=seen,
            text_limits=limits.text,
            stories=stories if stories is not None else StoryIndex(),
            bursts=bursts if bursts is not None else BurstDetector(),
        )
        self._fetch_slots = asyncio.Semaphore(limits.max_concurrent_fetches)
        self._host_slots: dict[str, asyncio.Semaphore] = {}
        self.states: dict[str, FeedState] = {}
        for feed in feeds:
            self._new_state(feed)

    def _new_state(self, feed: FeedConfig) -> FeedState:
        self._metrics.feeds.add(feed.name)
        state = FeedState(
            name=feed.name,
            configured_url=feed.url,
            url=feed.url,
            interval_seconds=feed.poll_interval_seconds or self._limits.schedule.default_seconds,
        )
        self.states[feed.name] = state
        return state

    @property
    def feeds(self) -> list[FeedConfig]:
        """The feeds this ingester polls now."""
        return list(self._feeds.values())

    def restore(self, checkpoints: dict[str, FeedCheckpoint]) -> int:
        """Resume from stored checkpoints: validators, moved URLs and the ids already done.

        Returns how many feeds had a checkpoint.
        """
        restored = 0
        for state in self.states.values():
            checkpoint = checkpoints.get(state.configured_url)
            if checkpoint is None:
                continue
            restored += 1
            state.url = checkpoint.effective_url
            state.validators = Validators(checkpoint.etag, checkpoint.last_modified)
            state.done_ids = frozenset(checkpoint.done_ids)
            for identity in checkpoint.done_ids:
                self._seen.add(identity)
        return restored

    async def run_once(self) -> list[PollReport]:
        """Poll every feed once, concurrently within the fetch limits."""
        return list(await asyncio.gather(*(self.poll(feed) for feed in self._feeds.values())))

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Poll each feed on its schedule until ``stop`` is set; feeds may change meanwhile."""
        for feed in self._feeds.values():
            self._start(feed)
        self._accepting = True
        self._metrics.feeds_assigned.set(len(self._feeds))
        await stop.wait()
        self._accepting = False
        await asyncio.gather(*(self._stop(url) for url in list(self._running)))

    async def set_feeds(
        self, feeds: list[FeedConfig], checkpoints: dict[str, FeedCheckpoint]
    ) -> None:
        """Poll exactly ``feeds`` from now on.

        Feeds that go (or change) are stopped after their poll in flight has finished and its
        checkpoint was stored; feeds that come resume from ``checkpoints``.
        """
        wanted = {feed.url: feed for feed in feeds}
        leaving = [url for url, feed in self._feeds.items() if wanted.get(url) != feed]
        await asyncio.gather(*(self._stop(url) for url in leaving if url in self._running))
        for url in leaving:
            name = self._feeds[url].name
            del self.states[name]
            self._metrics.feeds.remove(name)
        arriving = [feed for url, feed in wanted.items() if self._feeds.get(url) != feed]
        self._feeds = wanted
        for feed in arriving:
            self._new_state(feed)
        self.restore({url: checkpoints[url] for url in checkpoints if url in wanted})
        if self._accepting:
            for feed in arriving:
                self._start(feed)
        self._metrics.feeds_assigned.set(len(wanted))
        if leaving or arriving:
            log.info(
                "feeds changed", polling=len(wanted), added=len(arriving), removed=len(leaving)
            )

    def _start(self, feed: FeedConfig) -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(self._poll_repeatedly(feed, stop), name=f"poll {feed.name}")
        self._running[feed.url] = (task, stop)

    async def _stop(self, url: str) -> None:
        task, stop = self._running.pop(url)
        stop.set()
        await task

    async def _poll_repeatedly(self, feed: FeedConfig, stop: asyncio.Event) -> None:
        state = self.states[feed.name]
        delay = with_jitter(min(state.interval_seconds, FIRST_POLL_SPREAD_SECONDS)) / 2
        while not await sleep_unless_stopped(stop, delay):
            if not await self._wait_for_sink(stop):
                return
            try:
                await self.poll(feed)
            except Exception:  # one feed's unforeseen fault must not stop the others
                self._metrics.feeds.count_fetch(feed.name, "internal_error")
                log.exception("poll crashed; the feed stays scheduled", feed=feed.name)
            delay = max(0.0, with_jitter(state.interval_seconds) - state.last_duration_seconds)
            state.next_poll = datetime.now(UTC) + timedelta(seconds=delay)
            self._metrics.feeds.set_gauge(
                feed.name, "feed_next_poll_timestamp_seconds", state.next_poll.timestamp()
            )

    async def _wait_for_sink(self, stop: asyncio.Event) -> bool:
        """Hold polling while the sink cannot take items (nothing is fetched to be dropped).

        Returns False when stopped while waiting.
        """
        if self._sink.is_ready():
            return True
        log.warning("sink not ready; polling paused until it is")
        while not self._sink.is_ready():
            if await sleep_unless_stopped(stop, SINK_RETRY_SECONDS):
                return False
        log.info("sink ready again; polling resumed")
        return True

    async def poll(self, feed: FeedConfig) -> PollReport:
        """Fetch, parse and publish one feed; failures are counted and logged, never raised."""
        state = self.states[feed.name]
        report = PollReport()
        structlog.contextvars.bind_contextvars(feed=feed.name, feed_url=feed.url)
        started = time.monotonic()
        retry_after: float | None = None
        server_hint: float | None = None
        try:
            result = await self._fetch(state, report)
            server_hint = result.cache_seconds
            if not result.not_modified:
                parsed = await self._parse(state, result, report)
                if parsed.ttl_seconds is not None:
                    server_hint = max(server_hint or 0.0, parsed.ttl_seconds)
                await self._publish_entries(state, result, parsed, report)
            self._record_success(state, result)
            if not state.checkpoint_saved:
                await self._save_checkpoint(state)
        except FeedError as error:
            retry_after = error.retry_after if isinstance(error, FetchError) else None
            self._record_failure(state, report, error)
        finally:
            state.last_duration_seconds = time.monotonic() - started
            state.last_entries = report.entries
            state.last_new_items = report.new
            state.interval_seconds = next_interval(
                self._limits.schedule,
                configured=feed.poll_interval_seconds,
                publishing_gap=state.publishing_gap_seconds,
                server_hint=server_hint,
                consecutive_failures=state.consecutive_failures,
                retry_after=retry_after,
            )
            self._export_health(state, report)
            log.info(
                "polled",
                status=report.status,
                entries=report.entries,
                new=report.new,
                matched=report.matched,
                published=report.published,
                rejected=report.rejected,
                failed=report.failed,
                duration_s=round(state.last_duration_seconds, 3),
                next_poll_in_s=round(state.interval_seconds, 1),
            )
            structlog.contextvars.unbind_contextvars("feed", "feed_url")
        return report

    async def _fetch(self, state: FeedState, report: PollReport) -> FetchResult:
        host = urlsplit(state.url).hostname or ""
        host_slots = self._host_slots.setdefault(
            host, asyncio.Semaphore(self._limits.max_fetches_per_host)
        )
        async with host_slots, self._fetch_slots:
            state.last_attempt = datetime.now(UTC)
            started = time.monotonic()
            try:
                result = await self._fetcher.fetch(state.url, state.validators)
            except FetchError as error:
                report.status = error.reason.value
                state.last_status = error.status
                raise
            finally:
                report.fetch_seconds = time.monotonic() - started
        report.status = "not_modified" if result.not_modified else "ok"
        state.last_status = result.status
        state.last_bytes = result.wire_bytes
        self._metrics.feeds.count_received(state.name, wire_bytes=result.wire_bytes)
        if result.permanent_url and result.permanent_url != state.url:
            log.info(
                "feed moved permanently; polling its new address", new_url=result.permanent_url
            )
            state.url = result.permanent_url
            state.checkpoint_saved = False
        return result

    async def _parse(self, state: FeedState, result: FetchResult, report: PollReport) -> ParsedFeed:
        """Parse off the event loop, so that a large feed never holds up the others' fetches."""
        try:
            parsed = await self._parser.parse(
                result.body,
                feed_url=state.url,
                content_type=result.content_type,
                base_url=result.final_url,
                max_entries=self._limits.max_entries_per_feed,
            )
        except ParseError:
            report.status = "parse_error"
            raise
        for problem in sorted(parsed.problems):
            self._count_problem(state, problem, parsed.detail[:300])
        state.publishing_gap_seconds = publishing_interval(
            (entry.published for entry in parsed.entries if entry.published is not None),
            datetime.now(UTC),
        )
        return parsed

    def _count_problem(self, state: FeedState, problem: FeedProblem, detail: str = "") -> None:
        self._metrics.feeds.count_problem(state.name, problem.value)
        log.warning("feed problem", problem=problem.value, detail=detail)

    def _record_success(self, state: FeedState, result: FetchResult) -> None:
        state.consecutive_failures = 0
        state.last_outcome = "not_modified" if result.not_modified else "ok"
        state.last_error = ""
        state.last_success = datetime.now(UTC)

    def _record_failure(self, state: FeedState, report: PollReport, error: FeedError) -> None:
        state.consecutive_failures += 1
        state.last_outcome = report.status
        state.last_error = str(error)[:500]
        log.warning(
            "feed failed",
            status=report.status,
            error=state.last_error,
            consecutive_failures=state.consecutive_failures,
        )

    def _export_health(self, state: FeedState, report: PollReport) -> None:
        name, series = state.name, self._metrics.feeds
        series.count_fetch(name, report.status, duration=report.fetch_seconds)
        series.set_gauge(name, "feed_up", 1 if state.consecutive_failures == 0 else 0)
        series.set_gauge(name, "feed_consecutive_failures", state.consecutive_failures)
        series.set_gauge(name, "feed_http_status", state.last_status or 0)
        series.set_gauge(name, "feed_poll_interval_seconds", state.interval_seconds)
        if state.consecutive_failures == 0 and state.last_success is not None:
            series.set_gauge(
                name, "feed_last_success_timestamp_seconds", state.last_success.timestamp()
            )

    async def _publish_entries(
        self, state: FeedState, result: FetchResult, parsed: ParsedFeed, report: PollReport
    ) -> None:
        """Publish the new entries; advance the validators only if all were acknowledged."""
        context = FeedContext(
            url=state.configured_url,
            name=state.name,
            base_url=result.final_url,
            language=parsed.language,
        )
        fetched_at = datetime.now(UTC)
        report.entries = len(parsed.entries)
        self._metrics.feeds.count_received(state.name, entries=len(parsed.entries))
        pending: list[asyncio.Task[bool]] = []
        batch_ids: set[str] = set()
        document_ids = [entry_id(entry, context) for entry in parsed.entries]
        for entry, identity in zip(parsed.entries, document_ids, strict=True):
            if identity in self._seen or identity in batch_ids:
                self._metrics.items_dropped.labels("duplicate").inc()
                continue
            batch_ids.add(identity)
            report.new += 1
            pending.append(
                asyncio.create_task(
                    self._entries.handle(entry, identity, context, fetched_at, report)
                )
            )
        results = await asyncio.gather(*pending)
        if all(results):
            done = frozenset(identity for identity in document_ids if identity in self._seen)
            if result.validators != state.validators or done != state.done_ids:
                state.validators = result.validators
                state.done_ids = done
                state.checkpoint_saved = False

    async def _save_checkpoint(self, state: FeedState) -> None:
        """Store the feed's checkpoint; on failure it is retried after the next poll."""
        checkpoint = FeedCheckpoint(
            feed_url=state.configured_url,
            effective_url=state.url,
            etag=state.validators.etag,
            last_modified=state.validators.last_modified,
            done_ids=sorted(state.done_ids),
            updated_at=datetime.now(UTC),
        )
        try:
            await self._sink.save_checkpoint(checkpoint)
        except PublishError as error:
            log.error("checkpoint not stored; will retry after the next poll", error=str(error))
            return
        state.checkpoint_saved = True

    def health(self) -> list[dict[str, Any]]:
        """Every feed's health, for ``/feeds`` and ``newswatch feeds``."""
        return [state.snapshot() for state in self.states.values()]


async def sleep_unless_stopped(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep up to ``seconds``; True as soon as ``stop`` is set."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True
