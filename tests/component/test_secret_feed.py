"""A feed with credentials, through the assembled ingester: the fetcher sends them, the item and
the checkpoint hold none, and a checkpoint stored under the whole URL (before redaction) is
still where the feed resumes."""

import base64
from datetime import UTC, datetime

import httpx
from prometheus_client import CollectorRegistry

from newswatch.common.checkpoint import FeedCheckpoint
from newswatch.common.feeds import FeedConfig
from newswatch.local.memory import MemoryCheckpoints, MemorySink
from newswatch.observability.metrics import Metrics
from newswatch.service.assembly import Parts, assemble
from newswatch.service.feed_sources import StaticFeeds
from newswatch_devtools.hostile_server import good_item, rss
from tests.component.harness import ANALYZER, SETTINGS, run

FEED = FeedConfig(url="https://reader:s3cret@feeds.test/feed.xml?token=t0ps3cret", name="private")
ETAG = '"v1"'


class PrivateSite:
    """Answers only with the credentials; 304 to the right ETag."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        credentials = "Basic " + base64.b64encode(b"reader:s3cret").decode()
        if request.url.params.get("token") != "t0ps3cret" or (
            request.headers.get("authorization") != credentials
        ):
            return httpx.Response(401)
        if request.headers.get("if-none-match") == ETAG:
            return httpx.Response(304, headers={"etag": ETAG})
        body = rss(good_item("kunduz-attack"))
        return httpx.Response(200, content=body, headers={"etag": ETAG})


async def poll_once(site: PrivateSite, sink: MemorySink, store: MemoryCheckpoints) -> None:
    async with assemble(
        SETTINGS,
        Parts(StaticFeeds([FEED]), sink, store),
        analyzer=ANALYZER,
        metrics=Metrics(CollectorRegistry(), "test"),
        transport=httpx.MockTransport(site.handle),
    ) as ingester:
        await ingester.run_once()


def test_the_credentials_reach_the_site_and_nothing_else() -> None:
    site, sink, store = PrivateSite(), MemorySink(), MemoryCheckpoints()
    run(lambda: poll_once(site, sink, store))
    assert [request.headers.get("authorization", "")[:6] for request in site.requests] == ["Basic "]
    assert len(sink.items) == 1
    assert sink.items[0].source.feed_url == FEED.public_url
    assert list(store.checkpoints) == [FEED.state_key]
    stored = "".join(checkpoint.model_dump_json() for checkpoint in store.checkpoints.values())
    assert "s3cret" not in stored + sink.items[0].model_dump_json()


def test_a_checkpoint_under_the_whole_url_is_still_resumed() -> None:
    before = FeedCheckpoint(
        feed_url=FEED.url,
        effective_url=FEED.url,
        etag=ETAG,
        done_ids=[],
        updated_at=datetime(2026, 12, 1, tzinfo=UTC),
    )
    site, sink = PrivateSite(), MemorySink()
    run(lambda: poll_once(site, sink, MemoryCheckpoints({FEED.url: before})))
    assert [request.headers.get("if-none-match") for request in site.requests] == [ETAG]
    assert sink.items == []
