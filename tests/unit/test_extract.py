"""Fact extraction: figures, actors and places, on hand-written items in several languages."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newswatch.analysis.evaluate import BUNDLED_SET
from newswatch.analysis.facts.extract import Facts, extract
from newswatch.analysis.facts.gazetteer import compile_gazetteer
from newswatch.analysis.text import fold
from newswatch.common.errors import ConfigError
from newswatch_schemas import (
    Actor,
    Figure,
    FigureKind,
    FigureQualifier,
    NewsItem,
    Place,
    PlaceKind,
    TextField,
)

GAZETTEER = compile_gazetteer()


def figures(text: str) -> list[tuple[str, int, str, str]]:
    """(kind, value, qualifier, text) of every figure found in ``text`` as a title."""
    return [
        (found.kind.value, found.value, found.qualifier.value, found.text)
        for found in extract(GAZETTEER, text, "").figures
    ]


def actors(text: str) -> dict[str, list[str]]:
    """Actor id → the texts of its mentions, for ``text`` as a title."""
    return {
        actor.id: [mention.text for mention in actor.mentions]
        for actor in extract(GAZETTEER, text, "").actors
    }


def places(text: str) -> dict[str, tuple[str, str, list[str]]]:
    """Place id → (kind, ISO code, mention texts), for ``text`` as a title."""
    return {
        place.id: (place.kind.value, place.iso_3166_2, [mention.text for mention in place.mentions])
        for place in extract(GAZETTEER, text, "").places
    }


def assert_spans_point_into_fields(facts: Facts, title: str, summary: str) -> None:
    fields = {TextField.TITLE: title, TextField.SUMMARY: summary}
    spans = [(item.field, item.start, item.end, item.text) for item in facts.figures]
    named_facts: tuple[Actor | Place, ...] = (*facts.actors, *facts.places)
    for named in named_facts:
        spans += [(m.field, m.start, m.end, m.text) for m in named.mentions]
    for field, start, end, text in spans:
        assert fields[field][start:end] == text


# ---------------------------------------------------------------------------- figures


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Taliban free 500 prisoners", ("prisoners_released", 500, "exact", "500")),
        ("At least 14 soldiers were killed", ("killed", 14, "at_least", "At least 14")),
        ("a raid that killed no fewer than 6 people", ("killed", 6, "at_least", "no fewer than 6")),
        ("more than 4,500 attacks since March", ("attacks", 4500, "more_than", "more than 4,500")),
        ("over 300 civilians were wounded", ("wounded", 300, "more_than", "over 300")),
        ("about 1,000 detainees were freed", ("prisoners_released", 1000, "about", "about 1,000")),
        ("some 12,000 US troops remain", ("troops", 12000, "about", "some 12,000")),
        ("an estimated 40 fighters died", ("killed", 40, "about", "an estimated 40")),
        (
            "up to 5,000 prisoners will be released",
            ("prisoners_released", 5000, "up_to", "up to 5,000"),
        ),
        ("nearly 1,000 prisoners are held", ("prisoners", 1000, "up_to", "nearly 1,000")),
        ("as many as 30 policemen were killed", ("killed", 30, "up_to", "as many as 30")),
        ("dozens of people were wounded", ("wounded", 24, "vague", "dozens")),
        ("between 10 and 15 people were killed", ("killed", 10, "at_least", "between 10 and 15")),
        ("10-15 soldiers killed", ("killed", 10, "at_least", "10-15")),
    ],
)
def test_every_qualifier(text: str, expected: tuple[str, int, str, str]) -> None:
    assert figures(text) == [expected]


@pytest.mark.parametrize(
    ("text", "value", "qualifier"),
    [
        ("five soldiers were killed", 5, "exact"),
        ("twenty-two soldiers were killed", 22, "exact"),
        ("twenty two soldiers were killed", 22, "exact"),
        ("two hundred and fifty soldiers were killed", 250, "exact"),
        ("five thousand soldiers were killed", 5000, "exact"),
        ("a hundred soldiers were killed", 100, "exact"),
        ("a dozen soldiers were killed", 12, "about"),
        ("two dozen soldiers were killed", 24, "about"),
        ("1.5 million soldiers were killed", 1_500_000, "exact"),
        ("Dozens of soldiers were killed", 24, "vague"),
        ("scores of soldiers were killed", 40, "vague"),
        ("hundreds of soldiers were killed", 200, "vague"),
        ("thousands of soldiers were killed", 2000, "vague"),
        ("tens of thousands of soldiers were killed", 20000, "vague"),
        ("hundreds of thousands of soldiers were killed", 200_000, "vague"),
        ("more than a dozen soldiers were killed", 12, "more_than"),
    ],
)
def test_number_words_and_vague_quantities(text: str, value: int, qualifier: str) -> None:
    [(kind, found, how, _)] = figures(text)
    assert (kind, found, how) == ("killed", value, qualifier)


@pytest.mark.parametrize(
    "text",
    [
        "Attacks rose 70% on the year",
        "Attacks dropped 54.7% to a new low",
        "the Taliban said attacks fell 54.2 percent",
        "violence rose five per cent in attacks",
        "In 2020 the attacks went on",
        "attacks since 2019 have grown",
        "attacks between March 1 and April 15",
        "prisoners were to be freed on 10 March",
        "Covid-19 prisoners were released",
        "$5 million for released prisoners",
        "the 10th attack",
        "a 5-year-old was killed",
        "attacks lasted 3 days",
        "attacks in 3 districts",
        "no one was hurt in the attack",
        "the release of 5,000",
        "killed at 10:30 in the morning",
        "1,659 civilians killed or wounded",
        "dozens dead and injured",
    ],
)
def test_not_counts(text: str) -> None:
    assert figures(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a casualty word beats the troop noun it qualifies
        ("14 soldiers were killed", [("killed", 14)]),
        ("Taliban killed 14 soldiers", [("killed", 14)]),
        ("14 soldiers were wounded in Helmand", [("wounded", 14)]),
        ("an attack leaves 14 dead", [("killed", 14)]),
        ("five killed and 12 wounded", [("killed", 5), ("wounded", 12)]),
        ("killing 14 soldiers and wounding 20", [("killed", 14), ("wounded", 20)]),
        ("the death toll rose to 30", [("killed", 30)]),
        ("the attack claimed 14 lives", [("killed", 14)]),
        # an attack noun beats the casualty word
        ("Two attacks killed 14 soldiers", [("attacks", 2), ("killed", 14)]),
        ("14 people were killed in 3 attacks", [("killed", 14), ("attacks", 3)]),
        # releases need a released person or prisoner
        ("the release of 5,000 Taliban prisoners", [("prisoners_released", 5000)]),
        ("1,500 prisoners have been released", [("prisoners_released", 1500)]),
        ("the Taliban freed 20 Afghan soldiers", [("prisoners_released", 20)]),
        ("Kabul freed 100 Taliban", [("prisoners_released", 100)]),
        ("1,000 freed prisoners", [("prisoners_released", 1000)]),
        ("1,000 government personnel to be freed", [("prisoners_released", 1000)]),
        # held prisoners and troop levels
        ("the group holds 1,000 prisoners", [("prisoners", 1000)]),
        ("5,000 Taliban’s combat and political prisoners", [("prisoners", 5000)]),
        ("12,000 US troops are deployed", [("troops", 12000)]),
        ("the US will cut its troops to 8,600", [("troops", 8600)]),
        ("500 soldiers arrived", [("troops", 500)]),
        ("1,000 troops to protect civilians killed last year", [("troops", 1000)]),
        # no cue, or a cue in another clause
        ("520 a year earlier", []),
        ("14 soldiers were deployed. Others were killed", [("troops", 14)]),
        ("they were killed, 5,000 prisoners remain", [("prisoners", 5000)]),
    ],
)
def test_what_a_number_counts(text: str, expected: list[tuple[str, int]]) -> None:
    assert [(kind, value) for kind, value, _, _ in figures(text)] == expected


def test_over_after_a_particle_verb_is_no_qualifier() -> None:
    assert figures("Taliban hand over 22 commandos") == [("troops", 22, "exact", "22")]
    assert figures("the Taliban took over 14 districts") == []


def test_figures_carry_field_span_and_cue() -> None:
    title = "Taliban attacks surge"
    summary = "Officials said more than 900 Afghan forces were killed."
    facts = extract(GAZETTEER, title, summary)
    assert facts.figures == (
        Figure(
            kind=FigureKind.KILLED,
            value=900,
            qualifier=FigureQualifier.MORE_THAN,
            text="more than 900",
            field=TextField.SUMMARY,
            start=15,
            end=28,
            cue="killed",
        ),
    )


def test_figures_in_title_and_summary_are_both_reported() -> None:
    facts = extract(GAZETTEER, "14 soldiers killed", "At least 14 soldiers were killed.")
    assert [(f.field, f.value, f.qualifier) for f in facts.figures] == [
        (TextField.TITLE, 14, FigureQualifier.EXACT),
        (TextField.SUMMARY, 14, FigureQualifier.AT_LEAST),
    ]


def test_a_number_far_from_any_cue_is_not_read() -> None:
    filler = "The ministry said the new hospital would open next year. " * 4
    assert figures(f"14 soldiers were killed. {filler} 14 more arrived") == [
        ("killed", 14, "exact", "14")
    ]


# ---------------------------------------------------------------------------- actors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Taliban fighters attack", {"taliban": ["Taliban"]}),
        ("The Taliban’s spokesman", {"taliban": ["Taliban’s"]}),
        ("حمله طالبان", {"taliban": ["طالبان"]}),
        ("وطالبان تعلن", {"taliban": ["وطالبان"]}),
        ("Талибы и Талибана", {"taliban": ["Талибы", "Талибана"]}),
        ("Les talibans", {"taliban": ["talibans"]}),
        (
            "US envoy Zalmay Khalilzad",
            {"us_government": ["US"], "person:zalmay_khalilzad": ["Zalmay Khalilzad"]},
        ),
        ("زلمی خلیل‌زاد", {"person:zalmay_khalilzad": ["زلمی خلیل‌زاد"]}),
        ("زلماي خليل زاد", {"person:zalmay_khalilzad": ["زلماي خليل زاد"]}),
        ("встреча с Залмаем Халилзадом", {"person:zalmay_khalilzad": ["Залмаем Халилзадом"]}),
        ("ملا عبدالغنی برادر", {"person:abdul_ghani_baradar": ["ملا عبدالغنی برادر"]}),
        ("мулла Барадар", {"person:abdul_ghani_baradar": ["мулла Барадар"]}),
        ("ذبیح اللہ مجاہد نے کہا", {"person:zabihullah_mujahid": ["ذبیح اللہ مجاہد"]}),
        ("Suhail Shaheen said", {"person:suhail_shaheen": ["Suhail Shaheen"]}),
        ("Haibatullah Akhundzada", {"person:hibatullah_akhundzada": ["Haibatullah Akhundzada"]}),
        ("اشرف غنی", {"person:ashraf_ghani": ["اشرف غنی"]}),
        ("Abdullah Abdullah", {"person:abdullah_abdullah": ["Abdullah Abdullah"]}),
        ("Mike Pompeo", {"person:mike_pompeo": ["Mike Pompeo"]}),
        ("Col. Sonny Leggett", {"person:sonny_leggett": ["Sonny Leggett"]}),
        ("Jonathan Hoffman", {"person:jonathan_hoffman": ["Jonathan Hoffman"]}),
        ("John F. Sopko of SIGAR", {"person:john_sopko": ["John F. Sopko"], "sigar": ["SIGAR"]}),
        (
            "ANDSF and the Afghan National Army",
            {"afghan_forces": ["ANDSF", "Afghan National Army"]},
        ),
        ("د کندز ولایت کې افغان ځواکونو", {"afghan_forces": ["افغان ځواکونو"]}),
        ("les forces afghanes", {"afghan_forces": ["forces afghanes"]}),
        ("القوات الأمريكية", {"us_forces": ["القوات الأمريكية"]}),
        ("NATO and Resolute Support", {"nato": ["NATO", "Resolute Support"]}),
        ("بالناتو", {"nato": ["بالناتو"]}),
    ],
)
def test_actors_in_several_languages(text: str, expected: dict[str, list[str]]) -> None:
    assert actors(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the longest name wins
        (
            "Abdul Ghani Baradar met Ashraf Ghani",
            {
                "person:abdul_ghani_baradar": ["Abdul Ghani Baradar"],
                "person:ashraf_ghani": ["Ashraf Ghani"],
            },
        ),
        ("Pakistani Taliban claim attack", {"ttp": ["Pakistani Taliban"]}),
        ("US forces leave", {"us_forces": ["US forces"]}),
        ("Trump administration", {"us_government": ["Trump administration"]}),
        # acronyms must be written as acronyms
        ("the US-Taliban deal", {"us_government": ["US"], "taliban": ["Taliban"]}),
        ("he told us the Taliban", {"taliban": ["Taliban"]}),
        ("Ana was there", {}),
        # a name that counts only before certain words
        ("Kabul said it would free prisoners", {"afghan_government": ["Kabul"]}),
        ("Washington wants a ceasefire", {"us_government": ["Washington"]}),
        ("Washington state", {}),
        ("the Washington Post said", {}),
        ("Кабул заявил", {"afghan_government": ["Кабул"]}),
        # Russian proper nouns are not cut down to a common word
        ("пакт и Гана", {}),
        # names are looked for in every language: no name is a common word of another
        ("برادر من", {}),
    ],
)
def test_actor_ambiguity(text: str, expected: dict[str, list[str]]) -> None:
    assert actors(text) == expected


def test_actor_fields() -> None:
    [actor] = extract(GAZETTEER, "", "Zabihullah Mujahid said").actors
    assert (actor.id, actor.name, actor.kind.value, actor.affiliation) == (
        "person:zabihullah_mujahid",
        "Zabihullah Mujahid",
        "person",
        "taliban",
    )
    assert [(m.field, m.start, m.end) for m in actor.mentions] == [(TextField.SUMMARY, 0, 18)]


def test_mentions_of_one_actor_are_gathered_title_first() -> None:
    facts = extract(GAZETTEER, "Taliban attack", "The Taliban said. طالبان گفتند")
    [actor] = facts.actors
    assert [(m.field, m.text) for m in actor.mentions] == [
        (TextField.TITLE, "Taliban"),
        (TextField.SUMMARY, "Taliban"),
        (TextField.SUMMARY, "طالبان"),
    ]


# ---------------------------------------------------------------------------- places

ISO_3166_2_AF = {
    "AF-BAL": "Balkh", "AF-BAM": "Bamyan", "AF-BDG": "Badghis", "AF-BDS": "Badakhshan",
    "AF-BGL": "Baghlan", "AF-DAY": "Daykundi", "AF-FRA": "Farah", "AF-FYB": "Faryab",
    "AF-GHA": "Ghazni", "AF-GHO": "Ghor", "AF-HEL": "Helmand", "AF-HER": "Herat",
    "AF-JOW": "Jowzjan", "AF-KAB": "Kabul", "AF-KAN": "Kandahar", "AF-KAP": "Kapisa",
    "AF-KDZ": "Kunduz", "AF-KHO": "Khost", "AF-KNR": "Kunar", "AF-LAG": "Laghman",
    "AF-LOG": "Logar", "AF-NAN": "Nangarhar", "AF-NIM": "Nimroz", "AF-NUR": "Nuristan",
    "AF-PAN": "Panjshir", "AF-PAR": "Parwan", "AF-PIA": "Paktia", "AF-PKA": "Paktika",
    "AF-SAM": "Samangan", "AF-SAR": "Sar-e Pul", "AF-TAK": "Takhar", "AF-URU": "Uruzgan",
    "AF-WAR": "Wardak", "AF-ZAB": "Zabul",
}  # fmt: skip
"""ISO 3166-2:AF (the codes since 2014: AF-LOG, not AF-LOW; AF-URU, not AF-ORU)."""


def test_the_34_provinces_have_their_iso_codes() -> None:
    provinces = {
        place.iso_3166_2: place.name
        for place in GAZETTEER.places
        if place.kind is PlaceKind.PROVINCE
    }
    assert provinces == ISO_3166_2_AF
    for code, name in ISO_3166_2_AF.items():
        [(kind, found, _)] = places(f"fighting in {name} province").values()
        assert (kind, found) == ("province", code)


def test_every_city_lies_in_a_province() -> None:
    cities = [place for place in GAZETTEER.places if place.kind is PlaceKind.CITY]
    assert len(cities) >= 30
    assert all(city.iso_3166_2 in ISO_3166_2_AF for city in cities)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Kunduz", {"city:kunduz": ("city", "AF-KDZ", ["Kunduz"])}),
        ("Kondoz", {"city:kunduz": ("city", "AF-KDZ", ["Kondoz"])}),
        ("کندز", {"city:kunduz": ("city", "AF-KDZ", ["کندز"])}),
        ("Kunduz province", {"province:kunduz": ("province", "AF-KDZ", ["Kunduz"])}),
        ("the province of Kunduz", {"province:kunduz": ("province", "AF-KDZ", ["Kunduz"])}),
        ("Kunduz city", {"city:kunduz": ("city", "AF-KDZ", ["Kunduz"])}),
        ("the Kunduz provincial capital", {"city:kunduz": ("city", "AF-KDZ", ["Kunduz"])}),
        ("ولایت کندز", {"province:kunduz": ("province", "AF-KDZ", ["کندز"])}),
        ("شهر کندز", {"city:kunduz": ("city", "AF-KDZ", ["کندز"])}),
        ("د کندز ولایت", {"province:kunduz": ("province", "AF-KDZ", ["کندز"])}),
        ("بولاية قندوز", {"province:kunduz": ("province", "AF-KDZ", ["قندوز"])}),
        ("в провинции Кундуз", {"province:kunduz": ("province", "AF-KDZ", ["Кундуз"])}),
        ("в Кабуле", {"city:kabul": ("city", "AF-KAB", ["Кабуле"])}),
        ("la province de Kunduz", {"province:kunduz": ("province", "AF-KDZ", ["Kunduz"])}),
        ("à Kaboul", {"city:kabul": ("city", "AF-KAB", ["Kaboul"])}),
        ("Kabul's streets", {"city:kabul": ("city", "AF-KAB", ["Kabul's"])}),
        ("صوبہ ہلمند", {"province:helmand": ("province", "AF-HEL", ["ہلمند"])}),
        ("قندھار میں", {"city:kandahar": ("city", "AF-KAN", ["قندھار"])}),
        ("مدينة قندهار", {"city:kandahar": ("city", "AF-KAN", ["قندهار"])}),
        ("Helmand", {"province:helmand": ("province", "AF-HEL", ["Helmand"])}),
        ("Lashkar Gah", {"city:lashkar_gah": ("city", "AF-HEL", ["Lashkar Gah"])}),
        ("Jalalabad", {"city:jalalabad": ("city", "AF-NAN", ["Jalalabad"])}),
        ("جلال‌آباد", {"city:jalalabad": ("city", "AF-NAN", ["جلال‌آباد"])}),
        (
            "Mazar-i-Sharif, Mazar-e-Sharif",
            {"city:mazar_i_sharif": ("city", "AF-BAL", ["Mazar-i-Sharif", "Mazar-e-Sharif"])},
        ),
        ("مزار شریف", {"city:mazar_i_sharif": ("city", "AF-BAL", ["مزار شریف"])}),
        ("Мазари-Шарифе", {"city:mazar_i_sharif": ("city", "AF-BAL", ["Мазари-Шарифе"])}),
        (
            "Paktia and Paktika",
            {
                "province:paktia": ("province", "AF-PIA", ["Paktia"]),
                "province:paktika": ("province", "AF-PKA", ["Paktika"]),
            },
        ),
        (
            "پکتیا و پکتیکا",
            {
                "province:paktia": ("province", "AF-PIA", ["پکتیا"]),
                "province:paktika": ("province", "AF-PKA", ["پکتیکا"]),
            },
        ),
        ("Пактии", {"province:paktia": ("province", "AF-PIA", ["Пактии"])}),
    ],
)
def test_places_in_several_languages(
    text: str, expected: dict[str, tuple[str, str, list[str]]]
) -> None:
    assert places(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "talks in Doha",
        "الدوحة",
        "Gorno-Badakhshan",
        "Kabul said it would free prisoners",
        "a pact",
        "the pakt",
        "Jalal-Abad in Kyrgyzstan",
        "سر پل",
        "پروانه",
    ],
)
def test_not_afghan_places(text: str) -> None:
    assert places(text) == {}


# ---------------------------------------------------------------------------- whole items


def test_a_paraphrase_of_the_seed_article() -> None:
    title = "Taliban violence tests the US-Taliban agreement signed in Doha"
    summary = (
        "From March 1 to April 15 the insurgents carried out more than 4,500 attacks, 70% more "
        "than in the same weeks of 2019, and killed more than 900 Afghan security forces, up "
        "from 520 a year earlier. The Taliban accuse Washington of holding up the release of "
        "5,000 prisoners promised in the February 29 deal. Pentagon spokesman Jonathan Hoffman "
        "called the violence unacceptably high; Col. Sonny Leggett sparred with Zabihullah "
        "Mujahid on Twitter, and John Sopko of SIGAR wrote to Congress."
    )
    facts = extract(GAZETTEER, title, summary)
    assert [(f.kind.value, f.value, f.qualifier.value, f.text, f.cue) for f in facts.figures] == [
        ("attacks", 4500, "more_than", "more than 4,500", "attacks"),
        ("killed", 900, "more_than", "more than 900", "killed"),
        ("prisoners_released", 5000, "exact", "5,000", "release"),
    ]
    assert [actor.id for actor in facts.actors] == [
        "taliban",
        "us_government",
        "afghan_forces",
        "person:jonathan_hoffman",
        "person:sonny_leggett",
        "person:zabihullah_mujahid",
        "person:john_sopko",
        "sigar",
    ]
    us_government = facts.actors[1]
    assert [m.text for m in us_government.mentions] == ["US", "Pentagon"]
    assert facts.places == ()
    assert_spans_point_into_fields(facts, title, summary)


def test_an_item_with_nothing_to_extract() -> None:
    assert (
        extract(GAZETTEER, "Rain expected", "Heavy rain is expected over the weekend.") == Facts()
    )


def test_pre_folded_fields_give_the_same_facts() -> None:
    title = "Taliban kill 14 soldiers in Kunduz"
    summary = "Kabul said the attack killed at least 14 Afghan soldiers; ولایت کندز"
    assert extract(GAZETTEER, fold(title), fold(summary)) == extract(GAZETTEER, title, summary)


def test_spans_point_into_the_original_text_of_the_labelled_set() -> None:
    labelled = [json.loads(line) for line in BUNDLED_SET.read_text(encoding="utf-8").splitlines()]
    found = 0
    for item in labelled:
        facts = extract(GAZETTEER, item["title"], item["summary"])
        assert_spans_point_into_fields(facts, item["title"], item["summary"])
        found += len(facts.figures) + len(facts.actors) + len(facts.places)
    assert found > len(labelled)


_VOCABULARY = (
    "5,000 4,500 1.5 70% 2020 10-15 10–15 - – to and between from one twenty-two a dozen dozens "
    "of thousands hundred scores killed wounded or freed release prisoners troops soldiers "
    "attacks more than at least over hand up nearly $ Covid-19 March : Kabul said US us "
    "Taliban’s U.S. . , ( ) 's ’ Abdul Ghani طالبان ولایت کندز ١٢٣ Кабуле Mazar-e-Sharif "
    "\u200c é ـ"
)
_PIECES = st.sampled_from(_VOCABULARY.split())
_TEXTS = st.lists(_PIECES, max_size=30).map(" ".join) | st.text(max_size=80)


@settings(max_examples=300, deadline=None)
@given(_TEXTS, _TEXTS)
def test_extract_never_fails_and_every_span_points_into_its_field(title: str, summary: str) -> None:
    facts = extract(GAZETTEER, title, summary)
    assert_spans_point_into_fields(facts, title, summary)


def test_facts_fill_a_news_item_and_old_items_still_parse() -> None:
    title, summary = "Taliban free 500 prisoners in Kunduz", ""
    facts = extract(GAZETTEER, title, summary)
    base = {
        "id": "0" * 32,
        "url": "http://news.test/a",
        "title": title,
        "summary": summary,
        "published_at": "2020-05-04T05:30:00Z",
        "published_at_estimated": False,
        "fetched_at": "2020-05-04T05:30:00Z",
        "language": "en",
        "source": {"feed_url": "http://news.test/rss", "name": "news"},
        "authors": [],
        "tags": [],
        "themes": [],
    }
    old = NewsItem.model_validate(base)
    assert (old.figures, old.actors, old.places) == ([], [], [])
    item = NewsItem.model_validate(
        {
            **base,
            "figures": [f.model_dump() for f in facts.figures],
            "actors": [a.model_dump() for a in facts.actors],
            "places": [p.model_dump() for p in facts.places],
        }
    )
    again = NewsItem.model_validate_json(item.model_dump_json())
    assert again == item
    assert [p.iso_3166_2 for p in again.places] == ["AF-KDZ"]
    assert [f.kind for f in again.figures] == [FigureKind.PRISONERS_RELEASED]


# ---------------------------------------------------------------------------- gazetteer file


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gazetteer.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_small_gazetteer(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
actors:
  - id: blue
    name: Blue Party
    kind: group
    names: {en: [Blue Party, {name: BP, acronym: true}], fr: [parti bleu]}
provinces:
  - {name: North, iso_3166_2: XX-NO, names: {en: [North]}}
cities:
  - {name: Harbour, province: XX-NO, names: {any: [Harbour]}}
""",
    )
    gazetteer = compile_gazetteer(path)
    facts = extract(gazetteer, "BP and the parti bleu in Harbour", "bp in North")
    assert [(a.id, [m.text for m in a.mentions]) for a in facts.actors] == [
        ("blue", ["BP", "parti bleu"])
    ]
    assert [(p.id, p.iso_3166_2) for p in facts.places] == [
        ("city:harbour", "XX-NO"),
        ("province:north", "XX-NO"),
    ]


