"""The component tier: the assembled ingester with the in-memory sink and store, and feeds
served through ``httpx.MockTransport``. No process, socket or broker: each test takes
milliseconds. These add to the real-broker tests (integration, faults); they replace none."""

import pytest

from tests.component.harness import Component, FeedSite


@pytest.fixture
def site() -> FeedSite:
    """A feed with three items."""
    return FeedSite("a", "b", "c")


@pytest.fixture
def component(site: FeedSite) -> Component:
    """The ingester's parts around ``site``."""
    return Component(site)
