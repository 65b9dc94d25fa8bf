"""``NewsItem`` v1: one normalised feed entry, with the themes it matched and why."""

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from newswatch_schemas.events import ITEM_SCHEMA_URI
from newswatch_schemas.timestamps import UtcDatetime

ThemeName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]


class TextField(StrEnum):
    """The fields of an item that the matcher reads."""

    TITLE = "title"
    SUMMARY = "summary"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(_Frozen):
    """The feed an item came from."""

    feed_url: str = Field(description="URL of the feed as configured.")
    name: str = Field(description="Human name of the feed (configured, else the feed's title).")


class Evidence(_Frozen):
    """One term that fired, where it fired, and what it added to the score."""

    term: str = Field(description="The rule term as written in the themes file.")
    rule: str = Field(description="Which part of the theme rule the term belongs to.")
    field: TextField
    start: int = Field(ge=0, description="Character offset of the match in the field.")
    end: int = Field(ge=0, description="Character offset just past the match.")
    text: str = Field(description="The matched text as it appears in the field.")
    weight: float = Field(description="What this match added to the theme's score.")
    language: str | None = Field(
        None,
        description="The term list the term comes from: a language code, or 'any' for a "
        "language-neutral term.",
    )


class NearestExample(_Frozen):
    """A labelled development item near this one, which the classifier learnt the theme from."""

    id: str = Field(description="The example's id in the development set.")
    title: str = Field(description="The example's title.")
    similarity: float = Field(description="Cosine similarity of the two items' embeddings.")


class ClassifierOpinion(_Frozen):
    """Why the semantic classifier added a theme that the rules alone did not fire."""

    probability: float = Field(ge=0, le=1, description="The classifier's probability of the theme.")
    threshold: float = Field(ge=0, le=1, description="The probability needed, which it reached.")
    nearest: list[NearestExample] = Field(
        description="The development items labelled with the theme nearest to this item.",
    )


class ThemeMatch(_Frozen):
    """A theme an item belongs to, with its score and the evidence behind it."""

    theme: ThemeName
    score: float = Field(ge=0, description="The sum of the evidence weights.")
    evidence: list[Evidence] = Field(
        description="One entry per distinct term counted, at its first place in the item.",
    )
    threshold: float | None = Field(
        None, description="The theme's threshold, which the score reached."
    )
    required_groups: list[str] = Field(
        default_factory=list,
        description="The theme's required groups, each of which has evidence here.",
    )
    classifier: ClassifierOpinion | None = Field(
        None,
        description="Set when the semantic classifier decided the theme (the rules found some "
        "of its terms, or another theme's, but did not fire it); absent when the rules did.",
    )


class Mention(_Frozen):
    """One place a name occurs: the field, the character span and the text as written there."""

    field: TextField
    start: int = Field(ge=0, description="Character offset of the mention in the field.")
    end: int = Field(ge=0, description="Character offset just past the mention.")
    text: str = Field(description="The mention as it appears in the field.")


class FigureKind(StrEnum):
    """What a figure counts."""

    ATTACKS = "attacks"
    KILLED = "killed"
    WOUNDED = "wounded"
    PRISONERS_RELEASED = "prisoners_released"
    PRISONERS = "prisoners"
    TROOPS = "troops"


class FigureQualifier(StrEnum):
    """How a figure's value bounds the count: ``at_least`` ≥, ``more_than`` >, ``up_to`` ≤
    (also for "nearly"), ``about`` ≈; ``vague`` for "dozens", "hundreds", whose value is a
    lower bound."""

    EXACT = "exact"
    AT_LEAST = "at_least"
    MORE_THAN = "more_than"
    ABOUT = "about"
    UP_TO = "up_to"
    VAGUE = "vague"


class Figure(_Frozen):
    """A number in the text tied to what it counts ("more than 4,500 attacks")."""

    kind: FigureKind
    value: int = Field(ge=0, description="The number; for a vague quantity, its lower bound.")
    qualifier: FigureQualifier
    text: str = Field(description="The number phrase with its qualifier, as written.")
    field: TextField
    start: int = Field(ge=0, description="Character offset of the number phrase in the field.")
    end: int = Field(ge=0, description="Character offset just past the number phrase.")
    cue: str = Field(description="The word that says what is counted, as written.")


class ActorKind(StrEnum):
    """What kind of actor a gazetteer entry is."""

    GROUP = "group"
    GOVERNMENT = "government"
    ARMED_FORCES = "armed_forces"
    PERSON = "person"
    ORGANISATION = "organisation"


class Actor(_Frozen):
    """An actor of the gazetteer named in the item, with every mention."""

    id: str = Field(
        pattern=r"^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)?$",
        description="Stable gazetteer id: 'taliban', 'person:zalmay_khalilzad'.",
    )
    name: str = Field(description="Display name.")
    kind: ActorKind
    affiliation: str | None = Field(
        None, description="Id of the actor this one belongs to (a spokesman's group)."
    )
    mentions: list[Mention] = Field(min_length=1, description="In order: title, then summary.")


class PlaceKind(StrEnum):
    """Afghan provinces and cities."""

    PROVINCE = "province"
    CITY = "city"


class Place(_Frozen):
    """A province or city of the gazetteer named in the item, with every mention."""

    id: str = Field(
        pattern=r"^(province|city):[a-z][a-z0-9_]*$",
        description="Stable gazetteer id: 'province:kunduz', 'city:mazar_i_sharif'.",
    )
    name: str = Field(description="Display name.")
    kind: PlaceKind
    iso_3166_2: str = Field(
        pattern=r"^[A-Z]{2}-[A-Z0-9]{1,3}$",
        description="ISO 3166-2 code of the province (of the city's province for a city).",
    )
    mentions: list[Mention] = Field(min_length=1, description="In order: title, then summary.")


class NewsItem(_Frozen):
    """A feed entry normalised to plain text and canonical URLs, tagged with themes.

    ``id`` is stable: the same entry yields the same id on every fetch, from any replica.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        title="NewsItem",
        json_schema_extra={"$id": ITEM_SCHEMA_URI},
    )

    id: str = Field(pattern=r"^[0-9a-f]{32}$", description="Stable item id (hex digest).")
    url: str = Field(description="Canonical URL: absolute, tracking parameters removed.")
    title: str = Field(description="Plain text: no markup, entities decoded, whitespace collapsed.")
    summary: str = Field(description="Plain text, as for title; may be empty.")
    published_at: UtcDatetime = Field(description="Publication time in UTC.")
    published_at_estimated: bool = Field(
        description="True when the feed gave no plausible date and fetched_at was used instead.",
    )
    fetched_at: UtcDatetime = Field(description="When newswatch fetched the feed, in UTC.")
    language: str = Field(description="BCP 47 language tag, lower case; 'und' when unknown.")
    source: Source
    authors: list[str]
    tags: list[str]
    themes: list[ThemeMatch]
    figures: list[Figure] = Field(
        default_factory=list,
        description="Numbers tied to what they count, in text order (title, then summary).",
    )
    actors: list[Actor] = Field(
        default_factory=list, description="Gazetteer actors named, in order of first mention."
    )
    places: list[Place] = Field(
        default_factory=list, description="Afghan places named, in order of first mention."
    )
    story_id: str | None = Field(
        None,
        pattern=r"^[0-9a-f]{32}$",
        description="The story the item belongs to (near-duplicates from other feeds share it): "
        "the id of the story's first item. Absent when stories are not tracked.",
    )
