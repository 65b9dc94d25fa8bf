"""Theme matching: which configured themes an item belongs to, and the evidence why.

Pure logic: compile a ``ThemeSet`` once with ``compile_themes``, then call ``match`` per item
(or ``explain``, which also says why a theme with some evidence did not fire).

Every term of every theme, in every language, becomes one or more keys of a single
Aho-Corasick automaton over normalised text (``textnorm``): one pass over each field finds all
of them. A key is a word-initial run of words (``" us taliban deal"``); a hit counts when the
rest of its last word is an ending the term's language allows (``textnorm.word_forms``). Phrases
whose inner words inflect (Russian, stems) are chains of keys on consecutive words.

A theme is then decided on its hits: exclusions of scope ``item`` veto it; the others mask the
hits inside them or within their ``words``; hits whose term has a ``near`` constraint need a
hit of the named group within so many words in the same field; each distinct term counts once,
at its first place (title before summary); every required group must be hit, and the weights
must reach the threshold.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol, cast

import ahocorasick

from newswatch.analysis.text import (
    NormalisedText,
    normalise,
    parse_term,
    primary_language,
    word_forms,
)
from newswatch.analysis.themes.rules import (
    ANY_LANGUAGE,
    ExclusionScope,
    Near,
    Term,
    Theme,
    ThemeSet,
)
from newswatch_schemas import Evidence, TextField, ThemeMatch

_Entry = tuple[int, int, frozenset[str] | None]
"""An automaton value item: segment id, key length, allowed endings (None: any)."""


class _Automaton(Protocol):
    def add_word(self, key: str, value: object) -> bool: ...

    def make_automaton(self) -> None: ...

    def iter(self, string: str) -> Iterator[tuple[int, tuple[_Entry, ...]]]: ...


@dataclass(frozen=True, slots=True)
class _TermRule:
    """One term of one theme as compiled: where it belongs and the keys that find it."""

    theme: int
    text: str
    language: str
    group: str
    weight: float
    near: Near | None
    segments: tuple[int, ...]
    exclusion: int | None


@dataclass(frozen=True, slots=True)
class _ExclusionRule:
    name: str
    scope: ExclusionScope
    words: int | None


@dataclass(frozen=True, slots=True, eq=False)
class _Engine:
    """Everything compiled from one ``ThemeSet``: the automaton and the term rules."""

    automaton: _Automaton
    terms: tuple[_TermRule, ...]
    starting_with: dict[int, tuple[tuple[int, int, str, tuple[int, ...]], ...]]
    """Per segment: the terms that start with it (id, theme, language, following segments)."""
    languages: frozenset[str]


@dataclass(frozen=True, slots=True, eq=False)
class CompiledTheme:
    """A theme ready for ``match``; build with ``compile_themes``."""

    theme: Theme
    index: int
    engine: _Engine
    terms: tuple[int, ...]
    exclusions: tuple[_ExclusionRule, ...]
    required_groups: frozenset[str]


class _Place(NamedTuple):
    """Where a segment or term was found: field, span in the normalised text, words."""

    field: int
    start: int
    stop: int
    first: int
    last: int


class _Hit(NamedTuple):
    """One place a term was found: field, span in the normalised text, first and last word."""

    term: int
    field: int
    start: int
    stop: int
    first: int
    last: int


def _words_between(one: _Hit, other: _Hit) -> int:
    """How many words lie between two hits of the same field (-1 when they overlap)."""
    return max(other.first - one.last, one.first - other.last) - 1


def compile_themes(theme_set: ThemeSet) -> tuple[CompiledTheme, ...]:
    """Compile every theme's terms once, into one automaton shared by all, for ``match``."""
    keys: dict[str, list[_Entry]] = {}
    segment_ids: dict[tuple[str, frozenset[str] | None], int] = {}
    terms: list[_TermRule] = []
    per_theme: list[tuple[list[int], list[_ExclusionRule]]] = []
    for theme_index, theme in enumerate(theme_set.themes):
        term_ids: list[int] = []
        exclusions: list[_ExclusionRule] = []
        for group in theme.groups:
            term_ids += _add_terms(
                terms,
                keys,
                segment_ids,
                group.by_language(),
                theme=theme_index,
                rule=group.name,
                near=group.near,
            )
        for exclusion_index, exclusion in enumerate(theme.exclude):
            exclusions.append(_ExclusionRule(exclusion.name, exclusion.scope, exclusion.words))
            term_ids += _add_terms(
                terms,
                keys,
                segment_ids,
                exclusion.by_language(),
                theme=theme_index,
                rule=exclusion.name,
                exclusion=exclusion_index,
            )
        per_theme.append((term_ids, exclusions))
    automaton = cast(_Automaton, ahocorasick.Automaton())
    for key, values in keys.items():
        automaton.add_word(key, tuple(dict.fromkeys(values)))
    automaton.make_automaton()
    starting_with: dict[int, list[tuple[int, int, str, tuple[int, ...]]]] = {}
    for term_id, rule in enumerate(terms):
        starter = (term_id, rule.theme, rule.language, rule.segments[1:])
        starting_with.setdefault(rule.segments[0], []).append(starter)
    engine = _Engine(
        automaton,
        tuple(terms),
        {segment: tuple(ids) for segment, ids in starting_with.items()},
        frozenset(code for theme in theme_set.themes for code in theme.languages()),
    )
    return tuple(
        CompiledTheme(
            theme=theme,
            index=index,
            engine=engine,
            terms=tuple(per_theme[index][0]),
            exclusions=tuple(per_theme[index][1]),
            required_groups=frozenset(group.name for group in theme.groups if group.required),
        )
        for index, theme in enumerate(theme_set.themes)
    )


