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
"""

from dataclasses import dataclass, field

from newswatch.analysis.facts.extract import NO_FACTS, Facts, extract
from newswatch.analysis.facts.gazetteer import Gazetteer
from newswatch.analysis.language import LanguageChoice, choose_language
from newswatch.analysis.text import FoldedText, fold
from newswatch.analysis.themes.compile import CompiledTheme
from newswatch.analysis.themes.explain import Decision, explain
from newswatch.analysis.themes.match import match
from newswatch_schemas import ThemeMatch


class _ItemLanguage:
    """An item's language choice, made on first use (``choose_language``) and remembered;
    calling it gives the language code, as ``themes.match`` asks for it."""

    __slots__ = ("_choice", "_declared", "_summary", "_title")

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

    def explain(self, title: str, summary: str, language: str | None = None) -> Explanation:
        """The decision on every theme with some evidence, as ``analyse`` would decide."""
        folded_title, folded_summary = fold(title), fold(summary)
        chosen = choose_language(language, folded_title, folded_summary, full_evidence=True)
        decisions = explain(self.themes, folded_title, folded_summary, language=chosen.language)
        return Explanation(decisions, chosen)
