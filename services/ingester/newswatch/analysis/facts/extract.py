"""Fact extraction: the figures, actors and Afghan places an item's title and summary name.

Pure logic: compile the gazetteer once with ``compile_gazetteer``, then call ``extract`` per
item. Every fact carries its field and the character span of its text in that field as given.

**Actors and places** come from the gazetteer (``defaults/gazetteer.yaml``, whose header
documents the format). Every name in every language is a key of one Aho-Corasick automaton over
normalised text (``textnorm.normalise``), like theme terms: the last word of a name takes the
endings of its language, the first word of an Arabic-script name its proclitics. Then:

- a name marked ``acronym`` counts only when written without lower-case letters ("US", not
  "us"); a name with ``followed_by`` only before one of those words ("Kabul said" is the
  Afghan government, and then not a place);
- overlapping names: the longest wins ("Abdul Ghani Baradar" is not Ashraf Ghani, "Pakistani
  Taliban" is not the Taliban); an ``ignore`` name wins and gives nothing ("Gorno-Badakhshan");
- a name that is both a province and a city (Kabul, Kunduz, Herat…) is the province when a
  province marker stands next to it ("Kunduz province", "ولایت کندز", "провинции Кундуз"),
  otherwise the city. Either way ``iso_3166_2`` is the province's code.

**Figures** are read from English text with a small grammar over word tokens of the original
text. Numbers are digits ("4,500", "5000", "1.5 million"), number words ("five",
"twenty-two", "two hundred", "a dozen") or vague quantities ("dozens" 24, "scores of" 40,
"hundreds" 200, "thousands" 2,000, "tens of thousands" 20,000: the value is a lower bound).
Not counts: percentages ("70%", "54.7 percent"), years (1900-2100 written without a separator,
unless the counted noun follows at once), numbers next to a month ("March 10"), numbers glued
to letters ("Covid-19", "10th", "5-year"), money ("$5"), decimals without "million", and
numbers followed by a unit ("5 days", "3 districts"). A qualifier just before the number sets
``qualifier``: "more than", "over" → more_than; "at least", "no fewer than" → at_least;
"about", "some", "around", "an estimated" → about; "up to", "nearly", "almost", "fewer than",
"as many as" → up_to (the value bounds the count from above); a range "10-15", "between 10 and
15" → the lower bound, at_least; vague quantities → vague; otherwise exact ("over" after "hand",
"take", "turn" or "win" is a particle: "hand over 22 commandos" is exact).

What is counted is decided within one clause (no window crosses a full stop, comma, semicolon,
colon, parenthesis, quotation mark or another number), from three windows around the number:
the noun phrase after it (at most four modifiers before its head noun), up to four words after
that phrase (stopping at "to" but not "to be", "after", "said"…), and up to three words before
the number and its qualifier. In order of precedence:

1. the head noun is an attack noun ("attacks", "ambushes", "raids", "bombings") → attacks;
2. a casualty word in any window, the nearest to the number ("killed", "dead", "killing",
   "death toll", "lives" → killed; "wounded", "injured", "wounding" → wounded): "14 soldiers
   were killed" and "killed 14 soldiers" are killed, not troops;
3. a release word in any window ("released", "freed", "release of", "swap") with a person,
   prisoner or soldier head noun → prisoners_released;
4. the head noun is a prisoner noun ("prisoners", "detainees", "inmates", "captives") →
   prisoners;
5. the head noun is a troop noun ("troops", "soldiers", "forces", "personnel"), or, with no head
   noun, one stands just before the number ("US troops to 8,600") → troops.

A casualty word and a release word compete on distance, casualty winning a tie. A number
"killed or wounded" ("dead and injured") counts both, which no kind says: it is left out.
``cue`` is the word that decided. The span is the number phrase with its qualifier ("more than
4,500").

The grammar only reads the stretches of a field around numbers that have a cue word (a word of
the lists above) within 100 characters of normalised text. The automaton pass that finds names
also finds the cue words; only a field with one is searched for numbers, so most items never
reach the grammar.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Final, NamedTuple, Protocol, cast

import ahocorasick
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from newswatch.analysis.text import NormalisedText, normal_words, normalise, parse_term, word_forms
from newswatch.analysis.themes.rules import Language
from newswatch.common.config_files import bundled_file, load_yaml_model
from newswatch_schemas import (
    Actor,
    ActorKind,
    Figure,
    FigureKind,
    FigureQualifier,
    Mention,
    Place,
    PlaceKind,
    TextField,
)

# ---------------------------------------------------------------------------- gazetteer file


class NameSpec(BaseModel):
    """One spelling of an actor's or a place's name, with the conditions for it to count."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    acronym: bool = False
    inflect: bool = True
    followed_by: list[str] | None = Field(None, min_length=1)

    @field_validator("name")
    @classmethod
    def _matchable(cls, value: str) -> str:
        if any(is_stem for _, is_stem in parse_term(value)):
            raise ValueError(f"'*' has no meaning in a name ({value!r})")
        return value


