"""The component tier's harness: the ingester the service assembles, with the in-memory sink
and store, polling a feed served through ``httpx.MockTransport``."""

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import httpx
from prometheus_client import CollectorRegistry

from newswatch.analysis.engine import Analyzer
from newswatch.analysis.themes.compile import compile_themes
from newswatch.analysis.themes.rules import load_themes
from newswatch.common.feeds import FeedConfig
from newswatch.fetching.config import FetchSettings
from newswatch.local.memory import MemoryCheckpoints, MemorySink
from newswatch.observability.metrics import Metrics
from newswatch.service.assembly import Parts, assemble
from newswatch.service.feed_sources import StaticFeeds
from newswatch.service.supervisor import Ingester
from newswatch.settings import Settings
from newswatch_devtools.hostile_server import good_item, rss

FEED = FeedConfig(url="http://feeds.test/feed.xml", name="site")
SETTINGS = Settings(
    fetch=FetchSettings(user_agent="newswatch-component-test"), seen_ids_capacity=1000
)
ANALYZER = Analyzer(compile_themes(load_themes(None)[1]))
WAIT_SECONDS = 5.0

Result = TypeVar("Result")


def item_url(slug: str) -> str:
    """The link of ``good_item(slug)``."""
    return f"http://hostile.test/{slug}"


class FeedSite:
    """One feed behind ``httpx.MockTransport``: its items (each matches a theme) under an
    ETag that changes with them, 304 when the request sends the current one back, a
    permanent redirect to ``moved_to`` once set, and ``failing_with`` (a status) while set.
    Records the ETag each request sent."""

    def __init__(self, *slugs: str) -> None:
        self.slugs = list(slugs)
        self.version = 1
        self.sent_etags: list[str | None] = []
        self.moved_to: str | None = None
        self.failing_with: int | None = None

    @property
    def etag(self) -> str:
        """The current document's ETag."""
        return f'"v{self.version}"'

    def publish(self, slug: str) -> None:
        """Add an item; the document changes, and so does its ETag."""
        self.slugs.append(slug)
        self.version += 1

    def handle(self, request: httpx.Request) -> httpx.Response:
        """Answer one request, as the feed's server would."""
        if self.failing_with is not None:
            return httpx.Response(self.failing_with)
        if self.moved_to is not None and str(request.url) == FEED.url:
            return httpx.Response(301, headers={"Location": self.moved_to})
        sent = request.headers.get("if-none-match")
        self.sent_etags.append(sent)
        if sent == self.etag:
            return httpx.Response(304, headers={"ETag": self.etag})
        return httpx.Response(
            200,
            content=rss(*(good_item(slug) for slug in self.slugs)),
            headers={"ETag": self.etag, "Content-Type": "application/rss+xml"},
        )


class Component:
    """The ingester the service builds (``assemble``), on in-memory parts and a mock site."""

    def __init__(self, site: FeedSite) -> None:
        self.site = site
        self.sink = MemorySink()
        self.store = MemoryCheckpoints()
        self.registry = CollectorRegistry()
        self.metrics = Metrics(self.registry, "test")

    @asynccontextmanager
    async def ingester(self, settings: Settings = SETTINGS) -> AsyncIterator[Ingester]:
        """A freshly assembled ingester polling ``FEED``, sharing this sink and store (a new
        one is what a restart sees)."""
        async with assemble(
            settings,
            Parts(StaticFeeds([FEED]), self.sink, self.store),
            analyzer=ANALYZER,
            metrics=self.metrics,
            transport=httpx.MockTransport(self.site.handle),
        ) as ingester:
            yield ingester

    def published_urls(self) -> list[str]:
        """The URLs of the items acknowledged so far, in order."""
        return [item.url for item in self.sink.items]

    def sample(self, name: str) -> float | None:
        """One per-feed sample of ``FEED``."""
        return self.registry.get_sample_value(name, {"feed": FEED.name})


async def until(condition: Callable[[], bool], what: str) -> None:
    """Let the loop run until ``condition`` holds (fails after ``WAIT_SECONDS``)."""
    async with asyncio.timeout(WAIT_SECONDS):
        while not condition():
            await asyncio.sleep(0.001)
    assert condition(), what


def run(scenario: Callable[[], Coroutine[Any, Any, Result]]) -> Result:
    """Run one async scenario on a fresh event loop."""
    return asyncio.run(scenario())
