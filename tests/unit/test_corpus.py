"""The labelled corpus: its size and make-up, a split that depends on the id alone, and a
held-out part that stays frozen (evaluation/README.md)."""

import json
from collections import Counter
from pathlib import Path

import pytest

from newswatch.analysis.corpus import (
    CORPUS_DIR,
    HELD_OUT_LOCK,
    TUNED_FILE,
    Split,
    held_out_is_frozen,
    load_corpus,
    lock_text,
    split_of,
)
from newswatch.analysis.evaluate import ItemKind, LabelledSetError
from newswatch.analysis.language import primary_language

CORPUS = load_corpus()
ALL_ITEMS = CORPUS.development + CORPUS.held_out
OTHER_LANGUAGES = ("fa", "ps", "ar", "ur", "ru", "fr")


def test_the_corpus_is_large_multilingual_and_a_quarter_hard_negatives() -> None:
    languages = Counter(primary_language(item.lang) for item in ALL_ITEMS)
    assert len(ALL_ITEMS) >= 1500
    assert all(languages[language] >= 150 for language in OTHER_LANGUAGES), languages
    kinds = Counter(item.kind for item in ALL_ITEMS)
    assert kinds[ItemKind.HARD_NEGATIVE] >= len(ALL_ITEMS) / 4, kinds
    assert None not in kinds, "every item says what it was written to test"


def test_labels_agree_with_kinds() -> None:
    for item in ALL_ITEMS:
        assert bool(item.themes) == (item.kind is ItemKind.POSITIVE), item.id


def test_the_held_out_part_is_large_and_in_every_language() -> None:
    assert len(CORPUS.held_out) >= 400
    languages = {primary_language(item.lang) for item in CORPUS.held_out}
    assert languages == {"en", *OTHER_LANGUAGES}


def test_the_held_out_part_is_frozen() -> None:
    """An edit to a held-out item, or a new item that falls there, changes the digest: if it
    was meant, record it with `python evaluation/freeze_heldout.py` and say so in the
    changelog (evaluation/README.md, "Changing the corpus")."""
    assert HELD_OUT_LOCK.read_text(encoding="utf-8") == lock_text(CORPUS.held_out)
    assert held_out_is_frozen(CORPUS)


def test_the_split_depends_on_the_id_alone() -> None:
    assert split_of("en-c-att-001") is split_of("en-c-att-001")
    sides = Counter(split_of(f"item-{number}") for number in range(10_000))
    assert 2_800 < sides[Split.HELD_OUT] < 3_200
    assert any(split_of(f"i{n}", seed="a") is not split_of(f"i{n}", seed="b") for n in range(50))


def test_tuned_items_are_development_items() -> None:
    tuned = {
        json.loads(line)["id"]
        for line in (CORPUS_DIR / TUNED_FILE).read_text(encoding="utf-8").splitlines()
    }
    assert tuned <= {item.id for item in CORPUS.development}
    assert not tuned & {item.id for item in CORPUS.held_out}


def test_an_id_repeated_across_files_is_refused_with_both_files(tmp_path: Path) -> None:
    line = '{"id": "a-1", "lang": "en", "title": "t", "summary": "s", "themes": []}\n'
    (tmp_path / "one.jsonl").write_text(line, encoding="utf-8")
    (tmp_path / "two.jsonl").write_text(line, encoding="utf-8")
    with pytest.raises(LabelledSetError, match=r"two\.jsonl.*repeats one of one\.jsonl"):
        load_corpus(tmp_path)


def test_a_bad_item_names_its_file_and_line(tmp_path: Path) -> None:
    good = '{"id": "a-1", "lang": "en", "title": "t", "summary": "s", "themes": []}\n'
    bad = '{"id": "a-2", "lang": "en", "title": "t", "summary": "s", "themes": [], "kind": "x"}\n'
    (tmp_path / "one.jsonl").write_text(good + bad, encoding="utf-8")
    with pytest.raises(LabelledSetError, match=r"one\.jsonl:2: kind"):
        load_corpus(tmp_path)
