"""The second opinion on one item: the cheap prefilter, then the classifiers and the combine rule.

``SecondOpinion.candidate`` runs in the caller's process on what the rules found (no model):
an item is a candidate only when some term of some theme was found and some theme did not fire
(``combine``: the anchor is also the prefilter). Only candidates are embedded, in batches, by
whatever embeds (``embed.E5Embedder`` in-process for ``match`` and ``evaluate``, the worker
process in the service), and ``SecondOpinion.decide`` turns a candidate and its embedding into
the item's themes. Both steps are pure given the model.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from newswatch.analysis.semantic.classifier import SemanticModel
from newswatch.analysis.semantic.combine import anchored, classifier_match, in_order, may_add
from newswatch.analysis.semantic.embed import embedding_text
from newswatch.analysis.themes.explain import Decision
from newswatch_schemas import ThemeMatch

if TYPE_CHECKING:
    from newswatch.analysis.semantic.embed import Vectors

NEAREST_EXAMPLES = 2


@dataclass(frozen=True, slots=True)
class Candidate:
    """An item the classifier may add a theme to: its text, the rules' matches, and the rules'
    decision on each theme with some term found that did not fire."""

    text: str
    fired: tuple[ThemeMatch, ...]
    unfired: dict[str, Decision]


@dataclass(frozen=True, slots=True, eq=False)
class SecondOpinion:
    """The classifiers, with the threshold in force (the file's unless a setting overrides it)."""

    model: SemanticModel
    threshold: float

    def candidate(
        self, title: str, summary: str, fired: Sequence[ThemeMatch], decisions: Sequence[Decision]
    ) -> Candidate | None:
        """The item as a candidate, or None when the classifier cannot add a theme to it: no
        theme left open (unfired) that the item anchors (``combine.anchored``)."""
        fired_names = {match.theme for match in fired}
        unfired = {
            decision.theme: decision
            for decision in decisions
            if decision.theme not in fired_names and decision.theme in self.model.theme_names
        }
        open_themes = [name for name in self.model.theme_names if name not in fired_names]
        if not decisions or not any(
            anchored(name, unfired, self.model.anchor, any_term=True) for name in open_themes
        ):
            return None
        return Candidate(embedding_text(title, summary), tuple(fired), unfired)

    def decide(
        self, candidate: Candidate, embedding: "Vectors", theme_names: Sequence[str]
    ) -> list[ThemeMatch]:
        """The item's themes: the rules' and those the classifier adds, in configuration
        order (``theme_names``)."""
        probabilities = self.model.probabilities(embedding.reshape(1, -1))[0]
        fired_names = {match.theme for match in candidate.fired}
        added = []
        for column, theme in enumerate(self.model.theme_names):
            probability = float(probabilities[column])
            if theme in fired_names or not may_add(
                theme,
                probability,
                self.threshold,
                candidate.unfired,
                self.model.anchor,
                any_term=True,  # a candidate has a term of some theme
            ):
                continue
            nearest = self.model.examples.nearest(embedding, theme, NEAREST_EXAMPLES)
            added.append(
                classifier_match(
                    theme, probability, self.threshold, candidate.unfired.get(theme), nearest
                )
            )
        return in_order(theme_names, candidate.fired, added)
