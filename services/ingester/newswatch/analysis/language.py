"""Which language an item is written in: the policy that chooses the themes' term lists.

A feed's declared language is often wrong (Afghan sites serve Dari and Pashto pages as
``en-US``, their CMS's default) or missing, so the text decides and the declared language is a
hint. ``choose_language`` is the one place the decision is made; ``analysis.engine.Analyzer``
applies it to every item, whichever path (the service, ``newswatch match``, ``newswatch
evaluate``, the benchmarks) runs it. The evidence is cheap, no model:

The text read is the folded title and the first ``EVIDENCE_CHARS`` characters of the folded
summary (``text.fold``: case, accents and Arabic-script variants folded).

1. **Script.** The declared language's script when at least ``DECLARED_SCRIPT_SHARE`` of the
   text read is in it, by letters or by words (a Dari report quoting English names is still
   Dari), else the script most words start in: Latin, Cyrillic or Arabic (an ASCII-only text
   is Latin without counting). A text without letters keeps its declared language.
2. **Candidates** of that script among the languages the analysis knows: Latin en, fr;
   Cyrillic ru; Arabic fa, ps, ur, ar.
3. **Evidence** for each candidate: how many of its stop words (``STOP_WORDS``) occur in the
   text read, as whole words, found by one keyword scan (``analysis.keywords``):
   ``the``/``of``/``and`` against ``les``/``des``/``dans``; ``در``/``را``/``است`` against
   ``په``/``چی``/``سره``, ``میں``/``نے`` and ``فی``/``علی``/``التی``. In the Arabic script,
   also the distinct letters of the original text that only that language uses (Pashto ټ ډ
   ړ ږ ښ ځ څ ڼ ګ ې ۍ; Urdu ٹ ڈ ڑ ں ے ہ ھ; Arabic ة ى ك إ ؤ), which folding unifies away.
4. **Decision.**

   - The declared language stands when it is a candidate (or a language the analysis has no
     evidence for, such as ``de``, in a script it may be written in) unless another candidate
     has at least ``OVERRIDE_EVIDENCE`` pieces of evidence and ``OVERRIDE_MARGIN`` more than
     the declared one: a title alone rarely says enough to overrule the feed.
   - A declared language of another script (``en`` on a Dari text), or none, gives way to the
     candidate with the most evidence, if one leads; else to the script's only candidate
     (Cyrillic: ru); else the language stays unknown.

On the development and held-out sets this gives every item's labelled language whether the
declared language is right, missing, ``en-US`` or ``fa`` for all (``tests/unit/test_language.py``).
It costs one scan of the text read for the stop words of the languages other than the declared
one (the declared one's are counted only when another reaches ``OVERRIDE_EVIDENCE``).

The result (``LanguageChoice``) names the language used, the declared one and the evidence, so
``newswatch match --explain`` can show why. An unknown language, or one the themes have no
term lists for, lets every list apply (``analysis.themes.find``).
"""

import functools
import re
import unicodedata
from typing import Final, NamedTuple

from newswatch.analysis.keywords import Keywords, KeywordsBuilder
from newswatch.analysis.text import FoldedText

LANGUAGES: Final = ("en", "fr", "ru", "fa", "ps", "ur", "ar")
"""Languages with morphology and language evidence; any other code matches exact forms only."""

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


@functools.lru_cache(maxsize=1024)
def primary_language(tag: str | None) -> str | None:
    """The language of a BCP 47 tag as the themes file names it (``fa-AF`` → ``fa``, Dari
    ``prs`` → ``fa``), or None when unknown (``und``, empty). Remembered: feeds repeat tags."""
    if not tag:
        return None
    primary = tag.strip().lower().replace("_", "-").split("-")[0]
    if not primary or primary in {"und", "mul", "zxx"}:
        return None
    return _LANGUAGE_ALIASES.get(primary, primary)


LATIN, CYRILLIC, ARABIC = "LATIN", "CYRILLIC", "ARABIC"
SCRIPT_LANGUAGES: Final = {LATIN: ("en", "fr"), CYRILLIC: ("ru",), ARABIC: LANGUAGES[3:]}
"""The known languages written in each script."""
_SCRIPT_OF_LANGUAGE: Final = {
    code: script for script, codes in SCRIPT_LANGUAGES.items() for code in codes
}


def script_of(word: str) -> str:
    """The script of the first letter of ``word`` as Unicode names it (``LATIN``,
    ``CYRILLIC``, ``ARABIC``, …), or "" when it has none."""
    for char in word:
        if char.isalpha():
            return _letter_script(char)
    return ""


@functools.lru_cache(maxsize=4096)
def _letter_script(letter: str) -> str:
    return unicodedata.name(letter, "").split(" ")[0]


