"""The gazetteer: actors, provinces, cities, place markers and ignored names, and its compiled
form for ``extract``.

The file (``defaults/gazetteer.yaml``, whose header documents the format) is validated by the
pydantic models here; ``compile_gazetteer`` turns every name in every language into a keyword
(``analysis.keywords``), like theme terms: the last word of a name takes the endings of its
language, the first word of an Arabic-script name its proclitics. The figure cue words
(``figure_words.CUE_WORDS`` for English, each other language's ``Lexicon.cues`` under its own
id, ``language_cue``) are keywords of the same automaton, so the one scan that finds
names also says whether a field is worth reading for figures.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Final

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from newswatch.analysis.facts.figure_languages import VOCABULARIES
from newswatch.analysis.facts.figure_vocabulary import Lexicon, compile_vocabulary
from newswatch.analysis.facts.figure_words import CUE_WORDS
from newswatch.analysis.keywords import Keywords, KeywordsBuilder
from newswatch.analysis.morphology import parse_term, word_forms
from newswatch.analysis.text import folded_words
from newswatch.analysis.themes.rules import Language
from newswatch.common.config_files import bundled_file, load_yaml_model
from newswatch_schemas import ActorKind, PlaceKind

CUE: Final = -1
"""The keyword id of every English figure cue word."""


def language_cue(index: int) -> int:
    """The keyword id of the figure cue words of ``Gazetteer.lexicons[index]``."""
    return CUE - 1 - index


ACTOR, PLACE, IGNORE = range(3)
"""What a compiled name names."""


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
            if not folded_words(phrase):
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


@dataclass(frozen=True, slots=True)
class CompiledName:
    """One compiled spelling: what it names, and its conditions."""

    target: int
    index: int
    acronym: bool
    followed_by: frozenset[str] | None


@dataclass(frozen=True, slots=True)
class PlaceInfo:
    """A province or city as facts report it."""

    id: str
    name: str
    kind: PlaceKind
    iso_3166_2: str


@dataclass(frozen=True, slots=True, eq=False)
class Gazetteer:
    """A gazetteer ready for ``extract``; build it with ``compile_gazetteer``."""

    keywords: Keywords
    names: tuple[CompiledName, ...]
    actors: tuple[ActorSpec, ...]
    places: tuple[PlaceInfo, ...]
    markers: tuple[tuple[PlaceKind, tuple[str, ...], tuple[str, ...]], ...]
    """Per place kind: phrases before the name (`` province of``), after it (`` province ``)."""
    lexicons: tuple[Lexicon, ...] = ()
    """The figure vocabularies of the languages other than English, compiled."""


def compile_gazetteer(path: Path | None = None) -> Gazetteer:
    """Load, validate and compile the gazetteer file (the bundled one when ``path`` is None).

    Raises ``ConfigError`` naming the file, line and field of the first problem.
    """
    spec = load_yaml_model(path or bundled_file("gazetteer.yaml"), GazetteerFile)
    keywords = KeywordsBuilder()
    names: list[CompiledName] = []

    def add(target: int, index: int, by_language: dict[str, list[NameSpec]]) -> None:
        for language, entries in by_language.items():
            for entry in entries:
                follow = None
                if entry.followed_by is not None:
                    follow = frozenset(w for f in entry.followed_by for w in folded_words(f))
                for body, endings in _name_keys(entry.name, language, inflect=entry.inflect):
                    keywords.add(body, len(names), endings)
                names.append(CompiledName(target, index, entry.acronym, follow))

    for index, actor in enumerate(spec.actors):
        add(ACTOR, index, actor.names)
    places: list[PlaceInfo] = []
    for province in spec.provinces:
        add(PLACE, len(places), province.names)
        places.append(
            PlaceInfo(
                f"province:{_slug(province.name)}",
                province.name,
                PlaceKind.PROVINCE,
                province.iso_3166_2,
            )
        )
    for city in spec.cities:
        add(PLACE, len(places), city.names)
        places.append(
            PlaceInfo(f"city:{_slug(city.name)}", city.name, PlaceKind.CITY, city.province)
        )
    add(IGNORE, 0, spec.ignore)
    for word in CUE_WORDS:
        keywords.add(word, CUE, None)
    lexicons = tuple(compile_vocabulary(vocabulary) for vocabulary in VOCABULARIES)
    for index, lexicon in enumerate(lexicons):
        for body, endings in lexicon.cues:
            keywords.add(body, language_cue(index), endings)
    markers = tuple(
        (
            kind,
            tuple(f" {' '.join(folded_words(phrase))}" for phrase in marker.before),
            tuple(f" {' '.join(folded_words(phrase))} " for phrase in marker.after),
        )
        for kind, marker in spec.markers.items()
    )
    return Gazetteer(
        keywords.build(), tuple(names), tuple(spec.actors), tuple(places), markers, lexicons
    )


def _slug(name: str) -> str:
    return "_".join(folded_words(name))


_RU_VOWELS: Final = frozenset("аяуюеиыоьйэ")


def _name_keys(
    name: str, language: str, *, inflect: bool
) -> list[tuple[str, frozenset[str] | None]]:
    """The keywords of one spelling, each with the endings its last word may take.

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
    return [(f"{proclitic}{body}", endings) for proclitic in first.proclitics]
