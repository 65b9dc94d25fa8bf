"""What an analysis worker does with one fetched document: parse it, then prepare each entry
the feed has not had before (``analysis.prepare``). The same function runs in the worker
processes (``analysis_pool.WorkerPool``) and on a thread (``analysis_pool.InlineAnalysis``,
for tests and benchmarks): one code path.

A document is one batch: a poll's new entries travel together, once each way. The main process
sends the body and the ids the feed's last poll finished with (``known_ids``: in steady state
nearly every entry), so only the new ones are prepared; it still checks every id against all
the ids it has seen (an article syndicated by another feed), which the worker cannot know.
"""

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, NamedTuple

from newswatch.analysis.items import FeedContext, entry_id
from newswatch.analysis.prepare import Preparation, Prepared, Rejected, prepare_entry
from newswatch.common.errors import FeedProblem, ParseError
from newswatch.common.raw_entry import RawEntry
from newswatch.fetching.feed_parser import parse_feed
from newswatch.fetching.scheduling import publishing_interval

if TYPE_CHECKING:
    from newswatch.analysis.semantic.embed import Vectors


class DocumentJob(NamedTuple):
    """One fetched document of one feed, to parse and prepare."""

    body: bytes
    feed_url: str
    """The address fetched (for error messages; parse errors name it)."""
    content_type: str
    base_url: str
    """The redacted final address: relative links resolve against it."""
    max_entries: int
    feed: FeedContext
    """The feed; its ``language`` is the configured one, used when the document has none."""
    fetched_at: datetime
    known_ids: frozenset[str]


class DocumentResult(NamedTuple):
    """What the worker made of a document: the feed's own fields, every entry's id in document
    order, and the new entries prepared (entries known or repeated in the document are not)."""

    language: str
    ttl_seconds: float | None
    problems: frozenset[FeedProblem]
    detail: str
    entry_ids: tuple[str, ...]
    publishing_gap_seconds: float | None
    new: tuple[Prepared | Rejected, ...]


class RevisionJob(NamedTuple):
    """A candidate entry to prepare again, now with its embedding (the second opinion)."""

    entry: RawEntry
    identity: str
    feed: FeedContext
    fetched_at: datetime
    embedding: "Vectors"


Job = DocumentJob | RevisionJob
Answer = DocumentResult | Prepared | Rejected | str
"""A job's result; a ``str`` is why the document is not a feed (exceptions do not cross)."""


def run_job(preparation: Preparation, job: Job) -> Answer:
    """Do one job: parse and prepare a document, or prepare one entry again."""
    if isinstance(job, RevisionJob):
        return prepare_entry(
            preparation, job.entry, job.identity, job.feed, job.fetched_at, embedding=job.embedding
        )
    try:
        return prepare_document(preparation, job)
    except ParseError as error:
        return error.detail


def prepare_document(preparation: Preparation, job: DocumentJob) -> DocumentResult:
    """The document parsed and its new entries prepared; ``ParseError`` when it is no feed."""
    parsed = parse_feed(
        job.body,
        feed_url=job.feed_url,
        content_type=job.content_type,
        base_url=job.base_url,
        max_entries=job.max_entries,
    )
    feed = replace(job.feed, language=parsed.language or job.feed.language)
    ids = tuple(entry_id(entry, feed) for entry in parsed.entries)
    skip = set(job.known_ids)
    new: list[Prepared | Rejected] = []
    for entry, identity in zip(parsed.entries, ids, strict=True):
        if identity in skip:
            continue
        skip.add(identity)
        new.append(prepare_entry(preparation, entry, identity, feed, job.fetched_at))
    return DocumentResult(
        language=feed.language,
        ttl_seconds=parsed.ttl_seconds,
        problems=parsed.problems,
        detail=parsed.detail,
        entry_ids=ids,
        publishing_gap_seconds=publishing_interval(
            (entry.published for entry in parsed.entries if entry.published is not None),
            job.fetched_at,
        ),
        new=tuple(new),
    )


def document_result(answer: Answer, *, feed_url: str) -> DocumentResult:
    """A document job's answer as its result; ``ParseError`` when the document is no feed."""
    if isinstance(answer, str):
        raise ParseError(answer, feed_url=feed_url)
    if not isinstance(answer, DocumentResult):
        raise TypeError(f"a document job gave {type(answer).__name__}")
    return answer
