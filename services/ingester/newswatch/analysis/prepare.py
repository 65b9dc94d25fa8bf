"""One new feed entry made ready to publish: normalised, analysed, serialised, its story key
made. Pure: the service's analysis workers run it (``service.analysis_job``), so that the main
process only assigns the story, publishes and acknowledges.

What crosses back to the main process is plain values: the item as its JSON bytes inside an
``EncodedItem`` (with a placeholder for the story id the main process fills in), the story key
as numbers. Models are never pickled: one ``NewsItem`` costs some 260 µs to pickle and unpickle,
its JSON and a tuple a few µs.
"""

from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from newswatch.analysis.config import TextSettings
from newswatch.analysis.engine import Analyzer
from newswatch.analysis.items import FeedContext, normalise_entry, plain_text
from newswatch.analysis.stories import StoryConfig
from newswatch.analysis.stories.index import StoryKey, story_key_of_words
from newswatch.common.encoded_item import STORY_PLACEHOLDER, EncodedItem
from newswatch.common.errors import EntryRejectedError
from newswatch.common.raw_entry import RawEntry
from newswatch.common.redaction import redact_url
from newswatch_schemas import RejectedEntry
from newswatch_schemas.cloudevents import item_attributes

if TYPE_CHECKING:
    from newswatch.analysis.semantic.embed import Vectors

ENTRY_EXCERPT_CHARS = 300


class Preparation(NamedTuple):
    """What an analysis worker needs besides the entries: the engine and the limits. Built once
    and sent to each worker when it starts."""

    analyzer: Analyzer
    text_limits: TextSettings
    story_config: StoryConfig


class Prepared(NamedTuple):
    """A new entry normalised and analysed. ``item`` is None when it matched no theme.

    ``candidate`` is the text to embed when the semantic second opinion may add a theme and no
    embedding was given; ``entry`` then comes along, so the main process can have the entry
    prepared again with its embedding (``prepare_entry(..., embedding=)``)."""

    identity: str
    item: EncodedItem | None
    story: StoryKey | None
    published_at: datetime
    date_estimated: bool
    raw_date: str
    classifier_themes: tuple[str, ...]
    candidate: str | None
    entry: RawEntry | None


class Rejected(NamedTuple):
    """A new entry that could not be normalised, with its dead-letter record."""

    identity: str
    record: RejectedEntry
    entry_index: int


def prepare_entry(
    preparation: Preparation,
    entry: RawEntry,
    identity: str,
    context: FeedContext,
    fetched_at: datetime,
    *,
    embedding: "Vectors | None" = None,
) -> Prepared | Rejected:
    """The entry normalised, matched (with the second opinion when ``embedding`` is given),
    its facts extracted and, when it matched, serialised with its story key; or rejected."""
    try:
        item = normalise_entry(entry, context, fetched_at, preparation.text_limits)
    except EntryRejectedError as rejection:
        return Rejected(
            identity, rejected_record(entry, identity, context, fetched_at, rejection), entry.index
        )
    analyzer = preparation.analyzer
    analysis = analyzer.analyse(item.title, item.summary, item.language)
    candidate = analyzer.candidate(analysis, item.title, item.summary)
    if candidate is not None and embedding is not None:
        analysis = analyzer.with_opinion(analysis, candidate, embedding)
        candidate = None
    themes = analysis.themes
    estimated = item.published_at_estimated
    prepared = Prepared(
        identity=identity,
        item=None,
        story=None,
        published_at=item.published_at,
        date_estimated=estimated,
        raw_date=entry.published_raw[:100] if estimated else "",
        classifier_themes=tuple(theme.theme for theme in themes if theme.classifier is not None),
        candidate=candidate.text if candidate is not None else None,
        entry=entry if candidate is not None else None,
    )
    if not themes:
        return prepared
    facts = analysis.facts
    matched = item.model_copy(
        update={
            "themes": themes,
            "story_id": STORY_PLACEHOLDER,
            "figures": list(facts.figures),
            "actors": list(facts.actors),
            "places": list(facts.places),
        }
    )
    encoded = EncodedItem(
        id=matched.id,
        url=matched.url,
        value=matched.model_dump_json().encode("utf-8"),
        attributes=item_attributes(matched),
        themes=tuple(theme.theme for theme in themes),
        published_ts=None if estimated else matched.published_at.timestamp(),
    )
    title, summary = analysis.folded
    key = story_key_of_words([*title.words, *summary.words], preparation.story_config)
    return prepared._replace(item=encoded, story=key)


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