def _name_from_shorthand(value: object) -> object:
    """``- Kabul`` is shorthand for ``- {name: Kabul}``."""
    return {"name": value} if isinstance(value, str) else value


NameEntry = Annotated[NameSpec, BeforeValidator(_name_from_shorthand)]
Names = dict[Language, Annotated[list[NameEntry], Field(min_length=1)]]
IsoCode = Annotated[str, Field(pattern=r"^[A-Z]{2}-[A-Z0-9]{1,3}$")]


class ActorSpec(BaseModel):
    """An actor: a group, a government, armed forces, an organisation or a person."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)?$")
    name: str = Field(min_length=1)
    kind: ActorKind
    affiliation: str | None = None
    names: Names = Field(min_length=1)


class ProvinceSpec(BaseModel):
    """A province with its ISO 3166-2 code."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    iso_3166_2: IsoCode
    names: Names = Field(min_length=1)


class CitySpec(BaseModel):
    """A city or town, in the province whose code it names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    province: IsoCode
    names: Names = Field(min_length=1)


class MarkerSpec(BaseModel):
    """Phrases that, just before or just after a name, say which kind of place it is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    before: list[str] = Field(default_factory=list)
    after: list[str] = Field(default_factory=list)

    @field_validator("before", "after")
    @classmethod
    def _has_words(cls, phrases: list[str]) -> list[str]:
        for phrase in phrases:
            if not normal_words(phrase):
                raise ValueError(f"marker {phrase!r} has no letters or digits")
        return phrases


