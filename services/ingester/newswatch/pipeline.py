"""The ingester's loop: for each feed, fetch → parse → normalise → match → publish.

A feed's conditional-GET validators advance only after every item of that poll was
acknowledged, and an item is remembered as published only once acknowledged, so a failed
publish is retried at the next poll instead of being lost.
"""

import asyncio
import random
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import structlog

from newswatch.errors import EntryRejectedError, FeedError, FetchError, PublishError
from newswatch.feeds import FeedConfig
from newswatch.fetch import Fetcher, Validators
from newswatch.match import CompiledTheme, match
from newswatch.metrics import Metrics
from newswatch.normalise import FeedContext, entry_id, normalise_entry, plain_text
from newswatch.parse import ParsedFeed, RawEntry, parse_feed
from newswatch.publish import Sink
from newswatch.seen import SeenIds
from newswatch_schemas import RejectedEntry

log = structlog.get_logger("newswatch.pipeline")

ENTRY_EXCERPT_CHARS = 300


@dataclass(slots=True)
class PollReport:
    """What one poll of one feed did; logged as one line."""

    status: str = ""
    entries: int = 0
    new: int = 0
    matched: int = 0
    published: int = 0
    rejected: int = 0
    failed: int = 0
    problem: str = ""


@dataclass(slots=True)
class FeedState:
    """What the ingester remembers about one feed between polls."""

    validators: Validators = field(default_factory=Validators)


