"""The rule-based matcher on the bundled themes and on small hand-written rules."""

from typing import Any

import pytest

from newswatch.analysis.themes import compile_themes, explain, format_decisions, match
from newswatch.analysis.themes.rules import ThemeSet, load_themes

_, BUNDLED = load_themes(None)
THEMES = compile_themes(BUNDLED)


def themes_of(title: str, summary: str = "", language: str | None = None) -> list[str]:
    return [found.theme for found in match(THEMES, title, summary, language=language)]


def rules(*groups: dict[str, Any], threshold: float = 1, exclude: Any = ()) -> ThemeSet:
    return ThemeSet.model_validate(
        {
            "themes": [
                {"name": "t", "threshold": threshold, "groups": list(groups), "exclude": exclude}
            ]
        }
    )


def hits(
    theme_set: ThemeSet, title: str, summary: str = "", language: str | None = None
) -> list[str]:
    """The matched text of every evidence of theme ``t``, or [] when it does not fire."""
    found = match(compile_themes(theme_set), title, summary, language=language)
    return [item.text for theme in found for item in theme.evidence]


@pytest.mark.parametrize(
    ("text", "term", "hit"),
    [
        ("US–Taliban deal", "us-taliban deal", "US–Taliban deal"),
        ("the US Taliban deal", "us-taliban deal", "US Taliban deal"),
        ("the U.S.-Taliban deal", "us-taliban deal", "U.S.-Taliban deal"),
        ("five prisoners freed", "prisoner", "prisoners"),
        ("the Taliban’s claim", "taliban", "Taliban’s"),
        ("two ambushes", "ambush", "ambushes"),
        ("heavy casualties", "casualty", "casualties"),
        ("released 5,000 men", "5000", "5,000"),
        ("released 5000 men", "5,000", "5000"),
        ("they were released", "releas*", "released"),
        ("LES TALIBANS", "taliban", "TALIBANS"),
        ("Les détenus libérés", "libéré*", "libérés"),
    ],
)
def test_terms_match_their_forms(text: str, term: str, hit: str) -> None:
    assert hits(rules({"name": "g", "terms": [term]}), text) == [hit]


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("the Talibanisation", "taliban"),
        ("a counterattack", "attack"),
        ("15,0001", "5,000"),
        ("prisonerless", "prisoner"),
        ("the US Taliban talks", "us-taliban deal"),
    ],
)
def test_terms_respect_word_boundaries(text: str, term: str) -> None:
    assert hits(rules({"name": "g", "terms": [term]}), text) == []


@pytest.mark.parametrize(
    ("language", "term", "text", "hit"),
    [
        ("ru", "соглашение", "после подписания соглашения в Дохе", "соглашения"),
        ("ru", "талибы", "нападение талибов на блокпост", "талибов"),
        ("ru", "мирное соглашение", "мирного соглашения не будет", "мирного соглашения"),
        ("ar", "الإفراج", "وبالإفراج عن الأسرى", "وبالإفراج"),
        ("ar", "أسرى", "تبادل الأسرى", "الأسرى"),
        ("ar", "هجوم", "شنت هجوماً واسعاً", "هجوماً"),
        ("fa", "زندانی", "زندانیان طالبان", "زندانیان"),
        ("fa", "زندانی", "زندانی‌ها آزاد شدند", "زندانی"),
        ("fa", "آمریکا", "توافق امريكا و طالبان", "امريكا"),
        ("ps", "بندي", "د بندیانو خوشې کول", "بندیانو"),
        ("ur", "قیدی", "قیدیوں کی رہائی", "قیدیوں"),
        ("ps", "هوکړه", "د هوکړې له مخې", "هوکړې"),
        ("ps", "جرګه", "د جرګو پرېکړه", "جرګو"),
        ("ur", "حملہ", "طالبان کے حملوں میں", "حملوں"),
        ("ur", "حملہ", "چیک پوسٹ پر حملے", "حملے"),
        ("fr", "prisonnier", "des prisonniers talibans", "prisonniers"),
    ],
)
def test_language_morphology(language: str, term: str, text: str, hit: str) -> None:
    theme_set = rules({"name": "g", "terms": {language: [term]}})
    assert hits(theme_set, text, language=language) == [hit]


