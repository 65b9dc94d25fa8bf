"""``RejectedEntry`` v1: a feed entry that could not be normalised (the dead-letter topic)."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from newswatch_schemas.events import REJECTED_SCHEMA_URI
from newswatch_schemas.timestamps import UtcDatetime


class RejectionReason(StrEnum):
    """Why an entry could not become a ``NewsItem``; a closed set, also used as a metric label."""

    NO_LINK = "no_link"
    NO_TEXT = "no_text"
    BAD_URL = "bad_url"
    INVALID = "invalid"


class RejectedEntry(BaseModel):
    """What a subscriber of the dead-letter topic needs to find and fix a bad entry."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        title="RejectedEntry",
        json_schema_extra={"$id": REJECTED_SCHEMA_URI},
    )

    id: str = Field(pattern=r"^[0-9a-f]{32}$", description="Stable id of the rejected entry.")
    feed_url: str
    feed_name: str
    reason: RejectionReason
    detail: str = Field(description="A sentence naming the field that was wrong and how.")
    entry_index: int = Field(ge=0, description="Position of the entry in the feed document.")
    entry: dict[str, str] = Field(
        description="The entry's identifying fields as received (id, link, title), truncated.",
    )
    fetched_at: UtcDatetime
