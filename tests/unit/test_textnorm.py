"""Folding for matching: case and accents, unification, word joins, and the map back."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newswatch.analysis.evaluate import BUNDLED_SET
from newswatch.analysis.language import primary_language
from newswatch.analysis.morphology import TermSyntaxError, parse_term, word_forms
from newswatch.analysis.text import _DIGIT_GROUP, _FOLD, _INITIALISM, _POSSESSIVE, FoldedText, fold


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("US–Taliban deal", " us taliban deal "),
        ("U.S.-Taliban deal", " us taliban deal "),
        ("the Taliban’s claim", " the talibans claim "),
        ("prisoners' release…", " prisoners release "),
        ("5,000 and 2,500,000.", " 5000 and 2500000 "),
        ("۵۰۰۰ و ٤٠٠", " 5000 و 400 "),
        ("ÉTATS-UNIS libérés", " etats unis liberes "),
        ("Заключённые", " заключенные "),
        ("ﻻ", " لا "),
        ("هجوماً على الأسرى", " هجوما علی الاسری "),
        ("كابل ي ى ی ې ۍ ك ک ة ه ہ ھ", " کابل ی ی ی ی ی ک ک ه ه ه ه "),
        ("زندانی‌ها", " زندانی ها "),
        ("ـطالبـان", " طالبان "),
        ("Straße", " strasse "),
        ("", " "),
        ("  ,.  ", " "),
    ],
)
def test_folded_form(text: str, folded: str) -> None:
    assert fold(text).text == folded


def words_and_spans(text: str) -> list[tuple[str, str]]:
    folded = fold(text)
    pairs = []
    position = 1
    for word in folded.words:
        start, end = folded.span(position, position + len(word))
        pairs.append((word, text[start:end]))
        position += len(word) + 1
    return pairs


def test_spans_map_back_to_the_original_words() -> None:
    assert words_and_spans("The U.S. army’s 5,000-strong force، هجوماً\u200f") == [
        ("the", "The"),
        ("us", "U.S"),
        ("armys", "army’s"),
        ("5000", "5,000"),
        ("strong", "strong"),
        ("force", "force"),
        ("هجوما", "هجوماً\u200f"),
    ]


def test_every_word_of_the_labelled_set_maps_back_to_itself() -> None:
    """Each word's original span folds to exactly that word."""
    for line in BUNDLED_SET.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        for field in ("title", "summary"):
            for word, original in words_and_spans(record[field]):
                assert fold(original).text.split() == [word], (record["id"], field)


@pytest.mark.parametrize(
    ("term", "words"),
    [
        ("US-Taliban deal", (("us", False), ("taliban", False), ("deal", False))),
        ("libér*", (("liber", True),)),
        ("storm* jail", (("storm", True), ("jail", False))),
        ("5,000", (("5000", False),)),
    ],
)
def test_parse_term(term: str, words: tuple[tuple[str, bool], ...]) -> None:
    assert parse_term(term) == words


@pytest.mark.parametrize(
    ("term", "message"),
    [("a*b", "may only end"), ("--", "no letters"), ("ab*", "shorter than"), ("*", "no letters")],
)
def test_bad_terms_are_refused(term: str, message: str) -> None:
    with pytest.raises(TermSyntaxError, match=message):
        parse_term(term)


def test_word_forms() -> None:
    english = word_forms("casualty", "en", is_stem=False, first=True)
    assert (english.stem, english.endings) == ("casualt", frozenset({"y", "ys", "yes", "ies"}))
    russian = word_forms("соглашение", "ru", is_stem=False, first=True)
    assert russian.stem == "соглашен"
    assert russian.endings is not None
    assert {"ие", "ия", "ием"} <= russian.endings
    assert russian.inflects
    arabic = word_forms("الافراج", "ar", is_stem=False, first=True)
    assert arabic.stem == "افراج"
    assert {"", "ال", "و", "بال"} <= set(arabic.proclitics)
    pashto = word_forms("هوکره", "ps", is_stem=False, first=True)
    assert pashto.stem == "هوکر"
    assert pashto.endings is not None
    assert {"ه", "ی", "و", "هان"} <= pashto.endings
    stem = word_forms("releas", "en", is_stem=True, first=True)
    assert stem.endings is None
    neutral = word_forms("taliban", "any", is_stem=False, first=True)
    assert neutral.endings == frozenset({"", "s", "es", "x"})


@pytest.mark.parametrize(
    ("tag", "language"),
    [("en-US", "en"), ("fa-AF", "fa"), ("prs", "fa"), ("pbt", "ps"), ("und", None), ("", None)],
)
def test_primary_language(tag: str, language: str | None) -> None:
    assert primary_language(tag) == language


def folded_by_definition(original: str) -> str:
    """``fold``'s text as first written: every joiner, then the words joined by one space."""
    joined = original
    for joiner in (_POSSESSIVE, _INITIALISM, _DIGIT_GROUP):
        joined = joiner.sub("", joined)
    words = joined.translate(_FOLD).split()
    return f" {' '.join(words)} " if words else " "


@given(
    st.text(alphabet=st.sampled_from(list("ab1 ,.'’\t\n\u00a0\u200c\u2028-é۵ك ")) | st.characters())
)
def test_fold_keeps_its_definition(original: str) -> None:
    folded = fold(original)
    assert folded.text == folded_by_definition(original)
    assert folded.words == folded.text.split()


@given(st.text(alphabet=st.sampled_from(list("ab1 ,.'’\u200c-é۵كً ﬁß")) | st.characters()))
def test_the_map_back_is_the_same_however_it_is_made(original: str) -> None:
    """A field that folding left whole maps each word to one run; the general map (the runs
    joined by cumulative length) gives the same spans."""
    folded = fold(original)
    general = FoldedText(original, folded.text)
    for word in range(len(folded.words)):
        assert folded.word_span(word, word) == general.word_span(word, word)