ACTOR = "actors:\n  - id: x\n    name: X\n"


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        (
            ACTOR + "    kind: army\n    names: {en: [X]}\n",
            4,
            "actors[0].kind",
            "Input should be",
        ),
        (
            "provinces:\n  - name: P\n    iso_3166_2: kunduz\n    names: {en: [P]}\n",
            3,
            "provinces[0].iso_3166_2",
            "should match pattern",
        ),
        (
            ACTOR + "    kind: group\n    names: {en: [kill*]}\n",
            5,
            "actors[0].names.en[0].name",
            "has no meaning in a name",
        ),
        (
            ACTOR + "    kind: group\n    names: {en: [X]}\n    colour: red\n",
            6,
            "actors[0].colour",
            "Extra inputs",
        ),
        (
            "cities:\n  - {name: C, province: AF-XXX, names: {en: [C]}}\n",
            1,
            "",
            "no province has code 'AF-XXX'",
        ),
        (
            "actors:\n  - {id: x, name: X, kind: person, affiliation: y, names: {en: [X]}}\n",
            1,
            "",
            "affiliation 'y' is not an actor id",
        ),
    ],
)
def test_invalid_gazetteer_files_are_located(
    tmp_path: Path, text: str, line: int, field: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as caught:
        compile_gazetteer(path)
    assert (caught.value.path, caught.value.line, caught.value.field) == (path, line, field)


def test_invalid_yaml_is_located(tmp_path: Path) -> None:
    path = write(tmp_path, "actors:\n  - id: [x\n")
    with pytest.raises(ConfigError, match="invalid YAML") as caught:
        compile_gazetteer(path)
    assert caught.value.line == 3
