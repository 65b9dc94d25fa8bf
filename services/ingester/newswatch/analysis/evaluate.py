"""Measuring the theme rules against a labelled set: precision, recall and F1 per theme.

The set is JSON lines, one item per line: ``{"id", "lang", "title", "summary", "themes"}``,
``themes`` being the list of themes a careful analyst gives the item (maybe empty). Each item
goes through ``engine.Analyzer``, the service's own path, with ``lang`` as the declared
language (the engine may overrule it on the text's evidence). Figures are
reported separately for English and for the other languages, with every confusion listed.
With an embedder (and an analyzer with a second opinion), the items go through
``Analyzer.analyse_all`` with it, and every theme the classifier added is listed with its
probability and nearest development examples.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from newswatch.analysis.engine import Analyzer
from newswatch.analysis.language import primary_language
from newswatch.analysis.semantic.embed import Embedder
from newswatch.analysis.semantic.report import describe_opinion
from newswatch_schemas import ThemeMatch

ENGLISH = "en"
OTHER = "other"
LANGUAGE_GROUPS = (ENGLISH, OTHER)
TARGETS: dict[str, tuple[float, float]] = {ENGLISH: (0.95, 0.90), OTHER: (0.85, 0.85)}
"""Minimum (precision, recall) per theme, per language group."""

BUNDLED_SET = Path(__file__).resolve().parents[4] / "evaluation" / "labelled_items.jsonl"


class LabelledSetError(Exception):
    """A labelled set that cannot be read; names the file and line."""

    def __init__(self, message: str, *, path: Path, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")


class LabelledItem(BaseModel):
    """One item of the labelled set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    lang: str = Field(min_length=2)
    title: str
    summary: str
    themes: list[str]


def load_labelled_set(path: Path) -> list[LabelledItem]:
    """Read a labelled set; raises ``LabelledSetError`` at the first bad line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise LabelledSetError(f"cannot read: {error}", path=path) from error
    items: list[LabelledItem] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            item = LabelledItem.model_validate(json.loads(line))
        except json.JSONDecodeError as error:
            raise LabelledSetError(f"not JSON: {error.msg}", path=path, line=number) from error
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "item"
            message = f"{where}: {first['msg']}"
            raise LabelledSetError(message, path=path, line=number) from error
        if item.id in seen:
            raise LabelledSetError(f"id {item.id!r} repeats", path=path, line=number)
        seen.add(item.id)
        items.append(item)
    if not items:
        raise LabelledSetError("no items", path=path)
    return items


def language_group(language: str) -> str:
    """``en`` for English items, ``other`` for every other language."""
    return ENGLISH if primary_language(language) == ENGLISH else OTHER


@dataclass(frozen=True, slots=True)
class Score:
    """Counts and figures of one theme on one language group."""

    theme: str
    group: str
    true_positives: int
    false_positives: int
    false_negatives: int
    items: int

    @property
    def precision(self) -> float:
        """Share of the theme's alerts that were right (1 when it raised none)."""
        raised = self.true_positives + self.false_positives
        return self.true_positives / raised if raised else 1.0

    @property
    def recall(self) -> float:
        """Share of the theme's items that it found (1 when there were none)."""
        relevant = self.true_positives + self.false_negatives
        return self.true_positives / relevant if relevant else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


@dataclass(frozen=True, slots=True)
class Confusion:
    """One wrong decision: a false positive or a false negative of one theme."""

    theme: str
    kind: str
    item: LabelledItem


@dataclass(frozen=True, slots=True)
class Report:
    """The evaluation of a themes file on a labelled set."""

    scores: tuple[Score, ...]
    confusions: tuple[Confusion, ...]
    items_per_group: dict[str, int]
    classifier_decisions: tuple[tuple[LabelledItem, ThemeMatch], ...] = ()

    def shortfalls(self) -> list[str]:
        """Every figure below its target in ``TARGETS``, as a sentence; empty when none."""
        missed = []
        for score in self.scores:
            precision, recall = TARGETS[score.group]
            if score.precision < precision:
                missed.append(
                    f"{score.theme} on {score.group}: precision {score.precision:.3f} < {precision}"
                )
            if score.recall < recall:
                missed.append(
                    f"{score.theme} on {score.group}: recall {score.recall:.3f} < {recall}"
                )
        return missed


def evaluate(
    analyzer: Analyzer, items: Iterable[LabelledItem], embedder: Embedder | None = None
) -> Report:
    """Analyse every item as the service does (its ``lang`` as the declared language; the
    second opinion with ``embedder``) and compare the themes with its labels."""
    names = analyzer.theme_names
    counts = {(name, group): [0, 0, 0] for name in names for group in LANGUAGE_GROUPS}
    per_group = dict.fromkeys(LANGUAGE_GROUPS, 0)
    confusions: list[Confusion] = []
    decided: list[tuple[LabelledItem, ThemeMatch]] = []
    listed = list(items)
    analyses = analyzer.analyse_all(
        [(item.title, item.summary, item.lang) for item in listed], embedder
    )
    for item, analysis in zip(listed, analyses, strict=True):
        group = language_group(item.lang)
        per_group[group] += 1
        decided.extend((item, theme) for theme in analysis.themes if theme.classifier is not None)
        found = {theme.theme for theme in analysis.themes}
        expected = set(item.themes)
        for name in names:
            tally = counts[(name, group)]
            if name in found and name in expected:
                tally[0] += 1
            elif name in found:
                tally[1] += 1
                confusions.append(Confusion(name, "false positive", item))
            elif name in expected:
                tally[2] += 1
                confusions.append(Confusion(name, "false negative", item))
    scores = tuple(
        Score(name, group, tp, fp, fn, per_group[group])
        for group in LANGUAGE_GROUPS
        for name in names
        for tp, fp, fn in [counts[(name, group)]]
    )
    return Report(scores, tuple(confusions), per_group, tuple(decided))


def format_report(report: Report) -> str:
    """The report as a table per language group, then the confusions."""
    lines: list[str] = []
    for group in LANGUAGE_GROUPS:
        precision, recall = TARGETS[group]
        lines.append(
            f"{group} ({report.items_per_group[group]} items; "
            f"targets: precision >= {precision}, recall >= {recall})"
        )
        lines.append(
            f"  {'theme':<20} {'TP':>4} {'FP':>4} {'FN':>4} " + f"{'prec':>6} {'rec':>6} {'F1':>6}"
        )
        for score in report.scores:
            if score.group == group:
                lines.append(
                    f"  {score.theme:<20} {score.true_positives:>4} {score.false_positives:>4} "
                    f"{score.false_negatives:>4} {score.precision:>6.3f} {score.recall:>6.3f} "
                    f"{score.f1:>6.3f}"
                )
    lines.append("")
    lines.append(f"confusions ({len(report.confusions)}):")
    for confusion in sorted(report.confusions, key=lambda c: (c.theme, c.kind, c.item.id)):
        item = confusion.item
        lines.append(f"  {confusion.theme} {confusion.kind}: {item.id} [{item.lang}] {item.title}")
    if report.classifier_decisions:
        lines.append("")
        lines.append(f"themes added by the classifier ({len(report.classifier_decisions)}):")
        for item, match in report.classifier_decisions:
            right = "right" if match.theme in item.themes else "wrong"
            lines.append(f"  {match.theme} ({right}): {item.id} [{item.lang}] {item.title}")
            lines.extend(describe_opinion(match))
    missed = report.shortfalls()
    lines.append("")
    lines.append("below target: " + ("; ".join(missed) if missed else "none"))
    return "\n".join(lines)