class GazetteerFile(BaseModel):
    """The whole gazetteer file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    actors: list[ActorSpec] = Field(default_factory=list)
    provinces: list[ProvinceSpec] = Field(default_factory=list)
    cities: list[CitySpec] = Field(default_factory=list)
    markers: dict[PlaceKind, MarkerSpec] = Field(default_factory=dict)
    ignore: Names = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> "GazetteerFile":
        _unique("actor id", [actor.id for actor in self.actors])
        _unique("province code", [province.iso_3166_2 for province in self.provinces])
        _unique("province name", [province.name for province in self.provinces])
        _unique("city name", [city.name for city in self.cities])
        actor_ids = {actor.id for actor in self.actors}
        for actor in self.actors:
            if actor.affiliation is not None and actor.affiliation not in actor_ids:
                raise ValueError(
                    f"actor {actor.id!r}: affiliation {actor.affiliation!r} is not an actor id"
                )
        codes = {province.iso_3166_2 for province in self.provinces}
        for city in self.cities:
            if city.province not in codes:
                raise ValueError(f"city {city.name!r}: no province has code {city.province!r}")
        return self


def _unique(what: str, values: list[str]) -> None:
    repeated = sorted({value for value in values if values.count(value) > 1})
    if repeated:
        raise ValueError(f"{what}s repeat: {', '.join(repeated)}")


# ---------------------------------------------------------------------------- compiled gazetteer

_Entry = tuple[int, int, frozenset[str] | None]
"""An automaton value item: name id (or ``_CUE``), key length, endings."""

_CUE: Final = -1
_ACTOR, _PLACE, _IGNORE = range(3)


class _Automaton(Protocol):
    def add_word(self, key: str, value: object) -> bool: ...

    def make_automaton(self) -> None: ...

    def iter(self, string: str) -> Iterator[tuple[int, tuple[_Entry, ...]]]: ...


@dataclass(frozen=True, slots=True)
class _Name:
    """One compiled spelling: what it names, and its conditions."""

    target: int
    index: int
    acronym: bool
    followed_by: frozenset[str] | None


@dataclass(frozen=True, slots=True)
class _PlaceInfo:
    id: str
    name: str
    kind: PlaceKind
    iso_3166_2: str


@dataclass(frozen=True, slots=True, eq=False)
class Gazetteer:
    """A gazetteer ready for ``extract``; build it with ``compile_gazetteer``."""

    automaton: _Automaton
    names: tuple[_Name, ...]
    actors: tuple[ActorSpec, ...]
    places: tuple[_PlaceInfo, ...]
    markers: tuple[tuple[PlaceKind, tuple[str, ...], tuple[str, ...]], ...]
    """Per place kind: phrases before the name (`` province of``), after it (`` province ``)."""


def compile_gazetteer(path: Path | None = None) -> Gazetteer:
    """Load, validate and compile the gazetteer file (the bundled one when ``path`` is None).

    Raises ``ConfigError`` naming the file, line and field of the first problem.
    """
    spec = load_yaml_model(path or bundled_file("gazetteer.yaml"), GazetteerFile)
    keys: dict[str, list[_Entry]] = {}
    names: list[_Name] = []

    def add(target: int, index: int, by_language: dict[str, list[NameSpec]]) -> None:
        for language, entries in by_language.items():
            for entry in entries:
                follow = None
                if entry.followed_by is not None:
                    follow = frozenset(w for f in entry.followed_by for w in normal_words(f))
                for key, endings in _name_keys(entry.name, language, inflect=entry.inflect):
                    keys.setdefault(key, []).append((len(names), len(key), endings))
                names.append(_Name(target, index, entry.acronym, follow))

    for index, actor in enumerate(spec.actors):
        add(_ACTOR, index, actor.names)
    places: list[_PlaceInfo] = []
    for province in spec.provinces:
        add(_PLACE, len(places), province.names)
        places.append(
            _PlaceInfo(
                f"province:{_slug(province.name)}",
                province.name,
                PlaceKind.PROVINCE,
                province.iso_3166_2,
            )
        )
    for city in spec.cities:
        add(_PLACE, len(places), city.names)
        places.append(
            _PlaceInfo(f"city:{_slug(city.name)}", city.name, PlaceKind.CITY, city.province)
        )
    add(_IGNORE, 0, spec.ignore)
    for word in _CUE_WORDS:
        keys.setdefault(f" {word}", []).append((_CUE, len(word) + 1, None))
    automaton = cast(_Automaton, ahocorasick.Automaton())
    for key, values in keys.items():
        automaton.add_word(key, tuple(dict.fromkeys(values)))
    automaton.make_automaton()
    markers = tuple(
        (
            kind,
            tuple(f" {' '.join(normal_words(phrase))}" for phrase in marker.before),
            tuple(f" {' '.join(normal_words(phrase))} " for phrase in marker.after),
        )
        for kind, marker in spec.markers.items()
    )
    return Gazetteer(automaton, tuple(names), tuple(spec.actors), tuple(places), markers)


def _slug(name: str) -> str:
    return "_".join(normal_words(name))


_RU_VOWELS: Final = frozenset("аяуюеиыоьйэ")


def _name_keys(
    name: str, language: str, *, inflect: bool
) -> list[tuple[str, frozenset[str] | None]]:
    """The automaton keys of one spelling, each with the endings its last word may take.

    Inner words must match exactly; the first word takes the proclitics of its language.
    Russian drops at most one final vowel before its case endings (``word_forms`` drops them
    all, which would turn "Пактия" into "пакт", a pact).
    """
    words = [word for word, _ in parse_term(name)]
    first = word_forms(words[0], language, is_stem=False, first=True)
    inner = [first.bare] if len(words) > 1 else []
    inner += [word_forms(w, language, is_stem=False, first=False).bare for w in words[1:-1]]
    last = first if len(words) == 1 else word_forms(words[-1], language, is_stem=False, first=False)
    endings: frozenset[str] | None
    if not inflect:
        stem, endings = last.bare, frozenset({""})
    elif last.inflects:
        word = last.bare
        stem = word[:-1] if len(word) > 3 and word[-1] in _RU_VOWELS else word
        endings = (last.endings or frozenset()) | {word[len(stem) :]}
    else:
        stem, endings = last.stem, last.endings
    body = " ".join([*inner, stem])
    return [(f" {proclitic}{body}", endings) for proclitic in first.proclitics]


# ---------------------------------------------------------------------------- actors and places

_FIELDS: Final = (TextField.TITLE, TextField.SUMMARY)


class _Hit(NamedTuple):
    """A name found in one field: its span in the normalised text and its name id."""

    start: int
    stop: int
    name: int


def _scan(gazetteer: Gazetteer, normal: NormalisedText) -> tuple[list[_Hit], list[int]]:
    """Every name that counts in one field, and where (in the normalised text) the words that
    start with a figure cue are."""
    text = normal.text
    names = gazetteer.names
    hits: list[_Hit] = []
    cues: list[int] = []
    for end, entries in gazetteer.automaton.iter(text):
        after = end + 1
        for name_id, length, endings in entries:
            if name_id == _CUE:
                cues.append(after - length + 1)
                continue
            if text[after] == " ":
                stop, ending = after, ""
            else:
                stop = text.index(" ", after)
                ending = text[after:stop]
            if endings is not None and ending not in endings:
                continue
            name = names[name_id]
            start = after - length + 1
            if name.followed_by is not None:
                following = text[stop + 1 : text.find(" ", stop + 1)]
                if following not in name.followed_by:
                    continue
            if name.acronym:
                begin, finish = normal.span(start, stop)
                if any(char.islower() for char in normal.original[begin:finish]):
                    continue
            hits.append(_Hit(start, stop, name_id))
    return hits, cues


def _resolve(gazetteer: Gazetteer, text: str, hits: list[_Hit]) -> Iterator[_Hit]:
    """The hits that stand, one per target named at each place.

    The longest of overlapping hits wins; hits of the same span are decided together.
    """
    hits.sort(key=lambda hit: (hit.start, -hit.stop))
    last_stop = -1
    group: list[_Hit] = []
    for hit in hits:
        if group and hit.start == group[0].start and hit.stop == group[0].stop:
            group.append(hit)
        elif hit.start >= last_stop:
            yield from _decide(gazetteer, text, group)
            group = [hit]
            last_stop = hit.stop
    yield from _decide(gazetteer, text, group)


def _decide(gazetteer: Gazetteer, text: str, group: list[_Hit]) -> Iterator[_Hit]:
    """What one span names: nothing if ignored, a conditional actor over a place, and the
    province or the city for a name that is both."""
    if not group:
        return
    names = gazetteer.names
    kinds = [names[hit.name] for hit in group]
    if any(name.target == _IGNORE for name in kinds):
        return
    if any(name.followed_by is not None for name in kinds):
        group = [hit for hit in group if names[hit.name].followed_by is not None]
    elif len({gazetteer.places[n.index].kind for n in kinds if n.target == _PLACE}) > 1:
        chosen = _marked_kind(gazetteer, text, group[0]) or PlaceKind.CITY
        group = [
            hit
            for hit in group
            if names[hit.name].target != _PLACE
            or gazetteer.places[names[hit.name].index].kind is chosen
        ]
    seen: set[tuple[int, int]] = set()
    for hit in group:
        name = names[hit.name]
        if (name.target, name.index) not in seen:
            seen.add((name.target, name.index))
            yield hit


def _marked_kind(gazetteer: Gazetteer, text: str, hit: _Hit) -> PlaceKind | None:
    """The place kind the longest marker next to ``hit`` names, if any."""
    best: tuple[int, PlaceKind | None] = (0, None)
    for kind, before, after in gazetteer.markers:
        for phrase in before:
            if len(phrase) > best[0] and text.endswith(phrase, 0, hit.start - 1):
                best = (len(phrase), kind)
        for phrase in after:
            if len(phrase) > best[0] and text.startswith(phrase, hit.stop):
                best = (len(phrase), kind)
    return best[1]


# ---------------------------------------------------------------------------- figures


def _words_of(text: str) -> list[str]:
    return text.split()


def _set(words: str) -> frozenset[str]:
    return frozenset(_words_of(words))


_ATTACK_NOUNS: Final = _set(
    "attack attacks assault assaults ambush ambushes bombing bombings raid raids airstrike "
    "airstrikes strike strikes"
)
_KILLED_WORDS: Final = _set(
    "killed kill kills killing dead died die dies death deaths fatalities slain lives martyred "
    "toll executed"
)
_WOUNDED_WORDS: Final = _set(
    "wounded wounding wound wounds injured injuring injure injures injuries hurt"
)
_RELEASE_WORDS: Final = _set(
    "released release releases releasing freed free frees freeing swap swapped exchange "
    "exchanged pardoned"
)
_PRISONER_NOUNS: Final = _set(
    "prisoner prisoners detainee detainees inmate inmates captive captives hostage hostages"
)
_TROOP_NOUNS: Final = _set(
    "troop troops soldier soldiers forces force personnel servicemen servicemembers service "
    "marines commandos paratroopers"
)
_PEOPLE_NOUNS: Final = _set(
    "people persons civilians children women men boys girls fighters militants insurgents "
    "members policemen police officers guards recruits rebels taliban talibans afghans "
    "americans workers students worshippers worshipers passengers staff employees officials "
    "individuals others attackers gunmen pilgrims villagers residents farmers relatives "
    "commanders guerrillas jihadists bodyguards"
)
_UNIT_NOUNS: Final = _set(
    "day days week weeks month months year years hour hours minute minutes second seconds km "
    "kilometres kilometers kilometre kilometer mile miles metres meters times district "
    "districts provinces villages houses vehicles cars dollars afghanis rupees euros pounds "
    "points tonnes tons kg votes seats cases doses tests percent per pc pct percentage am pm "
    "gmt utc"
)
_MONTHS: Final = _set(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
_NP_STOPS: Final = _set(
    "were was are is have has had been be being in on at by from after during since when while "
    "to for with into across near than because but who that which as said say says according"
)
_POST_STOPS: Final = _set("to after before when while as but because said says according")
_PERCENT_WORDS: Final = _set("percent pc pct percentage")
_PARTICLE_VERBS: Final = _set(
    "hand hands handed handing take takes took taken taking turn turns turned turning win won"
)
"""Verbs whose "over" is a particle ("hand over 22 commandos"), not "more than"."""
_NOT_ONE: Final = _set("no any every each the this that which last another")
_UNITS: Final = dict(
    zip(
        _words_of(
            "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
            "fifteen sixteen seventeen eighteen nineteen"
        ),
        range(1, 20),
        strict=True,
    )
)
_TENS: Final = dict(
    zip(
        _words_of("twenty thirty forty fifty sixty seventy eighty ninety"),
        range(20, 100, 10),
        strict=True,
    )
)
_SCALES: Final = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_VAGUE: Final = {"dozens": 24, "scores": 40, "hundreds": 200, "thousands": 2_000, "tens": 20}
_NUMBER_WORDS: Final = frozenset({*_UNITS, *_TENS, "hundred", *_SCALES, "dozen", *_VAGUE})
_NUMBER_STARTS: Final = frozenset({*_UNITS, *_TENS, *_VAGUE, "a", "an"})
_QUALIFIERS: Final = {
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
_CUE_WORDS: Final = (
    _ATTACK_NOUNS | _KILLED_WORDS | _WOUNDED_WORDS | _RELEASE_WORDS | _PRISONER_NOUNS | _TROOP_NOUNS
)
"""Words whose presence in a field (at the start of a word) makes figures worth looking for."""

_TOKEN: Final = re.compile(
    r"(\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"|((?:[^\W\d_]\.){2,}|[^\W\d_]+(?:[-‐'’][^\W\d_]+)*)"
    r"|(%)"
    r"|([.;:!?()\[\]{}\"“”«»,]|\s[-–—]\s|[–—])"
)
"""Tokens: a number (digit groups, decimals), a word (hyphens and apostrophes inside, or an
initialism such as "U.S."), a percent sign, or a clause boundary."""
_NUM, _WORD, _PCT, _STOP = range(4)


@dataclass(frozen=True, slots=True)
class _Tokens:
    """The tokens of a stretch of text as parallel lists; ``words`` are in lower case without a
    possessive ending, and empty for tokens that are not words."""

    kinds: list[int]
    starts: list[int]
    ends: list[int]
    words: list[str]

    def word(self, index: int) -> str:
        """The word at ``index``, or "" (not a word, or out of range)."""
        return self.words[index] if 0 <= index < len(self.words) else ""


def _tokens(text: str, start: int, end: int) -> _Tokens:
    """The tokens of ``text[start:end]``, with offsets into ``text``."""
    found = [(match.lastindex or 1, *match.span()) for match in _TOKEN.finditer(text, start, end)]
    if not found:
        return _Tokens([], [], [], [])
    groups, starts, ends = (list(column) for column in zip(*found, strict=True))
    kinds = [group - 1 for group in groups]
    lowered = [
        text[first:last].lower().replace("’", "'") if kind == _WORD else ""
        for kind, first, last in zip(kinds, starts, ends, strict=True)
    ]
    words = [word[:-2] if word.endswith("'s") else word for word in lowered]
    return _Tokens(kinds, starts, ends, words)


def _head(word: str) -> str:
    """The part of a hyphenated word that carries its meaning ("car-bomb" → "bomb")."""
    return word.rpartition("-")[2]


class _Number(NamedTuple):
    """A number phrase: its value, the token after it, and how it is approximate."""

    value: int
    end: int
    vague: bool = False
    about: bool = False
    ranged: bool = False


def _number_at(text: str, tokens: _Tokens, i: int) -> _Number | None:
    """The count that starts at token ``i``, or None (not a number, or not a count)."""
    kind = tokens.kinds[i]
    number = (
        _digits(text, tokens, i) if kind == _NUM else _words(tokens, i) if kind == _WORD else None
    )
    if number is None:
        return None
    number = _ranged(text, tokens, i, number)
    end = number.end
    following = tokens.word(end)
    percent = (end < len(tokens.kinds) and tokens.kinds[end] == _PCT) or (
        following in _PERCENT_WORDS or (following == "per" and tokens.word(end + 1) == "cent")
    )
    dated = tokens.word(i - 1) in _MONTHS or following in _MONTHS
    return None if percent or dated else number


def _digits(text: str, tokens: _Tokens, i: int) -> _Number | None:
    """A number in digits, unless glued to letters, money, a time, a bare decimal or a year."""
    start, end = tokens.starts[i], tokens.ends[i]
    before = text[start - 1] if start else " "
    before2 = text[start - 2] if start > 1 else " "
    after = text[end] if end < len(text) else " "
    after2 = text[end + 1] if end + 1 < len(text) else " "
    if (
        before.isalnum()
        or before in "$€£¥"
        or (before in "-‐" and before2.isalpha())
        or after.isalnum()
        or (after in "-‐" and after2.isalpha())
        or (after == ":" and after2.isdigit())
    ):
        return None
    raw = text[start:end].replace(",", "")
    following = tokens.word(i + 1)
    scale = 100 if following == "hundred" else _SCALES.get(following, 0)
    if scale:
        return _Number(round(float(raw) * scale), i + 2)
    if "." in raw:
        return None
    counted = _PRISONER_NOUNS | _TROOP_NOUNS | _ATTACK_NOUNS
    year = len(raw) == 4 and 1900 <= int(raw) <= 2100 and _head(following) not in counted
    return None if year else _Number(int(raw), i + 1)


_WORD_CLASSES: Final = {
    **{word: ("unit", value) for word, value in _UNITS.items()},
    **{word: ("ten", value) for word, value in _TENS.items()},
    "hundred": ("hundred", 100),
    "dozen": ("dozen", 12),
    **{word: ("scale", value) for word, value in _SCALES.items()},
    "and": ("and", 0),
}
_FOLLOWS: Final = {
    "unit": {"", "ten", "hundred", "scale", "and"},
    "ten": {"", "hundred", "scale", "and"},
    "hundred": {"unit", "ten", "a"},
    "dozen": {"unit", "a"},
    "scale": {"unit", "ten", "hundred", "a"},
    "and": {"hundred", "scale"},
}
"""For each class of number word, the classes the word before it may have ("" at the start)."""


def _classify(word: str) -> tuple[str, int] | None:
    """The class and value of a number word; "twenty-two" is a unit of 22."""
    if "-" in word:
        ten, _, unit = word.partition("-")
        if ten in _TENS and unit in _UNITS and _UNITS[unit] < 10:
            return "unit", _TENS[ten] + _UNITS[unit]
        return None
    return _WORD_CLASSES.get(word)


def _words(tokens: _Tokens, i: int) -> _Number | None:
    """A number in words: "five", "twenty-two", "two hundred and fifty", "a dozen", "dozens"."""
    word = tokens.words[i]
    if word in _VAGUE:
        return _vague(tokens, i)
    total = current = 0
    last, j = "", i
    if word in {"a", "an"}:
        last, current, j = "a", 1, i + 1
    while (found := _classify(tokens.word(j))) is not None:
        kind, value = found
        if last not in _FOLLOWS[kind] or (kind == "unit" and last == "ten" and value >= 10):
            break
        if kind == "and" and _classify(tokens.word(j + 1)) is None:
            break
        if kind in {"hundred", "dozen"}:
            current *= value
        elif kind == "scale":
            total, current = total + current * value, 0
        else:
            current += value
        last, j = kind, j + 1
    if last in {"", "a", "and"}:
        return None
    if word == "one" and (tokens.word(i - 1) in _NOT_ONE or tokens.word(j) == "another"):
        return None
    return _Number(total + current, j, about="dozen" in tokens.words[i:j])


def _vague(tokens: _Tokens, i: int) -> _Number | None:
    """ "dozens", "scores of", "hundreds", "thousands", "tens of thousands": lower bounds."""
    word = tokens.words[i]
    value, end = _VAGUE[word], i + 1
    if tokens.word(end) == "of" and tokens.word(end + 1) in {"thousands", "hundreds"}:
        value *= 1_000 if tokens.word(end + 1) == "thousands" else 100
        end += 2
    elif word in {"scores", "tens"} and tokens.word(end) != "of":
        return None
    return _Number(value, end, vague=True)


def _ranged(text: str, tokens: _Tokens, i: int, number: _Number) -> _Number:
    """``number`` extended over a range ("10-15", "10 to 15", "between 10 and 15")."""
    end = number.end
    if end >= len(tokens.kinds) or number.vague:
        return number
    kind = tokens.kinds[end]
    second = end
    if kind != _NUM or text[tokens.ends[end - 1] : tokens.starts[end]].strip() not in {"-", "‐"}:
        second = end + 1
        link = text[tokens.starts[end] : tokens.ends[end]].strip()
        dash = kind == _STOP and link in {"-", "–", "—"}
        to = link == "to" and tokens.word(i - 1) != "from"
        between = link == "and" and tokens.word(i - 1) == "between"
        if not (dash or to or between) or second >= len(tokens.kinds):
            return number
    other = (
        _digits(text, tokens, second) if tokens.kinds[second] == _NUM else _words(tokens, second)
    )
    if other is None or other.vague:
        return number
    return _Number(number.value, other.end, about=number.about, ranged=True)


def _qualifier(tokens: _Tokens, i: int) -> tuple[FigureQualifier | None, int]:
    """The qualifier just before token ``i`` and the index of its first token."""
    for size in (3, 2, 1):
        if i - size < 0:
            continue
        words = tuple(tokens.words[i - size : i])
        qualifier = _QUALIFIERS.get(words)
        if words == ("over",) and tokens.word(i - 2) in _PARTICLE_VERBS:
            qualifier = None
        if qualifier is not None:
            return qualifier, i - size
    return None, i


class _Cue(NamedTuple):
    """A word that says what a number counts, and how far from the number it is."""

    distance: int
    kind: FigureKind
    token: int


def _word_cue(word: str, index: int, distance: int) -> _Cue | None:
    head = _head(word)
    if head in _KILLED_WORDS:
        return _Cue(distance, FigureKind.KILLED, index)
    if head in _WOUNDED_WORDS:
        return _Cue(distance, FigureKind.WOUNDED, index)
    if head in _RELEASE_WORDS:
        return _Cue(distance, FigureKind.PRISONERS_RELEASED, index)
    return None


class _Phrase(NamedTuple):
    """The noun phrase after a number: its head noun, whether it names people, where it stops,
    and the cues found in it."""

    head: tuple[FigureKind, int] | None
    person: bool
    stop: int
    cues: list[_Cue]


def _noun_phrase(tokens: _Tokens, end: int) -> _Phrase | None:
    """The noun phrase that starts at token ``end``; None when it counts a unit ("5 days")."""
    if _head(tokens.word(end)) in _UNIT_NOUNS:
        return None
    person = False
    cues: list[_Cue] = []
    j, modifiers = end, 0
    while (word := _head(tokens.word(j))) and modifiers <= 4:
        if word in _ATTACK_NOUNS:
            return _Phrase((FigureKind.ATTACKS, j), person, j + 1, cues)
        if word in _PRISONER_NOUNS or word in _TROOP_NOUNS:
            kind = FigureKind.PRISONERS if word in _PRISONER_NOUNS else FigureKind.TROOPS
            return _Phrase((kind, j), person, j + 1, cues)
        cue = _word_cue(word, j, j - end + 1)
        if cue is not None:
            cues.append(cue)
        if (cue is not None and cue.kind is not FigureKind.PRISONERS_RELEASED) or (
            cue is None and word in _NP_STOPS
        ):
            break
        person = person or word in _PEOPLE_NOUNS
        modifiers += 1
        j += 1
    return _Phrase(None, person, j, cues)


def _cue_after(tokens: _Tokens, start: int, end: int) -> _Cue | None:
    """The first cue in the four words from ``start`` ("… prisoners [were freed]")."""
    for k in range(start, start + 4):
        word = tokens.word(k)
        if not word or (word in _POST_STOPS and (word, tokens.word(k + 1)) != ("to", "be")):
            break
        cue = _word_cue(word, k, k - end + 1)
        if cue is not None:
            return cue
    return None


def _cue_before(tokens: _Tokens, first: int) -> tuple[_Cue | None, int | None]:
    """The nearest cue in the three words before ``first``, and a troop noun in the two."""
    troops: int | None = None
    for k in range(first - 1, first - 4, -1):
        word = tokens.word(k)
        if not word:
            break
        cue = _word_cue(word, k, first - k)
        if cue is not None:
            return cue, troops
        if troops is None and first - k <= 2 and _head(word) in _TROOP_NOUNS:
            troops = k
    return None, troops


def _both_casualties(tokens: _Tokens, cue: int) -> bool:
    """Whether the casualty word at ``cue`` is coupled with the other kind ("killed or
    wounded", "dead and injured"): the number then counts both, which no kind says."""
    other = _head(tokens.word(cue + 2)) if tokens.word(cue + 1) in {"or", "and"} else ""
    return other in (_WOUNDED_WORDS if _head(tokens.word(cue)) in _KILLED_WORDS else _KILLED_WORDS)


def _kind(tokens: _Tokens, first: int, end: int) -> tuple[FigureKind, int] | None:
    """What the number phrase over tokens ``first``..``end`` counts, and the deciding token."""
    phrase = _noun_phrase(tokens, end)
    if phrase is None:
        return None
    if phrase.head is not None and phrase.head[0] is FigureKind.ATTACKS:
        return phrase.head
    cues = list(phrase.cues)
    if all(cue.kind is FigureKind.PRISONERS_RELEASED for cue in cues):
        after = _cue_after(tokens, phrase.stop, end)
        cues += [after] if after is not None else []
    before, troops = _cue_before(tokens, first)
    cues += [before] if before is not None else []
    cues.sort(key=lambda cue: (cue.distance, cue.kind is FigureKind.PRISONERS_RELEASED))
    for cue in cues:
        casualty = cue.kind is not FigureKind.PRISONERS_RELEASED
        if casualty or phrase.head or phrase.person:
            both = casualty and _both_casualties(tokens, cue.token)
            return None if both else (cue.kind, cue.token)
    if phrase.head is not None:
        return phrase.head
    return (FigureKind.TROOPS, troops) if troops is not None and not phrase.person else None


_NORMAL_NUMBER: Final = re.compile(
    rf" (?:[0-9]|(?:{'|'.join(sorted(_NUMBER_WORDS, key=len, reverse=True))})(?= ))"
)
"""A word of normalised text that is, or starts with, a number."""
_CUE_REACH: Final = 100
"""Normalised characters between a number and a cue word for the number to be looked at."""
_MARGIN: Final = 120
"""Original characters kept on each side of such a number for the grammar's windows."""


def _windows(normal: NormalisedText, cues: list[int]) -> list[tuple[int, int]]:
    """Stretches of the original text around the numbers that have a cue word nearby."""
    windows: list[tuple[int, int]] = []
    text, original = normal.text, normal.original
    for match in _NORMAL_NUMBER.finditer(text):
        number = match.start() + 1
        if not any(abs(cue - number) <= _CUE_REACH for cue in cues):
            continue
        begin = normal.span(number, text.index(" ", number))[0]
        start = original.rfind(" ", 0, max(begin - _MARGIN, 0)) + 1
        end = original.find(" ", begin + _MARGIN)
        end = len(original) if end < 0 else end
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((start, end))
    return windows


def _figures(text: str, field: TextField, start: int, end: int) -> list[Figure]:
    """Every figure in ``text[start:end]`` (one field's original text), in order."""
    tokens = _tokens(text, start, end)
    kinds, words = tokens.kinds, tokens.words
    figures = []
    i = 0
    while i < len(kinds):
        starts_number = kinds[i] == _NUM or (
            kinds[i] == _WORD and words[i].partition("-")[0] in _NUMBER_STARTS
        )
        number = _number_at(text, tokens, i) if starts_number else None
        if number is None:
            i += 1
            continue
        qualifier, first = _qualifier(tokens, i)
        if number.ranged and first == i and tokens.word(i - 1) == "between":
            first = i - 1
        found = _kind(tokens, first, number.end)
        if found is not None:
            if number.vague:
                qualifier = FigureQualifier.VAGUE
            elif qualifier is None:
                qualifier = (
                    FigureQualifier.AT_LEAST
                    if number.ranged
                    else FigureQualifier.ABOUT
                    if number.about
                    else FigureQualifier.EXACT
                )
            begin, finish = tokens.starts[first], tokens.ends[number.end - 1]
            cue = found[1]
            figures.append(
                Figure(
                    kind=found[0],
                    value=number.value,
                    qualifier=qualifier,
                    text=text[begin:finish],
                    field=field,
                    start=begin,
                    end=finish,
                    cue=text[tokens.starts[cue] : tokens.ends[cue]],
                )
            )
        i = number.end
    return figures


# ---------------------------------------------------------------------------- extract


@dataclass(frozen=True, slots=True)
class Facts:
    """What ``extract`` found in one item, ready for the ``NewsItem`` fields of the same names."""

    figures: tuple[Figure, ...] = ()
    actors: tuple[Actor, ...] = ()
    places: tuple[Place, ...] = ()


_NOTHING: Final = Facts()


def extract(
    gazetteer: Gazetteer, title: str | NormalisedText, summary: str | NormalisedText
) -> Facts:
    """The figures, actors and places of an item, each with spans into the original fields.

    A field may be given already normalised (``textnorm.normalise``), so that a caller that
    normalised it for another purpose does not pay twice.
    """
    figures: list[Figure] = []
    actor_mentions: dict[int, list[Mention]] = {}
    place_mentions: dict[int, list[Mention]] = {}
    for field, given in zip(_FIELDS, (title, summary), strict=True):
        normal = given if isinstance(given, NormalisedText) else normalise(given)
        original = normal.original
        hits, cues = _scan(gazetteer, normal)
        if cues:
            for start, end in _windows(normal, cues):
                figures.extend(_figures(original, field, start, end))
        if not hits:
            continue
        for hit in _resolve(gazetteer, normal.text, hits):
            name = gazetteer.names[hit.name]
            start, end = normal.span(hit.start, hit.stop)
            mention = Mention(field=field, start=start, end=end, text=original[start:end])
            found = actor_mentions if name.target == _ACTOR else place_mentions
            found.setdefault(name.index, []).append(mention)
    if not (figures or actor_mentions or place_mentions):
        return _NOTHING
    actors = []
    for index, mentions in actor_mentions.items():
        spec = gazetteer.actors[index]
        actors.append(
            Actor(
                id=spec.id,
                name=spec.name,
                kind=spec.kind,
                affiliation=spec.affiliation,
                mentions=mentions,
            )
        )
    places = []
    for index, mentions in place_mentions.items():
        info = gazetteer.places[index]
        places.append(
            Place(
                id=info.id,
                name=info.name,
                kind=info.kind,
                iso_3166_2=info.iso_3166_2,
                mentions=mentions,
            )
        )
    return Facts(tuple(figures), tuple(actors), tuple(places))
