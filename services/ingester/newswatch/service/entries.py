"""A poll's new feed entries, prepared by an analysis worker (``analysis.prepare``), through
the stages the main process keeps: the second opinion's embedding, the story, publication (the
matched items of a poll together, in one spool commit). An entry counts as done (its id is
remembered) only once the sink confirmed it."""

import asyncio
from collections.abc import Awaitable, Sequence
from datetime import UTC, datetime
from typing import NamedTuple

import structlog

from newswatch.analysis.items import FeedContext
from newswatch.analysis.prepare import Prepared, Rejected
from newswatch.analysis.semantic.worker import SemanticWorker, Skip
from newswatch.analysis.stories import StoryAssignment
from newswatch.common.encoded_item import EncodedItem
from newswatch.common.errors import FeedProblem, ParseError, PublishError
from newswatch.observability.metrics import Metrics
from newswatch.service.analysis_job import RevisionJob
from newswatch.service.analysis_pool import AnalysisStage
from newswatch.service.fleet_stories import FleetStories
from newswatch.service.outcome import EntryResult
from newswatch.service.ports import EventSink
from newswatch.service.seen import SeenIds

log = structlog.get_logger("newswatch.entries")


class _Matched(NamedTuple):
    """A matched entry of a poll, put in its story, waiting for its publication."""

    position: int
    """Its place among the poll's entries."""
    identity: str
    item: EncodedItem
    story: StoryAssignment


class EntryProcessor:
    """Takes the new entries of a poll from prepared records to acknowledged items (or
    rejections)."""

    def __init__(
        self,
        *,
        analysis: AnalysisStage,
        sink: EventSink,
        metrics: Metrics,
        seen: SeenIds,
        stories: FleetStories,
        semantic: SemanticWorker | None = None,
    ) -> None:
        self._analysis = analysis
        self._semantic = semantic
        self._sink = sink
        self._metrics = metrics
        self._seen = seen
        self._stories = stories

    async def handle_all(
        self, entries: Sequence[Prepared | Rejected], feed: FeedContext, fetched_at: datetime
    ) -> list[EntryResult]:
        """Publish a poll's new entries as the workers prepared them, the matched items all
        together; what became of each, in order."""
        if self._semantic is not None:
            entries = await asyncio.gather(
                *(self._second_opinion(entry, feed, fetched_at) for entry in entries)
            )
        results: list[EntryResult] = []
        matched: list[_Matched] = []
        for entry in entries:
            if isinstance(entry, Rejected):
                results.append(await self._reject(entry))
            elif (assigned := self._assign(entry, feed)) is None:
                results.append(EntryResult.NO_THEME)
            else:
                matched.append(_Matched(len(results), entry.identity, *assigned))
                results.append(EntryResult.PUBLISHED)
        if not matched:
            return results
        outcomes = await self._sink.publish_items(
            [match.item.with_story(match.story.story_id) for match in matched]
        )
        for match, error in zip(matched, outcomes, strict=True):
            if error is not None:
                log.error(
                    "publish failed; will retry at the next poll",
                    error=str(error),
                    item_id=match.identity,
                )
                results[match.position] = EntryResult.PUBLISH_FAILED
                continue
            self._seen.add(match.identity)
            await self._follow_story(match.story, list(match.item.themes))
        return results

    def _assign(
        self, entry: Prepared, feed: FeedContext
    ) -> tuple[EncodedItem, StoryAssignment] | None:
        """Count the entry; put a matched one in its story, or remember an unmatched one as
        done (None)."""
        identity = entry.identity
        if entry.date_estimated:
            self._metrics.feeds.count_problem(feed.name, FeedProblem.DATE_ESTIMATED.value)
            log.info(
                "publication date missing or implausible; using the fetch time",
                raw_date=entry.raw_date,
                item_id=identity,
            )
        item, key = entry.item, entry.story
        if item is None or key is None:
            self._metrics.items_dropped.labels("no_theme").inc()
            self._seen.add(identity)
            return None
        for theme in item.themes:
            self._metrics.items_matched.labels(theme).inc()
        return item, self._stories.index.assign_key(identity, key, entry.published_at, feed.url)

    async def _reject(self, entry: Rejected) -> EntryResult:
        """Count, log and publish an entry that could not be normalised."""
        record = entry.record
        self._metrics.items_dropped.labels(record.reason.value).inc()
        log.warning(
            "entry rejected",
            reason=record.reason.value,
            detail=record.detail,
            entry_index=entry.entry_index,
            item_id=entry.identity,
        )
        delivered = await self._deliver(entry.identity, self._sink.publish_rejected(record))
        return EntryResult.REJECTED if delivered else EntryResult.REJECTED_FAILED

    async def _second_opinion(
        self, entry: Prepared | Rejected, feed: FeedContext, fetched_at: datetime
    ) -> Prepared | Rejected:
        """The entry prepared again with the semantic classifier's opinion, when it is on and
        the entry is a candidate; as it was, on the rules alone, when the embedding or the
        revision could not be had (counted)."""
        if (
            self._semantic is None
            or isinstance(entry, Rejected)
            or entry.candidate is None
            or entry.entry is None
        ):
            return entry
        structlog.contextvars.bind_contextvars(item_id=entry.identity)
        vector = await self._semantic.embed(entry.candidate)
        if isinstance(vector, Skip):
            self._metrics.semantic_skipped.labels(vector.value).inc()
            return entry
        self._metrics.semantic_embedded.inc()
        job = RevisionJob(entry.entry, entry.identity, feed, fetched_at, vector)
        try:
            revised = await self._analysis.run(job, feed_url=feed.url)
        except ParseError as error:
            log.warning("second opinion not applied", error=str(error))
            self._metrics.semantic_skipped.labels(Skip.FAILED.value).inc()
            return entry
        if not isinstance(revised, Prepared):
            raise TypeError(f"a revision of {entry.identity} gave {type(revised).__name__}")
        for theme in revised.classifier_themes:
            self._metrics.semantic_added.labels(theme).inc()
        return revised

    async def _follow_story(self, story: StoryAssignment, themes: list[str]) -> None:
        """Count the story and its sources; offer the burst this item completes, if any (its
        story's owner in the fleet publishes it)."""
        for theme in themes:
            if story.is_new_story:
                self._metrics.stories.labels(theme).inc()
            if story.new_source:
                self._metrics.story_sources.labels(theme).inc()
        burst = self._stories.bursts.observe(story, themes, datetime.now(UTC))
        if burst is not None:
            await self._stories.offer(burst)

    async def _deliver(self, identity: str, publishing: Awaitable[None]) -> bool:
        """Await one publication; remember the id only once it is acknowledged."""
        try:
            await publishing
        except PublishError as error:
            log.error(
                "publish failed; will retry at the next poll", error=str(error), item_id=identity
            )
            return False
        self._seen.add(identity)
        return True
