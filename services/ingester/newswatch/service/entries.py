"""One new feed entry through the stages after parsing: normalise, match, extract, story,
publish. An entry counts as done (its id is remembered) only once the sink confirmed it."""

from collections.abc import Awaitable
from datetime import UTC, datetime

import structlog

from newswatch.analysis.config import TextSettings
from newswatch.analysis.engine import Analysis, Analyzer
from newswatch.analysis.items import FeedContext, normalise_entry, plain_text
from newswatch.analysis.semantic.worker import SemanticWorker, Skip
from newswatch.analysis.stories import StoryAssignment, story_text
from newswatch.common.errors import EntryRejectedError, FeedProblem, PublishError
from newswatch.common.raw_entry import RawEntry
from newswatch.common.redaction import redact_url
from newswatch.observability.metrics import Metrics
from newswatch.service.fleet_stories import FleetStories
from newswatch.service.outcome import EntryResult
from newswatch.service.ports import EventSink
from newswatch.service.seen import SeenIds
from newswatch_schemas import RejectedEntry

log = structlog.get_logger("newswatch.entries")

ENTRY_EXCERPT_CHARS = 300


class EntryProcessor:
    """Takes each new entry of a poll from raw record to acknowledged item (or rejection)."""

    def __init__(
        self,
        *,
        analyzer: Analyzer,
        sink: EventSink,
        metrics: Metrics,
        seen: SeenIds,
        text_limits: TextSettings,
        stories: FleetStories,
        semantic: SemanticWorker | None = None,
    ) -> None:
        self._analyzer = analyzer
        self._semantic = semantic
        self._sink = sink
        self._metrics = metrics
        self._seen = seen
        self._text_limits = text_limits
        self._stories = stories

    async def handle(
        self,
        entry: RawEntry,
        identity: str,
        context: FeedContext,
        fetched_at: datetime,
    ) -> EntryResult:
        """Normalise, match and publish one new entry; what became of it."""
        structlog.contextvars.bind_contextvars(item_id=identity)
        try:
            item = normalise_entry(entry, context, fetched_at, self._text_limits)
        except EntryRejectedError as rejection:
            self._metrics.items_dropped.labels(rejection.reason.value).inc()
            log.warning(
                "entry rejected",
                reason=rejection.reason.value,
                detail=rejection.detail,
                entry_index=entry.index,
            )
            rejected = rejected_record(entry, identity, context, fetched_at, rejection)
            delivered = await self._deliver(identity, self._sink.publish_rejected(rejected))
            return EntryResult.REJECTED if delivered else EntryResult.REJECTED_FAILED
        if item.published_at_estimated:
            self._metrics.feeds.count_problem(context.name, FeedProblem.DATE_ESTIMATED.value)
            log.info(
                "publication date missing or implausible; using the fetch time",
                raw_date=entry.published_raw[:100],
            )
        analysis = self._analyzer.analyse(item.title, item.summary, item.language)
        analysis = await self._second_opinion(analysis, item.title, item.summary)
        themes = analysis.themes
        if not themes:
            self._metrics.items_dropped.labels("no_theme").inc()
            self._seen.add(identity)
            return EntryResult.NO_THEME
        theme_names = [theme.theme for theme in themes]
        for theme in theme_names:
            self._metrics.items_matched.labels(theme).inc()
        story = self._stories.index.assign(
            item.id, story_text(item.title, item.summary), item.published_at, context.url
        )
        facts = analysis.facts
        matched = item.model_copy(
            update={
                "themes": themes,
                "story_id": story.story_id,
                "figures": list(facts.figures),
                "actors": list(facts.actors),
                "places": list(facts.places),
            }
        )
        if not await self._deliver(identity, self._sink.publish_item(matched)):
            return EntryResult.PUBLISH_FAILED
        await self._follow_story(story, theme_names)
        return EntryResult.PUBLISHED

    async def _second_opinion(self, analysis: Analysis, title: str, summary: str) -> Analysis:
        """The analysis with the semantic classifier's themes, when it is on and the item is a
        candidate; the rules' alone when the worker cannot keep up (counted)."""
        if self._semantic is None:
            return analysis
        candidate = self._analyzer.candidate(analysis, title, summary)
        if candidate is None:
            return analysis
        vector = await self._semantic.embed(candidate.text)
        if isinstance(vector, Skip):
            self._metrics.semantic_skipped.labels(vector.value).inc()
            return analysis
        self._metrics.semantic_embedded.inc()
        revised = self._analyzer.with_opinion(analysis, candidate, vector)
        for theme in revised.themes:
            if theme.classifier is not None:
                self._metrics.semantic_added.labels(theme.theme).inc()
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


def rejected_record(
    entry: RawEntry,
    identity: str,
    context: FeedContext,
    fetched_at: datetime,
    rejection: EntryRejectedError,
) -> RejectedEntry:
    """The dead-letter record of an entry that could not be normalised, with an excerpt."""
    excerpt = {
        "id": entry.guid,
        "link": redact_url(entry.link),
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
