"""Numbers in Dari/Persian, Pashto, Urdu, Arabic, Russian and French news text.

``tokenize`` cuts a stretch of a field into numbers, folded words, percent signs and clause
boundaries with the language's ``Lexicon``; ``number_at`` reads the count that starts at a
token: digits of any script with the language's separators ("۵٬۰۰۰", "5 000", "12 هزار",
"1,5 млн"), number words ("پنج هزار", "пять тысяч", "deux cents", "quatre-vingt-dix", "خمسة
وعشرون"), vague quantities ("ده‌ها", "десятки", "des dizaines", "عشرات": lower bounds),
approximate ones ("une dizaine", "درجن") and ranges ("10-15", "۱۰ تا ۱۵"), and refuses what is
not a count (percentages, years such as "۱۳۹۹" or "2020", dates, numbers glued to letters or a
currency sign, bare decimals, a lone article "یک", "une"); ``qualifiers`` reads a qualifier
before the number ("حداقل", "не менее", "au moins") or right after it ("100 سے زیادہ").
"""

import unicodedata
from functools import lru_cache
from typing import Final

from newswatch.analysis.facts.figure_vocabulary import (
    ATTACK,
    MONTH,
    PRISONER,
    TROOP,
    UNIT,
    Lexicon,
)
from newswatch.analysis.facts.numbers import NUM, PCT, STOP, WORD, Number, Tokens
from newswatch.analysis.text import fold
from newswatch_schemas import FigureQualifier

_GLUED: Final = frozenset("$€£¥₽")
_DASHES: Final = frozenset("-‐–—")


@lru_cache(maxsize=16_384)
def _folded(word: str) -> str:
    """A word of the original text folded as ``fold`` folds it, its pieces joined."""
    return fold(word).text.replace(" ", "")


def tokenize(lexicon: Lexicon, text: str, start: int, end: int) -> Tokens:
    """The tokens of ``text[start:end]`` (offsets into ``text``); words are folded."""
    matches = list(lexicon.token.finditer(text, start, end))
    kinds = [(match.lastindex or 1) - 1 for match in matches]
    return Tokens(
        kinds,
        [match.start() for match in matches],
        [match.end() for match in matches],
        [
            _folded(match.group()) if kind == WORD else ""
            for kind, match in zip(kinds, matches, strict=True)
        ],
    )


def _is_number_word(lexicon: Lexicon, word: str) -> bool:
    return any(
        lexicon.number_word(word, table) is not None
        for table in (lexicon.numbers, lexicon.multipliers, lexicon.scales)
    )


def may_start_number(lexicon: Lexicon, tokens: Tokens, i: int) -> bool:
    """Whether a number may start at token ``i``: digits, or a word that starts a number in
    words; ``number_at`` finds none anywhere else."""
    kind = tokens.kinds[i]
    return kind == NUM or (kind == WORD and tokens.words[i] in lexicon.number_words)


def number_at(lexicon: Lexicon, text: str, tokens: Tokens, i: int) -> Number | None:
    """The count that starts at token ``i``, or None (not a number, or not a count)."""
    if not may_start_number(lexicon, tokens, i):
        return None
    number = (
        _digits(lexicon, text, tokens, i) if tokens.kinds[i] == NUM else _words(lexicon, tokens, i)
    )
    if number is None:
        return None
    number = _ranged(lexicon, text, tokens, number)
    end = number.end
    percent = end < len(tokens.kinds) and tokens.kinds[end] == PCT
    dated = MONTH in (lexicon.word_class(tokens.word(i - 1)), lexicon.word_class(tokens.word(end)))
    return None if percent or dated else number


def _digit_value(raw: str, lexicon: Lexicon) -> str:
    """``raw`` with ASCII digits, no group separators and "." for the decimal separator."""
    out = []
    for char in raw:
        if char.isdigit():
            out.append(str(unicodedata.decimal(char)))
        elif char in lexicon.decimal_separators:
            out.append(".")
        elif char not in lexicon.group_separators:
            out.append(char)
    return "".join(out)


def _digits(lexicon: Lexicon, text: str, tokens: Tokens, i: int) -> Number | None:
    """A number in digits, unless glued to letters, money, a time, a bare decimal or a year."""
    start, end = tokens.starts[i], tokens.ends[i]
    before = text[start - 1] if start else " "
    before2 = text[start - 2] if start > 1 else " "
    after = text[end] if end < len(text) else " "
    after2 = text[end + 1] if end + 1 < len(text) else " "
    conjunction = before == "و" and not before2.isalnum()  # Arabic "و30 جريحا": "and 30"
    if (
        (before.isalnum() and not conjunction)
        or before in _GLUED
        or after in _GLUED
        or (before in _DASHES and before2.isalpha())
        or after.isalnum()
        or (after in _DASHES and after2.isalpha())
        or (after == ":" and after2.isdigit())
        or (after == "/" and after2.isdigit())
    ):
        return None
    raw = text[start:end]
    value = _digit_value(raw, lexicon)
    following = tokens.word(i + 1)
    scale = lexicon.number_word(following, lexicon.scales) or lexicon.number_word(
        following, lexicon.multipliers
    )
    if scale:
        return Number(round(float(value) * scale), i + 2)
    if "." in value:
        return None
    counted = lexicon.word_class(following) in {PRISONER, TROOP, ATTACK}
    after_year_word = lexicon.word_class(tokens.word(i - 1)) == UNIT  # "سال ۱۳۹۹", "в 2020 году"
    year = len(value) == len(raw) == 4 and (
        1300 <= int(value) <= 1500 or 1900 <= int(value) <= 2100
    )
    return None if year and (after_year_word or not counted) else Number(int(value), i + 1)


