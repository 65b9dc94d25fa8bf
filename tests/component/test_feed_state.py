"""A feed's state, its health and its per-feed gauges, as one poll after another leaves them."""

from newswatch.fetching.config import ScheduleSettings
from newswatch.service.feed_state import FeedState
from tests.component.harness import FEED, SETTINGS, Component, FeedSite, run


def test_gauges_and_health_follow_the_state(site: FeedSite, component: Component) -> None:
    async def scenario() -> FeedState:
        async with component.ingester() as ingester:
            assert ingester.states == {}
            await ingester.run_once()
            assert component.sample("newswatch_feed_consecutive_failures") == 0
            assert component.sample("newswatch_feed_http_status") == 200
            assert ingester.health()[0]["healthy"] is True
            return ingester.states[FEED.name]

    after = run(scenario)
    assert after.last_outcome == "ok"
    assert after.last_entries == 3
    assert after.next_poll is not None
    assert after.snapshot()["next_poll"] == after.next_poll.isoformat().replace("+00:00", "Z")
    assert component.sample("newswatch_feed_next_poll_timestamp_seconds") is None
    assert component.sample("newswatch_feed_fetches_total") is None
    assert (
        component.registry.get_sample_value(
            "newswatch_feed_fetches_total", {"feed": FEED.name, "outcome": "ok"}
        )
        == 1
    )


def test_failures_back_off_and_a_success_resets_them(site: FeedSite, component: Component) -> None:
    async def scenario() -> list[tuple[int, float, int | None]]:
        async with component.ingester() as ingester:
            seen = []
            for failing_with in (500, 500, None):
                site.failing_with = failing_with
                await ingester.run_once()
                state = ingester.states[FEED.name]
                seen.append((state.consecutive_failures, state.interval_seconds, state.last_status))
            return seen

    default = SETTINGS.schedule.poll_interval_seconds
    assert run(scenario) == [(1, default * 2, 500), (2, default * 4, 500), (0, default, 200)]


def test_a_state_starts_from_its_checkpoint_or_afresh(site: FeedSite, component: Component) -> None:
    async def first_run() -> None:
        async with component.ingester() as ingester:
            await ingester.run_once()

    run(first_run)
    schedule = ScheduleSettings()
    checkpoint = component.store.checkpoints[FEED.url]
    resumed = FeedState.start(FEED, schedule, checkpoint)
    assert (resumed.validators.etag, resumed.done_ids) == (
        site.etag,
        frozenset(checkpoint.done_ids),
    )
    afresh = FeedState.start(FEED, schedule)
    assert (afresh.interval_seconds, afresh.validators.etag, afresh.done_ids) == (
        300.0,
        "",
        frozenset[str](),
    )
