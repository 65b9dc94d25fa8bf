"""The vocabulary of the figure grammar (``figures``): what a number counts and how.

Lower-case English word lists: attack, casualty, release, prisoner, troop and people nouns;
units that make a number not a count ("5 days"); months; the words that end a noun phrase or a
window; number words and vague quantities with their values; qualifiers before a number. The
cue words (``CUE_WORDS``) are keywords of the gazetteer's automaton, so that only a field that
has one is read for figures.
"""

from typing import Final

from newswatch_schemas import FigureQualifier


def _words_of(text: str) -> list[str]:
    return text.split()


def _set(words: str) -> frozenset[str]:
    return frozenset(_words_of(words))


ATTACK_NOUNS: Final = _set(
    "attack attacks assault assaults ambush ambushes bombing bombings raid raids airstrike "
    "airstrikes strike strikes"
)
KILLED_WORDS: Final = _set(
    "killed kill kills killing dead died die dies death deaths fatalities slain lives martyred "
    "toll executed"
)
WOUNDED_WORDS: Final = _set(
    "wounded wounding wound wounds injured injuring injure injures injuries hurt"
)
RELEASE_WORDS: Final = _set(
    "released release releases releasing freed free frees freeing swap swapped exchange "
    "exchanged pardoned"
)
PRISONER_NOUNS: Final = _set(
    "prisoner prisoners detainee detainees inmate inmates captive captives hostage hostages"
)
TROOP_NOUNS: Final = _set(
    "troop troops soldier soldiers forces force personnel servicemen servicemembers service "
    "marines commandos paratroopers"
)
PEOPLE_NOUNS: Final = _set(
    "people persons civilians children women men boys girls fighters militants insurgents "
    "members policemen police officers guards recruits rebels taliban talibans afghans "
    "americans workers students worshippers worshipers passengers staff employees officials "
    "individuals others attackers gunmen pilgrims villagers residents farmers relatives "
    "commanders guerrillas jihadists bodyguards"
)
UNIT_NOUNS: Final = _set(
    "day days week weeks month months year years hour hours minute minutes second seconds km "
    "kilometres kilometers kilometre kilometer mile miles metres meters times district "
    "districts provinces villages houses vehicles cars dollars afghanis rupees euros pounds "
    "points tonnes tons kg votes seats cases doses tests percent per pc pct percentage am pm "
    "gmt utc"
)
MONTHS: Final = _set(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
NP_STOPS: Final = _set(
    "were was are is have has had been be being in on at by from after during since when while "
    "to for with into across near than because but who that which as said say says according"
)
POST_STOPS: Final = _set("to after before when while as but because said says according")
PERCENT_WORDS: Final = _set("percent pc pct percentage")
PARTICLE_VERBS: Final = _set(
    "hand hands handed handing take takes took taken taking turn turns turned turning win won"
)
"""Verbs whose "over" is a particle ("hand over 22 commandos"), not "more than"."""
NOT_ONE: Final = _set("no any every each the this that which last another")
UNITS: Final = dict(
    zip(
        _words_of(
            "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
            "fifteen sixteen seventeen eighteen nineteen"
        ),
        range(1, 20),
        strict=True,
    )
)
TENS: Final = dict(
    zip(
        _words_of("twenty thirty forty fifty sixty seventy eighty ninety"),
        range(20, 100, 10),
        strict=True,
    )
)
SCALES: Final = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
VAGUE: Final = {"dozens": 24, "scores": 40, "hundreds": 200, "thousands": 2_000, "tens": 20}
NUMBER_WORDS: Final = frozenset({*UNITS, *TENS, "hundred", *SCALES, "dozen", *VAGUE})
NUMBER_STARTS: Final = frozenset({*UNITS, *TENS, *VAGUE, "a", "an"})
QUALIFIERS: Final = {
    ("more", "than"): FigureQualifier.MORE_THAN,
    ("over",): FigureQualifier.MORE_THAN,
    ("upwards", "of"): FigureQualifier.MORE_THAN,
    ("in", "excess", "of"): FigureQualifier.MORE_THAN,
    ("above",): FigureQualifier.MORE_THAN,
    ("at", "least"): FigureQualifier.AT_LEAST,
    ("no", "fewer", "than"): FigureQualifier.AT_LEAST,
    ("no", "less", "than"): FigureQualifier.AT_LEAST,
    ("a", "minimum", "of"): FigureQualifier.AT_LEAST,
    ("about",): FigureQualifier.ABOUT,
    ("around",): FigureQualifier.ABOUT,
    ("some",): FigureQualifier.ABOUT,
    ("roughly",): FigureQualifier.ABOUT,
    ("approximately",): FigureQualifier.ABOUT,
    ("estimated",): FigureQualifier.ABOUT,
    ("an", "estimated"): FigureQualifier.ABOUT,
    ("up", "to"): FigureQualifier.UP_TO,
    ("as", "many", "as"): FigureQualifier.UP_TO,
    ("nearly",): FigureQualifier.UP_TO,
    ("almost",): FigureQualifier.UP_TO,
    ("close", "to"): FigureQualifier.UP_TO,
    ("fewer", "than"): FigureQualifier.UP_TO,
    ("less", "than"): FigureQualifier.UP_TO,
    ("under",): FigureQualifier.UP_TO,
    ("no", "more", "than"): FigureQualifier.UP_TO,
    ("at", "most"): FigureQualifier.UP_TO,
}
CUE_WORDS: Final = (
    ATTACK_NOUNS | KILLED_WORDS | WOUNDED_WORDS | RELEASE_WORDS | PRISONER_NOUNS | TROOP_NOUNS
)
"""Words whose presence in a field (at the start of a word) makes figures worth looking for."""
