"""Stories: near-duplicate items share a ``story_id``. Pure logic: no I/O, no clock of its own.

**Stories** (``StoryIndex``). An item's text (title and summary) is folded as the matcher
does (``text.fold``: case, accents, Arabic-script variants and digits folded), cut to
its first ``max_words`` words (the lead, where copies agree; trailing boilerplate and full-text
bodies mostly fall beyond it) and turned into word ``shingle_words``-grams, each hashed to
32 bits (CRC-32: fast, and the same in every process and on every replay, unlike ``hash``).

- Candidates (sub-linear): each item is indexed under its bottom-k MinHash sketch, the
  ``sketch_size`` smallest shingle hashes, in an inverted index; a new item looks up every one
  of its shingle hashes. Two items whose shingle sets overlap share a sketch value with high
  probability (on the labelled pairs, sketch against sketch: 0.997 for k=8, against 0.979 for
  a 32-band × 2-row MinHash LSH of 64 permutations; looking up every shingle only adds to it),
  at the cost of one hash per shingle instead of one per shingle and permutation. A key held by
  more than ``max_key_items`` items (a stock phrase such as "said in a statement") is read only
  for its ``common_key_recent`` most recent items, so lookups stay cheap in a repetitive stream.
- Verification (exact): the shingle hashes of every indexed item are kept, so the test is the
  exact containment ``|A ∩ B| / min(|A|, |B|)`` (which, unlike Jaccard, is not lowered by a
  new title, a dateline, a truncated summary or trailing boilerplate), at least
  ``min_containment`` and at least ``min_shared_shingles`` shingles in common.
- Number veto: two items that both carry numbers (digits, any script) and share fewer than
  half of them are different events (templated statements: "32 Taliban killed in Kandahar" and
  "25 Taliban killed in Faryab"; "another 300 prisoners freed" and "another 200"), unless they
  are near copies (containment of at least ``number_veto_below``).
- Assignment: an item joins the story of its most similar indexed item; otherwise it starts a
  story whose id is its own item id. Stories never merge afterwards (a round-up that resembles
  two stories joins one), so ids never change and a replay in the same order gives the same ids.
  An item id seen again (the same article in another feed) joins its story as another source.
- Items assigned elsewhere (by another replica, or before a restart) are ``observe``d: each joins
  the story it was put in, so every replica that observes the same items holds the same stories.
- Memory: items whose publication time is more than ``horizon`` before the newest one seen are
  evicted, and at most ``max_items`` are kept (the oldest go first).

Defaults, measured on ``tests/fixtures/stories`` (57 items, English, Dari, Arabic, French; see
``tests/unit/test_stories.py``): every syndicated copy, boilerplate variant, truncated summary
and light rewrite joins its story, no two different events merge (the closest different-event
pair, two templated Dari reports of attacks in two provinces, has containment 0.45, the lowest
true match 0.53). Paraphrases written afresh from the same facts share too few word sequences
and get stories of their own, as do translations.
"""

import heapq
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import chain
from typing import NamedTuple
from zlib import crc32

from newswatch.analysis.text import fold


def story_text(title: str, summary: str) -> str:
    """The text a story is recognised by: the title, then the summary."""
    return f"{title}\n{summary}"


def shingle_hashes(text: str, *, shingle_words: int = 3, max_words: int = 100) -> list[int]:
    """Sorted distinct 32-bit hashes of the word ``shingle_words``-grams of ``text``'s first
    ``max_words`` folded words (one shingle of all words when there are fewer)."""
    return _shingles(fold(text).words[:max_words], shingle_words)


def _shingles(words: list[str], shingle_words: int) -> list[int]:
    if not words:
        return []
    span = min(shingle_words, len(words))
    grams = zip(*(words[offset:] for offset in range(span)), strict=False)
    return sorted({crc32(" ".join(gram).encode()) for gram in grams})


class StoryKey(NamedTuple):
    """What the index compares an item by: its shingle hashes (sorted, distinct) and the
    numbers it carries. Plain values, cheap to send between processes."""

    shingles: tuple[int, ...]
    numbers: tuple[str, ...]


def story_key(text: str, config: "StoryConfig") -> StoryKey:
    """The key of an item's story text (``story_text``) under ``config``."""
    return story_key_of_words(fold(text).words, config)


def story_key_of_words(words: list[str], config: "StoryConfig") -> StoryKey:
    """The key of an item's story text from its folded words: the folded title's words, then
    the folded summary's, are the words of the folded ``story_text`` (no folding rule joins
    across the line between them), so the analysis's folding serves."""
    words = words[: config.max_words]
    return StoryKey(tuple(_shingles(words, config.shingle_words)), _numbers(words))


def _numbers(words: list[str]) -> tuple[str, ...]:
    """The distinct digit-only words among ``words``."""
    return tuple(sorted({word for word in words if word.isdigit()}))


def _numbers_conflict(first: tuple[str, ...], second: tuple[str, ...]) -> bool:
    """Both carry numbers and share fewer than half of all of them."""
    if not first or not second:
        return False
    common = len(set(first).intersection(second))
    return 2 * common < len(set(first).union(second))


