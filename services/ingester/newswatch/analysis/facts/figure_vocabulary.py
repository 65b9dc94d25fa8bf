"""The vocabulary of the figure grammar in a language other than English, and its compiled form.

A ``Vocabulary`` is data: word lists written as in the language's news (space-separated;
``word*`` is a stem that takes any ending; other words take the endings and, for Arabic, the
proclitics that ``morphology.word_forms`` gives their language, as theme terms do), number
words with their values, qualifier phrases (``|``-separated), and the language's digit-group
and decimal separators. The lists live in ``figure_languages`` (one module per language).
``compile_vocabulary`` folds every word (``text.fold``) into a ``Lexicon``: the word classes
the grammar (``figures_multilingual``) asks about, and the cue words that the gazetteer's
automaton looks for (``cue_keywords``), so that a field without one never reaches the grammar.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from newswatch.analysis.morphology import word_forms
from newswatch.analysis.text import folded_words
from newswatch_schemas import FigureKind, FigureQualifier

ATTACK, KILLED, WOUNDED, RELEASED, PRISONER, TROOP, PERSON, UNIT, MONTH = (
    "attack",
    "killed",
    "wounded",
    "released",
    "prisoner",
    "troop",
    "person",
    "unit",
    "month",
)
"""Word classes; the first six are cues."""
CUE_CLASSES: Final = (ATTACK, KILLED, WOUNDED, RELEASED, PRISONER, TROOP)
CASUALTY: Final = {KILLED: FigureKind.KILLED, WOUNDED: FigureKind.WOUNDED}


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The words of one language for the figure grammar, as written (folded on compiling)."""

    language: str
    attacks: str
    killed: str
    wounded: str
    released: str
    prisoners: str
    troops: str
    people: str
    """People nouns and classifiers ("تن", "نفر", "человек"): a count of persons."""
    units: str
    """Nouns after a number that make it no count (days, districts, money, percent)."""
    months: str
    numbers: Mapping[int, str]
    """Number words that add their value ("five", "twenty", "two hundred")."""
    multipliers: Mapping[int, str] = field(default_factory=dict)
    """Number words that multiply what comes before them ("deux cents", "دو صد")."""
    scales: Mapping[int, str] = field(default_factory=dict)
    """Thousand, million: close a group ("five thousand")."""
    vague: Mapping[int, str] = field(default_factory=dict)
    """Vague quantities at the start of a number ("dozens"): their lower bound."""
    approximate: Mapping[int, str] = field(default_factory=dict)
    """Approximate quantities ("une dizaine", "درجن"): about."""
    articles: str = ""
    """Words for one that are also an article: a number only with another number word."""
    connectors: str = ""
    """Words between the parts of a number ("بیست و پنج", "vingt et un")."""
    of_words: str = ""
    """Words between a quantity and its noun ("des dizaines de morts")."""
    conjunctions: str = ""
    """Words joining two casualty words ("killed or wounded")."""
    range_links: str = ""
    """Words between the two numbers of a range ("۱۰ تا ۱۵")."""
    qualifiers: Mapping[FigureQualifier, str] = field(default_factory=dict)
    """Phrases just before a number, ``|``-separated."""
    trailing_qualifiers: Mapping[FigureQualifier, str] = field(default_factory=dict)
    """Phrases after a number or its noun ("100 سے زیادہ", "20 شخصا على الأقل")."""
    group_separators: str = ","
    decimal_separators: str = "."
    verb_final: bool = False
    """Whether a cue after the number wins over a nearer one before it (Persian, Pashto, Urdu:
    "۲۰ تن کشته و ۱۵ تن زخمی شدند")."""


def _phrases(text: str) -> list[tuple[str, ...]]:
    return [tuple(folded_words(phrase)) for phrase in text.split("|") if phrase.strip()]


def _values(table: Mapping[int, str]) -> dict[str, int]:
    return {
        "".join(folded_words(word)): value
        for value, words in table.items()
        for word in words.split()
    }


def _folded_set(text: str) -> frozenset[str]:
    return frozenset("".join(folded_words(word)) for word in text.split())


_UNKNOWN: Final = "?"
_REMEMBERED_WORDS: Final = 50_000
"""Words of the text whose class a ``Lexicon`` remembers (a bound on its memory)."""


@dataclass(frozen=True, slots=True, eq=False)
class Lexicon:
    """A compiled ``Vocabulary``: folded words and phrases, and their classes."""

    language: str
    forms: dict[str, str | None]
    """Every folded form of a class word (with endings, proclitics) → its class; words looked
    up since are added (None: no class), up to ``size_limit`` entries."""
    stems: dict[str, str]
    """Folded stems (``word*``) → class."""
    proclitics: tuple[str, ...]
    numbers: dict[str, int]
    multipliers: dict[str, int]
    scales: dict[str, int]
    vague: dict[str, int]
    approximate: dict[str, int]
    articles: frozenset[str]
    connectors: frozenset[str]
    of_words: frozenset[str]
    conjunctions: frozenset[str]
    range_links: frozenset[str]
    qualifiers: dict[tuple[str, ...], FigureQualifier]
    trailing_qualifiers: dict[tuple[str, ...], FigureQualifier]
    verb_final: bool
    group_separators: str
    decimal_separators: str
    token: re.Pattern[str]
    number_words: frozenset[str]
    """Every word that may start a number in words, with its proclitics."""
    number_start: re.Pattern[str]
    """A word of folded text that may start a number (digits or a number word)."""
    cues: tuple[tuple[str, frozenset[str] | None], ...]
    """The cue keywords for the gazetteer's automaton: folded body and allowed endings."""
    size_limit: int

    def word_class(self, word: str) -> str | None:
        """The class of a folded word (``ATTACK``… ``MONTH``), or None."""
        found = self.forms.get(word, _UNKNOWN)
        if found is not _UNKNOWN:
            return found
        found = self._stem_class(word)
        if len(self.forms) < self.size_limit:
            self.forms[word] = found  # remembered: the stems and proclitics are tried once
        return found

    def _stem_class(self, word: str) -> str | None:
        for proclitic in self.proclitics:
            if not word.startswith(proclitic):
                continue
            bare = word[len(proclitic) :]
            for size in range(len(bare), 2, -1):
                found = self.stems.get(bare[:size])
                if found is not None:
                    return found
        return None

    def number_word(self, word: str, table: Mapping[str, int]) -> int | None:
        """The value of ``word`` in a number table, also after an Arabic proclitic (و, ال)."""
        value = table.get(word)
        if value is None and len(self.proclitics) > 1:
            for proclitic in ("و", "ال", "وال"):
                if word.startswith(proclitic) and word[len(proclitic) :] in table:
                    return table[word[len(proclitic) :]]
        return value


