"""Compiling a ``ThemeSet``: every term of every theme, in every language, into one keyword
automaton (``analysis.keywords``) shared by all themes, and the rules that decide on its hits.

A term's keys are its segments: a segment ends at the term's last word, at a stem, and after
every word of a language whose words inflect inside phrases (Russian), so that a phrase whose
inner words inflect is a chain of segments on consecutive words; other inner words must match
exactly. The last word of a segment takes the endings of the term's language
(``morphology.word_forms``), the first word of a term its proclitics.
"""

from dataclasses import dataclass

from newswatch.analysis.keywords import Keywords, KeywordsBuilder
from newswatch.analysis.morphology import parse_term, word_forms
from newswatch.analysis.themes.rules import (
    ANY_LANGUAGE,
    ExclusionScope,
    Near,
    Term,
    Theme,
    ThemeSet,
)


@dataclass(frozen=True, slots=True)
class TermRule:
    """One term of one theme as compiled: where it belongs and the segments that find it."""

    theme: int
    text: str
    language: str
    group: str
    weight: float
    near: Near | None
    segments: tuple[int, ...]
    exclusion: int | None


@dataclass(frozen=True, slots=True)
class ExclusionRule:
    """One exclusion of a theme: its name, scope and reach in words."""

    name: str
    scope: ExclusionScope
    words: int | None


Starter = tuple[int, tuple[int, ...]]
"""A term that starts with a segment: term id, following segments."""
Starters = dict[int, tuple[Starter, ...]]
"""Per segment: the terms that start with it."""


@dataclass(frozen=True, slots=True, eq=False)
class ThemeEngine:
    """Everything compiled from one ``ThemeSet``: the keywords (segments) and the term rules."""

    keywords: Keywords
    terms: tuple[TermRule, ...]
    starters: dict[str | None, Starters]
    """Per language the themes have lists for, the starters of that language's terms and the
    language-neutral ones; under None, of every term (for an item of another or no language)."""
    languages: frozenset[str]


@dataclass(frozen=True, slots=True, eq=False)
class CompiledTheme:
    """A theme ready for ``match``; build with ``compile_themes``."""

    theme: Theme
    index: int
    engine: ThemeEngine
    terms: tuple[int, ...]
    exclusions: tuple[ExclusionRule, ...]
    required_groups: frozenset[str]


_SegmentIds = dict[tuple[str, frozenset[str] | None], int]


def compile_themes(theme_set: ThemeSet) -> tuple[CompiledTheme, ...]:
    """Compile every theme's terms once, into one automaton shared by all, for ``match``."""
    keywords = KeywordsBuilder()
    segment_ids: _SegmentIds = {}
    terms: list[TermRule] = []
    per_theme: list[tuple[list[int], list[ExclusionRule]]] = []
    for theme_index, theme in enumerate(theme_set.themes):
        term_ids: list[int] = []
        exclusions: list[ExclusionRule] = []
        for group in theme.groups:
            term_ids += _add_terms(
                terms,
                keywords,
                segment_ids,
                group.by_language(),
                theme=theme_index,
                rule=group.name,
                near=group.near,
            )
        for exclusion_index, exclusion in enumerate(theme.exclude):
            exclusions.append(ExclusionRule(exclusion.name, exclusion.scope, exclusion.words))
            term_ids += _add_terms(
                terms,
                keywords,
                segment_ids,
                exclusion.by_language(),
                theme=theme_index,
                rule=exclusion.name,
                exclusion=exclusion_index,
            )
        per_theme.append((term_ids, exclusions))
    languages = frozenset(code for theme in theme_set.themes for code in theme.languages())
    starters = {
        language: _starters(terms, None if language is None else {language, ANY_LANGUAGE})
        for language in [None, *sorted(languages)]
    }
    engine = ThemeEngine(keywords.build(), tuple(terms), starters, languages)
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


def _starters(terms: list[TermRule], languages: set[str] | None) -> Starters:
    """The terms of ``languages`` (None: all) by the segment they start with."""
    starting_with: dict[int, list[Starter]] = {}
    for term_id, rule in enumerate(terms):
        if languages is None or rule.language in languages:
            starter = (term_id, rule.segments[1:])
            starting_with.setdefault(rule.segments[0], []).append(starter)
    return {segment: tuple(found) for segment, found in starting_with.items()}


def _add_terms(
    terms: list[TermRule],
    keywords: KeywordsBuilder,
    segment_ids: _SegmentIds,
    by_language: dict[str, list[Term]],
    *,
    theme: int,
    rule: str,
    near: Near | None = None,
    exclusion: int | None = None,
) -> list[int]:
    """Add one group's terms to ``terms``, with their keywords, and return their ids.

    With ``exclusion``, the terms are that exclusion's: they weigh nothing and need no partner.
    """
    first = len(terms)
    for language, entries in by_language.items():
        for entry in entries:
            terms.append(
                TermRule(
                    theme,
                    entry.term,
                    language,
                    rule,
                    entry.weight if exclusion is None else 0.0,
                    (entry.near or near) if exclusion is None else None,
                    _segments(entry.term, language, keywords, segment_ids),
                    exclusion,
                )
            )
    return list(range(first, len(terms)))


def _segments(
    term: str, language: str, keywords: KeywordsBuilder, segment_ids: _SegmentIds
) -> tuple[int, ...]:
    """Register the keywords of one term's segments; return the segments' ids, in order."""
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
            keywords.add(f"{proclitic}{body}", segment, form.endings)
        segments.append(segment)
        pending = []
        proclitics = ("",)
    return tuple(segments)
