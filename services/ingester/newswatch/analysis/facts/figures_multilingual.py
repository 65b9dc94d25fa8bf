"""Figures in Dari/Persian, Pashto, Urdu, Arabic, Russian and French: what a number counts.

One grammar for the six languages, driven by each language's ``Lexicon``
(``figure_vocabulary``, words in ``figure_languages``); English keeps its own (``figures``),
whose fixed word lists and particles it does not need. Numbers are read by
``numbers_multilingual``. What a number counts is decided within one clause (no window
crosses a full stop, comma, Arabic comma, semicolon, colon, parenthesis, quotation mark or
another number), from the words after the number (its noun: the first three words, past a
classifier such as "تن" or "نفر" and a "de"; and cues up to five words on, eight in a
verb-final language) and the three words before the number and its qualifier:

1. an attack noun follows the number at once ("۳۰ حمله", "4 500 attaques", "более 4500 атак")
   → attacks;
2. a casualty word ("کشته", "ہلاک", "ووژل", "مقتل", "погибли", "tués"; "زخمی", "ранены",
   "blessés") → killed or wounded: "۲۰ تن کشته شدند", "مقتل 20 شخصا", "погибли 12 человек",
   "12 morts";
3. a release word ("آزادی", "رہا", "خوشې", "إطلاق سراح", "освобождены", "libération") with a
   person, prisoner or soldier noun → prisoners_released;
4. a prisoner noun heads the phrase → prisoners; a troop noun → troops ("۱۲ هزار سرباز").

The nearest cue wins (a casualty word on a tie); in the verb-final languages (Persian, Pashto,
Urdu) a cue after the number wins over one before it, so "۲۰ تن کشته و ۱۵ تن زخمی شدند"
gives 20 killed and 15 wounded. A number "killed and wounded" ("کشته و زخمی", "قتلى وجرحى")
counts both and is left out. A unit noun after the number ("۵ روز", "3 districts", "5 jours")
makes it no count. The qualifier is the phrase before the number, or one after it ("100 سے
زیادہ", "20 شخصا على الأقل"); vague quantities are vague, ranges at_least, approximate ones
about. The span is the number phrase with a qualifier next to it.
"""

from collections.abc import Sequence
from typing import NamedTuple

from newswatch.analysis.facts.figure_vocabulary import (
    ATTACK,
    CASUALTY,
    KILLED,
    PERSON,
    PRISONER,
    RELEASED,
    TROOP,
    UNIT,
    WOUNDED,
    Lexicon,
)
from newswatch.analysis.facts.numbers import WORD, Tokens, figure_over, implied_qualifier
from newswatch.analysis.facts.numbers_multilingual import (
    may_start_number,
    number_at,
    qualifier_after,
    qualifier_before,
    tokenize,
)
from newswatch_schemas import Figure, FigureKind, FigureQualifier, TextField

_HEAD_REACH = 3
"""Words after a number (past classifiers) where its noun may stand."""


class _Cue(NamedTuple):
    """A word that says what a number counts: how far it is, whether after it, its class."""

    distance: int
    after: bool
    word_class: str
    token: int


class _Phrase(NamedTuple):
    """What follows a number: its head noun (class, token), whether it names people, and the
    cues after it."""

    head: tuple[str, int] | None
    person: bool
    cues: list[_Cue]


def _is_word(tokens: Tokens, index: int) -> bool:
    return 0 <= index < len(tokens.kinds) and tokens.kinds[index] == WORD


def _phrase_after(lexicon: Lexicon, tokens: Tokens, end: int) -> _Phrase | None:
    """The noun and the cues after a number that ends before token ``end``; None for a unit."""
    j = end
    while tokens.word(j) in lexicon.of_words:
        j += 1
    head: tuple[str, int] | None = None
    person = False
    cues: list[_Cue] = []
    reach = 8 if lexicon.verb_final else 5
    for k in range(j, j + reach):
        if not _is_word(tokens, k):
            break
        word_class = lexicon.word_class(tokens.words[k])
        near = k - j < _HEAD_REACH and head is None and not cues
        if word_class == UNIT and k == j:
            return None
        if word_class == ATTACK and k == j:
            return _Phrase((ATTACK, k), person, [])
        if word_class in {PRISONER, TROOP} and near:
            head = (word_class, k)
        elif word_class == PERSON and near:
            person = True
        elif word_class in {KILLED, WOUNDED, RELEASED}:
            cues.append(_Cue(k - end + 1, True, word_class, k))
            if word_class != RELEASED:
                break
    return _Phrase(head, person, cues)