def test_final_heh_gives_way_only_in_pashto_and_urdu() -> None:
    assert hits(rules({"name": "g", "terms": {"fa": ["حمله"]}}), "حملی", language="fa") == []
    assert hits(rules({"name": "g", "terms": {"ps": ["هوکړه"]}}), "هوکړه", language="ps") == [
        "هوکړه"
    ]


def test_arabic_proclitics_only_for_arabic_terms() -> None:
    assert hits(rules({"name": "g", "terms": {"fa": ["زندانی"]}}), "وزندانی", language="fa") == []


def test_language_lists_apply_to_their_language_and_unknown_ones() -> None:
    theme_set = rules(
        {"name": "g", "terms": {"en": ["attack"], "fr": ["attaque"], "any": ["taliban"]}}
    )
    assert hits(theme_set, "attack attaque taliban", language="fr") == ["attaque", "taliban"]
    assert hits(theme_set, "attack attaque taliban", language="en-GB") == ["attack", "taliban"]
    assert hits(theme_set, "attack attaque taliban", language="und") == [
        "attack",
        "attaque",
        "taliban",
    ]
    assert hits(theme_set, "attack attaque taliban", language="de") == [
        "attack",
        "attaque",
        "taliban",
    ]


def test_evidence_spans_point_into_the_original_text() -> None:
    title = "Les talibans accusent Washington"
    summary = "قال المتحدث إن الحركة شنّت هجوماً  على  نقاط‌ التفتيش (U.S.-backed) في كابل"
    theme_set = rules(
        {"name": "g", "terms": {"any": ["taliban", "us", "كابل", "هجوم", "نقاط التفتيش"]}}
    )
    (found,) = match(compile_themes(theme_set), title, summary)
    for item in found.evidence:
        text = title if item.field == "title" else summary
        assert text[item.start : item.end] == item.text
    assert [item.text for item in found.evidence] == [
        "talibans",
        "هجوماً",
        "نقاط‌ التفتيش",
        "U.S",
        "كابل",
    ]


def test_phrase_chains_for_inflected_inner_words() -> None:
    theme_set = rules({"name": "g", "terms": {"ru": ["межафганские переговоры"]}})
    assert hits(theme_set, "начало межафганских переговоров в Дохе") == ["межафганских переговоров"]
    assert hits(theme_set, "межафганских встреч и переговоров") == []


def test_a_chain_is_found_after_an_earlier_start_that_led_nowhere() -> None:
    theme_set = rules({"name": "g", "terms": {"ru": ["межафганские переговоры"]}})
    text = "межафганские встречи, затем межафганские переговоры и снова межафганские переговоры"
    assert hits(theme_set, text) == ["межафганские переговоры"]
    stems = rules({"name": "g", "terms": ["attack* on the taliban"]})
    assert hits(stems, "attacks rose; then attacks on the Taliban") == ["attacks on the Taliban"]


def test_required_group_threshold_and_exclusion() -> None:
    theme_set = rules(
        {"name": "a", "required": True, "terms": ["alpha"]},
        {"name": "b", "terms": [{"term": "beta", "weight": 0.5}, "gamma"]},
        threshold=2,
        exclude=[{"name": "omega", "scope": "item", "terms": ["omega"]}],
    )
    compiled = compile_themes(theme_set)
    assert match(compiled, "alpha beta", "") == []  # 1.5 < threshold
    (found,) = match(compiled, "alpha", "gamma beta")
    assert found.score == 2.5
    assert found.threshold == 2
    assert found.required_groups == ["a"]
    assert match(compiled, "gamma beta gamma", "") == []  # required group missing
    assert match(compiled, "alpha gamma", "omega") == []  # vetoed


def test_exclusion_masks_only_the_hits_inside_or_near_it() -> None:
    theme_set = rules(
        {"name": "actor", "required": True, "terms": ["taliban"]},
        exclude=["pakistani taliban", {"name": "is", "words": 3, "terms": ["islamic state"]}],
    )
    assert hits(theme_set, "Pakistani Taliban attack police") == []
    assert hits(theme_set, "Pakistani Taliban and Afghan Taliban meet") == ["Taliban"]
    assert hits(theme_set, "Islamic State says it fought Taliban") == []
    assert hits(theme_set, "Islamic State claims blast; separately the Taliban said") == ["Taliban"]


