"""Deciding a theme on the hits of its terms: the rule of ``analysis.themes.rules``.

Exclusions of scope ``item`` (or ``subject``, in the title) veto the theme; the others mask
the hits inside them or within their ``words``; a hit whose term has a ``near`` constraint
needs a hit of the named group within so many words in the same field (or in the other field,
with ``across_fields``); each distinct term counts once, and a span of a field counts once per
group, the strongest of overlapping hits (``_count``); every required group must be hit, and
the weights must reach the threshold.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from newswatch.analysis.text import FoldedText
from newswatch.analysis.themes.compile import CompiledTheme
from newswatch.analysis.themes.find import Found
from newswatch.analysis.themes.rules import ExclusionScope, Near


class Hit(NamedTuple):
    """One place a term was found: field, span in the folded text, first and last word."""

    term: int
    field: int
    start: int
    stop: int
    first: int
    last: int


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one theme was decided, in terms of hits (pydantic objects are built afterwards)."""

    counted: tuple[Hit, ...]
    score: float
    fired: bool
    missing: tuple[str, ...]
    veto: Hit | None
    masked: tuple[tuple[Hit, Hit], ...]
    too_far: tuple[Hit, ...]
    overlapped: tuple[tuple[Hit, Hit], ...]
    """Hits of a term that counts nowhere, left out for overlapping a stronger hit (with it)."""


def decide(
    compiled: CompiledTheme, everything: Found, texts: Sequence[FoldedText], *, detailed: bool
) -> Outcome | None:
    """The outcome for one theme of which at least one term occurs (see ``match``).

    Unless ``detailed``, None as soon as the theme plainly cannot fire: a required group
    without any hit, or all the weights found short of the threshold.
    """
    terms = compiled.engine.terms
    found_terms = everything.by_theme[compiled.index]
    if not detailed:
        groups = set()
        best = 0.0
        for term_id in found_terms:
            rule = terms[term_id]
            groups.add(rule.group)
            best += rule.weight
        if not compiled.required_groups <= groups or best < compiled.theme.threshold:
            return None
    present = sorted(found_terms)
    found = {
        term_id: [_hit(term_id, place, texts) for place in everything.places[term_id]]
        for term_id in present
    }
    veto, masks = _exclusion_hits(compiled, found, present)
    live: list[Hit] = []
    masked: list[tuple[Hit, Hit]] = []
    for term_id in present:
        if terms[term_id].exclusion is None:
            for hit in found[term_id]:
                mask = _mask_of(compiled, hit, masks)
                if mask is None:
                    live.append(hit)
                else:
                    masked.append((hit, mask))
    by_group: dict[str, list[Hit]] = {}
    for hit in live:
        by_group.setdefault(terms[hit.term].group, []).append(hit)
    kept = [hit for hit in live if _has_partner(hit, terms[hit.term].near, by_group)]
    counted, overlapped = _count(compiled, kept)
    counted_terms = {hit.term for hit in counted}
    too_far = tuple(hit for hit in live if hit.term not in counted_terms and hit not in kept)
    score = round(sum(terms[hit.term].weight for hit in counted), 6)
    groups = {terms[hit.term].group for hit in counted}
    missing = tuple(sorted(compiled.required_groups - groups))
    fired = veto is None and not missing and score >= compiled.theme.threshold
    return Outcome(counted, score, fired, missing, veto, tuple(masked), too_far, overlapped)


def _count(
    compiled: CompiledTheme, kept: list[Hit]
) -> tuple[tuple[Hit, ...], tuple[tuple[Hit, Hit], ...]]:
    """The hits that count, in text order, and the hits left out for overlapping one of them.

    Each distinct term counts once, and a span of a field counts once per group: of the hits
    of one group that overlap (the same word found by the ``any`` list and a French stem;
    "agreement" inside "Doha peace agreement"), the strongest counts: the greatest weight,
    then the earliest, then the longest, then the first configured. A term left out at one
    place counts at another. Hits of different groups may overlap and each count: an
    actor-action phrase ("Taliban attack") is evidence of its own beside the actor and the act.
    """
    terms = compiled.engine.terms
    counted: list[Hit] = []
    counted_terms: set[int] = set()
    overlapped: list[tuple[Hit, Hit]] = []
    taken: dict[str, list[Hit]] = {}
    strongest_first = sorted(
        kept,
        key=lambda hit: (
            -terms[hit.term].weight,
            hit.field,
            hit.start,
            hit.start - hit.stop,
            hit.term,
        ),
    )
    for hit in strongest_first:
        if hit.term in counted_terms:
            continue
        group = terms[hit.term].group
        others = taken.get(group)
        if others is None:
            taken[group] = [hit]
        else:
            overlap = _overlapping(hit, others)
            if overlap is not None:
                overlapped.append((hit, overlap))
                continue
            others.append(hit)
        counted.append(hit)
        counted_terms.add(hit.term)
    left_out = tuple(pair for pair in overlapped if pair[0].term not in counted_terms)
    return tuple(sorted(counted, key=lambda hit: (hit.field, hit.start, hit.term))), left_out


def _overlapping(hit: Hit, others: list[Hit]) -> Hit | None:
    """The first of ``others`` that shares characters of the same field with ``hit``."""
    for other in others:
        if other.field == hit.field and other.start < hit.stop and hit.start < other.stop:
            return other
    return None


def _hit(term: int, place: tuple[int, int, int], texts: Sequence[FoldedText]) -> Hit:
    """The hit of ``term`` at ``place``, with the indices of its first and last words."""
    field, start, stop = place
    text = texts[field].text
    first = text.count(" ", 0, start) - 1
    return Hit(term, field, start, stop, first, first + text.count(" ", start, stop))


def _words_between(one: Hit, other: Hit) -> int:
    """How many words lie between two hits of the same field (-1 when they overlap)."""
    return max(other.first - one.last, one.first - other.last) - 1


def _exclusion_hits(
    compiled: CompiledTheme, found: dict[int, list[Hit]], present: list[int]
) -> tuple[Hit | None, list[Hit]]:
    """The first hit of an exclusion that vetoes the theme, and the hits that mask."""
    terms = compiled.engine.terms
    veto: Hit | None = None
    masks: list[Hit] = []
    for term_id in present:
        exclusion = terms[term_id].exclusion
        if exclusion is None:
            continue
        scope = compiled.exclusions[exclusion].scope
        for hit in found[term_id]:
            if scope is ExclusionScope.ITEM or (scope is ExclusionScope.SUBJECT and hit.field == 0):
                veto = veto or hit
            else:
                masks.append(hit)
    return veto, masks


def _has_partner(hit: Hit, near: Near | None, by_group: dict[str, list[Hit]]) -> bool:
    """Whether ``hit`` meets its ``near`` constraint (always, when it has none)."""
    if near is None:
        return True
    for group in near.groups():
        for other in by_group.get(group, ()):
            if other.field != hit.field:
                if near.across_fields:
                    return True
            elif _words_between(hit, other) <= near.words:
                return True
    return False


def _mask_of(compiled: CompiledTheme, hit: Hit, masks: list[Hit]) -> Hit | None:
    """The exclusion hit that masks ``hit``, if any."""
    terms = compiled.engine.terms
    for mask in masks:
        if mask.field != hit.field:
            continue
        exclusion = terms[mask.term].exclusion
        words = compiled.exclusions[exclusion].words if exclusion is not None else None
        if words is None:
            if hit.start < mask.stop and mask.start < hit.stop:
                return mask
        elif _words_between(hit, mask) <= words:
            return mask
    return None
