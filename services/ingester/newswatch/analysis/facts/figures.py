"""Figures: what the numbers of an English field count (killed, wounded, prisoners released,
prisoners, troops, attacks), read within one clause around each number. ``cue_windows`` picks
the stretches of a field around numbers that have a cue word nearby; ``figures_in`` reads the
figures of one stretch (numbers themselves: ``numbers``; the word lists: ``figure_words``).

The grammar works on word tokens of the original text. Numbers are digits ("4,500", "5000", "1.5
million"), number words ("five", "twenty-two", "two hundred", "a dozen") or vague quantities
("dozens" 24, "scores of" 40, "hundreds" 200, "thousands" 2,000, "tens of thousands" 20,000: the
value is a lower bound). Not counts: percentages ("70%", "54.7 percent"), years (1900-2100
written without a separator, unless the counted noun follows at once), numbers next to a month
("March 10"), numbers glued to letters ("Covid-19", "10th", "5-year"), money ("$5"), decimals
without "million", and numbers followed by a unit ("5 days", "3 districts"). A qualifier just
before the number sets ``qualifier``: "more than", "over" → more_than; "at least", "no fewer
than" → at_least; "about", "some", "around", "an estimated" → about; "up to", "nearly",
"almost", "fewer than", "as many as" → up_to (the value bounds the count from above); a range
"10-15", "between 10 and 15" → the lower bound, at_least; vague quantities → vague; otherwise
exact ("over" after "hand", "take", "turn" or "win" is a particle: "hand over 22 commandos" is
exact).

What is counted is decided within one clause (no window crosses a full stop, comma, semicolon,
colon, parenthesis, quotation mark or another number), from three windows around the number:
the noun phrase after it (at most four modifiers before its head noun), up to four words after
that phrase (stopping at "to" but not "to be", "after", "said"…), and up to three words before
the number and its qualifier. In order of precedence:

1. the head noun is an attack noun ("attacks", "ambushes", "raids", "bombings") → attacks;
2. a casualty word in any window, the nearest to the number ("killed", "dead", "killing",
   "death toll", "lives" → killed; "wounded", "injured", "wounding" → wounded): "14 soldiers
   were killed" and "killed 14 soldiers" are killed, not troops;
3. a release word in any window ("released", "freed", "release of", "swap") with a person,
   prisoner or soldier head noun → prisoners_released;
4. the head noun is a prisoner noun ("prisoners", "detainees", "inmates", "captives") →
   prisoners;
5. the head noun is a troop noun ("troops", "soldiers", "forces", "personnel"), or, with no head
   noun, one stands just before the number ("US troops to 8,600") → troops.

A casualty word and a release word compete on distance, casualty winning a tie. A number
"killed or wounded" ("dead and injured") counts both, which no kind says: it is left out.
``cue`` is the word that decided. The span is the number phrase with its qualifier ("more than
4,500").

The grammar only reads the stretches of a field around numbers that have a cue word (a word of
the lists above) within 100 characters of folded text. The automaton pass that finds names
also finds the cue words; only a field with one is searched for numbers, so most items never
reach the grammar.
"""

import re
from typing import Final, NamedTuple

from newswatch.analysis.facts.figure_words import (
    ATTACK_NOUNS,
    KILLED_WORDS,
    NP_STOPS,
    NUMBER_STARTS,
    NUMBER_WORDS,
    PEOPLE_NOUNS,
    POST_STOPS,
    PRISONER_NOUNS,
    RELEASE_WORDS,
    TROOP_NOUNS,
    UNIT_NOUNS,
    WOUNDED_WORDS,
)
from newswatch.analysis.facts.numbers import (
    NUM,
    WORD,
    Tokens,
    figure_over,
    head_word,
    implied_qualifier,
    number_at,
    qualifier_before,
    tokenize,
)
from newswatch.analysis.text import FoldedText
from newswatch_schemas import Figure, FigureKind, TextField


class _Cue(NamedTuple):
    """A word that says what a number counts, and how far from the number it is."""

    distance: int
    kind: FigureKind
    token: int


def _word_cue(word: str, index: int, distance: int) -> _Cue | None:
    head = head_word(word)
    if head in KILLED_WORDS:
        return _Cue(distance, FigureKind.KILLED, index)
    if head in WOUNDED_WORDS:
        return _Cue(distance, FigureKind.WOUNDED, index)
    if head in RELEASE_WORDS:
        return _Cue(distance, FigureKind.PRISONERS_RELEASED, index)
    return None


class _Phrase(NamedTuple):
    """The noun phrase after a number: its head noun, whether it names people, where it stops,
    and the cues found in it."""

    head: tuple[FigureKind, int] | None
    person: bool
    stop: int
    cues: list[_Cue]


def _noun_phrase(tokens: Tokens, end: int) -> _Phrase | None:
    """The noun phrase that starts at token ``end``; None when it counts a unit ("5 days")."""
    if head_word(tokens.word(end)) in UNIT_NOUNS:
        return None
    person = False
    cues: list[_Cue] = []
    j, modifiers = end, 0
    while (word := head_word(tokens.word(j))) and modifiers <= 4:
        if word in ATTACK_NOUNS:
            return _Phrase((FigureKind.ATTACKS, j), person, j + 1, cues)
        if word in PRISONER_NOUNS or word in TROOP_NOUNS:
            kind = FigureKind.PRISONERS if word in PRISONER_NOUNS else FigureKind.TROOPS
            return _Phrase((kind, j), person, j + 1, cues)
        cue = _word_cue(word, j, j - end + 1)
        if cue is not None:
            cues.append(cue)
        if (cue is not None and cue.kind is not FigureKind.PRISONERS_RELEASED) or (
            cue is None and word in NP_STOPS
        ):
            break
        person = person or word in PEOPLE_NOUNS
        modifiers += 1
        j += 1
    return _Phrase(None, person, j, cues)