def test_subject_exclusion_vetoes_from_the_title_and_masks_in_the_summary() -> None:
    theme_set = rules(
        {"name": "actor", "required": True, "terms": ["taliban"]},
        exclude=[{"name": "is", "scope": "subject", "words": 1, "terms": ["isis"]}],
    )
    assert hits(theme_set, "ISIS claims attack", "The Taliban said they would respond.") == []
    assert hits(theme_set, "Taliban attack", "ISIS claims another one.") == ["Taliban"]


def test_near_needs_a_partner_close_by_or_across_fields_when_allowed() -> None:
    def near_rules(across: bool) -> ThemeSet:
        return rules(
            {"name": "actor", "terms": ["taliban"]},
            {
                "name": "act",
                "required": True,
                "near": {"group": "actor", "words": 2, "across_fields": across},
                "terms": ["attack"],
            },
        )

    assert hits(near_rules(False), "Taliban say the attack failed") == ["Taliban", "attack"]
    assert hits(near_rules(False), "Taliban say that yesterday the attack failed") == []
    assert hits(near_rules(False), "Taliban statement", "The attack failed") == []
    assert hits(near_rules(True), "Taliban statement", "The attack failed") == [
        "Taliban",
        "attack",
    ]


def test_attack_on_checkpoint_is_taliban_attacks_only() -> None:
    assert themes_of(
        "Taliban fighters attack Afghan army checkpoint",
        "Taliban fighters attacked an Afghan army checkpoint in Kunduz province overnight, "
        "killing at least 14 soldiers, officials said.",
    ) == ["taliban_attacks"]


def test_doha_airline_news_is_no_theme() -> None:
    assert (
        themes_of(
            "Qatar Airways launches new flights from Doha",
            "The airline will fly three times a week from Doha to Lisbon from March.",
        )
        == []
    )


@pytest.mark.parametrize(
    "text",
    [
        "Islamic State claims attack on Taliban checkpoint in Nangarhar",
        "Pakistani Taliban attack police post in Khyber Pakhtunkhwa",
        "US airstrikes on Taliban positions kill 20 fighters in Helmand province",
        "Iran and US complete prisoner swap in Oman",
        "Former Taliban commander dies of heart attack",
        "Book review: a novel of the Taliban offensive and the Doha deal",
    ],
)
def test_look_alikes_are_not_themes(text: str) -> None:
    assert themes_of(text) == []


def test_prisoner_release_needs_afghan_context() -> None:
    assert themes_of("Kabul releases 400 Taliban prisoners") == ["prisoner_release"]
    assert themes_of("Kyiv releases 400 prisoners") == []


@pytest.mark.parametrize(
    ("language", "title", "expected"),
    [
        ("fa", "دولت ۲۰۰ زندانی طالبان را آزاد کرد", ["prisoner_release"]),
        ("ps", "طالبانو پر امنیتي پوستو برید وکړ", ["taliban_attacks"]),
        ("ar", "طالبان تتهم واشنطن بانتهاك اتفاق الدوحة", ["doha_agreement"]),
        ("ur", "طالبان کا چیک پوسٹ پر حملہ", ["taliban_attacks"]),
        ("ru", "Талибы освободили пленных афганских военных", ["prisoner_release"]),
        ("fr", "Les talibans accusent Washington de violer l'accord de Doha", ["doha_agreement"]),
    ],
)
def test_bundled_themes_in_other_languages(language: str, title: str, expected: list[str]) -> None:
    assert themes_of(title, language=language) == expected


def test_evidence_locates_every_term_and_adds_up() -> None:
    title = "Taliban ambush kills six Afghan police officers"
    (found,) = match(THEMES, title, "")
    assert found.theme == "taliban_attacks"
    assert found.score == pytest.approx(sum(item.weight for item in found.evidence))
    assert found.score >= (found.threshold or 0)
    for item in found.evidence:
        assert title[item.start : item.end] == item.text
        assert item.field == "title"
    assert {"taliban", "ambush*"} <= {item.term for item in found.evidence}


