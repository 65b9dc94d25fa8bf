"""The feeds file: which feeds to poll, under which names."""

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from newswatch.common.config_files import bundled_file, load_yaml_model

Assign = Callable[[list["FeedConfig"]], Coroutine[Any, Any, None]]
"""Poll exactly these feeds from now on (the whole list each time, not a difference)."""


class FeedConfig(BaseModel):
    """One feed to poll."""

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
            object.__setattr__(self, "name", urlsplit(self.url).hostname or self.url)
        return self


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
                    raise ValueError(
                        f"feeds[{index}].{key} {value!r} repeats feeds[{seen[marker]}].{key}"
                    )
                seen[marker] = index
        return feeds


def load_feeds(path: Path | None) -> tuple[Path, FeedList]:
    """Load and validate the feeds file, or the bundled one when ``path`` is None."""
    chosen = path or bundled_file("feeds.yaml")
    return chosen, load_yaml_model(chosen, FeedList)
