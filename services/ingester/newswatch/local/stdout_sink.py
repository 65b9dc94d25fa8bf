"""Items as structured-mode CloudEvent JSON lines on stdout, for ``run --once --sink stdout``."""

import sys
from collections.abc import Sequence
from typing import TextIO

from newswatch.common.encoded_item import EncodedItem
from newswatch.common.errors import PublishError
from newswatch_schemas import RejectedEntry, StoryBurst
from newswatch_schemas.cloudevents import burst_attributes, structured_event


class StdoutSink:
    """An event sink writing each item as one structured-mode CloudEvent JSON line; nothing to
    acknowledge. It keeps no checkpoints: ``--once`` to stdout pairs it with an empty in-memory
    store, so every run starts afresh."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stdout

    async def publish_items(self, items: Sequence[EncodedItem]) -> list[PublishError | None]:
        """Write each item's event line, then flush."""
        for item in items:
            self._stream.write(structured_event(item.attributes, item.value.decode("utf-8")) + "\n")
        self._stream.flush()
        return [None] * len(items)

    async def publish_rejected(self, rejected: RejectedEntry) -> None:
        """Rejected entries are only logged in stdout mode: stdout carries items alone."""

    async def publish_burst(self, burst: StoryBurst) -> None:
        """Write the burst's event line, like an item's (``type`` tells them apart)."""
        self._stream.write(
            structured_event(burst_attributes(burst), burst.model_dump_json()) + "\n"
        )
        self._stream.flush()

    def is_ready(self) -> bool:
        """Always ready."""
        return True

    async def close(self) -> None:
        """Flush the stream."""
        self._stream.flush()