_MARKS: Final = r"[\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u200c]"
_WORD: Final = rf"{_MARKS}*[^\W\d_]+(?:{_MARKS}+[^\W\d_]*)*"
"""A word: letters (the tatweel is one), with the marks and zero-width non-joiners of Arabic
script."""
_STOPS: Final = r"[.;:!?()\[\]{}\"“”«»„,،؛؟۔]|\s[-–—]\s|[–—]"


def _token_pattern(groups: str, decimals: str) -> re.Pattern[str]:
    """Tokens: a number (digit groups with the language's separators, decimals), a word (an
    Arabic-script word keeps its marks and zero-width non-joiners), a percent sign, a stop."""
    group = f"[{re.escape(groups)}]"
    decimal = f"(?:[{re.escape(decimals)}]\\d+)?"
    return re.compile(
        rf"((?<!\d)\d{{1,3}}(?:{group}\d{{3}})+(?!\d){decimal}|\d+{decimal})"
        rf"|({_WORD})"
        r"|([%٪])"
        rf"|({_STOPS})"
    )


def compile_vocabulary(vocabulary: Vocabulary) -> Lexicon:
    """The ``Lexicon`` of a vocabulary: its words folded, with their forms and classes."""
    language = vocabulary.language
    forms: dict[str, str | None] = {}
    stems: dict[str, str] = {}
    cues: dict[str, frozenset[str] | None] = {}
    proclitics: tuple[str, ...] = ("",)
    classes = (
        (ATTACK, vocabulary.attacks),
        (KILLED, vocabulary.killed),
        (WOUNDED, vocabulary.wounded),
        (RELEASED, vocabulary.released),
        (PRISONER, vocabulary.prisoners),
        (TROOP, vocabulary.troops),
        (PERSON, vocabulary.people),
        (UNIT, vocabulary.units),
        (MONTH, vocabulary.months),
    )
    for word_class, words in classes:
        for written in words.split():
            is_stem = written.endswith("*")
            body = "".join(folded_words(written.rstrip("*")))
            form = word_forms(body, language, is_stem=is_stem, first=True)
            proclitics = form.proclitics
            if is_stem:
                stems.setdefault(body, word_class)
            else:
                for ending in form.endings or ():
                    for proclitic in form.proclitics:
                        forms.setdefault(f"{proclitic}{form.stem}{ending}", word_class)
                        forms.setdefault(f"{proclitic}{form.bare}", word_class)
            if word_class in CUE_CLASSES:
                for proclitic in form.proclitics:
                    cues[f"{proclitic}{form.stem if not is_stem else body}"] = (
                        None if is_stem else form.endings
                    )
    numbers = _values(vocabulary.numbers)
    multipliers = _values(vocabulary.multipliers)
    scales = _values(vocabulary.scales)
    vague = _values(vocabulary.vague)
    approximate = _values(vocabulary.approximate)
    articles = _folded_set(vocabulary.articles)
    number_words = sorted(
        {*numbers, *multipliers, *vague, *approximate, *articles}, key=len, reverse=True
    )
    prefixes = ("", "و", "ال", "وال") if len(proclitics) > 1 else ("",)
    starts = frozenset(f"{prefix}{word}" for word in number_words for prefix in prefixes)
    number_start = re.compile(
        rf" (?:[0-9]|(?:(?:و|ال)?(?:{'|'.join(map(re.escape, number_words))}))(?= ))"
    )
    return Lexicon(
        language=language,
        forms=forms,
        stems=stems,
        proclitics=proclitics,
        numbers=numbers,
        multipliers=multipliers,
        scales=scales,
        vague=vague,
        approximate=approximate,
        articles=articles,
        connectors=_folded_set(vocabulary.connectors),
        of_words=_folded_set(vocabulary.of_words),
        conjunctions=_folded_set(vocabulary.conjunctions),
        range_links=_folded_set(vocabulary.range_links),
        qualifiers={
            phrase: qualifier
            for qualifier, text in vocabulary.qualifiers.items()
            for phrase in _phrases(text)
        },
        trailing_qualifiers={
            phrase: qualifier
            for qualifier, text in vocabulary.trailing_qualifiers.items()
            for phrase in _phrases(text)
        },
        verb_final=vocabulary.verb_final,
        group_separators=vocabulary.group_separators,
        decimal_separators=vocabulary.decimal_separators,
        token=_token_pattern(vocabulary.group_separators, vocabulary.decimal_separators),
        number_words=starts,
        number_start=number_start,
        cues=tuple(cues.items()),
        size_limit=len(forms) + _REMEMBERED_WORDS,
    )
