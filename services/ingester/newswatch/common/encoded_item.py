"""A matched item as it is published: its ``NewsItem`` JSON and the few fields the sinks need
beside it.

The analysis workers build the ``NewsItem`` and serialise it once; the main process only puts
the story id in (``with_story``) and hands the bytes on. Rebuilding or pickling the model in
the main process would cost it some 260 µs an item, more than everything else it does.
"""

from typing import NamedTuple

STORY_PLACEHOLDER = "0" * 32
"""The story id an item is serialised with before its story is known: 32 hex digits, as a story
id has, and never a real one (an item id is a SHA-256 prefix)."""
_PLACEHOLDER_FIELD = f'"story_id":"{STORY_PLACEHOLDER}"'.encode("ascii")


class EncodedItem(NamedTuple):
    """One item ready to publish. A plain tuple of plain values: cheap to send between
    processes, and the model is never rebuilt on the way to Kafka."""

    id: str
    url: str
    value: bytes
    """The ``NewsItem`` JSON (UTF-8)."""
    attributes: dict[str, str]
    """Its CloudEvents attributes (``newswatch_schemas.cloudevents.item_attributes``)."""
    themes: tuple[str, ...]
    """The themes it matched, in configuration order: its theme topics."""
    published_ts: float | None
    """Its publication time (seconds since the epoch); None when the date was estimated."""

    def with_story(self, story_id: str) -> "EncodedItem":
        """The item with its story id in place of the placeholder it was serialised with."""
        field = f'"story_id":"{story_id}"'.encode("ascii")
        if len(field) != len(_PLACEHOLDER_FIELD) or _PLACEHOLDER_FIELD not in self.value:
            raise ValueError(f"item {self.id}: no story placeholder, or a malformed story id")
        return self._replace(value=self.value.replace(_PLACEHOLDER_FIELD, field, 1))
