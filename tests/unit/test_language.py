"""The language policy: the text decides, the declared language is a hint."""

import json
from pathlib import Path

import pytest

from newswatch.analysis.evaluate import BUNDLED_SET
from newswatch.analysis.language import (
    SCRIPT_LANGUAGES,
    STOP_WORDS,
    LanguageChoice,
    choose_language,
    primary_language,
)
from newswatch.analysis.text import fold

HOLDOUT = BUNDLED_SET.parent / "holdout-2025.jsonl"

TEXTS = {
    "en": (
        "Taliban attack checkpoint in Kunduz",
        "The insurgents attacked the post at dawn and fought with the soldiers for hours, "
        "officials said on Monday.",
    ),
    "fr": (
        "Les talibans attaquent un poste à Kunduz",
        "Les insurgés ont attaqué le poste à l'aube et se sont battus avec les soldats pendant "
        "des heures, selon les autorités.",
    ),
    "ru": (
        "Талибы напали на блокпост в Кундузе",
        "Боевики атаковали пост на рассвете и несколько часов вели бой с солдатами, сообщили "
        "власти.",
    ),
    "fa": (
        "حمله طالبان بر پاسگاه در کندز",
        "شورشیان در سپیده دم به این پاسگاه حمله کردند و ساعت‌ها با سربازان جنگیدند، مقام‌ها "
        "گفتند که این حمله از سوی طالبان انجام شده است.",
    ),
    "ps": (
        "په کندز کې پر پوستې د طالبانو برید",
        "وسله والو د سهار په وخت پر پوستې برید وکړ او له سرتیرو سره یې څو ساعته جګړه وکړه، "
        "چارواکو وویل چې دغه برید طالبانو کړی دی.",
    ),
    "ur": (
        "قندوز میں چیک پوسٹ پر طالبان کا حملہ",
        "عسکریت پسندوں نے صبح سویرے چوکی پر حملہ کیا اور کئی گھنٹے تک فوجیوں سے لڑتے رہے، "
        "حکام نے بتایا کہ یہ حملہ طالبان نے کیا۔",
    ),
    "ar": (
        "هجوم لطالبان على نقطة تفتيش في قندوز",
        "هاجم المسلحون النقطة عند الفجر وقاتلوا الجنود لساعات، وقال المسؤولون إن الهجوم الذي "
        "وقع في الولاية هو الأعنف منذ أشهر.",
    ),
}


def choose(declared: str | None, language: str, **options: bool) -> LanguageChoice:
    title, summary = TEXTS[language]
    return choose_language(declared, fold(title), fold(summary), **options)


@pytest.mark.parametrize("language", sorted(TEXTS))
def test_a_right_declared_language_stands(language: str) -> None:
    chosen = choose(f"{language}-XX", language)
    assert (chosen.language, chosen.declared, chosen.detected) == (language, language, False)


@pytest.mark.parametrize("language", sorted(TEXTS))
def test_a_missing_declared_language_is_read_from_the_text(language: str) -> None:
    chosen = choose(None, language)
    assert (chosen.language, chosen.declared, chosen.detected) == (language, None, True)


@pytest.mark.parametrize(
    ("declared", "language"),
    [
        ("en-US", "fa"),  # an Afghan CMS's default on a Dari page
        ("en-US", "ps"),
        ("en-US", "ar"),
        ("en", "ur"),
        ("en-GB", "ru"),
        ("en", "fr"),  # same script: the stop words overrule it
        ("fr", "en"),
        ("fa-AF", "ps"),  # same script: Pashto letters and stop words
        ("fa", "ar"),
        ("ar", "ur"),
        ("ru", "en"),
    ],
)
def test_a_wrong_declared_language_gives_way_to_the_text(declared: str, language: str) -> None:
    chosen = choose(declared, language)
    assert (chosen.language, chosen.detected) == (language, True)
    assert chosen.declared == primary_language(declared)


@pytest.mark.parametrize("language", sorted(TEXTS))
def test_full_evidence_changes_the_record_not_the_choice(language: str) -> None:
    for declared in (None, language, "en-US", "fa"):
        quick, full = choose(declared, language), choose(declared, language, full_evidence=True)
        assert quick.language == full.language
        assert {code for code, _ in full.evidence} == set(SCRIPT_LANGUAGES[full.script])


def test_the_script_of_each_language() -> None:
    scripts = {language: choose(None, language).script for language in TEXTS}
    assert scripts == {
        "en": "LATIN",
        "fr": "LATIN",
        "ru": "CYRILLIC",
        "fa": "ARABIC",
        "ps": "ARABIC",
        "ur": "ARABIC",
        "ar": "ARABIC",
    }


def test_one_stop_word_does_not_overrule_the_feed_two_do() -> None:
    one = fold("Les talibans libèrent 400 prisonniers")
    assert choose_language("en", one, fold("")).language == "en"
    assert choose_language(None, one, fold("")).language == "fr"
    two = fold("Les talibans libèrent des prisonniers")
    assert choose_language("en", two, fold("")).language == "fr"


def test_a_language_without_evidence_stands_in_its_script() -> None:
    title, summary = fold("Taliban greifen Kontrollpunkt an"), fold("Die Kämpfer griffen an.")
    assert choose_language("de-DE", title, summary).language == "de"


def test_a_dari_report_quoting_english_keeps_its_language() -> None:
    title, summary = TEXTS["fa"]
    quote = " The United States said the agreement was a historic step for the peace process."
    chosen = choose_language("fa", fold(title), fold(summary + quote * 3))
    assert (chosen.language, chosen.script) == ("fa", "ARABIC")


def test_a_text_without_letters_keeps_the_declared_language() -> None:
    chosen = choose_language("fr", fold("2020 – 5,000"), fold("29.02"))
    assert (chosen.language, chosen.script, chosen.detected) == ("fr", "", False)
    assert choose_language(None, fold("2020"), fold("")).language is None


def test_a_latin_text_without_evidence_and_no_declared_language_stays_unknown() -> None:
    chosen = choose_language(None, fold("Taliban free Khalilzad"), fold(""))
    assert chosen.language is None
    assert "unknown" in chosen.describe()


def test_describe_says_what_decided() -> None:
    text = choose("en-US", "fa", full_evidence=True).describe()
    assert text.startswith("fa (from the text; declared en; script arabic; evidence fa ")


def test_stop_word_lists_of_one_script_are_disjoint() -> None:
    for codes in SCRIPT_LANGUAGES.values():
        for first in codes:
            for second in codes:
                if first < second:
                    assert not STOP_WORDS[first] & STOP_WORDS[second], (first, second)


def labelled(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("path", [BUNDLED_SET, HOLDOUT], ids=["development", "holdout"])
@pytest.mark.parametrize("declared", ["as labelled", None, "en-US", "fa"])
def test_every_labelled_item_gets_its_language(path: Path, declared: str | None) -> None:
    wrong = []
    for item in labelled(path):
        tag = item["lang"] if declared == "as labelled" else declared
        chosen = choose_language(tag, fold(item["title"]), fold(item["summary"]))
        if chosen.language != primary_language(item["lang"]):
            wrong.append((item["id"], chosen))
    assert wrong == []
