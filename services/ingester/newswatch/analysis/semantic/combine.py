"""The combine rule: when the classifier's opinion adds a theme to what the rules decided.

For each theme, in configuration order:

1. the rules fired: the theme, as the rules decided it (the classifier is not asked);
2. the rules vetoed it (an exclusion term matched): no theme, whatever the classifier says;
   the exclusions are the rules' explicit word on look-alikes (an Islamic State attack is not
   a Taliban one) and they stand;
3. otherwise the theme when the classifier's probability reaches the threshold AND the item
   anchors the theme: with ``Anchor.TWO_GROUPS``, terms of two of the theme's groups were
   found (the rules saw something of the theme, not enough to fire: "Taliban" and "government
   forces", but no violence term); with ``Anchor.THEME_TERM``, one term of the theme; with
   ``Anchor.ANY_TERM``, a term of any theme. The anchor keeps the classifier from inventing a
   theme for an item whose words the rules do not know, and it is also the cheap prefilter:
   an item that anchors no theme is never embedded. The classifier file names the anchor,
   chosen by cross-validation (``evaluation/train_semantic.py``).

A theme the classifier added has ``ThemeMatch.classifier`` set (its probability, the threshold
and the two nearest development examples labelled with the theme), the rules' evidence found
for the theme and its score, and no threshold or required groups (the rules' were not met).
"""

from collections.abc import Sequence
from enum import StrEnum

from newswatch.analysis.semantic.nearest import Example
from newswatch.analysis.themes.explain import Decision
from newswatch_schemas import ClassifierOpinion, NearestExample, ThemeMatch


class Anchor(StrEnum):
    """What the item must have for the classifier to add a theme (see the module docstring),
    strictest first."""

    TWO_GROUPS = "two_groups"
    THEME_TERM = "theme_term"
    ANY_TERM = "any_term"


def groups_found(decision: Decision) -> set[str]:
    """The theme's groups with a term found, counted or not (too far from its partner)."""
    return {hit.rule for hit in (*decision.evidence, *decision.too_far)}


def anchored(theme: str, unfired: dict[str, Decision], anchor: Anchor, *, any_term: bool) -> bool:
    """Whether the item anchors ``theme`` (which the rules did not fire): not vetoed, and with
    ``Anchor.TWO_GROUPS`` terms of two of its groups found, with ``THEME_TERM`` a term of it,
    with ``ANY_TERM`` a term of any theme (``any_term``). ``unfired`` holds the rules'
    decision on every theme with some term found that did not fire."""
    decision = unfired.get(theme)
    if decision is not None and decision.vetoed_by is not None:
        return False
    if anchor is Anchor.ANY_TERM:
        return any_term
    if decision is None:
        return False
    return anchor is Anchor.THEME_TERM or len(groups_found(decision)) >= 2


def may_add(
    theme: str,
    probability: float,
    threshold: float,
    unfired: dict[str, Decision],
    anchor: Anchor,
    *,
    any_term: bool,
) -> bool:
    """Whether the classifier adds ``theme`` (which the rules did not fire): its probability
    reaches the threshold and the item anchors it (``anchored``)."""
    return probability >= threshold and anchored(theme, unfired, anchor, any_term=any_term)


def classifier_match(
    theme: str,
    probability: float,
    threshold: float,
    decision: Decision | None,
    nearest: Sequence[Example],
) -> ThemeMatch:
    """The match of a theme the classifier added, with the rules' evidence found for it."""
    return ThemeMatch(
        theme=theme,
        score=decision.score if decision is not None else 0.0,
        evidence=list(decision.evidence) if decision is not None else [],
        threshold=None,
        required_groups=[],
        classifier=ClassifierOpinion(
            probability=round(probability, 4),
            threshold=threshold,
            nearest=[
                NearestExample(id=example.id, title=example.title, similarity=example.similarity)
                for example in nearest
            ],
        ),
    )


def in_order(
    theme_names: Sequence[str], fired: Sequence[ThemeMatch], added: Sequence[ThemeMatch]
) -> list[ThemeMatch]:
    """The rules' matches and the classifier's, together in configuration order."""
    by_theme = {match.theme: match for match in (*fired, *added)}
    return [by_theme[name] for name in theme_names if name in by_theme]