def _add_terms(
    terms: list[_TermRule],
    keys: dict[str, list[_Entry]],
    segment_ids: dict[tuple[str, frozenset[str] | None], int],
    by_language: dict[str, list[Term]],
    *,
    theme: int,
    rule: str,
    near: Near | None = None,
    exclusion: int | None = None,
) -> list[int]:
    """Add one group's terms to ``terms``, with their automaton keys, and return their ids.

    With ``exclusion``, the terms are that exclusion's: they weigh nothing and need no partner.
    """
    first = len(terms)
    for language, entries in by_language.items():
        for entry in entries:
            terms.append(
                _TermRule(
                    theme,
                    entry.term,
                    language,
                    rule,
                    entry.weight if exclusion is None else 0.0,
                    (entry.near or near) if exclusion is None else None,
                    _segments(entry.term, language, keys, segment_ids),
                    exclusion,
                )
            )
    return list(range(first, len(terms)))


def _segments(
    term: str,
    language: str,
    keys: dict[str, list[_Entry]],
    segment_ids: dict[tuple[str, frozenset[str] | None], int],
) -> tuple[int, ...]:
    """Register the automaton keys of one term; return its segments' ids, in order.

    A segment ends at the term's last word, at a stem, and after every word of a language
    whose words inflect inside phrases (Russian); other inner words must match exactly.
    """
    words = parse_term(term)
    segments: list[int] = []
    pending: list[str] = []
    proclitics: tuple[str, ...] = ("",)
    for position, (word, is_stem) in enumerate(words):
        form = word_forms(word, language, is_stem=is_stem, first=position == 0)
        if position == 0:
            proclitics = form.proclitics
        if position < len(words) - 1 and not is_stem and not form.inflects:
            pending.append(form.bare)
            continue
        body = " ".join([*pending, form.stem])
        identity = (body, form.endings)
        segment = segment_ids.setdefault(identity, len(segment_ids))
        for proclitic in proclitics:
            key = f" {proclitic}{body}"
            keys.setdefault(key, []).append((segment, len(key), form.endings))
        segments.append(segment)
        pending = []
        proclitics = ("",)
    return tuple(segments)


def _active_languages(engine: _Engine, language: str | None) -> frozenset[str] | None:
    """The term lists that apply to an item in ``language``; None means all of them."""
    primary = primary_language(language)
    if primary is None or primary not in engine.languages:
        return None
    return frozenset({primary, ANY_LANGUAGE})


