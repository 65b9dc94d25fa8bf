"""Every hostile feed case, played by a real HTTP server on loopback against the real fetcher.

Each case must finish within the configured limits, be counted under a closed-set label, and
let the feed's good entries through where the body allows it.
"""

import asyncio
import ipaddress
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from newswatch.analysis.engine import Analyzer
from newswatch.analysis.themes.compile import compile_themes
from newswatch.analysis.themes.rules import load_themes
from newswatch.common.feeds import FeedConfig
from newswatch.fetching.address_policy import AddressPolicy
from newswatch.fetching.config import FetchSettings
from newswatch.fetching.http import Fetcher, Validators
from newswatch.local.memory import MemoryCheckpoints, MemorySink
from newswatch.observability.metrics import Metrics
from newswatch.service.assembly import Parts, assemble
from newswatch.service.feed_sources import StaticFeeds
from newswatch.service.outcome import PollOutcome
from newswatch.service.supervisor import Ingester
from newswatch.settings import Settings
from newswatch_devtools.hostile_server import (
    Handler,
    HostileServer,
    SilentListener,
    chunked_endless_body,
    endless_body,
    good_item,
    gzip_bomb,
    rss,
    send,
    slow_drip,
)

pytestmark = pytest.mark.integration

SETTINGS = Settings(
    fetch=FetchSettings(
        connect_timeout_seconds=1.0,
        read_timeout_seconds=1.0,
        total_timeout_seconds=3.0,
        max_body_bytes=4 * 1024 * 1024,
        max_redirects=3,
        allow_networks=[ipaddress.ip_network("127.0.0.1/32")],
        max_concurrent_fetches=8,
        max_fetches_per_host=8,
        user_agent="newswatch-test",
    ),
    seen_ids_capacity=10_000,
)
LIMITS = SETTINGS.fetch
DEADLINE_SECONDS = LIMITS.total_timeout_seconds + 2.0
FEEDS_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
ANALYZER = Analyzer(compile_themes(load_themes(None)[1]))
"""The bundled themes, compiled once for every poll of these tests."""


class Harness:
    """One in-process ingester wired to the real fetcher, parser and matcher."""

    def __init__(self, server: HostileServer) -> None:
        self.server = server
        self.sink = MemorySink()
        self.store = MemoryCheckpoints()
        self.registry = CollectorRegistry()
        self.metrics = Metrics(self.registry, "test")

    def poll(self, path: str, *, max_entries: int = 1000) -> tuple[PollOutcome, Ingester, float]:
        feed = FeedConfig(url=self.server.url(path), name=path.strip("/").replace("/", "-"))
        return asyncio.run(self._poll(feed, max_entries))

    def parts(self, feed: FeedConfig) -> Parts:
        return Parts(StaticFeeds([feed]), self.sink, self.store)

    async def _poll(
        self, feed: FeedConfig, max_entries: int
    ) -> tuple[PollOutcome, Ingester, float]:
        async with assemble(
            SETTINGS.model_copy(
                update={"fetch": LIMITS.model_copy(update={"max_entries_per_feed": max_entries})}
            ),
            self.parts(feed),
            analyzer=ANALYZER,
            metrics=self.metrics,
        ) as ingester:
            started = time.monotonic()
            (outcome,) = await ingester.run_once()
            return outcome, ingester, time.monotonic() - started

    def problems(self, feed: str, problem: str) -> float:
        value = self.registry.get_sample_value(
            "newswatch_feed_problems_total", {"feed": feed, "problem": problem}
        )
        return value or 0.0


@pytest.fixture
def server() -> Iterator[HostileServer]:
    hostile = HostileServer().start()
    try:
        yield hostile
    finally:
        hostile.stop()


@pytest.fixture
def harness(server: HostileServer) -> Harness:
    return Harness(server)


def static(body: bytes, status: int = 200, **headers: str) -> Handler:
    def handler(request: BaseHTTPRequestHandler) -> None:
        send(request, status, body, **headers)

    return handler


def test_billion_laughs_is_defused_and_good_items_pass(
    server: HostileServer, harness: Harness
) -> None:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{n} "{"&lol{};".format(n - 1 if n > 1 else "") * 10}">' for n in range(1, 10)
    )
    evil = "<item><title>&lol9;</title><link>http://hostile.test/lol</link></item>"
    server.routes["/laughs"] = static(
        rss(good_item("a"), evil, prolog=f"<!DOCTYPE r [{entities}]>")
    )
    report, _, elapsed = harness.poll("/laughs")
    assert report.status == "ok"
    assert elapsed < DEADLINE_SECONDS
    assert [item.url for item in harness.sink.items] == ["http://hostile.test/a"]
    assert harness.problems("laughs", "doctype_removed") == 1


