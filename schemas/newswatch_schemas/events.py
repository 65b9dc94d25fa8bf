"""CloudEvents names of the contract: event types and the schema URIs they point to.

A breaking change to a model gets a new major version here, and so a new ``type`` and
``dataschema``; consumers route on ``type``.
"""

from typing import Final

ITEM_EVENT_TYPE: Final = "org.newswatch.item.v1"
ITEM_SCHEMA_URI: Final = "urn:newswatch:schema:news-item:v1"

REJECTED_EVENT_TYPE: Final = "org.newswatch.entry.rejected.v1"
REJECTED_SCHEMA_URI: Final = "urn:newswatch:schema:rejected-entry:v1"

STORY_BURST_EVENT_TYPE: Final = "org.newswatch.story.burst.v1"
STORY_BURST_SCHEMA_URI: Final = "urn:newswatch:schema:story-burst:v1"