def _words(lexicon: Lexicon, tokens: Tokens, i: int) -> Number | None:
    """A number in words: additive, multiplied ("deux cents"), scaled ("پنج هزار")."""
    word = tokens.words[i]
    vague = lexicon.number_word(word, lexicon.vague)
    if vague is None and tokens.word(i + 1) == "ها" and word + "ها" in lexicon.vague:
        vague, i = lexicon.vague[word + "ها"], i + 1  # "ده ها" written with a space
    if vague is not None:
        return _vague(lexicon, tokens, i + 1, vague)
    if word in lexicon.articles and tokens.word(i + 1) in lexicon.approximate:
        i += 1
        word = tokens.words[i]
    approximate = lexicon.approximate.get(word)
    if approximate is not None:
        return Number(approximate, i + 1, about=True)
    total = current = seen = 0
    j = i
    while j < len(tokens.kinds) and tokens.kinds[j] == WORD:
        part = tokens.words[j]
        if seen and part in lexicon.connectors and _is_number_word(lexicon, tokens.word(j + 1)):
            j += 1
            continue
        if (value := lexicon.number_word(part, lexicon.numbers)) is not None:
            current += value
        elif (value := lexicon.number_word(part, lexicon.multipliers)) is not None:
            small = current % value
            current += max(small, 1) * value - small
        elif (value := lexicon.number_word(part, lexicon.scales)) is not None:
            total, current = total + max(current, 1) * value, 0
        else:
            break
        seen += 1
        j += 1
    if not seen or (seen == 1 and word in lexicon.articles):
        return None
    return Number(total + current, j)


def _vague(lexicon: Lexicon, tokens: Tokens, end: int, value: int) -> Number:
    """A vague quantity ending before token ``end``, multiplied by thousands after it ("ده‌ها
    هزار", "десятки тысяч", "des dizaines de milliers", "عشرات الآلاف")."""
    j = end + (1 if tokens.word(end) in lexicon.of_words else 0)
    following = tokens.word(j)
    big = lexicon.number_word(following, lexicon.scales) or lexicon.number_word(
        following, lexicon.vague
    )
    if big is not None and big >= 1_000:
        return Number(value * 1_000, j + 1, vague=True)
    return Number(value, end, vague=True)


def _ranged(lexicon: Lexicon, text: str, tokens: Tokens, number: Number) -> Number:
    """``number`` extended over a range ("10-15", "10 – 15", "۱۰ تا ۱۵")."""
    end = number.end
    if end >= len(tokens.kinds) or number.vague:
        return number
    gap = text[tokens.ends[end - 1] : tokens.starts[end]].strip()
    second = end
    if not (tokens.kinds[end] == NUM and gap in _DASHES):
        link = text[tokens.starts[end] : tokens.ends[end]].strip()
        dash = tokens.kinds[end] == STOP and link in _DASHES
        if not (dash or tokens.words[end] in lexicon.range_links):
            return number
        second = end + 1
    if second >= len(tokens.kinds):
        return number
    kind = tokens.kinds[second]
    other = (
        _digits(lexicon, text, tokens, second)
        if kind == NUM
        else _words(lexicon, tokens, second)
        if kind == WORD
        else None
    )
    if other is None or other.vague:
        return number
    return Number(number.value, other.end, about=number.about, ranged=True)


def qualifier_before(
    lexicon: Lexicon, tokens: Tokens, i: int
) -> tuple[FigureQualifier | None, int]:
    """The qualifier just before token ``i`` and the index of its first token."""
    for size in (4, 3, 2, 1):
        if i - size >= 0:
            qualifier = lexicon.qualifiers.get(tuple(tokens.words[i - size : i]))
            if qualifier is not None:
                return qualifier, i - size
    return None, i


def qualifier_after(
    lexicon: Lexicon, tokens: Tokens, end: int
) -> tuple[FigureQualifier | None, int]:
    """A qualifier that starts at token ``end`` ("100 سے زیادہ") and the token after it."""
    for size in (3, 2, 1):
        qualifier = lexicon.trailing_qualifiers.get(tuple(tokens.words[end : end + size]))
        if qualifier is not None and len(tokens.words[end : end + size]) == size:
            return qualifier, end + size
    return None, end