class _Found(NamedTuple):
    """Every place of every active term of one engine on one item, and the terms per theme."""

    places: dict[int, list[_Place]]
    by_theme: dict[int, set[int]]


def _find(
    engine: _Engine, texts: Sequence[NormalisedText], active: frozenset[str] | None
) -> _Found:
    """Every place of every active term, per term id, and the terms found per theme."""
    found: dict[int, list[_Place]] = {}
    by_theme: dict[int, set[int]] = {}
    for field, normal in enumerate(texts):
        text = normal.text
        segment_hits = _segment_hits(engine, text)
        for segment, spans in segment_hits.items():
            places: list[_Place] | None = None
            for term_id, theme, language, following in engine.starting_with.get(segment, ()):
                if active is not None and language not in active:
                    continue
                if following:
                    if not all(later in segment_hits for later in following):
                        continue
                    chain = _chain(following, spans, segment_hits)
                    term_places = [_place(text, field, *span) for span in chain]
                    if not term_places:
                        continue
                else:
                    places = places or [_place(text, field, *span) for span in spans]
                    term_places = places
                earlier = found.get(term_id)
                found[term_id] = term_places if earlier is None else earlier + term_places
                by_theme.setdefault(theme, set()).add(term_id)
    return _Found(found, by_theme)


def _segment_hits(engine: _Engine, text: str) -> dict[int, list[tuple[int, int]]]:
    """The spans where each segment occurs in ``text``, with an ending its language allows."""
    segment_hits: dict[int, list[tuple[int, int]]] = {}
    for end, entries in engine.automaton.iter(text):
        after = end + 1
        if text[after] == " ":
            stop, ending = after, ""
        else:
            stop = text.index(" ", after)
            ending = text[after:stop]
        for segment, length, endings in entries:
            if endings is None or ending in endings:
                segment_hits.setdefault(segment, []).append((after - length + 1, stop))
    return segment_hits


def _place(text: str, field: int, start: int, stop: int) -> _Place:
    first = text.count(" ", 0, start) - 1
    return _Place(field, start, stop, first, first + text.count(" ", start, stop))


def _chain(
    following: tuple[int, ...],
    places: list[tuple[int, int]],
    segment_hits: dict[int, list[tuple[int, int]]],
) -> list[tuple[int, int]]:
    """Spans where a term's first segment (at ``places``) is followed, word after word, by
    the ``following`` segments."""
    spans = []
    for start, stop in places:
        end: int | None = stop
        for segment in following:
            ends_by_start = dict(segment_hits.get(segment, ()))
            end = ends_by_start.get(end + 1) if end is not None else None
        if end is not None:
            spans.append((start, end))
    return spans


@dataclass(frozen=True, slots=True)
class _Outcome:
    """How one theme was decided, in terms of hits (pydantic objects are built afterwards)."""

    counted: tuple[_Hit, ...]
    score: float
    fired: bool
    missing: tuple[str, ...]
    veto: _Hit | None
    masked: tuple[tuple[_Hit, _Hit], ...]
    too_far: tuple[_Hit, ...]


def _decide(compiled: CompiledTheme, everything: _Found, *, detailed: bool) -> _Outcome | None:
    """The outcome for one theme of which at least one term occurs (``_outcomes`` sees to it).

    Unless ``detailed``, None as soon as the theme plainly cannot fire: a required group
    without any hit, or all the weights found short of the threshold.
    """
    terms = compiled.engine.terms
    present = sorted(everything.by_theme[compiled.index])
    if not detailed:
        groups = {terms[term_id].group for term_id in present}
        best = sum(terms[term_id].weight for term_id in present)
        if not compiled.required_groups <= groups or best < compiled.theme.threshold:
            return None
    found = {
        term_id: [_Hit(term_id, *place) for place in everything.places[term_id]]
        for term_id in present
    }
    veto, masks = _exclusion_hits(compiled, found, present)
    live: list[_Hit] = []
    masked: list[tuple[_Hit, _Hit]] = []
    for term_id in present:
        if terms[term_id].exclusion is None:
            for hit in found[term_id]:
                mask = _mask_of(compiled, hit, masks)
                if mask is None:
                    live.append(hit)
                else:
                    masked.append((hit, mask))
    by_group: dict[str, list[_Hit]] = {}
    for hit in live:
        by_group.setdefault(terms[hit.term].group, []).append(hit)
    kept = [hit for hit in live if _has_partner(hit, terms[hit.term].near, by_group)]
    first: dict[int, _Hit] = {}
    for hit in sorted(kept, key=lambda item: (item.field, item.start)):
        first.setdefault(hit.term, hit)
    counted = tuple(first.values())
    too_far = tuple(hit for hit in live if hit.term not in first and hit not in kept)
    score = round(sum(terms[hit.term].weight for hit in counted), 6)
    groups = {terms[hit.term].group for hit in counted}
    missing = tuple(sorted(compiled.required_groups - groups))
    fired = veto is None and not missing and score >= compiled.theme.threshold
    return _Outcome(counted, score, fired, missing, veto, tuple(masked), too_far)


