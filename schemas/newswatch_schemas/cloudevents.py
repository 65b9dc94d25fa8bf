"""CloudEvents 1.0 envelopes for the contract's events, in both Kafka binding modes.

Binary mode (Kafka): the value is the event data, the attributes go in ``ce_*`` headers.
Structured mode (stdout): one JSON object holding the attributes and ``data``.
"""

import json
from datetime import datetime
from typing import Any

from newswatch_schemas import (
    ITEM_EVENT_TYPE,
    ITEM_SCHEMA_URI,
    REJECTED_EVENT_TYPE,
    REJECTED_SCHEMA_URI,
    STORY_BURST_EVENT_TYPE,
    STORY_BURST_SCHEMA_URI,
    NewsItem,
    RejectedEntry,
    StoryBurst,
)

SPEC_VERSION = "1.0"
DATA_CONTENT_TYPE = "application/json"
STRUCTURED_CONTENT_TYPE = "application/cloudevents+json; charset=UTF-8"
BURST_SOURCE = "urn:newswatch:stories"
"""``source`` of story bursts, which come from no one feed."""


def rfc3339(moment: datetime) -> str:
    """UTC timestamp as RFC 3339 with a ``Z``."""
    return moment.isoformat().replace("+00:00", "Z")


def item_attributes(item: NewsItem) -> dict[str, str]:
    """CloudEvents attributes of a published item; ``id`` is the item id, stable across polls."""
    return {
        "specversion": SPEC_VERSION,
        "id": item.id,
        "source": item.source.feed_url,
        "type": ITEM_EVENT_TYPE,
        "time": rfc3339(item.fetched_at),
        "subject": item.url,
        "datacontenttype": DATA_CONTENT_TYPE,
        "dataschema": ITEM_SCHEMA_URI,
    }


def rejected_attributes(rejected: RejectedEntry) -> dict[str, str]:
    """CloudEvents attributes of a dead-letter record."""
    return {
        "specversion": SPEC_VERSION,
        "id": rejected.id,
        "source": rejected.feed_url,
        "type": REJECTED_EVENT_TYPE,
        "time": rfc3339(rejected.fetched_at),
        "datacontenttype": DATA_CONTENT_TYPE,
        "dataschema": REJECTED_SCHEMA_URI,
    }


def burst_attributes(burst: StoryBurst) -> dict[str, str]:
    """CloudEvents attributes of a story burst; ``id`` is the burst id, stable across replays."""
    return {
        "specversion": SPEC_VERSION,
        "id": burst.id,
        "source": BURST_SOURCE,
        "type": STORY_BURST_EVENT_TYPE,
        "time": rfc3339(burst.detected_at),
        "subject": burst.story_id,
        "datacontenttype": DATA_CONTENT_TYPE,
        "dataschema": STORY_BURST_SCHEMA_URI,
    }


def binary_headers(attributes: dict[str, str]) -> list[tuple[str, bytes]]:
    """Kafka headers of binary content mode: ``ce_<attribute>`` plus ``content-type``."""
    headers = [
        (f"ce_{name}", value.encode("utf-8"))
        for name, value in attributes.items()
        if name != "datacontenttype"
    ]
    headers.append(("content-type", attributes["datacontenttype"].encode("utf-8")))
    return headers


def structured_event(attributes: dict[str, str], data_json: str) -> str:
    """One structured-mode CloudEvent as a JSON line, with the event data under ``data``."""
    event: dict[str, Any] = {**attributes, "data": json.loads(data_json)}
    return json.dumps(event, ensure_ascii=False, separators=(",", ":"))
