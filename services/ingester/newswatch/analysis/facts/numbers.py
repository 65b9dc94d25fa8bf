"""Numbers in English news text: tokens, and the counts they write.

``tokenize`` cuts a stretch of a field's original text into numbers, words, percent signs and
clause boundaries; ``number_at`` reads the count that starts at a token: digits ("4,500",
"5000", "1.5 million"), number words ("five", "twenty-two", "two hundred", "a dozen"), vague
quantities ("dozens", "scores of", "tens of thousands": lower bounds) and ranges ("10-15",
"between 10 and 15"), and refuses what is not a count (percentages, years, dates, numbers glued
to letters, money, bare decimals); ``qualifier_before`` reads "more than", "at least", "about",
"up to" and the like before it. See ``figures`` for the whole grammar.
"""

import re
from dataclasses import dataclass
from typing import Final, NamedTuple

from newswatch.analysis.facts.figure_words import (
    ATTACK_NOUNS,
    MONTHS,
    NOT_ONE,
    PARTICLE_VERBS,
    PERCENT_WORDS,
    PRISONER_NOUNS,
    QUALIFIERS,
    SCALES,
    TENS,
    TROOP_NOUNS,
    UNITS,
    VAGUE,
)
from newswatch_schemas import Figure, FigureKind, FigureQualifier, TextField