def _cue_after(tokens: Tokens, start: int, end: int) -> _Cue | None:
    """The first cue in the four words from ``start`` ("… prisoners [were freed]")."""
    for k in range(start, start + 4):
        word = tokens.word(k)
        if not word or (word in POST_STOPS and (word, tokens.word(k + 1)) != ("to", "be")):
            break
        cue = _word_cue(word, k, k - end + 1)
        if cue is not None:
            return cue
    return None


def _cue_before(tokens: Tokens, first: int) -> tuple[_Cue | None, int | None]:
    """The nearest cue in the three words before ``first``, and a troop noun in the two."""
    troops: int | None = None
    for k in range(first - 1, first - 4, -1):
        word = tokens.word(k)
        if not word:
            break
        cue = _word_cue(word, k, first - k)
        if cue is not None:
            return cue, troops
        if troops is None and first - k <= 2 and head_word(word) in TROOP_NOUNS:
            troops = k
    return None, troops


def _both_casualties(tokens: Tokens, cue: int) -> bool:
    """Whether the casualty word at ``cue`` is coupled with the other kind ("killed or
    wounded", "dead and injured"): the number then counts both, which no kind says."""
    other = head_word(tokens.word(cue + 2)) if tokens.word(cue + 1) in {"or", "and"} else ""
    return other in (WOUNDED_WORDS if head_word(tokens.word(cue)) in KILLED_WORDS else KILLED_WORDS)


def _kind(tokens: Tokens, first: int, end: int) -> tuple[FigureKind, int] | None:
    """What the number phrase over tokens ``first``..``end`` counts, and the deciding token."""
    phrase = _noun_phrase(tokens, end)
    if phrase is None:
        return None
    if phrase.head is not None and phrase.head[0] is FigureKind.ATTACKS:
        return phrase.head
    cues = list(phrase.cues)
    if all(cue.kind is FigureKind.PRISONERS_RELEASED for cue in cues):
        after = _cue_after(tokens, phrase.stop, end)
        cues += [after] if after is not None else []
    before, troops = _cue_before(tokens, first)
    cues += [before] if before is not None else []
    cues.sort(key=lambda cue: (cue.distance, cue.kind is FigureKind.PRISONERS_RELEASED))
    for cue in cues:
        casualty = cue.kind is not FigureKind.PRISONERS_RELEASED
        if casualty or phrase.head or phrase.person:
            both = casualty and _both_casualties(tokens, cue.token)
            return None if both else (cue.kind, cue.token)
    if phrase.head is not None:
        return phrase.head
    return (FigureKind.TROOPS, troops) if troops is not None and not phrase.person else None


_FOLDED_NUMBER: Final = re.compile(
    rf" (?:[0-9]|(?:{'|'.join(sorted(NUMBER_WORDS, key=len, reverse=True))})(?= ))"
)
"""A word of folded text that is, or starts with, a number."""
_CUE_REACH: Final = 100
"""Folded characters between a number and a cue word for the number to be looked at."""
_MARGIN: Final = 120
"""Original characters kept on each side of such a number for the grammar's windows."""


def cue_windows(
    folded: FoldedText, cues: list[tuple[int, int]], numbers: re.Pattern[str] = _FOLDED_NUMBER
) -> list[tuple[int, int]]:
    """Stretches of the original text around the numbers that have a cue word nearby
    (``cues``: the spans of the cue words in the folded text; ``numbers``: where a number
    starts in folded text, English by default)."""
    windows: list[tuple[int, int]] = []
    text, original = folded.text, folded.original
    for match in numbers.finditer(text):
        number = match.start() + 1
        if not any(abs(cue - number) <= _CUE_REACH for cue, _ in cues):
            continue
        begin = folded.span(number, text.index(" ", number))[0]
        start = original.rfind(" ", 0, max(begin - _MARGIN, 0)) + 1
        end = original.find(" ", begin + _MARGIN)
        end = len(original) if end < 0 else end
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((start, end))
    return windows


def figures_in(text: str, field: TextField, start: int, end: int) -> list[Figure]:
    """Every figure in ``text[start:end]`` (one field's original text), in order."""
    tokens = tokenize(text, start, end)
    figures = []
    i = 0  # the first token not yet read: a number phrase found is not read again
    for candidate in _number_starts(tokens):
        if candidate < i:
            continue
        i = candidate
        number = number_at(text, tokens, i)
        if number is None:
            continue
        qualifier, first = qualifier_before(tokens, i)
        if number.ranged and first == i and tokens.word(i - 1) == "between":
            first = i - 1
        found = _kind(tokens, first, number.end)
        if found is not None:
            if number.vague or qualifier is None:
                qualifier = implied_qualifier(number)
            figures.append(
                figure_over(
                    text,
                    field,
                    tokens,
                    found=found,
                    value=number.value,
                    qualifier=qualifier,
                    span=(first, number.end),
                )
            )
        i = number.end
    return figures


def _number_starts(tokens: Tokens) -> list[int]:
    """The tokens a number may start at: digits, and words that begin a number in words."""
    return [
        index
        for index, (kind, word) in enumerate(zip(tokens.kinds, tokens.words, strict=True))
        if kind == NUM or (kind == WORD and word.partition("-")[0] in NUMBER_STARTS)
    ]
