"""Feed sources driving a running ingester: the feeds file, watched for changes."""

import asyncio
import os
from pathlib import Path

import httpx

from newswatch.common.feeds import FeedConfig
from newswatch.service.assembly import Parts, assemble
from newswatch.service.feed_sources import FeedsFile
from tests.component.harness import ANALYZER, FEED, SETTINGS, Component, run, until

OTHER = FeedConfig(url="http://feeds.test/other.xml", name="other")


def write_feeds(path: Path, feeds: list[FeedConfig], version: int) -> None:
    """Write the feeds file, with a modification time of its own."""
    path.write_text(
        "feeds:\n" + "".join(f"  - {{name: {feed.name}, url: '{feed.url}'}}\n" for feed in feeds)
    )
    os.utime(path, (1_700_000_000 + version, 1_700_000_000 + version))


def test_a_running_ingester_follows_the_feeds_file(tmp_path: Path, component: Component) -> None:
    path = tmp_path / "feeds.yaml"
    write_feeds(path, [FEED], 1)
    source = FeedsFile(path, [FEED], check_seconds=0.01)

    async def scenario() -> None:
        stop = asyncio.Event()
        async with assemble(
            SETTINGS,
            Parts(source, component.sink, component.store),
            analyzer=ANALYZER,
            metrics=component.metrics,
            transport=httpx.MockTransport(component.site.handle),
        ) as ingester:
            running = asyncio.create_task(ingester.run_forever(stop))
            await until(lambda: sorted(ingester.states) == ["site"], "the file's feeds polled")
            write_feeds(path, [FEED, OTHER], 2)
            await until(lambda: sorted(ingester.states) == ["other", "site"], "a feed added")
            write_feeds(path, [OTHER], 3)
            await until(lambda: sorted(ingester.states) == ["other"], "a feed removed")
            path.write_text("feeds: [{url: 'not a url'}]\n")
            os.utime(path, (1_700_000_100, 1_700_000_100))
            await asyncio.sleep(0.05)
            assert sorted(ingester.states) == ["other"]
            stop.set()
            await running

    run(scenario)
    fetches = "newswatch_feed_fetches_total"
    assert component.registry.get_sample_value(fetches, {"feed": "site", "outcome": "ok"}) is None
    assert component.registry.get_sample_value(fetches, {"feed": "other", "outcome": "ok"}) == 0
