"""One poll of one feed: fetch → parse and prepare the new entries (an analysis worker,
``analysis_job``) → each new entry (``entries``) → checkpoint.

A poll reads the feed's state and returns an immutable ``PollOutcome``; it changes no state
itself (``FeedState.apply`` does). The validators and done ids move on only when every record
of the poll was acknowledged, and the checkpoint is stored only after that; an item is
remembered as done only once acknowledged, so a failed publication is retried at the next
poll instead of being lost. Fetches are bounded globally and per host.
"""

import asyncio
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

import structlog

from newswatch.analysis.items import FeedContext
from newswatch.common.errors import FetchError, ParseError, PublishError
from newswatch.common.redaction import redact_url
from newswatch.fetching.http import Fetcher, FetchResult
from newswatch.fetching.scheduling import with_jitter
from newswatch.observability.metrics import Metrics
from newswatch.service.analysis_job import DocumentJob, DocumentResult, document_result
from newswatch.service.analysis_pool import AnalysisStage
from newswatch.service.entries import EntryProcessor
from newswatch.service.feed_state import FeedState
from newswatch.service.outcome import EntryCounts, PollOutcome, Progress
from newswatch.service.ports import CheckpointStore
from newswatch.service.seen import SeenIds

log = structlog.get_logger("newswatch.pipeline")

PROBLEM_DETAIL_CHARS = 300


@dataclass(frozen=True, slots=True)
class PollLimits:
    """How many fetches run at once, in all and per host, and how many entries a document
    may contribute."""

    max_concurrent_fetches: int
    max_fetches_per_host: int
    max_entries_per_feed: int


