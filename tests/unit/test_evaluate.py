"""The evaluation: metrics arithmetic, the labelled set's format, and the bundled targets."""

import json
from pathlib import Path

import pytest

from newswatch.analysis.engine import Analyzer
from newswatch.analysis.evaluate import (
    BUNDLED_SET,
    LabelledItem,
    LabelledSetError,
    Score,
    evaluate,
    format_report,
    load_labelled_set,
)
from newswatch.analysis.language import primary_language
from newswatch.analysis.themes import compile_themes
from newswatch.analysis.themes.rules import load_themes

THEMES = compile_themes(load_themes(None)[1])
ANALYZER = Analyzer(THEMES)


def test_bundled_themes_meet_their_targets_on_the_bundled_set() -> None:
    """A rule change that breaks a target fails here; see evaluation/README.md."""
    report = evaluate(ANALYZER, load_labelled_set(BUNDLED_SET))
    assert report.shortfalls() == [], format_report(report)


@pytest.mark.parametrize("path", [BUNDLED_SET, BUNDLED_SET.parent / "holdout-2025.jsonl"])
def test_a_wrong_or_missing_declared_language_changes_no_theme(path: Path) -> None:
    """What evaluation/README.md says: the figures hold whatever the feed declares."""
    for item in load_labelled_set(path):
        labelled = ANALYZER.analyse(item.title, item.summary, item.lang).themes
        for declared in ("en-US", None):
            assert ANALYZER.analyse(item.title, item.summary, declared).themes == labelled, item.id


def test_bundled_set_is_large_and_multilingual() -> None:
    items = load_labelled_set(BUNDLED_SET)
    assert len(items) >= 300
    other = [item for item in items if primary_language(item.lang) != "en"]
    assert len(other) >= 50
    assert {primary_language(item.lang) for item in other} == {"fa", "ps", "ar", "ur", "ru", "fr"}
    names = {theme.theme.name for theme in THEMES}
    assert all(set(item.themes) <= names for item in items)
    assert any(len(item.themes) > 1 for item in items)


def test_scores() -> None:
    score = Score("t", "en", true_positives=8, false_positives=2, false_negatives=0, items=20)
    assert (score.precision, score.recall) == (0.8, 1.0)
    assert score.f1 == pytest.approx(2 * 0.8 / 1.8)
    silent = Score("t", "en", true_positives=0, false_positives=0, false_negatives=3, items=3)
    assert (silent.precision, silent.recall, silent.f1) == (1.0, 0.0, 0.0)


def test_confusions_name_the_items() -> None:
    items = [
        LabelledItem(
            id="a", lang="en", title="Kabul frees 100 Taliban prisoners", summary="", themes=[]
        ),
        LabelledItem(id="b", lang="fr", title="Rien", summary="", themes=["prisoner_release"]),
    ]
    report = evaluate(ANALYZER, items)
    kinds = {(c.theme, c.kind, c.item.id) for c in report.confusions}
    assert kinds == {
        ("prisoner_release", "false positive", "a"),
        ("prisoner_release", "false negative", "b"),
    }
    text = format_report(report)
    assert "false positive: a [en] Kabul frees 100 Taliban prisoners" in text
    assert "prisoner_release on en: precision 0.000 < 0.95" in text


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "set.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("lines", "line", "message"),
    [
        (
            ['{"id": "a", "lang": "en", "title": "", "summary": "", "themes": []}', "{"],
            2,
            "not JSON",
        ),
        (['{"id": "a", "lang": "en", "title": "", "summary": ""}'], 1, "themes"),
        (
            ['{"id": "a", "lang": "en", "title": "", "summary": "", "themes": []}'] * 2,
            2,
            "repeats",
        ),
    ],
)
def test_bad_sets_are_located(tmp_path: Path, lines: list[str], line: int, message: str) -> None:
    path = write(tmp_path, *lines)
    with pytest.raises(LabelledSetError, match=message) as caught:
        load_labelled_set(path)
    assert caught.value.line == line
    assert str(caught.value).startswith(f"{path}:{line}: ")


def test_a_set_of_one_line_loads(tmp_path: Path) -> None:
    record = {"id": "a", "lang": "ps", "title": "t", "summary": "s", "themes": ["x"]}
    (item,) = load_labelled_set(write(tmp_path, json.dumps(record)))
    assert item.themes == ["x"]
