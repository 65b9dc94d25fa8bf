"""The semantic second opinion's pure parts, with plain numbers (no model): the combine rule,
the classifier's evidence, the classifier file and the nearest-example index."""

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from newswatch.analysis.engine import Analyzer
from newswatch.analysis.semantic.classifier import (
    BUNDLED_CLASSIFIER,
    SemanticModel,
    load_semantic_model,
)
from newswatch.analysis.semantic.combine import Anchor, in_order, may_add
from newswatch.analysis.semantic.config import SemanticSettings, second_opinion
from newswatch.analysis.semantic.embed import EMBEDDING_MODEL
from newswatch.analysis.semantic.nearest import ExamplesFile, NearestIndex, quantise
from newswatch.analysis.semantic.opinion import SecondOpinion
from newswatch.analysis.semantic.worker import Skip
from newswatch.analysis.themes.compile import compile_themes
from newswatch.analysis.themes.rules import load_themes
from newswatch.common.errors import ConfigError
from newswatch.observability.metrics import SEMANTIC_SKIP_REASONS
from newswatch_schemas import ThemeMatch

if TYPE_CHECKING:
    from newswatch.analysis.semantic.embed import Vectors

THEMES = compile_themes(load_themes(None)[1])
NAMES = tuple(compiled.theme.name for compiled in THEMES)
ATTACKS = NAMES.index("taliban_attacks")


def unit(*values: float) -> "Vectors":
    """An L2-normalised vector."""
    vector = np.array(values, dtype=np.float32)
    normalised: Vectors = vector / np.linalg.norm(vector)
    return normalised


def toy_model(threshold: float = 0.8, anchor: Anchor = Anchor.THEME_TERM) -> SemanticModel:
    """Three themes on two-dimensional embeddings: only taliban_attacks has a direction (the
    first axis, strongly); the others never reach any threshold. Three examples."""
    weights = np.zeros((len(NAMES), 2), dtype=np.float32)
    weights[ATTACKS] = (20.0, 0.0)
    biases = np.full(len(NAMES), -10.0, dtype=np.float32)
    examples = np.stack([unit(1, 0.1), unit(1, 0.5), unit(0, 1)])
    index = NearestIndex(
        ids=("att-1", "att-2", "other-1"),
        titles=("Taliban take Kunduz", "Taliban storm a district", "Markets rise"),
        themes=(frozenset({"taliban_attacks"}), frozenset({"taliban_attacks"}), frozenset()),
        vectors=np.clip(np.rint(examples * 127), -127, 127).astype(np.int8),
    )
    return SemanticModel(NAMES, weights, biases, threshold, anchor, True, index)


def analyse(analyzer: Analyzer, title: str, summary: str, embedding: "Vectors") -> list[ThemeMatch]:
    """The item's themes with the toy model's opinion on this embedding."""
    analysis = analyzer.analyse(title, summary, "en")
    candidate = analyzer.candidate(analysis, title, summary)
    if candidate is None:
        return analysis.themes
    return analyzer.with_opinion(analysis, candidate, embedding).themes


NEAR_MISS = ("Mazar-i-Sharif falls as Taliban sweep across north", "")
"""The rules find 'Taliban' (taliban_attacks' perpetrator) but no violence: they do not fire."""


def test_the_classifier_adds_a_theme_with_a_term_of_it_and_says_so() -> None:
    analyzer = Analyzer(THEMES, opinion=SecondOpinion(toy_model(), 0.8))
    assert analyzer.analyse(*NEAR_MISS, "en").themes == []
    themes = analyse(analyzer, *NEAR_MISS, unit(1, 0.2))
    assert [theme.theme for theme in themes] == ["taliban_attacks"]
    match = themes[0]
    assert match.classifier is not None
    assert match.classifier.probability > 0.99
    assert match.classifier.threshold == 0.8
    assert [example.id for example in match.classifier.nearest] == ["att-1", "att-2"]
    assert match.classifier.nearest[0].similarity > match.classifier.nearest[1].similarity
    assert "taliban" in [evidence.term for evidence in match.evidence]
    assert match.threshold is None
    assert match.required_groups == []


def test_below_the_threshold_the_rules_alone_decide() -> None:
    analyzer = Analyzer(THEMES, opinion=SecondOpinion(toy_model(), 0.8))
    assert analyse(analyzer, *NEAR_MISS, unit(0.45, 1)) == []  # probability about 0.03


def test_no_anchor_no_theme_and_no_embedding() -> None:
    analyzer = Analyzer(THEMES, opinion=SecondOpinion(toy_model(), 0.8))
    analysis = analyzer.analyse("Markets rise in Tokyo", "Shares gained.", "en")
    assert analyzer.candidate(analysis, "Markets rise in Tokyo", "Shares gained.") is None


def test_a_veto_stands_whatever_the_classifier_says() -> None:
    analyzer = Analyzer(THEMES, opinion=SecondOpinion(toy_model(), 0.8))
    title = "Islamic State claims suicide bombing at Kabul mosque"
    assert analyse(analyzer, title, "Dozens were killed.", unit(1, 0)) == []


