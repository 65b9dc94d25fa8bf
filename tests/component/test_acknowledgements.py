"""Publish, then remember: validators, checkpoints and item ids move on only with
acknowledgements (README, Delivery guarantees), checked on the in-memory sink and store."""

import asyncio

from newswatch.fetching.http import Validators
from tests.component.harness import FEED, Component, FeedSite, item_url, run, until


def test_validators_and_checkpoint_wait_for_every_acknowledgement(
    site: FeedSite, component: Component
) -> None:
    async def scenario() -> None:
        async with component.ingester() as ingester:
            component.sink.hold()
            polling = asyncio.create_task(ingester.run_once())
            await until(lambda: component.sink.held == 3, "three publications held")
            assert ingester.states[FEED.name].validators == Validators()
            assert component.store.checkpoints == {}
            assert component.published_urls() == []
            component.sink.release()
            (outcome,) = await polling
            assert outcome.counts.published == 3
            assert ingester.states[FEED.name].validators.etag == site.etag
            checkpoint = component.store.checkpoints[FEED.url]
            assert checkpoint.etag == site.etag
            assert len(checkpoint.done_ids) == 3
            (again,) = await ingester.run_once()
            assert again.status == "not_modified"

    run(scenario)
    assert site.sent_etags == [None, site.etag]
    assert component.store.saves == 1


def test_an_unacknowledged_item_holds_back_validators_and_checkpoint_and_is_sent_again(
    site: FeedSite, component: Component
) -> None:
    async def scenario() -> None:
        async with component.ingester() as ingester:
            component.sink.refuse(item_url("b"))
            (first,) = await ingester.run_once()
            assert (first.status, first.counts.published, first.counts.failed) == ("ok", 2, 1)
            assert ingester.states[FEED.name].validators == Validators()
            assert component.store.checkpoints == {}
            assert component.published_urls() == [item_url("a"), item_url("c")]

            component.sink.accept()
            (second,) = await ingester.run_once()
            assert (second.counts.new, second.counts.published) == (1, 1)
            assert component.published_urls() == [item_url("a"), item_url("c"), item_url("b")]
            assert ingester.states[FEED.name].validators.etag == site.etag
            assert len(component.store.checkpoints[FEED.url].done_ids) == 3

    run(scenario)
    assert site.sent_etags == [None, None]


def test_a_checkpoint_not_stored_is_stored_after_the_next_poll(
    site: FeedSite, component: Component
) -> None:
    async def scenario() -> None:
        async with component.ingester() as ingester:
            component.store.failing = True
            (first,) = await ingester.run_once()
            assert first.checkpoint_stored is False
            assert not ingester.states[FEED.name].checkpoint_saved
            component.store.failing = False
            (second,) = await ingester.run_once()
            assert (second.status, second.checkpoint_stored) == ("not_modified", True)
            assert ingester.states[FEED.name].checkpoint_saved

    run(scenario)
    assert component.store.checkpoints[FEED.url].etag == site.etag
    assert len(component.published_urls()) == 3


def test_a_restart_resumes_from_the_checkpoint(site: FeedSite, component: Component) -> None:
    async def first_run() -> None:
        async with component.ingester() as ingester:
            await ingester.run_once()

    async def restarted() -> tuple[str, str]:
        async with component.ingester() as ingester:
            (unchanged,) = await ingester.run_once()
            site.publish("d")
            (changed,) = await ingester.run_once()
            return unchanged.status, changed.status

    run(first_run)
    assert run(restarted) == ("not_modified", "ok")
    assert component.published_urls() == [item_url(slug) for slug in "abcd"]
    assert site.sent_etags == [None, '"v1"', '"v1"']


def test_a_permanent_move_is_polled_and_stored(site: FeedSite, component: Component) -> None:
    site.moved_to = "http://feeds.test/new.xml"

    async def scenario() -> str:
        async with component.ingester() as ingester:
            await ingester.run_once()
            return ingester.states[FEED.name].url

    assert run(scenario) == site.moved_to
    assert component.store.checkpoints[FEED.url].effective_url == site.moved_to