def aware_timestamp(moment: datetime) -> float:
    """Seconds since the epoch of a timezone-aware time; refuses a naive one."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("times must be timezone-aware")
    return moment.timestamp()


@dataclass(frozen=True, slots=True)
class StoryConfig:
    """How items are recognised as one story, and how long they are remembered."""

    shingle_words: int = 3
    max_words: int = 100
    sketch_size: int = 8
    min_containment: float = 0.5
    min_shared_shingles: int = 5
    number_veto_below: float = 0.8
    horizon: timedelta = timedelta(hours=72)
    max_items: int = 1_000_000
    max_key_items: int = 16
    common_key_recent: int = 2

    def __post_init__(self) -> None:
        """Refuse settings that cannot work."""
        if self.shingle_words < 1 or self.max_words < 1 or self.sketch_size < 1:
            raise ValueError("shingle_words, max_words and sketch_size must be at least 1")
        if not 0 < self.min_containment <= 1:
            raise ValueError("min_containment must be in (0, 1]")
        if self.horizon <= timedelta(0) or self.max_items < 1 or self.max_key_items < 1:
            raise ValueError("horizon, max_items and max_key_items must be positive")


@dataclass(frozen=True, slots=True)
class StoryAssignment:
    """The story an item was put in, and the story's sources so far.

    ``similarity`` is the containment with ``matched_item_id`` (1.0 for a repeated item id,
    0.0 for a new story); ``sources`` are the distinct sources of the story's indexed items in
    the order they first appeared; ``new_source`` says whether this item's source joined them.
    """

    story_id: str
    item_id: str
    source: str
    published_at: datetime
    is_new_story: bool
    is_repeat: bool
    matched_item_id: str | None
    similarity: float
    sources: tuple[str, ...]
    item_count: int
    new_source: bool


class _Story:
    __slots__ = ("item_count", "source_counts", "story_id")

    def __init__(self, story_id: str) -> None:
        self.story_id = story_id
        self.item_count = 0
        self.source_counts: dict[str, int] = {}

    def add_source(self, source: str) -> None:
        self.source_counts[source] = self.source_counts.get(source, 0) + 1

    def drop_source(self, source: str) -> None:
        left = self.source_counts[source] - 1
        if left:
            self.source_counts[source] = left
        else:
            del self.source_counts[source]


class _Item:
    __slots__ = ("item_id", "numbers", "published_ts", "seq", "shingles", "sources", "story")

    def __init__(
        self,
        *,
        item_id: str,
        story: _Story,
        source: str,
        published_ts: float,
        seq: int,
        shingles: "array[int]",
        numbers: tuple[str, ...],
    ) -> None:
        self.item_id = item_id
        self.story = story
        self.sources = [source]
        self.published_ts = published_ts
        self.seq = seq
        self.shingles = shingles
        self.numbers = numbers


class StoryIndex:
    """Online assignment of items to stories; see the module docstring for the method."""

    def __init__(self, config: StoryConfig | None = None) -> None:
        self.config = config or StoryConfig()
        self._items: dict[str, _Item] = {}
        self._stories: dict[str, _Story] = {}
        self._postings: dict[int, str | list[str]] = {}
        self._expiry: list[tuple[float, int, str]] = []
        self._watermark = float("-inf")
        self._seq = 0

    def __len__(self) -> int:
        """The number of items indexed."""
        return len(self._items)

    def assign(
        self, item_id: str, text: str, published_at: datetime, source: str
    ) -> StoryAssignment:
        """Put an item in a story (its most similar indexed item's, or a new one) and index it."""
        return self.assign_key(item_id, story_key(text, self.config), published_at, source)

    def assign_key(
        self, item_id: str, key: StoryKey, published_at: datetime, source: str
    ) -> StoryAssignment:
        """``assign`` with the text's key made beforehand (``story_key``, with this index's
        config): the service makes it in its analysis workers, off the main process."""
        return self._index(item_id, key, published_at, source, joining=None)

    def observe(
        self, item_id: str, story_id: str, text: str, published_at: datetime, source: str
    ) -> StoryAssignment:
        """Index an item already put in story ``story_id`` (by another replica, or before a
        restart): it joins that story, unmatched, so that the ids agree wherever they were
        given. An item id already indexed is a repeat, as in ``assign`` (observing twice changes
        nothing)."""
        return self._index(item_id, text, published_at, source, joining=story_id)

    def _index(
        self,
        item_id: str,
        key: StoryKey | str,
        published_at: datetime,
        source: str,
        *,
        joining: str | None,
    ) -> StoryAssignment:
        """Index a new item in story ``joining``, or in its best match's (``joining`` None);
        a known item id is a repeat. ``key`` is the item's key, or its story text to make the
        key from, only when the item is new: a replica observes its own items again when it
        follows the items topic, and those are repeats."""
        published_ts = aware_timestamp(published_at)
        self._advance(published_ts)
        known = self._items.get(item_id)
        if known is not None:
            return self._repeat(known, source, published_at)
        if isinstance(key, str):
            key = story_key(key, self.config)
        shingles = array("I", key.shingles)
        numbers = key.numbers
        match, similarity = None, 0.0
        if joining is None:
            match, similarity = self._best_match(shingles, numbers)
        story_id = joining or item_id
        story = match.story if match is not None else self._stories.get(story_id, _Story(story_id))
        is_new_story = story.item_count == 0
        new_source = source not in story.source_counts
        self._seq += 1
        item = _Item(
            item_id=item_id,
            story=story,
            source=source,
            published_ts=published_ts,
            seq=self._seq,
            shingles=shingles,
            numbers=numbers,
        )
        self._insert(item)
        return StoryAssignment(
            story_id=story.story_id,
            item_id=item_id,
            source=source,
            published_at=published_at,
            is_new_story=is_new_story,
            is_repeat=False,
            matched_item_id=match.item_id if match is not None else None,
            similarity=similarity,
            sources=tuple(story.source_counts),
            item_count=story.item_count,
            new_source=new_source,
        )

    def _repeat(self, known: _Item, source: str, published_at: datetime) -> StoryAssignment:
        story = known.story
        new_source = source not in story.source_counts
        if source not in known.sources:
            known.sources.append(source)
            story.add_source(source)
        return StoryAssignment(
            story_id=story.story_id,
            item_id=known.item_id,
            source=source,
            published_at=published_at,
            is_new_story=False,
            is_repeat=True,
            matched_item_id=known.item_id,
            similarity=1.0,
            sources=tuple(story.source_counts),
            item_count=story.item_count,
            new_source=new_source,
        )

    def _candidates(self, shingles: "array[int]") -> list[_Item]:
        """Indexed items whose sketch holds one of ``shingles``, each once, in the order met; of
        a common key, only the most recent few (read for the first ``sketch_size`` common keys
        met)."""
        config = self.config
        common_left = config.sketch_size
        postings = self._postings
        found: list[Sequence[str]] = []
        for key in shingles:
            posting = postings.get(key)
            if posting is None:
                continue
            if isinstance(posting, str):
                found.append((posting,))
            elif len(posting) <= config.max_key_items:
                found.append(posting)
            elif common_left:
                common_left -= 1
                found.append(posting[-config.common_key_recent :])
        items = self._items
        return [items[item_id] for item_id in dict.fromkeys(chain.from_iterable(found))]

    def _best_match(
        self, shingles: "array[int]", numbers: tuple[str, ...]
    ) -> tuple[_Item | None, float]:
        """The indexed item most similar to these shingles, and the containment; ties go to the
        story with the smallest id, then to the earliest indexed item, so the result depends
        neither on set or dict order nor on the order in which a replica learnt the items (two
        stories started at once by two replicas: later copies join the smaller id on both)."""
        if not shingles:
            return None, 0.0
        config = self.config
        min_shared, min_containment = config.min_shared_shingles, config.min_containment
        query = set(shingles)
        size = len(query)
        best: _Item | None = None
        best_key = (0.0, "", 0)
        for candidate in self._candidates(shingles):
            shared = len(query.intersection(candidate.shingles))
            if shared < min_shared:
                continue
            containment = shared / min(size, len(candidate.shingles))
            if containment < min_containment:
                continue
            if containment < config.number_veto_below and _numbers_conflict(
                numbers, candidate.numbers
            ):
                continue
            key = (-containment, candidate.story.story_id, candidate.seq)
            if best is None or key < best_key:
                best, best_key = candidate, key
        return best, (-best_key[0] if best is not None else 0.0)

    def _insert(self, item: _Item) -> None:
        self._items[item.item_id] = item
        self._stories[item.story.story_id] = item.story
        item.story.item_count += 1
        item.story.add_source(item.sources[0])
        heapq.heappush(self._expiry, (item.published_ts, item.seq, item.item_id))
        for key in item.shingles[: self.config.sketch_size]:
            posting = self._postings.get(key)
            if posting is None:
                self._postings[key] = item.item_id
            elif isinstance(posting, str):
                self._postings[key] = [posting, item.item_id]
            else:
                posting.append(item.item_id)
        while len(self._items) > self.config.max_items:
            self._evict_oldest()

    def _advance(self, published_ts: float) -> None:
        """Move the item-time watermark forward and evict what fell out of the horizon."""
        self._watermark = max(self._watermark, published_ts)
        cutoff = self._watermark - self.config.horizon.total_seconds()
        while self._expiry and self._expiry[0][0] < cutoff:
            self._evict_oldest()

    def _evict_oldest(self) -> None:
        _, _, item_id = heapq.heappop(self._expiry)
        item = self._items.pop(item_id)
        story = item.story
        story.item_count -= 1
        if not story.item_count:
            del self._stories[story.story_id]
        for source in item.sources:
            story.drop_source(source)
        for key in item.shingles[: self.config.sketch_size]:
            posting = self._postings[key]
            if isinstance(posting, str):
                del self._postings[key]
                continue
            if posting[0] == item_id:
                del posting[0]
            else:
                posting.remove(item_id)
            if len(posting) == 1:
                self._postings[key] = posting[0]