_STOP_WORDS: Final = {
    "en": "the of and to in is for on with that by at from was were has have said after its "
    "it as be are will their this who an",
    "fr": "le la les des du et une dans pour sur au aux est par avec apres qui que ont sont "
    "ete selon leur cette",
    "ru": "и в на не что с по для из о от за после это как его был была были также",
    "fa": "در به از که این را است با برای شده کرد خود نیز اند بود شد",
    "ps": "د په او له چی ته سره پر دغه شوی کړی وایی ولی",
    "ur": "کے میں نے سے هے کو اور کا هیں گیا تها",
    "ar": "فی علی الی التی الذی عن مع قد هذا هذه بعد کان قال الا ذلک",
}
"""Frequent words of each language, in folded form (``folded_words``): function words that the
other languages of the same script do not use."""
STOP_WORDS: Final = {code: frozenset(words.split()) for code, words in _STOP_WORDS.items()}

LETTERS: Final = {
    "ps": frozenset("ټډړږښځڅڼګېۍ"),
    "ur": frozenset("ٹڈڑںےہھ"),
    "ar": frozenset("ةىكإؤ"),
}
"""Letters of the original text that only one Arabic-script language of the four uses."""

EVIDENCE_CHARS: Final = 160
"""Folded characters of the summary read after the title (about 25 words), for the script and
the stop words."""
OVERRIDE_EVIDENCE: Final = 2
OVERRIDE_MARGIN: Final = 2


class LanguageChoice(NamedTuple):
    """The language an item is analysed in, and why.

    ``language`` is the language used (None: unknown, every term list applies); ``declared``
    the declared tag's language; ``script`` the text's script ("" without letters);
    ``evidence`` the count per candidate language; ``detected`` whether the text, not the
    declared tag, decided.
    """

    language: str | None
    declared: str | None
    script: str
    evidence: tuple[tuple[str, int], ...]
    detected: bool

    def describe(self) -> str:
        """One line for a person: the language used, the declared one, the evidence."""
        used = self.language or "unknown (every term list applies)"
        source = (
            "from the text" if self.detected else "as declared" if self.declared else "no evidence"
        )
        evidence = ", ".join(f"{code} {count}" for code, count in self.evidence) or "none"
        return (
            f"{used} ({source}; declared {self.declared or 'none'}; "
            f"script {self.script.lower() or 'none'}; evidence {evidence})"
        )


def choose_language(
    declared_tag: str | None,
    title: FoldedText,
    summary: FoldedText,
    *,
    full_evidence: bool = False,
) -> LanguageChoice:
    """The language to analyse an item in, by the policy of the module docstring.

    When the declared language is plausible, only the other candidates' evidence can overrule
    it, so only theirs is gathered unless one of them reaches ``OVERRIDE_EVIDENCE``: correctly
    declared items (most) cost one scan that finds nothing. ``full_evidence`` counts every
    candidate for the record (``newswatch match --explain``); the choice is the same.
    """
    declared, declared_script = _declared(declared_tag)
    sample = _sample(title, summary)
    if sample.isascii():
        script = LATIN if _ASCII_LETTER.search(sample) else ""
    else:
        script = _script(sample, declared_script)
    candidates = SCRIPT_LANGUAGES.get(script)
    if candidates is None:
        return LanguageChoice(declared, declared, script, (), detected=False)
    plausible = declared is not None and (declared_script is None or declared_script == script)
    if plausible and not full_evidence:
        standing = _STANDING.get((script, declared))
        if standing is not None and not _STOP_WORD_KEYWORDS[(script, declared)].present(sample):
            return standing  # the common case: no stop word of another language
        others = _evidence(script, sample, title, summary, without=declared)
        if max((count for _, count in others), default=0) < OVERRIDE_EVIDENCE:
            return LanguageChoice(declared, declared, script, others, detected=False)
    evidence = _evidence(script, sample, title, summary)
    best, best_count, leads = _leader(evidence)
    if plausible:
        overruled = (
            leads
            and best != declared
            and best_count >= OVERRIDE_EVIDENCE
            and best_count >= dict(evidence).get(declared or "", 0) + OVERRIDE_MARGIN
        )
        if not overruled:
            return LanguageChoice(declared, declared, script, evidence, detected=False)
    chosen = best if leads else candidates[0] if len(candidates) == 1 else None
    return LanguageChoice(chosen, declared, script, evidence, detected=chosen is not None)


@functools.lru_cache(maxsize=1024)
def _declared(tag: str | None) -> tuple[str | None, str | None]:
    """The language of a declared tag and its script (None when the analysis does not know
    the language); feeds repeat their tags, so both are remembered."""
    language = primary_language(tag)
    return language, _SCRIPT_OF_LANGUAGE.get(language or "")


def _sample(title: FoldedText, summary: FoldedText) -> str:
    """The folded text read: the title, then the summary's first ``EVIDENCE_CHARS``
    characters, ending at a space (as folded text does)."""
    text = summary.text
    if len(text) > EVIDENCE_CHARS:
        text = text[: text.rfind(" ", 0, EVIDENCE_CHARS + 1) + 1]
    return title.text + text