def _cue_before(lexicon: Lexicon, tokens: Tokens, first: int) -> _Cue | None:
    """The nearest cue in the three words before token ``first``."""
    for k in range(first - 1, first - 4, -1):
        if not _is_word(tokens, k):
            return None
        word_class = lexicon.word_class(tokens.words[k])
        if word_class in {KILLED, WOUNDED, RELEASED}:
            return _Cue(first - k, False, word_class, k)
    return None


def _both_casualties(lexicon: Lexicon, tokens: Tokens, cue: _Cue) -> bool:
    """Whether the casualty word at ``cue`` is coupled with the other kind ("کشته و زخمی",
    "убитых и раненых", "قتلى وجرحى", "مقتل وإصابة"): the number counts both."""
    other = WOUNDED if cue.word_class == KILLED else KILLED
    k = cue.token
    for step in (1, -1):
        neighbour = tokens.word(k + step)
        if neighbour in lexicon.conjunctions:
            if lexicon.word_class(tokens.word(k + 2 * step)) == other:
                return True
        elif lexicon.word_class(neighbour) == other and (
            neighbour.startswith("و") or tokens.word(k).startswith("و")
        ):
            return True
    return False


def _kind(lexicon: Lexicon, tokens: Tokens, first: int, end: int) -> tuple[FigureKind, int] | None:
    """What the number over tokens ``first``..``end`` counts, and the deciding token."""
    phrase = _phrase_after(lexicon, tokens, end)
    if phrase is None:
        return None
    if phrase.head is not None and phrase.head[0] == ATTACK:
        return FigureKind.ATTACKS, phrase.head[1]
    before = _cue_before(lexicon, tokens, first)
    cues = phrase.cues + ([before] if before is not None else [])
    cues.sort(
        key=lambda cue: (
            lexicon.verb_final and not cue.after,
            cue.distance,
            cue.word_class == RELEASED,
        )
    )
    counted = phrase.head is not None or phrase.person
    cue = next((c for c in cues if c.word_class != RELEASED or counted), None)
    if cue is not None:
        if cue.word_class == RELEASED:
            return FigureKind.PRISONERS_RELEASED, cue.token
        both = _both_casualties(lexicon, tokens, cue)
        return None if both else (CASUALTY[cue.word_class], cue.token)
    if phrase.head is None:
        return None
    kind = FigureKind.PRISONERS if phrase.head[0] == PRISONER else FigureKind.TROOPS
    return kind, phrase.head[1]


def _trailing_qualifier(lexicon: Lexicon, tokens: Tokens, end: int) -> FigureQualifier | None:
    """A qualifier a few words after the number ("20 شخصا على الأقل")."""
    for k in range(end, end + 4):
        if not _is_word(tokens, k):
            return None
        qualifier, _ = qualifier_after(lexicon, tokens, k)
        if qualifier is not None:
            return qualifier
    return None


def figures_in_language(
    lexicon: Lexicon,
    text: str,
    field: TextField,
    start: int,
    end: int,
    *,
    taken: Sequence[Figure] = (),
) -> list[Figure]:
    """Every figure in ``text[start:end]`` (one field's original text) in the lexicon's
    language, in order, but those that overlap a figure of ``taken`` (found in the field
    already, by the English grammar: they win).

    A figure spans the first token of its number, so when every token where a number may
    start lies inside a figure of ``taken``, none could be kept, and the grammar is not run.
    That is the common case of an English field that has a cue word of another language
    too: "forces" is a French troop noun, "raid" and "explosion" French attack nouns.
    """
    tokens = tokenize(lexicon, text, start, end)
    if taken and all(
        any(figure.start <= tokens.starts[i] < figure.end for figure in taken)
        for i in range(len(tokens.kinds))
        if may_start_number(lexicon, tokens, i)
    ):
        return []
    figures = []
    i = 0
    while i < len(tokens.kinds):
        number = number_at(lexicon, text, tokens, i)
        if number is None:
            i += 1
            continue
        qualifier, first = qualifier_before(lexicon, tokens, i)
        after, last = qualifier_after(lexicon, tokens, number.end)
        qualifier = qualifier or after
        found = _kind(lexicon, tokens, first, last)
        if found is not None:
            if number.vague:
                qualifier = FigureQualifier.VAGUE
            elif qualifier is None:
                qualifier = _trailing_qualifier(lexicon, tokens, last) or implied_qualifier(number)
            figures.append(
                figure_over(
                    text,
                    field,
                    tokens,
                    found=found,
                    value=number.value,
                    qualifier=qualifier,
                    span=(first, last),
                )
            )
        i = max(number.end, last)
    return [
        figure
        for figure in figures
        if not any(other.start < figure.end and figure.start < other.end for other in taken)
    ]
