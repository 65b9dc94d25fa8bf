"""One new feed entry, prepared by an analysis worker (``analysis.prepare``), through the
stages the main process keeps: the second opinion's embedding, the story, publication. An
entry counts as done (its id is remembered) only once the sink confirmed it."""

from collections.abc import Awaitable
from datetime import UTC, datetime

import structlog

from newswatch.analysis.items import FeedContext
from newswatch.analysis.prepare import Prepared, Rejected
from newswatch.analysis.semantic.worker import SemanticWorker, Skip
from newswatch.analysis.stories import StoryAssignment
from newswatch.common.errors import FeedProblem, ParseError, PublishError
from newswatch.observability.metrics import Metrics
from newswatch.service.analysis_job import RevisionJob
from newswatch.service.analysis_pool import AnalysisStage
from newswatch.service.fleet_stories import FleetStories
from newswatch.service.outcome import EntryResult
from newswatch.service.ports import EventSink
from newswatch.service.seen import SeenIds

log = structlog.get_logger("newswatch.entries")


class EntryProcessor:
    """Takes each new entry of a poll from prepared record to acknowledged item (or
    rejection)."""

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

    async def handle(
        self, entry: Prepared | Rejected, feed: FeedContext, fetched_at: datetime
    ) -> EntryResult:
        """Publish one new entry as the worker prepared it; what became of it."""
        identity = entry.identity
        structlog.contextvars.bind_contextvars(item_id=identity)
        if isinstance(entry, Rejected):
            record = entry.record
            self._metrics.items_dropped.labels(record.reason.value).inc()
            log.warning(
                "entry rejected",
                reason=record.reason.value,
                detail=record.detail,
                entry_index=entry.entry_index,
            )
            delivered = await self._deliver(identity, self._sink.publish_rejected(record))
            return EntryResult.REJECTED if delivered else EntryResult.REJECTED_FAILED
        if entry.date_estimated:
            self._metrics.feeds.count_problem(feed.name, FeedProblem.DATE_ESTIMATED.value)
            log.info(
                "publication date missing or implausible; using the fetch time",
                raw_date=entry.raw_date,
            )
        entry = await self._second_opinion(entry, feed, fetched_at)
        item, key = entry.item, entry.story
        if item is None or key is None:
            self._metrics.items_dropped.labels("no_theme").inc()
            self._seen.add(identity)
            return EntryResult.NO_THEME
        for theme in item.themes:
            self._metrics.items_matched.labels(theme).inc()
        story = self._stories.index.assign_key(identity, key, entry.published_at, feed.url)
        if not await self._deliver(
            identity, self._sink.publish_item(item.with_story(story.story_id))
        ):
            return EntryResult.PUBLISH_FAILED
        await self._follow_story(story, list(item.themes))
        return EntryResult.PUBLISHED

    async def _second_opinion(
        self, entry: Prepared, feed: FeedContext, fetched_at: datetime
    ) -> Prepared:
        """The entry prepared again with the semantic classifier's opinion, when it is on and
        the entry is a candidate; as it was, on the rules alone, when the embedding or the
        revision could not be had (counted)."""
        if self._semantic is None or entry.candidate is None or entry.entry is None:
            return entry
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
