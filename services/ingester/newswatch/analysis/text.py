"""Text normalisation for theme matching, with a map back to the original text.

``normalise`` turns a field into a string of words separated by single spaces, with one space
before the first word and after the last, so that a word or phrase is found as ``" word"``:

- Unicode compatibility forms folded (NFKC), case folded, accents and other combining marks
  removed (é → e, ё → е, Arabic harakat and the superscript alef dropped);
- Arabic script unified: ي ى ی ې ۍ (and ئ) → ی; ك ک ڪ → ک; ة ۃ ه ہ ھ ە → ه; أ إ آ ٱ → ا;
  ؤ → و; ګ → گ; tatweel removed; every decimal digit (Arabic-Indic, Persian, …) → ASCII;
- the zero-width non-joiner, punctuation, symbols and spaces separate words (so ``US-Taliban``,
  ``US–Taliban`` and ``US Taliban`` are alike), except that an apostrophe before a final ``s``
  is dropped (``Taliban’s`` → ``talibans``), the dots of an initialism go (``U.S.`` → ``us``) and
  a digit-group separator goes (``5,000`` → ``5000``).

Every word of the result maps back to a span of the input, so a match found in the normalised
text is reported as a span of the field as given.

The map back is computed only when a span is asked for (``NormalisedText.span``), so items
that match nothing cost no more than the folding.

The morphology used by the matcher is here too (``word_forms``): which endings a word may take
in a language, and which Arabic proclitics may precede it.
"""

import re
import unicodedata
from dataclasses import dataclass
from itertools import accumulate
from typing import Final

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
_JOINERS: Final = (
    re.compile(r"['’ʼ](?<=[^\W_]['’ʼ])(?=[sS](?![^\W_]))"),
    re.compile(r"\.(?<=(?<![^\W_])[A-Za-z]\.)(?=[A-Za-z](?:\.|(?![^\W_])))"),
    re.compile(r"[.,'’٬](?<=\d[.,'’٬])(?=\d{3}(?!\d))"),
)
"""Characters dropped between word characters: a possessive's apostrophe, the dots of an
initialism, digit-group separators. (Running each always is cheaper than looking first.)"""


_SPACED_RUN: Final = re.compile(r" *[^ ]+")


