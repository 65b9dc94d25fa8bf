"""The newswatch contract: the messages every stage of the pipeline speaks and emits.

Version 1 of the contract. Models here are the source of truth; the JSON Schema files under
``schemas/json/`` are generated from them (``python -m newswatch_schemas.export``).
"""

from newswatch_schemas.events import (
    ITEM_EVENT_TYPE,
    ITEM_SCHEMA_URI,
    REJECTED_EVENT_TYPE,
    REJECTED_SCHEMA_URI,
    STORY_BURST_EVENT_TYPE,
    STORY_BURST_SCHEMA_URI,
)
from newswatch_schemas.news_item import (
    Actor,
    ActorKind,
    ClassifierOpinion,
    Evidence,
    Figure,
    FigureKind,
    FigureQualifier,
    Mention,
    NearestExample,
    NewsItem,
    Place,
    PlaceKind,
    Source,
    TextField,
    ThemeMatch,
)
from newswatch_schemas.rejected_entry import RejectedEntry, RejectionReason
from newswatch_schemas.story_burst import StoryBurst

__all__ = [
    "ITEM_EVENT_TYPE",
    "ITEM_SCHEMA_URI",
    "REJECTED_EVENT_TYPE",
    "REJECTED_SCHEMA_URI",
    "STORY_BURST_EVENT_TYPE",
    "STORY_BURST_SCHEMA_URI",
    "Actor",
    "ActorKind",
    "ClassifierOpinion",
    "Evidence",
    "Figure",
    "FigureKind",
    "FigureQualifier",
    "Mention",
    "NearestExample",
    "NewsItem",
    "Place",
    "PlaceKind",
    "RejectedEntry",
    "RejectionReason",
    "Source",
    "StoryBurst",
    "TextField",
    "ThemeMatch",
]