def test_rules_matches_are_kept_unchanged_and_in_configuration_order() -> None:
    analyzer = Analyzer(THEMES, opinion=SecondOpinion(toy_model(), 0.8))
    title = "Taliban attack checkpoint in Kunduz, killing five soldiers"
    rules = analyzer.analyse(title, "", "en").themes
    assert [theme.theme for theme in rules] == ["taliban_attacks"]
    assert analyse(analyzer, title, "", unit(1, 0)) == rules  # every open theme stays below


def test_may_add_by_anchor() -> None:
    analyzer = Analyzer(THEMES)
    decisions = analyzer.explain(*NEAR_MISS, "en").decisions
    unfired = {decision.theme: decision for decision in decisions}
    assert "taliban_attacks" in unfired
    assert may_add("taliban_attacks", 0.9, 0.8, unfired, Anchor.THEME_TERM, any_term=True)
    assert not may_add("taliban_attacks", 0.7, 0.8, unfired, Anchor.THEME_TERM, any_term=True)
    assert not may_add("other_theme", 0.9, 0.8, unfired, Anchor.THEME_TERM, any_term=True)
    assert may_add("other_theme", 0.9, 0.8, unfired, Anchor.ANY_TERM, any_term=True)
    assert not may_add("other_theme", 0.9, 0.8, {}, Anchor.ANY_TERM, any_term=False)


def test_in_order_follows_the_configuration() -> None:
    analyzer = Analyzer(THEMES)
    doha = analyzer.analyse("US and Taliban sign Doha agreement", "", "en").themes
    assert [match.theme for match in doha] == ["doha_agreement"]
    assert in_order(["a", "doha_agreement"], doha, []) == doha


def test_the_quantised_index_keeps_the_ranking() -> None:
    vectors = np.stack([unit(1, 0, 0), unit(1, 1, 0), unit(0, 0, 1)])
    index = NearestIndex.from_file(
        ExamplesFile(
            ids=["a", "b", "c"],
            titles=["A", "B", "C"],
            themes=[["t"], ["t"], ["t"]],
            dimension=3,
            vectors_int8_base64=quantise(vectors),
        )
    )
    nearest = index.nearest(unit(1, 0.1, 0), "t", 2)
    assert [example.id for example in nearest] == ["a", "b"]
    assert nearest[0].similarity == pytest.approx(0.995, abs=0.01)


def test_the_bundled_classifier_loads_and_knows_the_bundled_themes() -> None:
    model = load_semantic_model()
    assert set(model.theme_names) == set(NAMES)
    assert model.weights.shape == (len(NAMES), 384)
    assert 0 < model.threshold < 1
    assert len(model.examples.ids) == model.examples.vectors.shape[0] > 300


def test_a_classifier_file_of_another_model_is_refused_with_its_place(tmp_path: Path) -> None:
    data = json.loads(BUNDLED_CLASSIFIER.read_text(encoding="utf-8"))
    data["model"] = "some-other-model"
    other = tmp_path / "classifier.json"
    other.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"classifier\.json: model: trained on 'some-other"):
        load_semantic_model(other)
    broken = tmp_path / "broken.json"
    broken.write_text('{"model": "x",\n  "threshold": }', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.json:2: not JSON"):
        load_semantic_model(broken)
    data["model"] = EMBEDDING_MODEL
    data["threshold"] = 1.5
    other.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"classifier\.json: threshold: "):
        load_semantic_model(other)


def test_enabled_off_and_auto_without_a_passed_gate_give_no_opinion(tmp_path: Path) -> None:
    assert second_opinion(SemanticSettings(enabled="off")) is None
    data = json.loads(BUNDLED_CLASSIFIER.read_text(encoding="utf-8"))
    data["gate"] = {**data["gate"], "passed": False}
    closed = tmp_path / "closed.json"
    closed.write_text(json.dumps(data), encoding="utf-8")
    assert second_opinion(SemanticSettings(enabled="auto", classifier_file=closed)) is None


def test_the_skip_reasons_are_the_metric_labels() -> None:
    assert tuple(reason.value for reason in Skip) == SEMANTIC_SKIP_REASONS


def test_two_groups_anchor_a_theme_one_word_does_not() -> None:
    analyzer = Analyzer(THEMES, opinion=SecondOpinion(toy_model(anchor=Anchor.TWO_GROUPS), 0.8))
    title, summary = "Taliban fighters enter Kunduz city", "Insurgents moved into the capital."
    assert analyse(analyzer, title, summary, unit(1, 0.2))[0].theme == "taliban_attacks"
    lone = "A Taliban statement on Sunday"
    alone = analyzer.analyse(lone, "", "en")
    assert analyzer.candidate(alone, lone, "") is None  # 'Taliban' alone: one group
    police = "Police said the road would remain closed until repairs are finished."
    ordinary = analyzer.analyse("Road closed in the city centre", police, "en")
    assert analyzer.candidate(ordinary, "Road closed in the city centre", police) is None
