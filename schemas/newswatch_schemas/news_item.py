"""``NewsItem`` v1: one normalised feed entry, with the themes it matched and why."""

from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from newswatch_schemas.events import ITEM_SCHEMA_URI

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
    published_at: AwareDatetime = Field(description="Publication time in UTC.")
    published_at_estimated: bool = Field(
        description="True when the feed gave no plausible date and fetched_at was used instead.",
    )
    fetched_at: AwareDatetime = Field(description="When newswatch fetched the feed, in UTC.")
    language: str = Field(description="BCP 47 language tag, lower case; 'und' when unknown.")
    source: Source
    authors: list[str]
    tags: list[str]
    themes: list[ThemeMatch]

    @field_validator("published_at", "fetched_at")
    @classmethod
    def _utc_only(cls, value: AwareDatetime) -> AwareDatetime:
        offset = value.utcoffset()
        if offset is None or offset.total_seconds() != 0:
            raise ValueError("timestamps must be in UTC")
        return value
