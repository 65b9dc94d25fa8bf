"""Theme matching: which configured themes an item belongs to, and the evidence why.

Pure logic: compile a ``ThemeSet`` once with ``compile_themes``, then call ``match`` per item.
Terms match case-insensitively on word boundaries, ignore the punctuation between the words
of a phrase (``US-Taliban`` = ``US Taliban``), and accept a plural or possessive ending.
"""

import re
from dataclasses import dataclass

from newswatch.themes import Term, Theme, ThemeSet
from newswatch_schemas import Evidence, TextField, ThemeMatch

_SUFFIX = r"(?:['\u2019]s|s|es)?"


def term_pattern(term: str) -> re.Pattern[str]:
    """The regular expression for one term, as described in the module docstring."""
    words = [re.escape(word) for word in re.findall(r"[^\W_]+", term)]
    suffix = _SUFFIX if words[-1][-1:].isalpha() else ""
    body = r"[\W_]+".join(words)
    return re.compile(rf"(?<![^\W_]){body}{suffix}(?![^\W_])", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class _CompiledTerm:
    term: Term
    group: str
    pattern: re.Pattern[str]


@dataclass(frozen=True, slots=True)
class CompiledTheme:
    """A theme with every term compiled; build with ``compile_themes``."""

    theme: Theme
    terms: tuple[_CompiledTerm, ...]
    required_groups: frozenset[str]
    exclusions: tuple[re.Pattern[str], ...]


def compile_themes(theme_set: ThemeSet) -> tuple[CompiledTheme, ...]:
    """Compile every theme's terms once, for use by ``match``."""
    return tuple(
        CompiledTheme(
            theme=theme,
            terms=tuple(
                _CompiledTerm(term, group.name, term_pattern(term.term))
                for group in theme.groups
                for term in group.terms
            ),
            required_groups=frozenset(group.name for group in theme.groups if group.required),
            exclusions=tuple(term_pattern(text) for text in theme.exclude),
        )
        for theme in theme_set.themes
    )


def match(themes: tuple[CompiledTheme, ...], title: str, summary: str) -> list[ThemeMatch]:
    """The themes the item belongs to, in configuration order, each with its evidence."""
    fields = ((TextField.TITLE, title), (TextField.SUMMARY, summary))
    return [found for theme in themes if (found := _match_theme(theme, fields)) is not None]


def _match_theme(
    compiled: CompiledTheme, fields: tuple[tuple[TextField, str], ...]
) -> ThemeMatch | None:
    for exclusion in compiled.exclusions:
        if any(exclusion.search(text) for _, text in fields):
            return None
    evidence: list[Evidence] = []
    groups_hit: set[str] = set()
    for item in compiled.terms:
        hit = _first_hit(item, fields)
        if hit is not None:
            evidence.append(hit)
            groups_hit.add(item.group)
    if not compiled.required_groups <= groups_hit:
        return None
    score = round(sum(hit.weight for hit in evidence), 6)
    if score < compiled.theme.threshold:
        return None
    return ThemeMatch(theme=compiled.theme.name, score=score, evidence=evidence)


def _first_hit(item: _CompiledTerm, fields: tuple[tuple[TextField, str], ...]) -> Evidence | None:
    """Evidence for the first place the term occurs, title before summary."""
    for field, text in fields:
        found = item.pattern.search(text)
        if found is not None:
            return Evidence(
                term=item.term.term,
                rule=item.group,
                field=field,
                start=found.start(),
                end=found.end(),
                text=found.group(),
                weight=item.term.weight,
            )
    return None
