"""The fetching package's own configuration: how a fetch is bounded, and when to poll.

The service composes both into its settings (``settings.fetch``, ``settings.schedule``).
"""

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_settings import NoDecode

from newswatch import __version__
from newswatch.fetching.address_policy import IPNetwork


def _split_commas(value: object) -> object:
    """``"10.0.0.0/8, 127.0.0.1/32"`` (from the environment) becomes a list."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _host_pairs(value: object) -> object:
    """``"api.gdeltproject.org=5, example.org=2"`` (from the environment) becomes a mapping."""
    if not isinstance(value, str):
        return value
    pairs = {}
    for part in (part.strip() for part in value.split(",")):
        host, equals, seconds = part.partition("=")
        if part and not equals:
            raise ValueError(f"{part!r} is not host=seconds")
        if part:
            pairs[host.strip()] = seconds.strip()
    return pairs


HostIntervals = Annotated[dict[str, float], NoDecode, BeforeValidator(_host_pairs)]
"""Host → seconds, as a mapping, or as ``host=seconds`` pairs separated by commas."""

GDELT_MIN_INTERVAL = {"api.gdeltproject.org": 5.0}
"""GDELT's DOC API answers one request per 5 seconds from a client."""

NetworkList = Annotated[tuple[IPNetwork, ...], NoDecode, BeforeValidator(_split_commas)]
"""CIDRs as a list, or as one comma-separated string (the environment's form)."""


class FetchSettings(BaseModel):
    """Bounds of one fetch and of the fetches in flight, and who the fetcher says it is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    connect_timeout_seconds: float = Field(10.0, gt=0)
    read_timeout_seconds: float = Field(20.0, gt=0)
    total_timeout_seconds: float = Field(60.0, gt=0, description="Whole request, body included.")
    max_body_bytes: int = Field(16 * 1024 * 1024, ge=1024)
    max_redirects: int = Field(5, ge=0)
    user_agent: str = Field(
        f"newswatch/{__version__} (news feed monitor)",
        description="Operators should add a contact: 'newswatch/0.1 (+mailto:ops@example.org)'.",
    )
    allow_networks: NetworkList = Field(
        (), description="Networks (CIDR) the fetcher may reach besides public addresses."
    )
    max_concurrent_fetches: int = Field(64, ge=1)
    max_fetches_per_host: int = Field(2, ge=1)
    host_min_interval_seconds: HostIntervals = Field(
        default_factory=lambda: dict(GDELT_MIN_INTERVAL),
        description="Host → least seconds between the starts of two requests to it.",
    )
    max_entries_per_feed: int = Field(1000, ge=1)
    parse_time_limit_seconds: float = Field(
        30.0,
        gt=0,
        description="Longest a document may take to parse and analyse; then it is a parse error.",
    )


class ScheduleSettings(BaseModel):
    """Bounds of every interval the scheduler picks."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    poll_interval_seconds: float = Field(
        300.0, gt=0, description="Interval of a feed until its publishing rate is known."
    )
    min_poll_interval_seconds: float = Field(60.0, gt=0)
    max_poll_interval_seconds: float = Field(3600.0, gt=0)
    max_backoff_seconds: float = Field(
        6 * 3600.0, gt=0, description="Longest wait after repeated failures or Retry-After."
    )
    max_hinted_interval_seconds: float | None = Field(
        None,
        gt=0,
        description=(
            "Longest interval a server hint (max-age, Expires, <ttl>) may ask for; unset, the "
            "configured interval (the feed's own, else poll_interval_seconds)."
        ),
    )
