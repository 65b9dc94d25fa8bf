"""The ingester's schedule: which feeds to poll, from the feed source, and when to poll each.

Each feed is polled by its own task, on its own schedule (``FeedState.next_poll``, from
``scheduling``), its first poll at its phase of the interval (``scheduling.first_poll_delay``:
the fleet's polls spread evenly over the interval, not bunched at start-up). One poll is
``poll.FeedPoller``'s job, and its outcome becomes the feed's next state (``FeedState.apply``).
Polling waits while the sink cannot take events. Feeds come and go as the source says: one that
goes is stopped after its poll in flight has finished and stored its checkpoint; one that comes
resumes from its stored checkpoint.
"""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from newswatch.common.feeds import FeedConfig
from newswatch.common.stopping import sleep_unless_stopped
from newswatch.fetching.config import ScheduleSettings
from newswatch.fetching.scheduling import first_poll_delay, with_jitter
from newswatch.observability.metrics import Metrics
from newswatch.service.feed_state import FeedState
from newswatch.service.first_pass import failure_hint, first_pass_failed
from newswatch.service.outcome import PollOutcome
from newswatch.service.poll import FeedPoller
from newswatch.service.poll_log import log_poll
from newswatch.service.ports import CheckpointStore, EventSink, FeedSource
from newswatch.service.seen import SeenIds

log = structlog.get_logger("newswatch.pipeline")

SINK_RETRY_SECONDS = 1.0


