"""``StoryBurst`` v1: a story that many sources carried within a short window."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from newswatch_schemas.events import STORY_BURST_SCHEMA_URI
from newswatch_schemas.news_item import ThemeName
from newswatch_schemas.timestamps import UtcDatetime

HexId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]


class StoryBurst(BaseModel):
    """A story reached ``threshold`` distinct sources within ``window_minutes`` of item time.

    ``id`` is stable: the same burst of the same story gets the same id on a replay, so
    subscribers can de-duplicate on it.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        title="StoryBurst",
        json_schema_extra={"$id": STORY_BURST_SCHEMA_URI},
    )

    id: HexId = Field(description="Stable burst id (hex digest of the story id and ordinal).")
    story_id: HexId = Field(description="The story: the id of its first item.")
    themes: list[ThemeName] = Field(description="Themes of the story's items, sorted.")
    sources: list[str] = Field(
        description="Distinct sources (feed URLs or names) of the story's items, first first.",
    )
    item_ids: list[HexId] = Field(description="Ids of the story's items, first first.")
    source_count: int = Field(ge=1, description="Number of distinct sources; at least threshold.")
    first_seen_at: UtcDatetime = Field(description="Item time of the story's first item, UTC.")
    detected_at: UtcDatetime = Field(description="When the burst was detected, in UTC.")
    window_minutes: int = Field(ge=1, description="The window the sources fell within.")
    threshold: int = Field(ge=2, description="Distinct sources needed within the window.")
