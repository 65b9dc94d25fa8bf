"""Text folding for matching: a field made comparable word for word, with a map back.

``fold`` turns a field into a string of words separated by single spaces, with one space
before the first word and after the last, so that a word or phrase is found as ``" word"``:

- Unicode compatibility forms folded (NFKC), case folded, accents and other combining marks
  removed (é → e, ё → е, Arabic harakat and the superscript alef dropped);
- Arabic script unified: ي ى ی ې ۍ (and ئ) → ی; ك ک ڪ → ک; ة ۃ ه ہ ھ ە → ه; أ إ آ ٱ → ا;
  ؤ → و; ګ → گ; tatweel removed; every decimal digit (Arabic-Indic, Persian, …) → ASCII;
- the zero-width non-joiner, punctuation, symbols and spaces separate words (so ``US-Taliban``,
  ``US–Taliban`` and ``US Taliban`` are alike), except that an apostrophe before a final ``s``
  is dropped (``Taliban’s`` → ``talibans``), the dots of an initialism go (``U.S.`` → ``us``) and
  a digit-group separator goes (``5,000`` → ``5000``).

Every word of the result maps back to a span of the input, so a match found in the folded
text is reported as a span of the field as given.

The map back is computed only when a span is asked for (``FoldedText.span``), so items
that match nothing cost no more than the folding.

(Not to be confused with ``analysis.items.normalise_entry``, which turns a feed entry into a
``NewsItem``.) Which endings a word takes is ``analysis.morphology``; which language a text is
in, ``analysis.language``.
"""

import re
import unicodedata
from itertools import accumulate
from typing import Final

from newswatch_schemas import TextField

FIELDS: Final = (TextField.TITLE, TextField.SUMMARY)
"""An item's text fields in the order the analysis reads them: field 0 is the title."""

_UNIFY: Final = {
    "ي": "ی",
    "ى": "ی",
    "ې": "ی",
    "ۍ": "ی",
    "ك": "ک",
    "ڪ": "ک",
    "ة": "ه",
    "ۃ": "ه",
    "ہ": "ه",
    "ھ": "ه",
    "ە": "ه",
    "ٱ": "ا",
    "ګ": "گ",
    "ـ": "",
    "\u200c": " ",
    "ʼ": " ",
}


def _fold_char(char: str) -> str:
    """The normal form of one character: letters and digits, a space, or nothing."""
    if char in _UNIFY:
        return _UNIFY[char]
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", char).casefold())
    out = []
    for piece in decomposed:
        category = unicodedata.category(piece)
        if piece in _UNIFY:
            out.append(_UNIFY[piece])
        elif category == "Nd":
            out.append(str(unicodedata.decimal(piece)))
        elif category[0] == "L" or category in {"Mc", "Nl", "No"}:
            out.append(piece)
        elif category not in {"Mn", "Me", "Cf"}:
            out.append(" ")
    return "".join(out)


class _FoldTable(dict[int, str]):
    """``str.translate`` table of ``_fold_char``, filled on first use of each character."""

    def __missing__(self, key: int) -> str:
        value = _fold_char(chr(key))
        self[key] = value
        if len(value) != 1:
            _UNEVEN.add(chr(key))
        return value


_UNEVEN: Final[set[str]] = set()
_FOLD: Final = _FoldTable()
_POSSESSIVE: Final = re.compile(r"['’ʼ](?<=[^\W_]['’ʼ])(?=[sS](?![^\W_]))")
_INITIALISM: Final = re.compile(r"\.(?<=(?<![^\W_])[A-Za-z]\.)(?=[A-Za-z](?:\.|(?![^\W_])))")
_DIGIT_GROUP: Final = re.compile(r"[.,'’٬](?<=\d[.,'’٬])(?=\d{3}(?!\d))")
"""Characters dropped between word characters: a possessive's apostrophe, the dots of an
initialism, digit-group separators. ``fold`` runs the first two only on a text that has an
apostrophe or a full stop (looking is cheaper than running them), the last always (a comma or
a full stop is in almost every summary)."""


_SPACED_RUN: Final = re.compile(r" *[^ ]+")
_RUN: Final = re.compile(r"[^ ]+")