class Ingester:
    """Polls the feeds its source hands over, each on its schedule; build it with
    ``assembly.assemble``."""

    def __init__(
        self,
        *,
        source: FeedSource,
        sink: EventSink,
        store: CheckpointStore,
        poller: FeedPoller,
        metrics: Metrics,
        seen: SeenIds,
        schedule: ScheduleSettings,
    ) -> None:
        self._source = source
        self._sink = sink
        self._store = store
        self._poller = poller
        self._metrics = metrics
        self._seen = seen
        self._schedule = schedule
        self._feeds: dict[str, FeedConfig] = {}
        self._states: dict[str, FeedState] = {}
        self._running: dict[str, tuple[asyncio.Task[None], asyncio.Event]] = {}
        self._accepting = False
        self._stopping = False
        self._all_stopped = asyncio.Event()
        self._first_polls: dict[str, str] | None = None
        metrics.feeds.read_gauges_from(self.feed_states)

    @property
    def feeds(self) -> list[FeedConfig]:
        """The feeds this ingester polls now."""
        return list(self._feeds.values())

    @property
    def states(self) -> dict[str, FeedState]:
        """Every feed's state now, by feed name (a copy)."""
        return self.feed_states()

    def feed_states(self) -> dict[str, FeedState]:
        """Every feed's state now, by feed name. Safe on another thread: the dict is copied
        in one step and the states are immutable."""
        return self._states.copy()

    def health(self) -> list[dict[str, Any]]:
        """Every feed's health, for ``/feeds`` and ``newswatch feeds``; on any thread."""
        return [state.snapshot() for state in self.feed_states().values()]

    async def run_once(self) -> list[PollOutcome]:
        """Poll the source's feeds once each, concurrently within the fetch limits.

        The source must know its feeds at once (``StaticFeeds``).
        """
        handed_over = asyncio.Event()
        handed_over.set()
        await self._source.follow(self.set_feeds, handed_over)
        return list(await asyncio.gather(*(self.poll(feed) for feed in self._feeds.values())))

    async def run_forever(self, stop: asyncio.Event) -> None:
        """Poll each feed on its schedule, following the source, until ``stop`` is set.

        Then every feed stops after its poll in flight, and only then the source: a replica
        leaves its group only once it polls nothing. A source that fails stops the ingester,
        and its error is raised once the feeds have stopped.
        """
        self._accepting = True
        self._first_polls = {}
        for feed in self._feeds.values():
            self._start(feed)
        self._metrics.feeds_assigned.set(len(self._feeds))
        source_done = asyncio.Event()
        following = asyncio.create_task(self._follow(source_done, stop), name="feed source")
        await stop.wait()
        self._accepting = False
        self._stopping = True
        polling = list(self._running)
        await asyncio.gather(*(self._stop(url) for url in polling))
        log.info("feeds stopped", stopped=len(polling))
        self._all_stopped.set()
        source_done.set()
        await following

    async def _follow(self, until: asyncio.Event, stop: asyncio.Event) -> None:
        try:
            await self._source.follow(self.set_feeds, until)
        except Exception:
            stop.set()  # what cannot be followed cannot be polled; the error is raised later
            raise

    async def set_feeds(self, feeds: list[FeedConfig]) -> None:
        """Poll exactly ``feeds`` from now on.

        Feeds that go (or change) are stopped after their poll in flight has finished and its
        checkpoint was stored; feeds that come resume from their stored checkpoints. Once
        stopping, this returns when every feed has stopped (a group that takes feeds away
        then hands them to another replica only once this one polls nothing).
        """
        if self._stopping:
            await self._all_stopped.wait()
            return
        wanted = {feed.url: feed for feed in feeds}
        leaving = [url for url, feed in self._feeds.items() if wanted.get(url) != feed]
        arriving = [feed for url, feed in wanted.items() if self._feeds.get(url) != feed]
        await asyncio.gather(*(self._stop(url) for url in leaving))
        checkpoints = await asyncio.to_thread(self._store.load_all) if arriving else {}
        for url in leaving:
            name = self._feeds[url].name
            del self._states[name]
            self._metrics.feeds.remove(name)
        self._feeds = wanted
        for feed in arriving:
            # checkpoints stored before URLs were redacted are keyed by the whole URL
            checkpoint = checkpoints.get(feed.state_key) or checkpoints.get(feed.url)
            self._metrics.feeds.add(feed.name)
            self._states[feed.name] = FeedState.start(feed, self._schedule, checkpoint)
            for identity in checkpoint.done_ids if checkpoint is not None else ():
                self._seen.add(identity)
            if self._accepting:
                self._start(feed)
        self._metrics.feeds_assigned.set(len(wanted))
        if leaving or arriving:
            log.info(
                "feeds changed", polling=len(wanted), started=len(arriving), stopped=len(leaving)
            )

    async def poll(self, feed: FeedConfig) -> PollOutcome:
        """Poll one feed now and keep its next state; failures are counted and logged, never
        raised."""
        structlog.contextvars.bind_contextvars(feed=feed.name, feed_url=feed.public_url)
        try:
            before = self._states[feed.name]
            outcome = await self._poller.poll(before)
            after = self._states[feed.name] = before.apply(outcome)
            log_poll(outcome, after)
        finally:
            structlog.contextvars.unbind_contextvars("feed", "feed_url")
        self._watch_first_pass(feed.name, outcome.status)
        return outcome

    def _watch_first_pass(self, name: str, status: str) -> None:
        """While the service's first pass lasts, note each feed's first outcome; say once
        when every feed failed (the machine is likely offline)."""
        if self._first_polls is None:
            return
        self._first_polls.setdefault(name, status)
        if any(self._first_polls.get(feed.name) is None for feed in self._feeds.values()):
            return
        kinds = first_pass_failed(self._first_polls, (feed.name for feed in self._feeds.values()))
        self._first_polls = None
        if kinds is not None:
            log.warning(
                "no feed could be fetched in the first pass",
                failed=kinds.total(),
                failures=dict(kinds),
                hint=failure_hint(kinds),
            )

    def _start(self, feed: FeedConfig) -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(self._poll_repeatedly(feed, stop), name=f"poll {feed.name}")
        self._running[feed.url] = (task, stop)

    async def _stop(self, url: str) -> None:
        running = self._running.pop(url, None)
        if running is None:
            return
        task, stop = running
        stop.set()
        await task

    async def _poll_repeatedly(self, feed: FeedConfig, stop: asyncio.Event) -> None:
        delay = self._plan_first_poll(feed)
        while not await sleep_unless_stopped(stop, delay):
            if not await self._wait_for_sink(stop):
                return
            try:
                await self.poll(feed)
            except Exception:  # one feed's unforeseen fault must not stop the others
                self._metrics.feeds.count_fetch(feed.name, "internal_error")
                log.exception("poll crashed; the feed stays scheduled", feed=feed.name)
                delay = with_jitter(self._states[feed.name].interval_seconds)
                continue
            due = self._states[feed.name].next_poll or datetime.now(UTC)
            delay = max(0.0, (due - datetime.now(UTC)).total_seconds())

    def _plan_first_poll(self, feed: FeedConfig) -> float:
        """Seconds until the feed's first poll here; its state shows when that is."""
        state, now = self._states[feed.name], datetime.now(UTC)
        due_in = None if state.next_poll is None else (state.next_poll - now).total_seconds()
        delay = first_poll_delay(key=feed.state_key, interval=state.interval_seconds, due_in=due_in)
        self._states[feed.name] = replace(state, next_poll=now + timedelta(seconds=delay))
        return delay

    async def _wait_for_sink(self, stop: asyncio.Event) -> bool:
        """Hold polling while the sink cannot take events (nothing is fetched to be dropped).

        Returns False when stopped while waiting.
        """
        if self._sink.is_ready():
            return True
        log.warning("sink not ready; polling paused until it is")
        while not self._sink.is_ready():
            if await sleep_unless_stopped(stop, SINK_RETRY_SECONDS):
                return False
        log.info("sink ready again; polling resumed")
        return True
