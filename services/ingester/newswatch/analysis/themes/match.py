"""Theme matching: which configured themes an item belongs to, and the evidence why.

Pure logic: compile a ``ThemeSet`` once (``compile.compile_themes``), then call ``match`` per
item (or ``explain.explain``, which also says why a theme with some evidence did not fire).
Matching finds the terms in the folded fields (``find``: one scan of each field by the shared
keyword automaton, then the term lists of the item's language) and decides each theme on its
hits (``decide``). Evidence is reported with spans into the fields as given.

The item's language is the one to match in, already chosen: ``analysis.engine.Analyzer``
chooses it (``analysis.language``) before calling ``match``.
"""

from collections.abc import Iterator, Sequence

from newswatch.analysis.text import FIELDS, FoldedText, fold
from newswatch.analysis.themes.compile import CompiledTheme, ThemeEngine
from newswatch.analysis.themes.decide import Hit, Outcome, decide
from newswatch.analysis.themes.find import Found, Language, find
from newswatch_schemas import Evidence, ThemeMatch


def evidence(engine: ThemeEngine, hit: Hit, texts: Sequence[FoldedText]) -> Evidence:
    """The evidence record of one hit, its span mapped back to the field as given."""
    rule = engine.terms[hit.term]
    folded = texts[hit.field]
    start, end = folded.word_span(hit.first, hit.last)
    return Evidence(
        term=rule.text,
        rule=rule.group,
        field=FIELDS[hit.field],
        start=start,
        end=end,
        text=folded.original[start:end],
        weight=rule.weight,
        language=rule.language,
    )


def _theme_match(
    compiled: CompiledTheme, outcome: Outcome, texts: Sequence[FoldedText]
) -> ThemeMatch:
    return ThemeMatch(
        theme=compiled.theme.name,
        score=outcome.score,
        evidence=[evidence(compiled.engine, hit, texts) for hit in outcome.counted],
        threshold=compiled.theme.threshold,
        required_groups=sorted(compiled.required_groups),
    )


def outcomes(
    themes: Sequence[CompiledTheme],
    title: str | FoldedText,
    summary: str | FoldedText,
    language: Language,
    *,
    detailed: bool,
) -> Iterator[tuple[CompiledTheme, Outcome, tuple[FoldedText, ...]]]:
    """The outcome of every theme with at least one term found (unless ``detailed``, only of
    those that may fire), in configuration order, with the folded fields."""
    texts = (_folded(title), _folded(summary))
    engines: dict[int, Found] = {}
    for compiled in themes:
        engine = compiled.engine
        found = engines.get(id(engine))
        if found is None:
            found = find(engine, texts, language)
            engines[id(engine)] = found
        if compiled.index not in found.by_theme:
            continue  # none of its terms occurs
        outcome = decide(compiled, found, texts, detailed=detailed)
        if outcome is not None:
            yield compiled, outcome, texts


def _folded(field: str | FoldedText) -> FoldedText:
    return field if isinstance(field, FoldedText) else fold(field)


def match(
    themes: Sequence[CompiledTheme],
    title: str | FoldedText,
    summary: str | FoldedText,
    *,
    language: Language = None,
) -> list[ThemeMatch]:
    """The themes the item belongs to, in configuration order, each with its evidence.

    A field may be given already folded (``text.fold``), so that the facts extraction that
    follows can reuse it.

    ``language`` (a BCP 47 tag) restricts the terms to that language's lists and the
    language-neutral ones, when the themes have lists for it; otherwise all lists apply. It is
    used as given (the Analyzer decides it); it may be a function that gives it, called only
    if some term is found.
    """
    return [
        _theme_match(compiled, outcome, texts)
        for compiled, outcome, texts in outcomes(themes, title, summary, language, detailed=False)
        if outcome.fired
    ]
