"""What ``newswatch tail`` shows, as pure functions: no Kafka, no terminal.

An item is read from the record value as plain JSON, not through the ``NewsItem`` model: within
v1 new optional fields may appear, and a reader must ignore the fields it does not know.
"""

import json
import re
from collections import OrderedDict
from datetime import timedelta
from typing import Any

from newswatch.kafka.tail import TailRecord
from newswatch_schemas.cloudevents import structured_event

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """``90s``, ``10m``, ``2h``, ``1d`` or a sum such as ``1h30m``; ``ValueError`` otherwise."""
    compact = text.strip().lower()
    parts = _DURATION_PART.findall(compact)
    if not compact or "".join(number + unit for number, unit in parts) != compact:
        raise ValueError(
            f"not a duration: {text!r} (use a number with s, m, h or d, e.g. 10m or 1h30m)"
        )
    return timedelta(seconds=sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts))


class UnreadableRecordError(ValueError):
    """A record whose value is not an item: empty, not JSON, or not a JSON object."""


def read_item(record: TailRecord) -> dict[str, Any]:
    """The item in the record's value; ``UnreadableRecordError`` when it is not a JSON object."""
    if not record.value:
        raise UnreadableRecordError("empty value")
    try:
        item = json.loads(record.value)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise UnreadableRecordError(f"value is not JSON: {error}") from error
    if not isinstance(item, dict):
        raise UnreadableRecordError("value is not a JSON object")
    return item


def theme_scores(item: dict[str, Any]) -> dict[str, float]:
    """Each theme of the item with its score, in the item's order."""
    scores: dict[str, float] = {}
    for match in item.get("themes") or []:
        if isinstance(match, dict) and isinstance(match.get("theme"), str):
            scores[match["theme"]] = float(match.get("score") or 0.0)
    return scores


def passes_min_score(item: dict[str, Any], min_score: float | None, themes: list[str]) -> bool:
    """True when no minimum is set, or when one of the item's themes (of ``themes`` only, if
    given) scores at least ``min_score``."""
    if min_score is None:
        return True
    return any(
        score >= min_score
        for theme, score in theme_scores(item).items()
        if not themes or theme in themes
    )


def format_item(item: dict[str, Any]) -> str:
    """An item for a person: time, themes with scores and source; then title, link and ids."""
    published = str(item.get("published_at") or "?")
    if item.get("published_at_estimated"):
        published += " (estimated)"
    themes = ", ".join(f"{theme} {score:g}" for theme, score in theme_scores(item).items())
    source = item.get("source")
    source_name = (
        (source.get("name") or source.get("feed_url")) if isinstance(source, dict) else None
    )
    return (
        f"{published}  {themes or 'no theme'}  [{source_name or '?'}]\n"
        f"  {item.get('title') or '(no title)'}\n"
        f"  {item.get('url') or '(no link)'}\n"
        f"  story {item.get('story_id') or '-'}  id {item.get('id') or '-'}"
    )


def format_cloudevent(record: TailRecord) -> str:
    """The record as one structured-mode CloudEvent JSON line (binary-mode ``ce_*`` headers and
    ``content-type`` become attributes, the value becomes ``data``)."""
    attributes = {
        name.removeprefix("ce_"): value
        for name, value in record.headers.items()
        if name.startswith("ce_")
    }
    if "content-type" in record.headers:
        attributes["datacontenttype"] = record.headers["content-type"]
    return structured_event(attributes, (record.value or b"null").decode("utf-8"))


class SeenKeys:
    """The last ``capacity`` record keys seen: an item followed on two theme topics is shown
    once."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._keys: OrderedDict[bytes, None] = OrderedDict()
        self._capacity = capacity

    def first_time(self, key: bytes | None) -> bool:
        """True the first time ``key`` is seen (always for records without a key)."""
        if key is None:
            return True
        if key in self._keys:
            self._keys.move_to_end(key)
            return False
        self._keys[key] = None
        if len(self._keys) > self._capacity:
            self._keys.popitem(last=False)
        return True
