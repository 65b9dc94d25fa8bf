"""Whether the first pass over the feeds failed for every feed, and what to tell the operator.

When no feed at all could be fetched, one feed is not the problem: the machine is probably
offline (every failure a network one), or the feeds file is wrong. The service says so once,
after every feed's first poll; ``run --once`` exits with its own code.
"""

from collections import Counter
from collections.abc import Iterable, Mapping

from newswatch.service.outcome import SUCCESSFUL_STATUSES

NETWORK_FAILURES = frozenset({"dns_error", "connect_error", "timeout", "tls_error"})
"""The failure kinds that a machine without a network route gets."""

OFFLINE_HINT = (
    "this machine seems offline (no feed's host could be reached); "
    "`make demo` runs the ingester on local sample feeds that need no internet"
)
FEEDS_HINT = "check the feeds' URLs and errors with `newswatch feeds` or the 'feed failed' lines"


def all_failed(statuses: Iterable[str]) -> Counter[str] | None:
    """The failure kinds and how many feeds had each, when at least one poll was made and none
    succeeded; None otherwise."""
    kinds = Counter(statuses)
    if not kinds or any(status in SUCCESSFUL_STATUSES for status in kinds):
        return None
    return kinds


def first_pass_failed(first: Mapping[str, str], feeds: Iterable[str]) -> Counter[str] | None:
    """The failure kinds of the first pass, once every feed of ``feeds`` has had its first
    poll (``first``: the status of each feed's first poll) and none succeeded; None while
    feeds wait for theirs, or when one succeeded."""
    names = set(feeds)
    if not names or not names <= first.keys():
        return None
    return all_failed(first[name] for name in names)


def failure_hint(kinds: Counter[str]) -> str:
    """What the operator should look at, given how the feeds failed."""
    return OFFLINE_HINT if kinds.keys() <= NETWORK_FAILURES else FEEDS_HINT