_ASCII_LETTER: Final = re.compile("[a-z]")
_WORDS_IN_SCRIPT: Final = {
    LATIN: re.compile(r" [a-z\u00c0-\u024f]"),
    CYRILLIC: re.compile(r" [\u0400-\u04ff]"),
    ARABIC: re.compile(r" [\u0600-\u06ff\u0750-\u077f]"),
}
"""A word of folded text that starts with a letter of the script."""
DECLARED_SCRIPT_SHARE: Final = 0.25
"""The declared language's script is the text's when at least this share of the words read
are in it (a Dari report quoting English names is still Dari)."""


def _script(sample: str, declared_script: str | None) -> str:
    """The declared language's script if ``DECLARED_SCRIPT_SHARE`` of ``sample`` (folded text)
    is in it, else the script most of its words start in ("OTHER" when none)."""
    if declared_script is not None:
        in_script = _WORDS_IN_SCRIPT[declared_script]
        if declared_script != LATIN:  # letters of both take two bytes: a quick look first
            letters = len(sample) - sample.count(" ")
            two_byte = len(sample.encode()) - len(sample)
            if two_byte >= DECLARED_SCRIPT_SHARE * letters and in_script.search(sample):
                return declared_script
        words = sample.count(" ") - 2  # the title and the summary each add a space
        share = len(in_script.findall(sample))
        if share and share >= DECLARED_SCRIPT_SHARE * words:
            return declared_script
    counts = {script: len(words.findall(sample)) for script, words in _WORDS_IN_SCRIPT.items()}
    if not any(counts.values()):
        return "OTHER"
    return max(counts, key=counts.__getitem__)


_STOP_WORD_LIST: Final = tuple(
    (word, code) for code in LANGUAGES for word in sorted(STOP_WORDS[code])
)
"""Every stop word with its language; a word's index here is its keyword id."""


def _stop_word_keywords(languages: set[str]) -> Keywords:
    """The stop words of ``languages``, each a whole-word keyword (the lists of one script
    are disjoint, so each word names one language)."""
    builder = KeywordsBuilder()
    for word_id, (word, code) in enumerate(_STOP_WORD_LIST):
        if code in languages:
            builder.add(f"{word} ", word_id, None)
    return builder.build()


_STOP_WORD_KEYWORDS: Final = {
    (script, without): _stop_word_keywords(set(codes) - {without})
    for script, codes in SCRIPT_LANGUAGES.items()
    for without in (None, *codes)
}
"""Per script, the stop words of all its languages (``without`` None) or of all but one."""
_NO_EVIDENCE: Final = {
    (script, without): tuple((code, 0) for code in SCRIPT_LANGUAGES[script] if code != without)
    for script, without in _STOP_WORD_KEYWORDS
}
_STANDING: Final[dict[tuple[str, str | None], LanguageChoice]] = {
    (script, declared): LanguageChoice(
        declared, declared, script, _NO_EVIDENCE[(script, declared)], detected=False
    )
    for script, declared in _NO_EVIDENCE
    if declared is not None and script != ARABIC
}
"""The choice when a declared language of a script without letter evidence meets no stop
word of the other languages of its script (made once: most items)."""
_OWN_LETTERS: Final = re.compile("[" + "".join(sorted(set().union(*LETTERS.values()))) + "]")
_LANGUAGE_OF_LETTER: Final = {letter: code for code, own in LETTERS.items() for letter in own}


def _evidence(
    script: str,
    sample: str,
    title: FoldedText,
    summary: FoldedText,
    *,
    without: str | None = None,
) -> tuple[tuple[str, int], ...]:
    """The evidence count of each candidate language of ``script`` but ``without`` (see the
    module docstring): its distinct stop words in ``sample``, its own letters in the original
    fields."""
    key = (script, without) if (script, without) in _STOP_WORD_KEYWORDS else (script, None)
    found = _STOP_WORD_KEYWORDS[key].present(sample)
    if not found and script != ARABIC:
        return _NO_EVIDENCE[key]
    counts = dict(_NO_EVIDENCE[key])
    for word_id in found:
        counts[_STOP_WORD_LIST[word_id][1]] += 1
    if script == ARABIC:
        letters = set(_OWN_LETTERS.findall(title.original))
        letters.update(_OWN_LETTERS.findall(summary.original, 0, EVIDENCE_CHARS))
        for letter in letters:
            code = _LANGUAGE_OF_LETTER[letter]
            if code in counts:
                counts[code] += 1
    return tuple(counts.items())


def _leader(evidence: tuple[tuple[str, int], ...]) -> tuple[str | None, int, bool]:
    """The language with the most evidence, its count, and whether it leads alone (with some)."""
    best: str | None = None
    best_count = 0
    tied = False
    for code, count in evidence:
        if count > best_count:
            best, best_count, tied = code, count, False
        elif count == best_count:
            tied = True
    return best, best_count, best_count > 0 and not tied