_TOKEN: Final = re.compile(
    r"(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"|((?:[^\W\d_]\.){2,}|[^\W\d_]+(?:[-‐'’][^\W\d_]+)*)"
    r"|(%)"
    r"|([.;:!?()\[\]{}\"“”«»,]|\s[-–—]\s|[–—])"
)
"""Tokens: a number (digit groups, decimals), a word (hyphens and apostrophes inside, or an
initialism such as "U.S."), a percent sign, or a clause boundary."""
NUM, WORD, PCT, STOP = range(4)


@dataclass(frozen=True, slots=True)
class Tokens:
    """The tokens of a stretch of text as parallel lists; ``words`` are in lower case without a
    possessive ending, and empty for tokens that are not words."""

    kinds: list[int]
    starts: list[int]
    ends: list[int]
    words: list[str]

    def word(self, index: int) -> str:
        """The word at ``index``, or "" (not a word, or out of range)."""
        return self.words[index] if 0 <= index < len(self.words) else ""


def tokenize(text: str, start: int, end: int) -> Tokens:
    """The tokens of ``text[start:end]``, with offsets into ``text``."""
    matches = list(_TOKEN.finditer(text, start, end))
    words = [(word.lower().replace("’", "'") if (word := match[2]) else "") for match in matches]
    return Tokens(
        kinds=[(match.lastindex or 1) - 1 for match in matches],
        starts=[match.start() for match in matches],
        ends=[match.end() for match in matches],
        words=[word[:-2] if word.endswith("'s") else word for word in words],
    )


def head_word(word: str) -> str:
    """The part of a hyphenated word that carries its meaning ("car-bomb" → "bomb")."""
    return word.rpartition("-")[2]


class Number(NamedTuple):
    """A number phrase: its value, the token after it, and how it is approximate."""

    value: int
    end: int
    vague: bool = False
    about: bool = False
    ranged: bool = False


def number_at(text: str, tokens: Tokens, i: int) -> Number | None:
    """The count that starts at token ``i``, or None (not a number, or not a count)."""
    kind = tokens.kinds[i]
    number = (
        _digits(text, tokens, i) if kind == NUM else _words(tokens, i) if kind == WORD else None
    )
    if number is None:
        return None
    number = _ranged(text, tokens, i, number)
    end = number.end
    following = tokens.word(end)
    percent = (end < len(tokens.kinds) and tokens.kinds[end] == PCT) or (
        following in PERCENT_WORDS or (following == "per" and tokens.word(end + 1) == "cent")
    )
    dated = tokens.word(i - 1) in MONTHS or following in MONTHS
    return None if percent or dated else number


_COUNTED: Final = PRISONER_NOUNS | TROOP_NOUNS | ATTACK_NOUNS
"""Nouns that make a year-like number a count when they follow it ("2000 prisoners")."""


def _digits(text: str, tokens: Tokens, i: int) -> Number | None:
    """A number in digits, unless glued to letters, money, a time, a bare decimal or a year."""
    start, end = tokens.starts[i], tokens.ends[i]
    before = text[start - 1] if start else " "
    before2 = text[start - 2] if start > 1 else " "
    after = text[end] if end < len(text) else " "
    after2 = text[end + 1] if end + 1 < len(text) else " "
    if (
        before.isalnum()
        or before in "$€£¥"
        or (before in "-‐" and before2.isalpha())
        or after.isalnum()
        or (after in "-‐" and after2.isalpha())
        or (after == ":" and after2.isdigit())
    ):
        return None
    raw = text[start:end].replace(",", "")
    following = tokens.word(i + 1)
    scale = 100 if following == "hundred" else SCALES.get(following, 0)
    if scale:
        return Number(round(float(raw) * scale), i + 2)
    if "." in raw:
        return None
    year = len(raw) == 4 and 1900 <= int(raw) <= 2100 and head_word(following) not in _COUNTED
    return None if year else Number(int(raw), i + 1)


_WORD_CLASSES: Final = {
    **{word: ("unit", value) for word, value in UNITS.items()},
    **{word: ("ten", value) for word, value in TENS.items()},
    "hundred": ("hundred", 100),
    "dozen": ("dozen", 12),
    **{word: ("scale", value) for word, value in SCALES.items()},
    "and": ("and", 0),
}
_FOLLOWS: Final = {
    "unit": {"", "ten", "hundred", "scale", "and"},
    "ten": {"", "hundred", "scale", "and"},
    "hundred": {"unit", "ten", "a"},
    "dozen": {"unit", "a"},
    "scale": {"unit", "ten", "hundred", "a"},
    "and": {"hundred", "scale"},
}
"""For each class of number word, the classes the word before it may have ("" at the start)."""


def _classify(word: str) -> tuple[str, int] | None:
    """The class and value of a number word; "twenty-two" is a unit of 22."""
    if "-" in word:
        ten, _, unit = word.partition("-")
        if ten in TENS and unit in UNITS and UNITS[unit] < 10:
            return "unit", TENS[ten] + UNITS[unit]
        return None
    return _WORD_CLASSES.get(word)


def _words(tokens: Tokens, i: int) -> Number | None:
    """A number in words: "five", "twenty-two", "two hundred and fifty", "a dozen", "dozens"."""
    word = tokens.words[i]
    if word in VAGUE:
        return _vague(tokens, i)
    total = current = 0
    last, j = "", i
    if word in {"a", "an"}:
        last, current, j = "a", 1, i + 1
    while (found := _classify(tokens.word(j))) is not None:
        kind, value = found
        if last not in _FOLLOWS[kind] or (kind == "unit" and last == "ten" and value >= 10):
            break
        if kind == "and" and _classify(tokens.word(j + 1)) is None:
            break
        if kind in {"hundred", "dozen"}:
            current *= value
        elif kind == "scale":
            total, current = total + current * value, 0
        else:
            current += value
        last, j = kind, j + 1
    if last in {"", "a", "and"}:
        return None
    if word == "one" and (tokens.word(i - 1) in NOT_ONE or tokens.word(j) == "another"):
        return None
    return Number(total + current, j, about="dozen" in tokens.words[i:j])


def _vague(tokens: Tokens, i: int) -> Number | None:
    """ "dozens", "scores of", "hundreds", "thousands", "tens of thousands": lower bounds."""
    word = tokens.words[i]
    value, end = VAGUE[word], i + 1
    if tokens.word(end) == "of" and tokens.word(end + 1) in {"thousands", "hundreds"}:
        value *= 1_000 if tokens.word(end + 1) == "thousands" else 100
        end += 2
    elif word in {"scores", "tens"} and tokens.word(end) != "of":
        return None
    return Number(value, end, vague=True)


def _ranged(text: str, tokens: Tokens, i: int, number: Number) -> Number:
    """``number`` extended over a range ("10-15", "10 to 15", "between 10 and 15")."""
    end = number.end
    if end >= len(tokens.kinds) or number.vague:
        return number
    kind = tokens.kinds[end]
    second = end
    if kind != NUM or text[tokens.ends[end - 1] : tokens.starts[end]].strip() not in {"-", "‐"}:
        second = end + 1
        link = text[tokens.starts[end] : tokens.ends[end]].strip()
        dash = kind == STOP and link in {"-", "–", "—"}
        to = link == "to" and tokens.word(i - 1) != "from"
        between = link == "and" and tokens.word(i - 1) == "between"
        if not (dash or to or between) or second >= len(tokens.kinds):
            return number
    other = _digits(text, tokens, second) if tokens.kinds[second] == NUM else _words(tokens, second)
    if other is None or other.vague:
        return number
    return Number(number.value, other.end, about=number.about, ranged=True)


def qualifier_before(tokens: Tokens, i: int) -> tuple[FigureQualifier | None, int]:
    """The qualifier just before token ``i`` and the index of its first token."""
    for size in (3, 2, 1):
        if i - size < 0:
            continue
        words = tuple(tokens.words[i - size : i])
        qualifier = QUALIFIERS.get(words)
        if words == ("over",) and tokens.word(i - 2) in PARTICLE_VERBS:
            qualifier = None
        if qualifier is not None:
            return qualifier, i - size
    return None, i


def implied_qualifier(number: Number) -> FigureQualifier:
    """The qualifier a number phrase says by itself when none stands next to it: vague for a
    vague quantity, at_least for a range, about for an approximate one, else exact."""
    if number.vague:
        return FigureQualifier.VAGUE
    if number.ranged:
        return FigureQualifier.AT_LEAST
    return FigureQualifier.ABOUT if number.about else FigureQualifier.EXACT


def figure_over(
    text: str,
    field: TextField,
    tokens: Tokens,
    *,
    found: tuple[FigureKind, int],
    value: int,
    qualifier: FigureQualifier,
    span: tuple[int, int],
) -> Figure:
    """The figure of kind ``found[0]`` decided by token ``found[1]`` (its cue), written over
    the tokens ``span`` (first, past-the-end) of ``text``."""
    first, last = span
    begin, finish = tokens.starts[first], tokens.ends[last - 1]
    cue = found[1]
    return Figure(
        kind=found[0],
        value=value,
        qualifier=qualifier,
        text=text[begin:finish],
        field=field,
        start=begin,
        end=finish,
        cue=text[tokens.starts[cue] : tokens.ends[cue]],
    )
