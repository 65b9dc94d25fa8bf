"""The labelled corpus and its frozen split into a development part and a held-out part.

The corpus is every ``*.jsonl`` file of ``evaluation/corpus/`` (the format of
``evaluate.load_labelled_set``). ``tuned.jsonl`` holds the items the bundled rules were
written and revised on: they are development items, whatever their id. Every other item goes
to the held-out part when a seeded hash of its id falls in the first ``HELD_OUT_PER_MILLE``
of 1,000 buckets, so an item's side never depends on the other items, the order of the files or
the machine. The held-out part is frozen: ``evaluation/heldout.lock`` records the digest of its
items, and ``tests/unit/test_corpus.py`` fails when an edit or a new item changes it. Writing a
new lock (``freeze_lock``) is a deliberate act, recorded in the changelog, and is only
honest before a rule or model change is measured on the new part.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Final

from newswatch.analysis.evaluate import LabelledItem, LabelledSetError, load_labelled_set

EVALUATION_DIR: Final = Path(__file__).resolve().parents[4] / "evaluation"
CORPUS_DIR: Final = EVALUATION_DIR / "corpus"
HELD_OUT_LOCK: Final = EVALUATION_DIR / "heldout.lock"
TUNED_FILE: Final = "tuned.jsonl"
SPLIT_SEED: Final = "newswatch-corpus-v1"
HELD_OUT_PER_MILLE: Final = 300


class Split(StrEnum):
    """Which part of the corpus an item belongs to."""

    DEVELOPMENT = "development"
    HELD_OUT = "held-out"


def split_of(
    item_id: str, *, seed: str = SPLIT_SEED, held_out_per_mille: int = HELD_OUT_PER_MILLE
) -> Split:
    """The part an item of the corpus (outside ``tuned.jsonl``) belongs to, from its id alone."""
    digest = hashlib.sha256(f"{seed}\x00{item_id}".encode()).digest()
    bucket = int.from_bytes(digest[:8], "big") % 1000
    return Split.HELD_OUT if bucket < held_out_per_mille else Split.DEVELOPMENT


@dataclass(frozen=True, slots=True)
class Corpus:
    """The corpus, split: development items (tuned ones first), then held-out items."""

    development: tuple[LabelledItem, ...]
    held_out: tuple[LabelledItem, ...]

    def part(self, split: Split) -> tuple[LabelledItem, ...]:
        """The items of one part."""
        return self.development if split is Split.DEVELOPMENT else self.held_out


def load_corpus(directory: Path = CORPUS_DIR) -> Corpus:
    """Every file of the corpus, split; ``LabelledSetError`` naming the file and line of the
    first bad item, or the file where an id repeats one of another file."""
    files = sorted(directory.glob("*.jsonl"))
    if not files:
        raise LabelledSetError("no *.jsonl files", path=directory)
    development: list[LabelledItem] = []
    held_out: list[LabelledItem] = []
    first_file: dict[str, Path] = {}
    for path in sorted(files, key=lambda p: p.name != TUNED_FILE):
        for item in load_labelled_set(path):
            if item.id in first_file:
                raise LabelledSetError(
                    f"id {item.id!r} repeats one of {first_file[item.id].name}", path=path
                )
            first_file[item.id] = path
            tuned = path.name == TUNED_FILE
            if not tuned and split_of(item.id) is Split.HELD_OUT:
                held_out.append(item)
            else:
                development.append(item)
    return Corpus(tuple(development), tuple(held_out))


def held_out_digest(items: Iterable[LabelledItem]) -> str:
    """A digest of the held-out items' content, independent of their order."""
    lines = sorted(
        json.dumps(item.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
        for item in items
    )
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def lock_text(items: tuple[LabelledItem, ...]) -> str:
    """The content of ``heldout.lock`` for these held-out items."""
    return f"sha256 {held_out_digest(items)} items {len(items)}\n"


def freeze_lock(corpus: Corpus, lock: Path = HELD_OUT_LOCK) -> None:
    """Record the held-out part as it is now (a deliberate act: see the module docstring)."""
    lock.write_text(lock_text(corpus.held_out), encoding="utf-8")


def held_out_is_frozen(corpus: Corpus, lock: Path = HELD_OUT_LOCK) -> bool:
    """Whether the held-out part is the one ``lock`` recorded."""
    try:
        recorded = lock.read_text(encoding="utf-8")
    except OSError:
        return False
    return recorded == lock_text(corpus.held_out)
