"""Feed checkpoints: what the ingester has finished with, kept in a compacted Kafka topic.

Like a Kafka Connect source offset, a feed's checkpoint is written only after every item of
the poll it describes was acknowledged, and it is read back at start-up, so a restarted
ingester (on this machine or another) neither skips nor repeats what was done. Keyed by the
feed's ``FeedConfig.state_key`` (its URL, or for a URL with credentials the redacted URL and a
fingerprint); ``<prefix>.state`` keeps the latest record per key. No checkpoint holds a
credential.
"""

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

CHECKPOINT_VERSION: Literal[1] = 1


class FeedCheckpoint(BaseModel):
    """Where one feed stands: validators for the next conditional GET and the ids already done.

    ``feed_url`` is the feed's state key (``FeedConfig.state_key``: its URL unless that holds
    credentials) and ``effective_url`` the address polled now, redacted.
    ``done_ids`` are the ids of the entries of the feed's last document that were published,
    sent to the dead-letter topic, or matched no theme.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    version: Literal[1] = CHECKPOINT_VERSION
    feed_url: str
    effective_url: str
    etag: str = ""
    last_modified: str = ""
    done_ids: list[str]
    updated_at: AwareDatetime

    def key(self) -> bytes:
        """The record key: the feed's state key (``FeedConfig.state_key``)."""
        return self.feed_url.encode("utf-8")


def encode(checkpoint: FeedCheckpoint) -> bytes:
    """The record value."""
    return checkpoint.model_dump_json().encode("utf-8")


def decode(value: bytes | None) -> FeedCheckpoint | None:
    """A record value back to a checkpoint; None for tombstones and unreadable records."""
    if not value:
        return None
    try:
        return FeedCheckpoint.model_validate_json(value)
    except ValidationError:
        return None
