"""A long-running ingester polls a feed first at the feed's phase of its interval (not at once),
shows that moment as the feed's next poll, and resumes a feed due sooner at its earlier time;
``run --once`` still polls at once."""

import asyncio
from datetime import UTC, datetime, timedelta

from newswatch.fetching.scheduling import phase
from newswatch.service.supervisor import Ingester
from tests.component.harness import FEED, SETTINGS, Component, run, until

INTERVAL = 2.0
EVERY_TWO_SECONDS = SETTINGS.model_copy(
    update={"schedule": SETTINGS.schedule.model_copy(update={"poll_interval_seconds": INTERVAL})}
)
AT_PHASE = phase(FEED.state_key) * INTERVAL  # 1.47 s for this feed
SLACK_SECONDS = 0.1


def planned_poll(ingester: Ingester) -> datetime | None:
    """When the feed's next poll is due, once the source has handed the feed over."""
    state = ingester.states.get(FEED.name)
    return None if state is None else state.next_poll


def polled(ingester: Ingester) -> bool:
    """Whether the feed was polled."""
    state = ingester.states.get(FEED.name)
    return state is not None and state.last_attempt is not None


def test_the_first_poll_comes_at_the_feeds_phase_of_the_interval(component: Component) -> None:
    async def scenario() -> tuple[float, timedelta, float]:
        stop = asyncio.Event()
        async with component.ingester(EVERY_TWO_SECONDS) as ingester:
            started = datetime.now(UTC)
            running = asyncio.create_task(ingester.run_forever(stop))
            await until(lambda: planned_poll(ingester) is not None, "first poll planned")
            planned = planned_poll(ingester)
            assert planned is not None
            await until(lambda: polled(ingester), "polled")
            attempted = ingester.states[FEED.name].last_attempt
            assert attempted is not None
            stop.set()
            await running
        return (attempted - started).total_seconds(), planned - started, AT_PHASE

    waited, planned, at_phase = run(scenario)
    assert at_phase - SLACK_SECONDS <= waited <= at_phase + 1.0
    assert abs(planned.total_seconds() - at_phase) <= SLACK_SECONDS


def test_a_feed_resumed_due_sooner_than_its_phase_is_polled_then(component: Component) -> None:
    async def first_run() -> None:
        async with component.ingester(EVERY_TWO_SECONDS) as ingester:
            await ingester.run_once()

    async def resumed() -> float:
        stop = asyncio.Event()
        async with component.ingester(EVERY_TWO_SECONDS) as ingester:
            started = datetime.now(UTC)
            running = asyncio.create_task(ingester.run_forever(stop))
            await until(lambda: polled(ingester), "polled")
            attempted = ingester.states[FEED.name].last_attempt
            assert attempted is not None
            stop.set()
            await running
        return (attempted - started).total_seconds()

    run(first_run)
    stored = component.store.checkpoints[FEED.url]
    due_in = 0.3  # stored 1.7 s ago: due 0.3 s from now, before the phase at 1.47 s
    component.store.checkpoints[FEED.url] = stored.model_copy(
        update={"updated_at": datetime.now(UTC) - timedelta(seconds=INTERVAL - due_in)}
    )
    waited = run(resumed)
    assert waited <= due_in + 0.5 < AT_PHASE


def test_run_once_polls_at_once(component: Component) -> None:
    async def scenario() -> float:
        async with component.ingester(EVERY_TWO_SECONDS) as ingester:
            started = datetime.now(UTC)
            await ingester.run_once()
            attempted = ingester.states[FEED.name].last_attempt
            assert attempted is not None
            return (attempted - started).total_seconds()

    assert run(scenario) < AT_PHASE / 2