def test_quadratic_entity_blowup_is_defused(server: HostileServer, harness: Harness) -> None:
    entity = "x" * 10_000
    evil = (
        "<item><title>Boom</title><link>http://hostile.test/q</link>"
        f"<description>{'&a;' * 1000}</description></item>"
    )
    server.routes["/quadratic"] = static(
        rss(good_item("q1"), evil, prolog=f'<!DOCTYPE r [<!ENTITY a "{entity}">]>')
    )
    report, _, elapsed = harness.poll("/quadratic")
    assert report.status == "ok"
    assert elapsed < DEADLINE_SECONDS
    assert report.counts.entries == 2
    assert [item.url for item in harness.sink.items] == ["http://hostile.test/q1"]


def test_external_entities_read_no_file_and_fetch_nothing(
    server: HostileServer, harness: Harness
) -> None:
    secret = Path("/etc/hostname").read_text(encoding="utf-8").strip() or "hostname"
    leak = server.url("/leak")
    prolog = (
        f'<!DOCTYPE r [<!ENTITY file SYSTEM "file:///etc/hostname"><!ENTITY web SYSTEM "{leak}">]>'
    )
    evil = "<item><title>Taliban attack &file; &web; checkpoint</title><link>http://hostile.test/x</link></item>"
    server.routes["/xxe"] = static(rss(good_item("x1"), evil, prolog=prolog))
    report, _, _ = harness.poll("/xxe")
    assert report.status == "ok"
    assert "/leak" not in server.requested
    assert all(secret not in item.title + item.summary for item in harness.sink.items)
    assert "http://hostile.test/x1" in [item.url for item in harness.sink.items]


def test_redos_author_is_cut_before_feedparser(server: HostileServer, harness: Harness) -> None:
    author = "x@" + "a." * 16_000 + "!"
    items = [
        good_item(f"r{n}").replace("</item>", f"<author>{author}</author></item>") for n in range(5)
    ]
    server.routes["/redos"] = static(rss(*items))
    report, _, elapsed = harness.poll("/redos")
    assert report.status == "ok"
    assert elapsed < DEADLINE_SECONDS
    assert len(harness.sink.items) == 5
    assert harness.problems("redos", "field_truncated") == 1


def test_a_body_that_is_a_local_path_is_not_opened(server: HostileServer, harness: Harness) -> None:
    server.routes["/path"] = static(str(FEEDS_DIR / "rss2.xml").encode())
    report, _, _ = harness.poll("/path")
    assert report.status == "parse_error"
    assert harness.sink.items == []


@pytest.mark.parametrize(
    ("path", "handler"),
    [("/gzip-bomb", gzip_bomb), ("/huge", endless_body), ("/chunked-huge", chunked_endless_body)],
)
def test_oversized_bodies_are_cut_off(
    server: HostileServer, harness: Harness, path: str, handler: Handler
) -> None:
    server.routes[path] = handler
    report, _, elapsed = harness.poll(path)
    assert report.status == "too_large"
    assert elapsed < DEADLINE_SECONDS


def test_slow_drip_is_cut_at_the_total_timeout(server: HostileServer, harness: Harness) -> None:
    server.routes["/drip"] = slow_drip
    report, _, elapsed = harness.poll("/drip")
    assert report.status == "timeout"
    assert LIMITS.total_timeout_seconds - 0.5 <= elapsed < DEADLINE_SECONDS


def test_a_server_that_never_answers_times_out(harness: Harness) -> None:
    listener = SilentListener()
    try:
        feed = FeedConfig(url=f"http://127.0.0.1:{listener.port}/feed", name="silent")
        report, _, elapsed = asyncio.run(harness._poll(feed, 1000))
    finally:
        listener.close()
    assert report.status == "timeout"
    assert elapsed < DEADLINE_SECONDS


def test_misdeclared_encoding_is_counted(server: HostileServer, harness: Harness) -> None:
    body = rss(good_item("e1")).replace(b"Kunduz", "طالبان".encode("cp1256"))
    server.routes["/cp1256"] = static(body, Content_Type="application/rss+xml; charset=utf-8")
    report, _, _ = harness.poll("/cp1256")
    assert report.status == "ok"
    assert report.counts.entries == 1
    assert (
        harness.problems("cp1256", "encoding_suspect")
        + harness.problems("cp1256", "not_well_formed")
        >= 1
    )


@pytest.mark.parametrize(
    ("path", "body", "content_type"),
    [
        ("/html", b"<!doctype html><html><body><h1>Welcome</h1></body></html>", "text/html"),
        ("/empty", b"", "application/rss+xml"),
    ],
)
def test_not_a_feed(
    server: HostileServer, harness: Harness, path: str, body: bytes, content_type: str
) -> None:
    server.routes[path] = static(body, Content_Type=content_type)
    report, ingester, _ = harness.poll(path)
    assert report.status == "parse_error"
    assert ingester.states[path.strip("/")].consecutive_failures == 1