class NormalisedText:
    """A normalised text (``" word word "``) that can map its spans back to the original."""

    __slots__ = ("_map", "original", "text")

    def __init__(self, original: str, text: str) -> None:
        self.original = original
        self.text = text
        self._map: _WordMap | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of ``text[start:end]``, which starts and ends on word boundaries."""
        if self._map is None:
            self._map = _WordMap(self.original, self.text.split())
        first = self.text.count(" ", 0, start + 1) - 1
        last = self.text.count(" ", 0, end) - 1
        return self._map.start(first), self._map.end(last)


class _WordMap:
    """Where each normalised word lies in the original text.

    Folding the original again (without dropping the joining characters) gives runs of word
    characters; each normalised word is one run or several consecutive ones that ``normalise``
    joined (``u`` ``s`` → ``us``, ``5`` ``000`` → ``5000``, ``taliban`` ``s`` → ``talibans``), so
    the cumulative lengths of the words are among the cumulative lengths of the runs.
    """

    __slots__ = ("_original", "_origins", "_run_after", "_run_ends", "_run_lengths", "_word_ends")

    def __init__(self, original: str, words: list[str]) -> None:
        folded = original.translate(_FOLD)
        self._original = original
        self._origins: list[int] | None = None
        if len(folded) != len(original) or not _UNEVEN.isdisjoint(original):
            self._origins = [index for index, char in enumerate(original) for _ in _FOLD[ord(char)]]
        pieces = _SPACED_RUN.findall(folded)
        self._run_ends = list(accumulate(map(len, pieces)))
        self._run_lengths = list(map(len, map(str.lstrip, pieces)))
        cumulative = accumulate(self._run_lengths)
        self._run_after = dict(zip(cumulative, range(len(pieces)), strict=False))
        self._word_ends = list(accumulate(map(len, words)))

    def start(self, word: int) -> int:
        """Original offset of the first character of normalised word ``word``."""
        run = self._run_after[self._word_ends[word - 1]] + 1 if word else 0
        folded = self._run_ends[run] - self._run_lengths[run]
        return folded if self._origins is None else self._origins[folded]

    def end(self, word: int) -> int:
        """Original offset just past normalised word ``word`` (and any marks after it)."""
        folded = self._run_ends[self._run_after[self._word_ends[word]]]
        if self._origins is None:
            return folded
        end = self._origins[folded - 1] + 1
        original = self._original
        while end < len(original) and not _FOLD[ord(original[end])]:
            end += 1
        return end


def normalise(original: str) -> NormalisedText:
    """Normalise ``original`` for matching, as described in the module docstring."""
    joined = original
    for joiner in _JOINERS:
        joined = joiner.sub("", joined)
    words = joined.translate(_FOLD).split()
    return NormalisedText(original, f" {' '.join(words)} " if words else " ")


def normal_words(text: str) -> list[str]:
    """The normalised words of ``text`` (a term, a suffix, a name)."""
    return normalise(text).text.split()


LANGUAGES: Final = ("en", "fr", "ru", "fa", "ps", "ur", "ar")
"""Languages with morphology below; any other language code matches exact forms only."""

_LANGUAGE_ALIASES: Final = {
    "eng": "en",
    "fra": "fr",
    "fre": "fr",
    "rus": "ru",
    "fas": "fa",
    "per": "fa",
    "pes": "fa",
    "prs": "fa",
    "pus": "ps",
    "pbt": "ps",
    "pbu": "ps",
    "pst": "ps",
    "urd": "ur",
    "ara": "ar",
    "arb": "ar",
}


def primary_language(tag: str | None) -> str | None:
    """The language of a BCP 47 tag as the themes file names it (``fa-AF`` → ``fa``, Dari
    ``prs`` → ``fa``), or None when unknown (``und``, empty)."""
    if not tag:
        return None
    primary = tag.strip().lower().replace("_", "-").split("-")[0]
    if not primary or primary in {"und", "mul", "zxx"}:
        return None
    return _LANGUAGE_ALIASES.get(primary, primary)


def _forms(endings: str) -> frozenset[str]:
    """The normalised endings of a space-separated list, and the empty ending."""
    return frozenset("".join(normal_words(ending)) for ending in endings.split()) | {""}


_ENDINGS: Final[dict[str, frozenset[str]]] = {
    "en": _forms("s es"),
    "fr": _forms("s x"),
    "ru": _forms(
        "а я у ю е и ы о ь й ой ей ом ем ам ям ах ях ов ев ью ия ие ий ию ии ые ая ое ую ый ых ым "
        "их им ами ями ием иям иях ого его ому ему ыми ими"
    ),
    "fa": _forms("ها های هایی ان یان ی ای ات گان ش شان"),
    "ps": _forms("ان انو ونه ونو و ی ه گان گانو یان یانو"),
    "ur": _forms("وں یں ے ی یاں یوں ات ان ه ئیں"),
    "ar": _forms("ات ین ون ه ی ها هم ان یه یین تها ا"),
}
_AR_PROCLITICS: Final = (
    "",
    *sorted(_forms("ال و وال ف فال ب بال ل لل ك كال ول ولل وب وبال فب فل") - {""}),
)
_RU_FINAL: Final = frozenset("аяуюеиыоьйэ")
_SCRIPT_LANGUAGES: Final = {"LATIN": ("en", "fr"), "CYRILLIC": ("ru",), "ARABIC": LANGUAGES[3:]}


def _script(word: str) -> str:
    for char in word:
        if char.isalpha():
            return unicodedata.name(char, "").split(" ")[0]
    return ""


@dataclass(frozen=True, slots=True)
class WordForm:
    """How a word of a term is looked for: its fixed beginning and what may follow it.

    ``endings`` None means any continuation (a stem written ``word*``). ``bare`` is the word as
    it must appear inside a phrase, where it takes no ending; ``inflects`` says that it takes
    its endings inside a phrase too (Russian).
    """

    stem: str
    endings: frozenset[str] | None
    proclitics: tuple[str, ...]
    bare: str
    inflects: bool


def word_forms(word: str, language: str, *, is_stem: bool, first: bool) -> WordForm:
    """The forms a normalised ``word`` of a term written for ``language`` takes in text.

    ``language`` ``any`` takes the morphology of every language written in the word's script.
    English adds ``-s``/``-es`` (``-y`` → ``-ies``); French ``-s``/``-x``; Russian drops a final
    vowel and takes a case ending; Dari, Pashto, Urdu and Arabic take their plural and suffix
    endings, and an Arabic word that starts a term may carry a proclitic (و ف ب ل ك, ال).
    A stem (``word*``) takes any ending; proclitics still apply.
    """
    languages = _SCRIPT_LANGUAGES.get(_script(word), ()) if language == "any" else (language,)
    stem = word
    endings: frozenset[str] = frozenset({""})
    for lang in languages:
        endings |= _ENDINGS.get(lang, frozenset())
    if not is_stem and "ru" in languages:
        while len(stem) > 3 and stem[-1] in _RU_FINAL:
            stem = stem[:-1]
        endings = _ENDINGS["ru"] | {word[len(stem) :]}
    if "en" in languages and len(word) > 3 and word[-1] == "y" and word[-2] not in "aeiou":
        stem = word[:-1]
        endings = frozenset("y" + ending for ending in endings) | {"ies"}
    proclitics: tuple[str, ...] = ("",)
    bare = word
    if first and "ar" in languages:
        proclitics = _AR_PROCLITICS
        if word.startswith("ال") and len(word) > 4:
            bare = word[2:]
            stem = stem[2:] if stem.startswith("ال") else stem
    return WordForm(stem, None if is_stem else endings, proclitics, bare, "ru" in languages)


class TermSyntaxError(ValueError):
    """A term of the themes file that cannot be matched as written."""


MIN_STEM_CHARS: Final = 3


def parse_term(term: str) -> tuple[tuple[str, bool], ...]:
    """The normalised words of a term, each with whether it is a stem (``word*``).

    ``US-Taliban deal`` gives ``(("us", False), ("taliban", False), ("deal", False))``;
    ``libér*`` gives ``(("liber", True),)``. Raises ``TermSyntaxError``.
    """
    words: list[tuple[str, bool]] = []
    for raw in term.split():
        is_stem = raw.endswith("*")
        body = raw[:-1] if is_stem else raw
        if "*" in body:
            raise TermSyntaxError(f"'*' may only end a word (in {raw!r})")
        parts = normal_words(body)
        if not parts:
            raise TermSyntaxError(f"{raw!r} has no letters or digits")
        if is_stem and len(parts[-1]) < MIN_STEM_CHARS:
            raise TermSyntaxError(
                f"stem {raw!r} is shorter than {MIN_STEM_CHARS} letters and would match too much"
            )
        words.extend((part, False) for part in parts[:-1])
        words.append((parts[-1], is_stem))
    if not words:
        raise TermSyntaxError("term is empty")
    return tuple(words)
