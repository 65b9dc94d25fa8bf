"""The analysis engine: one item's title and summary in, its themes, facts and language out.

``Analyzer`` is built once from the compiled themes and the gazetteer, and ``analyse`` is the
one code path every caller runs: the service (``service.entries``), ``newswatch match`` (and
``--explain``, through ``Analyzer.explain``), ``newswatch evaluate`` and the benchmarks, so what
``evaluate`` measures is what the service publishes. Per item it:

1. folds both fields once (``text.fold``), for the themes and the facts alike;
2. chooses the language to match in from the text, with the declared language as a hint
   (``language.choose_language``: the policy is documented there). The choice is made when
   the matcher first needs it, that is when some term of the themes occurs in the item (most
   items have none), or when ``Analysis.language`` is read;
3. matches the themes in that language (``themes.match``);
4. extracts the facts (``facts.extract``) when a theme fired and a gazetteer is given: only a
   matched item is published, and most items match nothing. ``facts_for_every_item`` extracts
   them from every item instead (benchmarks measure both).

With a semantic second opinion (``opinion``, ``analysis.semantic``), ``candidate`` then says
whether the classifier may add a theme to the item (the cheap prefilter, no model), whatever
embeds the candidates in batches (in-process for ``analyse_all``, which ``match`` and
``evaluate`` run; a worker process in the service), and ``with_opinion`` gives the item's
analysis with the classifier's themes added (and its facts, when it had none).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from newswatch.analysis.facts.extract import NO_FACTS, Facts, extract
from newswatch.analysis.facts.gazetteer import Gazetteer
from newswatch.analysis.language import LanguageChoice, choose_language
from newswatch.analysis.text import FoldedText, fold
from newswatch.analysis.themes.compile import CompiledTheme
from newswatch.analysis.themes.explain import Decision, explain
from newswatch.analysis.themes.match import match
from newswatch_schemas import ThemeMatch

if TYPE_CHECKING:  # the second opinion's modules import numpy: only where it is on
    from newswatch.analysis.semantic.embed import Embedder, Vectors
    from newswatch.analysis.semantic.opinion import Candidate, SecondOpinion


class _ItemLanguage:
    """An item's language choice, made on first use (``choose_language``) and remembered;
    calling it gives the language code, as ``themes.match`` asks for it."""

    __slots__ = ("_choice", "_declared", "_summary", "_title")

    @property
    def texts(self) -> tuple[FoldedText, FoldedText]:
        """The folded title and summary."""
        return self._title, self._summary

    def __init__(self, declared: str | None, title: FoldedText, summary: FoldedText) -> None:
        self._declared = declared
        self._title = title
        self._summary = summary
        self._choice: LanguageChoice | None = None

    @property
    def choice(self) -> LanguageChoice:
        """The choice, made now if not yet."""
        if self._choice is None:
            self._choice = choose_language(self._declared, self._title, self._summary)
        return self._choice

    def __call__(self) -> str | None:
        """The language code chosen (None: unknown)."""
        return self.choice.language


class Analysis:
    """What the analysis found in one item: the themes it belongs to (configuration order),
    its facts, and the language it was analysed in."""

    __slots__ = ("_language", "facts", "themes")

    def __init__(self, themes: list[ThemeMatch], facts: Facts, language: _ItemLanguage) -> None:
        self.themes = themes
        self.facts = facts
        self._language = language

    @property
    def language(self) -> LanguageChoice:
        """The language the item was (or would have been) matched in, and why."""
        return self._language.choice

    @property
    def folded(self) -> tuple[FoldedText, FoldedText]:
        """The item's title and summary as folded for the analysis (``text.fold``)."""
        return self._language.texts

    def revised(self, themes: list[ThemeMatch], facts: Facts) -> "Analysis":
        """The same analysis with these themes and facts."""
        return Analysis(themes, facts, self._language)


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why each theme with some evidence fired or not, and the language used."""

    decisions: list[Decision]
    language: LanguageChoice


@dataclass(frozen=True, slots=True, eq=False)
class Analyzer:
    """The analysis of items with one configuration (themes and gazetteer); see the module
    docstring. Immutable and shared: build it once, at start-up."""

    themes: tuple[CompiledTheme, ...]
    gazetteer: Gazetteer | None = None
    facts_for_every_item: bool = False
    opinion: "SecondOpinion | None" = None
    theme_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        """Name the themes once."""
        object.__setattr__(
            self, "theme_names", tuple(compiled.theme.name for compiled in self.themes)
        )

    def analyse(self, title: str, summary: str, language: str | None = None) -> Analysis:
        """The themes, facts and language of the item with this title, summary and declared
        language (a BCP 47 tag, or None when the feed declares none)."""
        folded_title, folded_summary = fold(title), fold(summary)
        item_language = _ItemLanguage(language, folded_title, folded_summary)
        themes = match(self.themes, folded_title, folded_summary, language=item_language)
        facts = NO_FACTS
        if self.gazetteer is not None and (themes or self.facts_for_every_item):
            facts = extract(self.gazetteer, folded_title, folded_summary)
        return Analysis(themes, facts, item_language)

    def candidate(self, analysis: Analysis, title: str, summary: str) -> "Candidate | None":
        """The item as a candidate for the second opinion, or None when there is no opinion
        or it could not add a theme (``SecondOpinion.candidate``)."""
        if self.opinion is None:
            return None
        folded_title, folded_summary = analysis._language.texts
        if len(analysis.themes) == len(self.themes):
            return None  # every theme fired
        decisions = explain(self.themes, folded_title, folded_summary, language=analysis._language)
        return self.opinion.candidate(title, summary, analysis.themes, decisions)

    def with_opinion(
        self, analysis: Analysis, candidate: "Candidate", embedding: "Vectors"
    ) -> Analysis:
        """The analysis with the themes the classifier adds, and the facts when it brought the
        item its first theme (without an opinion: the analysis as it was)."""
        if self.opinion is None:
            return analysis
        themes = self.opinion.decide(candidate, embedding, self.theme_names)
        if len(themes) == len(analysis.themes):
            return analysis
        facts = analysis.facts
        if self.gazetteer is not None and not analysis.themes and not self.facts_for_every_item:
            facts = extract(self.gazetteer, *analysis._language.texts)
        return analysis.revised(themes, facts)

    def analyse_all(
        self, items: Sequence[tuple[str, str, str | None]], embedder: "Embedder | None" = None
    ) -> list[Analysis]:
        """``analyse`` of every (title, summary, language), then the second opinion on the
        candidates, embedded in one batch by ``embedder`` in this process (none: rules alone).
        ``match`` and ``evaluate`` run this; the service the same steps with a worker."""
        analyses = [self.analyse(title, summary, language) for title, summary, language in items]
        if embedder is None:
            return analyses
        pending = [
            (index, candidate)
            for index, (analysis, (title, summary, _)) in enumerate(
                zip(analyses, items, strict=True)
            )
            if (candidate := self.candidate(analysis, title, summary)) is not None
        ]
        if not pending:
            return analyses
        vectors = embedder.embed([candidate.text for _, candidate in pending])
        for (index, candidate), vector in zip(pending, vectors, strict=True):
            analyses[index] = self.with_opinion(analyses[index], candidate, vector)
        return analyses

    def explain(self, title: str, summary: str, language: str | None = None) -> Explanation:
        """The decision on every theme with some evidence, as ``analyse`` would decide."""
        folded_title, folded_summary = fold(title), fold(summary)
        chosen = choose_language(language, folded_title, folded_summary, full_evidence=True)
        decisions = explain(self.themes, folded_title, folded_summary, language=chosen.language)
        return Explanation(decisions, chosen)
