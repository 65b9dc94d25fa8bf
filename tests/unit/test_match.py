"""The rule-based matcher on the bundled themes and on small hand-written rules."""

import pytest

from newswatch.match import compile_themes, match, term_pattern
from newswatch.themes import ThemeSet, load_themes

_, BUNDLED = load_themes(None)
THEMES = compile_themes(BUNDLED)


def themes_of(title: str, summary: str = "") -> list[str]:
    return [found.theme for found in match(THEMES, title, summary)]


@pytest.mark.parametrize(
    ("text", "term", "hit"),
    [
        ("US–Taliban deal", "us-taliban deal", "US–Taliban deal"),
        ("the US Taliban deal", "us-taliban deal", "US Taliban deal"),
        ("five prisoners freed", "prisoner", "prisoners"),
        ("the Taliban’s claim", "taliban", "Taliban’s"),
        ("two ambushes", "ambush", "ambushes"),
        ("released 5,000 men", "5,000", "5,000"),
    ],
)
def test_term_pattern_matches_forms(text: str, term: str, hit: str) -> None:
    found = term_pattern(term).search(text)
    assert found is not None
    assert found.group() == hit


@pytest.mark.parametrize(
    ("text", "term"),
    [("the Talibanisation", "taliban"), ("a counterattack", "attack"), ("15,0001", "5,000")],
)
def test_term_pattern_respects_word_boundaries(text: str, term: str) -> None:
    assert term_pattern(term).search(text) is None


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
    ],
)
def test_look_alikes_are_not_themes(text: str) -> None:
    assert themes_of(text) == []


def test_prisoner_release_needs_afghan_context() -> None:
    assert themes_of("Kabul releases 400 Taliban prisoners") == ["prisoner_release"]


def test_evidence_locates_every_term_and_adds_up() -> None:
    title = "Taliban ambush kills six Afghan police officers"
    (found,) = match(THEMES, title, "")
    assert found.theme == "taliban_attacks"
    assert found.score == pytest.approx(sum(item.weight for item in found.evidence))
    for item in found.evidence:
        assert title[item.start : item.end] == item.text
        assert item.field == "title"
    assert {"taliban", "ambush"} <= {item.term for item in found.evidence}


def test_required_group_threshold_and_exclusion() -> None:
    rules = ThemeSet.model_validate(
        {
            "themes": [
                {
                    "name": "t",
                    "threshold": 2,
                    "groups": [
                        {"name": "a", "required": True, "terms": ["alpha"]},
                        {"name": "b", "terms": [{"term": "beta", "weight": 0.5}, "gamma"]},
                    ],
                    "exclude": ["omega"],
                }
            ]
        }
    )
    compiled = compile_themes(rules)
    assert match(compiled, "alpha beta", "") == []  # 1.5 < threshold
    assert [m.score for m in match(compiled, "alpha", "gamma beta")] == [2.5]
    assert match(compiled, "gamma beta gamma", "") == []  # required group missing
    assert match(compiled, "alpha gamma", "omega") == []  # excluded
