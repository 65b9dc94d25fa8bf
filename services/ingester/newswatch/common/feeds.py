"""The feeds file: which feeds to poll, under which names, in which language."""

import hashlib
import re
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from newswatch.common.config_files import LocatedProblem, bundled_file, load_yaml_model
from newswatch.common.redaction import redact_url

Assign = Callable[[list["FeedConfig"]], Coroutine[Any, Any, None]]
"""Poll exactly these feeds from now on (the whole list each time, not a difference)."""

LANGUAGE_TAG = re.compile(r"[a-z]{2,3}(-[a-z0-9]{1,8})*")
"""A BCP 47 tag, lower case: an ISO 639 language code, then optional subtags (``fa-af``)."""

MAX_TAG_CHARS = 40


class FeedConfig(BaseModel):
    """One feed to poll.

    ``url`` may carry credentials and is for the fetcher only; what leaves the process is
    ``public_url`` (and ``state_key`` for stored state).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(min_length=1)
    name: str = Field("", description="Shown in logs and metrics; defaults to the URL's host.")
    poll_interval_seconds: float | None = Field(None, gt=0)
    language: str = Field(
        "",
        description="BCP 47 code of the language the feed publishes in (en, fa, ps, …): the "
        "analysis's hint for entries that declare none. Empty: the feed document's own "
        "language, else the text decides.",
    )
    tags: tuple[str, ...] = Field((), description="Short labels for people and tools.")

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("must be an absolute http:// or https:// URL")
        return value.strip()

    @field_validator("language")
    @classmethod
    def _language_tag(cls, value: str) -> str:
        tag = value.strip().replace("_", "-").lower()
        if tag and not LANGUAGE_TAG.fullmatch(tag):
            raise ValueError(f"{value!r} is not a BCP 47 language code such as en, fa or ps")
        return tag

    @field_validator("tags")
    @classmethod
    def _short_tags(cls, tags: tuple[str, ...]) -> tuple[str, ...]:
        for tag in tags:
            if not tag.strip() or len(tag) > MAX_TAG_CHARS:
                raise ValueError(f"a tag is 1 to {MAX_TAG_CHARS} characters: {tag!r}")
        return tuple(tag.strip() for tag in tags)

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
    """The whole feeds file: ``feeds:`` and its entries (at least one). ``load_feeds`` also
    refuses a URL or name that two entries share (``repeated_feeds``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    feeds: list[FeedConfig] = Field(min_length=1)


def repeated_feeds(feed_list: FeedList) -> list[LocatedProblem]:
    """The URL or name of each feed that an earlier feed already has, located at the repeat
    (``("feeds", 3, "url")``), so that an error names the line of the repeated entry."""
    seen: dict[tuple[str, str], int] = {}
    repeats: list[LocatedProblem] = []
    for index, feed in enumerate(feed_list.feeds):
        for key, value in (("url", feed.url), ("name", feed.name)):
            first = seen.setdefault((key, value), index)
            if first != index:
                shown = feed.public_url if key == "url" else value
                repeats.append((("feeds", index, key), f"{shown!r} repeats feeds[{first}].{key}"))
    return repeats


def load_feeds(path: Path | None) -> tuple[Path, FeedList]:
    """Load and validate the feeds file, or the bundled one when ``path`` is None."""
    chosen = path or bundled_file("feeds.yaml")
    return chosen, load_yaml_model(chosen, FeedList, repeated_feeds)
