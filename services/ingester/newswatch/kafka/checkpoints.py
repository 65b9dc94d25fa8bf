"""Reading the feeds' checkpoints back from the compacted ``<prefix>.state`` topic, keyed by
the feed's state key (``FeedConfig.state_key``). They are written through the spool
(``spooled_sink``), like every other record."""

from typing import Any

from newswatch.common.checkpoint import FeedCheckpoint, decode
from newswatch.kafka.client import read_compacted


def read_checkpoints(client_config: dict[str, Any], topic: str) -> dict[str, FeedCheckpoint]:
    """Every feed's latest checkpoint, by state key. Blocking."""
    latest = {}
    for key, value in read_compacted(client_config, topic).items():
        checkpoint = decode(value)
        if checkpoint is not None:
            latest[key] = checkpoint
    return latest