def test_explain_says_why_a_theme_did_not_fire() -> None:
    title = "Islamic State claims attack on Taliban checkpoint"
    decisions = {decision.theme: decision for decision in explain(THEMES, title, "")}
    attacks = decisions["taliban_attacks"]
    assert not attacks.fired
    assert attacks.vetoed_by is not None
    assert attacks.vetoed_by.rule == "islamic_state"
    assert "vetoed by exclusion 'islamic_state'" in attacks.reason()
    text = format_decisions(list(decisions.values()), title, "")
    assert "taliban_attacks: no match" in text


def test_explain_shows_evidence_in_context() -> None:
    title = "Taliban fighters attack Afghan army checkpoint"
    text = format_decisions(explain(THEMES, title, ""), title, "")
    assert "taliban_attacks: MATCH" in text
    assert "[checkpoint]" in text


def test_match_accepts_a_subset_of_compiled_themes() -> None:
    (attacks,) = [theme for theme in THEMES if theme.theme.name == "taliban_attacks"]
    assert [m.theme for m in match((attacks,), "Taliban attack Afghan army checkpoint", "")] == [
        "taliban_attacks"
    ]


def scored(theme_set: ThemeSet, title: str, summary: str = "") -> tuple[float, list[str]]:
    """The score of theme ``t`` and the terms it counted."""
    (found,) = match(compile_themes(theme_set), title, summary)
    return found.score, [item.term for item in found.evidence]


def test_one_span_found_by_two_lists_counts_once() -> None:
    """English text without a language: 'Taliban' is the 'any' term and the French stem."""
    theme_set = rules({"name": "actor", "terms": {"any": ["taliban"], "fr": ["taliban*"]}})
    assert scored(theme_set, "Taliban attack kills 5 in Kabul") == (1, ["taliban"])


def test_overlapping_hits_of_one_group_count_once_the_strongest() -> None:
    theme_set = rules(
        {
            "name": "accord",
            "terms": [
                {"term": "agreement", "weight": 1},
                {"term": "peace agreement", "weight": 2},
                {"term": "doha peace agreement", "weight": 3},
            ],
        }
    )
    assert scored(theme_set, "The Doha peace agreement") == (3, ["doha peace agreement"])
    assert scored(theme_set, "The Doha peace agreement", "A peace agreement, an agreement") == (
        6,
        ["doha peace agreement", "peace agreement", "agreement"],
    )


def test_a_term_displaced_at_one_place_counts_at_another() -> None:
    theme_set = rules(
        {"name": "actor", "terms": ["taliban", {"term": "taliban fighters", "weight": 2}]}
    )
    assert scored(theme_set, "Taliban fighters", "the Taliban said") == (
        3,
        ["taliban fighters", "taliban"],
    )


def test_overlapping_hits_of_different_groups_each_count() -> None:
    """An actor-action phrase is evidence of its own beside the actor and the action."""
    theme_set = rules(
        {"name": "actor", "terms": ["taliban"]},
        {"name": "act", "terms": ["attack*"]},
        {"name": "agency", "terms": ["taliban attack*"]},
    )
    assert scored(theme_set, "Taliban attack") == (3, ["taliban", "taliban attack*", "attack*"])


def test_the_bundled_themes_count_taliban_once_without_a_language() -> None:
    (found,) = match(THEMES, "Taliban attack kills 5 in Kabul", "")
    spans = [(item.rule, item.start, item.end) for item in found.evidence]
    assert len(spans) == len(set(spans))
    # taliban 1 + "taliban attack*" 1 + attack* 1 + kill* 1 (a violence verb) + Kabul 0.5
    assert found.score == 4.5


def test_explain_shows_a_hit_counted_once() -> None:
    title = "Taliban attack Kunduz checkpoint"
    (attacks,) = [d for d in explain(THEMES, title, "") if d.theme == "taliban_attacks"]
    (overlap,) = attacks.overlapped
    assert (overlap.hit.term, overlap.hit.language, overlap.counted.term) == (
        "taliban*",
        "fr",
        "taliban",
    )
    assert "counted once 'taliban*' [perpetrator, fr] title 0-7: overlaps 'taliban'" in (
        format_decisions([attacks], title, "")
    )
