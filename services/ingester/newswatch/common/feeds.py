"""The feeds file: which feeds to poll, under which names."""

import hashlib
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from newswatch.common.config_files import bundled_file, load_yaml_model
from newswatch.common.redaction import redact_url

Assign = Callable[[list["FeedConfig"]], Coroutine[Any, Any, None]]
"""Poll exactly these feeds from now on (the whole list each time, not a difference)."""


class FeedConfig(BaseModel):
    """One feed to poll.

    ``url`` may carry credentials and is for the fetcher only; what leaves the process is
    ``public_url`` (and ``state_key`` for stored state).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(min_length=1)
    name: str = Field("", description="Shown in logs and metrics; defaults to the URL's host.")
    poll_interval_seconds: float | None = Field(None, gt=0)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("must be an absolute http:// or https:// URL")
        return value.strip()

    @model_validator(mode="after")
    def _default_name(self) -> "FeedConfig":
        if not self.name:
            object.__setattr__(self, "name", urlsplit(self.url).hostname or self.public_url)
        return self

    @property
    def public_url(self) -> str:
        """The URL as it may be shown: credentials redacted (``common.redaction``)."""
        return redact_url(self.url)

    @property
    def state_key(self) -> str:
        """The feed's identity in stored state (the ``<prefix>.state`` record key).

        The URL itself when it holds no secret (as before redaction existed); otherwise the
        redacted URL and a fingerprint of the whole URL, so that no credential is stored and
        two feeds that differ only in their credentials keep apart.
        """
        public = self.public_url
        if public == self.url:
            return public
        return f"{public} sha256:{hashlib.sha256(self.url.encode('utf-8')).hexdigest()[:16]}"


class FeedList(BaseModel):
    """The whole feeds file: ``feeds:`` and its entries."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    feeds: list[FeedConfig]

    @field_validator("feeds")
    @classmethod
    def _unique(cls, feeds: list[FeedConfig]) -> list[FeedConfig]:
        seen: dict[str, int] = {}
        for index, feed in enumerate(feeds):
            for key, value in (("url", feed.url), ("name", feed.name)):
                marker = f"{key}:{value}"
                if marker in seen:
                    shown = feed.public_url if key == "url" else value
                    raise ValueError(
                        f"feeds[{index}].{key} {shown!r} repeats feeds[{seen[marker]}].{key}"
                    )
                seen[marker] = index
        return feeds


def load_feeds(path: Path | None) -> tuple[Path, FeedList]:
    """Load and validate the feeds file, or the bundled one when ``path`` is None."""
    chosen = path or bundled_file("feeds.yaml")
    return chosen, load_yaml_model(chosen, FeedList)