class FoldedText:
    """A folded text (``" word word "``), its words, and the map of its spans to the original.

    The list of words and the map back are made when first asked for: most items match nothing
    and need neither.
    """

    __slots__ = ("_map", "_translated", "_words", "original", "text")

    def __init__(self, original: str, text: str, translated: str | None = None) -> None:
        self.original = original
        self.text = text
        self._translated = translated
        self._words: list[str] | None = None
        self._map: _WordMap | None = None

    @property
    def words(self) -> list[str]:
        """The folded words, in order."""
        if self._words is None:
            self._words = self.text.split()
        return self._words

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of ``text[start:end]``, which starts and ends on word boundaries."""
        first = self.text.count(" ", 0, start + 1) - 1
        return self.word_span(first, first + self.text.count(" ", start, end))

    def word_span(self, first: int, last: int) -> tuple[int, int]:
        """The original span of the folded words ``first`` to ``last`` (0-based, inclusive)."""
        if self._map is None:
            self._map = _WordMap(self.original, self.words, self._translated)
            self._translated = None
        return self._map.start(first), self._map.end(last)


class _WordMap:
    """Where each folded word lies in the original text.

    Folding the original again (without dropping the joining characters) gives runs of word
    characters; each folded word is one run or several consecutive ones that ``fold``
    joined (``u`` ``s`` → ``us``, ``5`` ``000`` → ``5000``, ``taliban`` ``s`` → ``talibans``), so
    the cumulative lengths of the words are among the cumulative lengths of the runs. When
    ``fold`` dropped nothing (``translated`` is then given: most fields), each word is one run,
    and the runs' spans are the words'.
    """

    __slots__ = (
        "_original",
        "_origins",
        "_run_after",
        "_run_ends",
        "_run_lengths",
        "_word_ends",
        "_word_spans",
    )

    def __init__(self, original: str, words: list[str], translated: str | None) -> None:
        folded = original.translate(_FOLD) if translated is None else translated
        self._original = original
        self._origins: list[int] | None = None
        if len(folded) != len(original) or not _UNEVEN.isdisjoint(original):
            self._origins = [index for index, char in enumerate(original) for _ in _FOLD[ord(char)]]
        self._word_spans: list[tuple[int, int]] | None = None
        if translated is not None:
            self._word_spans = [match.span() for match in _RUN.finditer(folded)]
            return
        pieces = _SPACED_RUN.findall(folded)
        self._run_ends = list(accumulate(map(len, pieces)))
        self._run_lengths = list(map(len, map(str.lstrip, pieces)))
        cumulative = accumulate(self._run_lengths)
        self._run_after = dict(zip(cumulative, range(len(pieces)), strict=False))
        self._word_ends = list(accumulate(map(len, words)))

    def start(self, word: int) -> int:
        """Original offset of the first character of folded word ``word``."""
        if self._word_spans is not None:
            folded = self._word_spans[word][0]
        else:
            run = self._run_after[self._word_ends[word - 1]] + 1 if word else 0
            folded = self._run_ends[run] - self._run_lengths[run]
        return folded if self._origins is None else self._origins[folded]

    def end(self, word: int) -> int:
        """Original offset just past folded word ``word`` (and any marks after it)."""
        if self._word_spans is not None:
            folded = self._word_spans[word][1]
        else:
            folded = self._run_ends[self._run_after[self._word_ends[word]]]
        if self._origins is None:
            return folded
        end = self._origins[folded - 1] + 1
        original = self._original
        while end < len(original) and not _FOLD[ord(original[end])]:
            end += 1
        return end


def fold(original: str) -> FoldedText:
    """``original`` folded for matching, as described in the module docstring.

    Folding leaves no whitespace but plain spaces (``_fold_char``), so collapsing their runs
    gives the words separated by single spaces, as ``" ".join(text.split())`` would.
    """
    joined = original
    if "'" in joined or "’" in joined or "ʼ" in joined:
        joined = _POSSESSIVE.sub("", joined)
    if "." in joined:
        joined = _INITIALISM.sub("", joined)
    joined = _DIGIT_GROUP.sub("", joined)
    translated = text = joined.translate(_FOLD)
    while "  " in text:  # halves every run of spaces; cheaper than a regular expression
        text = text.replace("  ", " ")
    text = text.strip(" ")
    kept = translated if joined is original else None  # the map back folds the original again
    return FoldedText(original, f" {text} " if text else " ", kept)


def folded_words(text: str) -> list[str]:
    """The folded words of ``text`` (a term, a suffix, a name)."""
    return fold(text).words
