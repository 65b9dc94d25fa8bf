"""The one timestamp type of the contract: timezone-aware and in UTC."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime


def _require_utc(value: datetime) -> datetime:
    offset = value.utcoffset()
    if offset is None or offset.total_seconds() != 0:
        raise ValueError("timestamps must be in UTC")
    return value


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_require_utc)]
"""A datetime with an explicit UTC offset of zero (serialised with ``Z``)."""