class FeedPoller:
    """Polls one feed at a time on behalf of the supervisor; shared by all feeds, so that the
    fetch limits hold across them."""

    def __init__(
        self,
        *,
        fetcher: Fetcher,
        analysis: AnalysisStage,
        entries: EntryProcessor,
        store: CheckpointStore,
        metrics: Metrics,
        seen: SeenIds,
        limits: PollLimits,
    ) -> None:
        self._fetcher = fetcher
        self._analysis = analysis
        self._entries = entries
        self._store = store
        self._metrics = metrics
        self._seen = seen
        self._limits = limits
        self._fetch_slots = asyncio.Semaphore(limits.max_concurrent_fetches)
        self._host_slots: dict[str, asyncio.Semaphore] = {}

    async def poll(self, state: FeedState) -> PollOutcome:
        """Fetch, parse and publish the feed, then store its checkpoint if it moved on.

        Failures are in the outcome, never raised.
        """
        started = time.monotonic()
        outcome = await self._read(state)
        if outcome.succeeded:
            stored = await self._store_checkpoint(state.apply(outcome))
            outcome = replace(outcome, checkpoint_stored=stored)
        self._metrics.feeds.count_fetch(state.name, outcome.status, duration=outcome.fetch_seconds)
        return replace(
            outcome,
            finished_at=datetime.now(UTC),
            duration_seconds=time.monotonic() - started,
            jitter=with_jitter(1.0),
        )

    async def _read(self, state: FeedState) -> PollOutcome:
        """Fetch → prepare → publish; the outcome's timing is the fetch's until ``poll`` ends.

        The fetch slot is held until the document is prepared: fetching never runs further
        ahead of the analysis workers than the fetch slots allow, so when they are the
        bottleneck (a cold start on thousands of feeds) no more than that many documents wait
        in memory."""
        attempted_at, fetch_seconds, fetched = await self._fetch(state)
        try:
            read = await self._answer(state, attempted_at, fetch_seconds, fetched)
        finally:
            self._fetch_slots.release()
        if isinstance(read, PollOutcome):
            return read
        answered, fetched_result, document, feed, fetched_at = read
        counts, progress = await self._publish(state, fetched_result, document, feed, fetched_at)
        server_hint = answered.server_hint
        if document.ttl_seconds is not None:
            server_hint = max(server_hint or 0.0, document.ttl_seconds)
        return replace(
            answered,
            server_hint=server_hint,
            parsed=True,
            publishing_gap_seconds=document.publishing_gap_seconds,
            counts=counts,
            progress=progress,
        )

    async def _answer(
        self,
        state: FeedState,
        attempted_at: datetime,
        fetch_seconds: float,
        fetched: FetchResult | FetchError,
    ) -> PollOutcome | tuple[PollOutcome, FetchResult, DocumentResult, FeedContext, datetime]:
        """The poll's outcome when it ends here (a failure, a 304, a parse error); else the
        answer so far and the prepared document, to publish."""
        attempt = PollOutcome(
            status="",
            attempted_at=attempted_at,
            finished_at=attempted_at,
            duration_seconds=fetch_seconds,
            fetch_seconds=fetch_seconds,
        )
        if isinstance(fetched, FetchError):
            return replace(
                attempt,
                status=fetched.reason.value,
                error=str(fetched),
                http_status=fetched.status,
                retry_after=fetched.retry_after,
            )
        answered = replace(
            attempt,
            status="not_modified" if fetched.not_modified else "ok",
            http_status=fetched.status,
            wire_bytes=fetched.wire_bytes,
            moved_to=self._moved(state, fetched),
            server_hint=fetched.cache_seconds,
        )
        if fetched.not_modified:
            return answered
        url = answered.moved_to or state.url
        fetched_at = datetime.now(UTC)
        feed = FeedContext(
            url=state.public_url,
            name=state.name,
            base_url=redact_url(fetched.final_url),
            language=state.language,
        )
        try:
            document = await self._prepare(state, url, fetched, feed, fetched_at)
        except ParseError as error:
            return replace(answered, status="parse_error", error=str(error))
        return answered, fetched, document, replace(feed, language=document.language), fetched_at

    async def _fetch(self, state: FeedState) -> tuple[datetime, float, FetchResult | FetchError]:
        """When the fetch began (once it had its slots), how long it took, what it got. Returns
        holding a fetch slot, which ``_read`` releases."""
        host = urlsplit(state.url).hostname or ""
        host_slots = self._host_slots.setdefault(
            host, asyncio.Semaphore(self._limits.max_fetches_per_host)
        )
        async with host_slots:
            await self._fetch_slots.acquire()
            try:
                attempted_at = datetime.now(UTC)
                started = time.monotonic()
                try:
                    result: FetchResult | FetchError = await self._fetcher.fetch(
                        state.url, state.validators
                    )
                except FetchError as error:
                    result = error
                fetch_seconds = time.monotonic() - started
            except BaseException:
                self._fetch_slots.release()
                raise
        if isinstance(result, FetchResult):
            self._metrics.feeds.count_received(state.name, wire_bytes=result.wire_bytes)
        return attempted_at, fetch_seconds, result

    @staticmethod
    def _moved(state: FeedState, result: FetchResult) -> str | None:
        """The feed's new address when it moved permanently; None when it did not."""
        if not result.permanent_url or result.permanent_url == state.url:
            return None
        log.info(
            "feed moved permanently; polling its new address",
            new_url=redact_url(result.permanent_url),
        )
        return result.permanent_url

    async def _prepare(
        self,
        state: FeedState,
        url: str,
        result: FetchResult,
        feed: FeedContext,
        fetched_at: datetime,
    ) -> DocumentResult:
        """Parse the document and prepare its new entries in an analysis worker, so that a
        large feed never holds up the others' fetches.

        Relative links resolve against the redacted address: a link such as ``#top`` would
        otherwise carry the feed's credentials into the item's URL.
        """
        job = DocumentJob(
            body=result.body,
            feed_url=url,
            content_type=result.content_type,
            base_url=feed.base_url,
            max_entries=self._limits.max_entries_per_feed,
            feed=feed,
            fetched_at=fetched_at,
            known_ids=state.done_ids,
        )
        document = document_result(await self._analysis.run(job, feed_url=url), feed_url=url)
        for problem in sorted(document.problems):
            self._metrics.feeds.count_problem(state.name, problem.value)
            log.warning(
                "feed problem", problem=problem.value, detail=document.detail[:PROBLEM_DETAIL_CHARS]
            )
        return document

    async def _publish(
        self,
        state: FeedState,
        result: FetchResult,
        document: DocumentResult,
        feed: FeedContext,
        fetched_at: datetime,
    ) -> tuple[EntryCounts, Progress | None]:
        """Publish the new entries, all at once; the progress only if all were acknowledged.

        The worker left out the entries the feed's last poll finished with and repeats within
        the document; an entry another feed already brought is left out here."""
        self._metrics.feeds.count_received(state.name, entries=len(document.entry_ids))
        fresh = [entry for entry in document.new if entry.identity not in self._seen]
        duplicates = len(document.entry_ids) - len(fresh)
        if duplicates:
            self._metrics.items_dropped.labels("duplicate").inc(duplicates)
        results = await self._entries.handle_all(fresh, feed, fetched_at)
        counts = EntryCounts.tally(len(document.entry_ids), results)
        if not all(ending.acknowledged for ending in results):
            return counts, None
        done = frozenset(
            identity
            for identity in document.entry_ids
            if identity in self._seen or identity in state.done_ids
        )
        return counts, Progress(result.validators, done)

    async def _store_checkpoint(self, after: FeedState) -> bool | None:
        """Store the checkpoint of the state after a successful poll, unless the stored one is
        current (None). On failure (False) it is retried after the next poll."""
        if after.checkpoint_saved:
            return None
        try:
            await self._store.save(after.checkpoint(datetime.now(UTC)))
        except PublishError as error:
            log.error("checkpoint not stored; will retry after the next poll", error=str(error))
            return False
        return True
