"""Per-host request spacing: some hosts allow one request every N seconds (GDELT's DOC API:
one per 5 s), so requests to such a host start at least that far apart, whichever feeds
they are for.

``next_start`` is the rule; ``HostSpacing`` the thin async wait that applies it.
"""

import asyncio
from collections.abc import Mapping


def next_start(previous_start: float | None, now: float, min_interval: float) -> float:
    """When the next request to a host may start: now, or ``min_interval`` after the start
    of the previous one (taken or reserved), whichever is later."""
    if previous_start is None:
        return now
    return max(now, previous_start + min_interval)


class HostSpacing:
    """Makes requests to the configured hosts wait their turn.

    Each caller reserves its start time before it sleeps (no await between reading and
    writing the reservation), so concurrent callers for one host line up one interval apart.
    """

    def __init__(self, min_intervals: Mapping[str, float]) -> None:
        self._min_intervals = {host.lower(): seconds for host, seconds in min_intervals.items()}
        self._reserved: dict[str, float] = {}

    async def wait(self, host: str) -> float:
        """Sleep until a request to ``host`` may start; the seconds waited (0 for a host
        without a minimum interval)."""
        interval = self._min_intervals.get(host.lower())
        if not interval:
            return 0.0
        loop = asyncio.get_running_loop()
        now = loop.time()
        start = next_start(self._reserved.get(host.lower()), now, interval)
        self._reserved[host.lower()] = start
        await asyncio.sleep(start - now)
        return start - now
