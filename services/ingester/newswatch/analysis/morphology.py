"""Morphology for matching: the forms a word of a term or a name takes in folded text.

Which endings a word may take in its language (English ``-s``, Russian case endings, the
plural and suffix endings of the Arabic-script languages), which Arabic proclitics may precede
it, and how a term of the themes file is read (``parse_term``: its folded words, and which are
stems written ``word*``). Used by the themes compiler and the gazetteer compiler alike.
"""

from dataclasses import dataclass
from typing import Final

from newswatch.analysis.language import SCRIPT_LANGUAGES, script_of
from newswatch.analysis.text import folded_words


def _forms(endings: str) -> frozenset[str]:
    """The folded endings of a space-separated list, and the empty ending."""
    return frozenset("".join(folded_words(ending)) for ending in endings.split()) | {""}


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
_FINAL_HEH: Final = "ه"
_FINAL_HEH_REPLACED: Final[dict[str, frozenset[str]]] = {
    "ps": _forms("ی و"),
    "ur": _forms("ے وں"),
}
"""Pashto feminine and Urdu masculine nouns ending in ه (ہ) replace it when they inflect:
Pashto هوکړه → هوکړې, هوکړو; Urdu حملہ → حملے, حملوں."""
_AR_PROCLITICS: Final = (
    "",
    *sorted(_forms("ال و وال ف فال ب بال ل لل ك كال ول ولل وب وبال فب فل") - {""}),
)
_RU_FINAL: Final = frozenset("аяуюеиыоьйэ")


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
    """The forms a folded ``word`` of a term written for ``language`` takes in text.

    ``language`` ``any`` takes the morphology of every language written in the word's script.
    English adds ``-s``/``-es`` (``-y`` → ``-ies``); French ``-s``/``-x``; Russian drops a final
    vowel and takes a case ending; Dari, Pashto, Urdu and Arabic take their plural and suffix
    endings (a Pashto or Urdu word ending in ه may replace it: هوکړه → هوکړې), and an Arabic
    word that starts a term may carry a proclitic (و ف ب ل ك, ال).
    A stem (``word*``) takes any ending; proclitics still apply.
    """
    languages = SCRIPT_LANGUAGES.get(script_of(word), ()) if language == "any" else (language,)
    stem = word
    endings: frozenset[str] = frozenset({""})
    for lang in languages:
        endings |= _ENDINGS.get(lang, frozenset())
    if not is_stem and "ru" in languages:
        while len(stem) > 3 and stem[-1] in _RU_FINAL:
            stem = stem[:-1]
        endings = _ENDINGS["ru"] | {word[len(stem) :]}
    replaced = frozenset().union(*(_FINAL_HEH_REPLACED.get(lang, ()) for lang in languages))
    if not is_stem and replaced and len(word) > 2 and word.endswith(_FINAL_HEH):
        stem = word[:-1]
        endings = frozenset(_FINAL_HEH + ending for ending in endings) | (replaced - {""})
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
    """The folded words of a term, each with whether it is a stem (``word*``).

    ``US-Taliban deal`` gives ``(("us", False), ("taliban", False), ("deal", False))``;
    ``libér*`` gives ``(("liber", True),)``. Raises ``TermSyntaxError``.
    """
    words: list[tuple[str, bool]] = []
    for raw in term.split():
        is_stem = raw.endswith("*")
        body = raw[:-1] if is_stem else raw
        if "*" in body:
            raise TermSyntaxError(f"'*' may only end a word (in {raw!r})")
        parts = folded_words(body)
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