def _exclusion_hits(
    compiled: CompiledTheme, found: dict[int, list[_Hit]], present: list[int]
) -> tuple[_Hit | None, list[_Hit]]:
    """The first hit of an exclusion that vetoes the theme, and the hits that mask."""
    terms = compiled.engine.terms
    veto: _Hit | None = None
    masks: list[_Hit] = []
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


def _has_partner(hit: _Hit, near: Near | None, by_group: dict[str, list[_Hit]]) -> bool:
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


def _mask_of(compiled: CompiledTheme, hit: _Hit, masks: list[_Hit]) -> _Hit | None:
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


_FIELDS = (TextField.TITLE, TextField.SUMMARY)


def _evidence(engine: _Engine, hit: _Hit, texts: Sequence[NormalisedText]) -> Evidence:
    rule = engine.terms[hit.term]
    normal = texts[hit.field]
    start, end = normal.span(hit.start, hit.stop)
    return Evidence(
        term=rule.text,
        rule=rule.group,
        field=_FIELDS[hit.field],
        start=start,
        end=end,
        text=normal.original[start:end],
        weight=rule.weight,
        language=rule.language,
    )


def _theme_match(
    compiled: CompiledTheme, outcome: _Outcome, texts: Sequence[NormalisedText]
) -> ThemeMatch:
    return ThemeMatch(
        theme=compiled.theme.name,
        score=outcome.score,
        evidence=[_evidence(compiled.engine, hit, texts) for hit in outcome.counted],
        threshold=compiled.theme.threshold,
        required_groups=sorted(compiled.required_groups),
    )


def _outcomes(
    themes: Sequence[CompiledTheme],
    title: str | NormalisedText,
    summary: str | NormalisedText,
    language: str | None,
    *,
    detailed: bool,
) -> Iterator[tuple[CompiledTheme, _Outcome, tuple[NormalisedText, ...]]]:
    texts = (_normalised(title), _normalised(summary))
    engines: dict[int, _Found] = {}
    for compiled in themes:
        engine = compiled.engine
        found = engines.get(id(engine))
        if found is None:
            found = _find(engine, texts, _active_languages(engine, language))
            engines[id(engine)] = found
        if compiled.index not in found.by_theme:
            continue  # none of its terms occurs
        outcome = _decide(compiled, found, detailed=detailed)
        if outcome is not None:
            yield compiled, outcome, texts


def _normalised(field: str | NormalisedText) -> NormalisedText:
    return field if isinstance(field, NormalisedText) else normalise(field)


def match(
    themes: Sequence[CompiledTheme],
    title: str | NormalisedText,
    summary: str | NormalisedText,
    *,
    language: str | None = None,
) -> list[ThemeMatch]:
    """The themes the item belongs to, in configuration order, each with its evidence.

    A field may be given already normalised (``textnorm.normalise``), so that the facts
    extraction that follows can reuse it.

    ``language`` (a BCP 47 tag) restricts the terms to that language's lists and the
    language-neutral ones, when the themes have lists for it; otherwise all lists apply.
    """
    return [
        _theme_match(compiled, outcome, texts)
        for compiled, outcome, texts in _outcomes(themes, title, summary, language, detailed=False)
        if outcome.fired
    ]