@pytest.mark.parametrize(
    ("routes", "expected"),
    [
        ({"/loop-a": "/loop-b", "/loop-b": "/loop-a"}, "redirect_loop"),
        ({"/to-file": "file:///etc/passwd"}, "bad_redirect"),
        ({"/to-private": "http://127.0.0.2:9/feed"}, "blocked_address"),
        (
            {"/r1": "/r2", "/r2": "/r3", "/r3": "/r4", "/r4": "/r5", "/r5": "/r6"},
            "too_many_redirects",
        ),
    ],
)
def test_bad_redirects(
    server: HostileServer, harness: Harness, routes: dict[str, str], expected: str
) -> None:
    for path, target in routes.items():
        location = target if "://" in target else server.url(target)
        server.routes[path] = static(b"", 302, Location=location)
    report, _, elapsed = harness.poll(next(iter(routes)))
    assert report.status == expected
    assert elapsed < DEADLINE_SECONDS


def test_permanent_redirect_is_remembered(server: HostileServer, harness: Harness) -> None:
    server.routes["/old"] = static(b"", 301, Location=server.url("/new"))
    server.routes["/new"] = static(rss(good_item("m1")))
    report, ingester, _ = harness.poll("/old")
    assert report.status == "ok"
    assert ingester.states["old"].url == server.url("/new")


def test_loopback_is_refused_unless_allowed(server: HostileServer) -> None:
    async def poll() -> str:
        async with Fetcher(LIMITS, AddressPolicy()) as fetcher:
            try:
                await fetcher.fetch(server.url("/any"), Validators())
            except Exception as error:  # noqa: BLE001 - the test inspects whatever is raised
                return getattr(error, "reason", type(error).__name__)
        return "fetched"

    assert asyncio.run(poll()) == "blocked_address"
    assert server.requested == []


def test_zero_entries(server: HostileServer, harness: Harness) -> None:
    server.routes["/none"] = static(rss())
    report, _, _ = harness.poll("/none")
    assert (report.status, report.counts.entries) == ("ok", 0)


def test_ten_thousand_entries_are_capped(server: HostileServer, harness: Harness) -> None:
    server.routes["/many"] = static(rss(*(good_item(f"n{n}") for n in range(10_000))))
    report, _, elapsed = harness.poll("/many", max_entries=1000)
    assert report.status == "ok"
    assert report.counts.entries == 1000
    assert len(harness.sink.items) == 1000
    assert harness.problems("many", "too_many_entries") == 1
    assert elapsed < 30


def test_duplicate_guids_are_published_once(server: HostileServer, harness: Harness) -> None:
    server.routes["/dupes"] = static(rss(good_item("d"), good_item("d"), good_item("d", "Ghazni")))
    report, _, _ = harness.poll("/dupes")
    assert report.counts.entries == 3
    assert len(harness.sink.items) == 1


@pytest.mark.parametrize(
    "date",
    [
        "yesterday",
        "2025-13-45T10:00:00Z",
        "۱۴۰۳/۰۵/۰۱",
        "Mon, 06 Sep 9999 10:00:00 GMT",
        "",
        "Tue, 31 Feb 2025 10:00:00 GMT",
    ],
)
def test_bad_dates_fall_back_to_fetch_time(
    server: HostileServer, harness: Harness, date: str
) -> None:
    item = good_item("dt").replace("Mon, 04 May 2020 10:00:00 GMT", date)
    server.routes["/dates"] = static(rss(item))
    report, _, _ = harness.poll("/dates")
    assert report.counts.published == 1
    (published,) = harness.sink.items
    assert published.published_at_estimated
    assert published.published_at == published.fetched_at
    assert harness.problems("dates", "date_estimated") == 1


def test_control_characters_are_removed(server: HostileServer, harness: Harness) -> None:
    body = rss(good_item("c1")).replace(b"Kunduz", b"Kun\x01du\x07z\x1b")
    server.routes["/controls"] = static(body)
    report, _, _ = harness.poll("/controls")
    assert report.status == "ok"
    (item,) = harness.sink.items
    assert not any(ord(char) < 32 for char in item.title)


@pytest.mark.parametrize(("status", "outcome"), [(429, "rate_limited"), (503, "http_error")])
def test_retry_after_is_honoured(
    server: HostileServer, harness: Harness, status: int, outcome: str
) -> None:
    server.routes["/busy"] = static(b"slow down", status, Retry_After="7200")
    report, ingester, _ = harness.poll("/busy")
    assert report.status == outcome
    assert ingester.states["busy"].interval_seconds >= 7200


def test_server_errors_back_off(server: HostileServer, harness: Harness) -> None:
    server.routes["/broken"] = static(b"oops", 500)
    feed = FeedConfig(url=server.url("/broken"), name="broken")

    async def poll_three_times() -> list[float]:
        async with assemble(
            SETTINGS, harness.parts(feed), analyzer=Analyzer(()), metrics=harness.metrics
        ) as ingester:
            intervals = []
            for _ in range(3):
                await ingester.run_once()
                intervals.append(ingester.states["broken"].interval_seconds)
            return intervals

    assert asyncio.run(poll_three_times()) == [600, 1200, 2400]
    failures = harness.registry.get_sample_value(
        "newswatch_feed_consecutive_failures", {"feed": "broken"}
    )
    assert failures == 3
