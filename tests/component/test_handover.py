"""A feed given up (the feeds changed, or the group took it away) is let go only after its poll
in flight has finished and stored its checkpoint, also while the ingester is stopping."""

import asyncio

import pytest

from tests.component.harness import FEED, SETTINGS, Component, run, until

QUICK = SETTINGS.model_copy(
    update={"schedule": SETTINGS.schedule.model_copy(update={"poll_interval_seconds": 0.01})}
)


@pytest.mark.parametrize("stopping", [False, True], ids=["running", "stopping"])
def test_a_feed_is_given_up_after_its_poll_in_flight(
    component: Component, *, stopping: bool
) -> None:
    async def scenario() -> None:
        stop = asyncio.Event()
        async with component.ingester(QUICK) as ingester:
            component.sink.hold()
            running = asyncio.create_task(ingester.run_forever(stop))
            await until(lambda: component.sink.held == 3, "a poll in flight")
            if stopping:
                stop.set()
            handover = asyncio.create_task(ingester.set_feeds([]))
            await asyncio.sleep(0.02)
            assert not handover.done()
            component.sink.release()
            await handover
            assert FEED.url in component.store.checkpoints
            assert stopping or ingester.states == {}
            stop.set()
            await running

    run(scenario)
    assert len(component.published_urls()) == 3