@dataclass(frozen=True, slots=True)
class Masked:
    """A hit that an exclusion took away, and the exclusion's own hit."""

    hit: Evidence
    exclusion: Evidence


@dataclass(frozen=True, slots=True)
class Decision:
    """Why a theme that has some evidence on an item fired or did not."""

    theme: str
    fired: bool
    score: float
    threshold: float
    evidence: tuple[Evidence, ...]
    required_groups: tuple[str, ...]
    missing_groups: tuple[str, ...]
    vetoed_by: Evidence | None
    masked: tuple[Masked, ...]
    too_far: tuple[Evidence, ...]

    def reason(self) -> str:
        """One line: why the theme did not fire (empty when it did)."""
        if self.fired:
            return ""
        if self.vetoed_by is not None:
            return (
                f"vetoed by exclusion {self.vetoed_by.rule!r} "
                f"({self.vetoed_by.field} {self.vetoed_by.text!r})"
            )
        if self.missing_groups:
            return "no hit in required group(s): " + ", ".join(self.missing_groups)
        return f"score {self.score:g} is below the threshold {self.threshold:g}"


def explain(
    themes: Sequence[CompiledTheme], title: str, summary: str, *, language: str | None = None
) -> list[Decision]:
    """A decision for every theme with at least one hit, fired or not, in configuration order."""
    decisions = []
    for compiled, outcome, texts in _outcomes(themes, title, summary, language, detailed=True):
        engine = compiled.engine
        decisions.append(
            Decision(
                theme=compiled.theme.name,
                fired=outcome.fired,
                score=outcome.score,
                threshold=compiled.theme.threshold,
                evidence=tuple(_evidence(engine, hit, texts) for hit in outcome.counted),
                required_groups=tuple(sorted(compiled.required_groups)),
                missing_groups=outcome.missing,
                vetoed_by=None if outcome.veto is None else _evidence(engine, outcome.veto, texts),
                masked=tuple(
                    Masked(_evidence(engine, hit, texts), _evidence(engine, mask, texts))
                    for hit, mask in outcome.masked
                ),
                too_far=tuple(_evidence(engine, hit, texts) for hit in outcome.too_far),
            )
        )
    return decisions


def _snippet(text: str, start: int, end: int, width: int = 40) -> str:
    """The matched text in brackets with up to ``width`` characters of context each side."""
    before = text[max(0, start - width) : start]
    after = text[end : end + width]
    lead = "…" if start > width else ""
    tail = "…" if end + width < len(text) else ""
    return f"{lead}{before}[{text[start:end]}]{after}{tail}"


def format_decisions(decisions: Sequence[Decision], title: str, summary: str) -> str:
    """A person's view of ``explain``: one block per theme, one line per piece of evidence."""
    fields = {TextField.TITLE: title, TextField.SUMMARY: summary}
    lines: list[str] = []
    for decision in decisions:
        verdict = "MATCH" if decision.fired else "no match"
        required = ", ".join(decision.required_groups) or "none"
        lines.append(
            f"  {decision.theme}: {verdict}, score {decision.score:g} "
            f"(threshold {decision.threshold:g}; required groups: {required})"
        )
        if not decision.fired:
            lines.append(f"    why not: {decision.reason()}")
        for item in decision.evidence:
            lines.append(
                f"    +{item.weight:<4g} {item.term!r} [{item.rule}, {item.language}] "
                f"{item.field} {item.start}-{item.end}: "
                f"{_snippet(fields[item.field], item.start, item.end)}"
            )
        for masked in decision.masked:
            hit = masked.hit
            lines.append(
                f"    masked {hit.term!r} {hit.field} {hit.start}-{hit.end} "
                f"by exclusion {masked.exclusion.rule!r} ({masked.exclusion.text!r}): "
                f"{_snippet(fields[hit.field], hit.start, hit.end)}"
            )
        for hit in decision.too_far:
            lines.append(
                f"    not near enough {hit.term!r} [{hit.rule}] {hit.field} "
                f"{hit.start}-{hit.end}: {_snippet(fields[hit.field], hit.start, hit.end)}"
            )
    return "\n".join(lines) if lines else "  no theme has any evidence"