class Ingester:
    """Polls the configured feeds and publishes matched items to the sink."""

    def __init__(
        self,
        feeds: list[FeedConfig],
        *,
        themes: tuple[CompiledTheme, ...],
        fetcher: Fetcher,
        sink: Sink,
        metrics: Metrics,
        seen: SeenIds,
        poll_interval_seconds: float,
        max_concurrent_fetches: int,
    ) -> None:
        self._feeds = feeds
        self._themes = themes
        self._fetcher = fetcher
        self._sink = sink
        self._metrics = metrics
        self._seen = seen
        self._interval = poll_interval_seconds
        self._fetch_slots = asyncio.Semaphore(max_concurrent_fetches)
        self._states = {feed.url: FeedState() for feed in feeds}

    async def run_once(self) -> list[PollReport]:
        """Poll every feed once, concurrently within the fetch limit."""
        return list(await asyncio.gather(*(self.poll(feed) for feed in self._feeds)))

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Poll each feed at its interval, with jitter, until ``stop`` is set."""
        await asyncio.gather(*(self._poll_repeatedly(feed, stop) for feed in self._feeds))

    async def _poll_repeatedly(self, feed: FeedConfig, stop: asyncio.Event) -> None:
        interval = feed.poll_interval_seconds or self._interval
        delay = random.uniform(0, min(interval, 5.0))  # noqa: S311 - jitter, not security
        while not await _wait(stop, delay):
            await self.poll(feed)
            delay = interval * random.uniform(0.9, 1.1)  # noqa: S311 - jitter, not security

    async def poll(self, feed: FeedConfig) -> PollReport:
        """Fetch, parse and publish one feed; failures are counted and logged, never raised."""
        report = PollReport()
        structlog.contextvars.bind_contextvars(feed=feed.name, feed_url=feed.url)
        started = time.monotonic()
        try:
            await self._poll(feed, report)
        except FeedError as error:
            report.problem = str(error)
            log.warning("feed failed", status=report.status, error=str(error))
        finally:
            duration = time.monotonic() - started
            self._metrics.feed_fetches.labels(feed.name, report.status).inc()
            log.info(
                "polled",
                status=report.status,
                entries=report.entries,
                new=report.new,
                matched=report.matched,
                published=report.published,
                rejected=report.rejected,
                failed=report.failed,
                duration_s=round(duration, 3),
            )
            structlog.contextvars.unbind_contextvars("feed", "feed_url")
        return report

    async def _poll(self, feed: FeedConfig, report: PollReport) -> None:
        state = self._states[feed.url]
        fetched_at = datetime.now(UTC)
        async with self._fetch_slots:
            started = time.monotonic()
            try:
                result = await self._fetcher.fetch(feed.url, state.validators)
            except FetchError as error:
                report.status = error.reason.value
                raise
            finally:
                self._metrics.feed_fetch_duration.labels(feed.name).observe(
                    time.monotonic() - started
                )
        if result.not_modified:
            report.status = "not_modified"
            self._metrics.feed_last_success.labels(feed.name).set_to_current_time()
            return
        report.status = "parse_error"
        parsed = await asyncio.to_thread(
            parse_feed,
            result.body,
            feed_url=feed.url,
            content_type=result.content_type,
            base_url=result.final_url,
        )
        report.status = "ok"
        if not parsed.well_formed:
            log.warning(
                "feed is not well-formed; using the entries that could be read",
                problem=parsed.problem[:300],
            )
        self._metrics.feed_last_success.labels(feed.name).set_to_current_time()
        context = FeedContext(
            url=feed.url, name=feed.name, base_url=result.final_url, language=parsed.language
        )
        all_acknowledged = await self._handle_entries(parsed, context, fetched_at, report)
        if all_acknowledged:
            state.validators = result.validators

    async def _handle_entries(
        self, parsed: ParsedFeed, context: FeedContext, fetched_at: datetime, report: PollReport
    ) -> bool:
        """Publish the new entries; True when every one of them was acknowledged."""
        report.entries = len(parsed.entries)
        self._metrics.items_fetched.labels(context.name).inc(len(parsed.entries))
        pending: list[asyncio.Task[bool]] = []
        batch_ids: set[str] = set()
        for entry in parsed.entries:
            identity = entry_id(entry, context)
            if identity in self._seen or identity in batch_ids:
                self._metrics.items_dropped.labels("duplicate").inc()
                continue
            batch_ids.add(identity)
            report.new += 1
            pending.append(
                asyncio.create_task(
                    self._handle_entry(entry, identity, context, fetched_at, report)
                )
            )
        results = await asyncio.gather(*pending)
        return all(results)

    async def _handle_entry(
        self,
        entry: RawEntry,
        identity: str,
        context: FeedContext,
        fetched_at: datetime,
        report: PollReport,
    ) -> bool:
        """Normalise, match and publish one new entry; False when Kafka did not confirm it."""
        structlog.contextvars.bind_contextvars(item_id=identity)
        try:
            item = normalise_entry(entry, context, fetched_at)
        except EntryRejectedError as rejection:
            report.rejected += 1
            self._metrics.items_dropped.labels(rejection.reason.value).inc()
            log.warning(
                "entry rejected",
                reason=rejection.reason.value,
                detail=rejection.detail,
                entry_index=entry.index,
            )
            rejected = _rejected_record(entry, identity, context, fetched_at, rejection)
            return await self._deliver(identity, self._sink.publish_rejected(rejected), report)
        themes = match(self._themes, item.title, item.summary)
        if not themes:
            self._metrics.items_dropped.labels("no_theme").inc()
            self._seen.add(identity)
            return True
        report.matched += 1
        for theme in themes:
            self._metrics.items_matched.labels(theme.theme).inc()
        matched = item.model_copy(update={"themes": themes})
        delivered = await self._deliver(identity, self._sink.publish_item(matched), report)
        if delivered:
            report.published += 1
        return delivered

    async def _deliver(
        self, identity: str, publishing: Awaitable[None], report: PollReport
    ) -> bool:
        """Await one publication; remember the id only once it is acknowledged."""
        try:
            await publishing
        except PublishError as error:
            report.failed += 1
            log.error(
                "publish failed; will retry at the next poll", error=str(error), item_id=identity
            )
            return False
        self._seen.add(identity)
        return True


def _rejected_record(
    entry: RawEntry,
    identity: str,
    context: FeedContext,
    fetched_at: datetime,
    rejection: EntryRejectedError,
) -> RejectedEntry:
    excerpt = {
        "id": entry.guid,
        "link": entry.link,
        "title": plain_text(entry.title, ENTRY_EXCERPT_CHARS),
    }
    return RejectedEntry(
        id=identity,
        feed_url=context.url,
        feed_name=context.name,
        reason=rejection.reason,
        detail=rejection.detail,
        entry_index=entry.index,
        entry={key: value[:ENTRY_EXCERPT_CHARS] for key, value in excerpt.items()},
        fetched_at=fetched_at,
    )


async def _wait(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep up to ``seconds``; True as soon as ``stop`` is set."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True
