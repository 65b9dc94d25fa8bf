"""The record fetching hands to analysis: one feed entry as the feed gave it."""

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class RawEntry:
    """One feed entry as the feed gave it, before normalisation."""

    index: int
    guid: str
    link: str
    title: str
    summary: str
    published: datetime | None
    published_raw: str
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    language: str
