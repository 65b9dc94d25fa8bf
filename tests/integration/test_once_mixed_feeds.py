"""``newswatch run --once --sink stdout`` over good and hostile feeds: bounded, exit 0, no good
item lost."""

import json
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest

from newswatch_devtools.hostile_server import (
    HostileServer,
    SilentListener,
    good_item,
    gzip_bomb,
    rss,
    send,
    slow_drip,
)
from newswatch_devtools.service import run_once_to_stdout

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
TOTAL_TIMEOUT_SECONDS = 3
POLL_EVENTS = {"polled", "feed failed"}
"""A poll logs one line: ``polled`` when it succeeded, ``feed failed`` when it failed."""


@pytest.fixture
def server() -> Iterator[HostileServer]:
    hostile = HostileServer().start()
    try:
        yield hostile
    finally:
        hostile.stop()


def test_mixed_feeds_finish_within_limits_and_keep_every_good_item(
    tmp_path: Path, server: HostileServer
) -> None:
    author = "x@" + "a." * 16_000 + "!"
    bodies = {
        "/good-rss": (FIXTURES / "rss2.xml").read_bytes(),
        "/good-atom": (FIXTURES / "atom.xml").read_bytes(),
        "/laughs": rss(
            good_item("laughs-good"),
            "<item><title>&lol2;</title><link>http://hostile.test/lol</link></item>",
            prolog='<!DOCTYPE r [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>',
        ),
        "/redos": rss(
            *(
                good_item(f"redos-{n}").replace("</item>", f"<author>{author}</author></item>")
                for n in range(3)
            )
        ),
        "/html": b"<!doctype html><html><body>Moved</body></html>",
    }
    for path, body in bodies.items():
        server.routes[path] = partial(send, status=200, body=body)
    server.routes["/drip"] = slow_drip
    server.routes["/bomb"] = gzip_bomb
    server.routes["/loop"] = lambda request: send(request, 302, b"", Location=server.url("/loop"))
    listener = SilentListener()
    feeds = [server.url(path) for path in (*bodies, "/drip", "/bomb", "/loop")]
    feeds += [f"http://127.0.0.1:{listener.port}/silent", "http://127.0.0.2:9/private"]
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(
        "feeds:\n"
        + "".join(f"  - url: '{url}'\n    name: feed-{n}\n" for n, url in enumerate(feeds))
    )
    environment = {
        "NEWSWATCH_FETCH_ALLOW_NETWORKS": "127.0.0.1/32",
        "NEWSWATCH_CONNECT_TIMEOUT_SECONDS": "1",
        "NEWSWATCH_READ_TIMEOUT_SECONDS": "1",
        "NEWSWATCH_TOTAL_TIMEOUT_SECONDS": str(TOTAL_TIMEOUT_SECONDS),
        "NEWSWATCH_MAX_BODY_BYTES": str(2 * 1024 * 1024),
    }
    started = time.monotonic()
    try:
        result = run_once_to_stdout(feeds_file, timeout_s=60, environment=environment)
    finally:
        listener.close()
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-3000:]
    assert elapsed < TOTAL_TIMEOUT_SECONDS + 10
    urls = sorted(json.loads(line)["data"]["url"] for line in result.stdout.splitlines())
    assert urls == sorted(
        [
            "http://example.test/news/kunduz-checkpoint?id=41",
            "http://example.test/news/khalilzad-doha",
            "http://atom.example.test/news/prisoners-freed?page=2",
            "http://hostile.test/laughs-good",
            "http://hostile.test/redos-0",
            "http://hostile.test/redos-1",
            "http://hostile.test/redos-2",
        ]
    )
    outcomes = {
        event["feed"]: event["status"]
        for event in map(json.loads, result.stderr.splitlines())
        if event.get("event") in POLL_EVENTS
    }
    assert outcomes == {
        "feed-0": "ok",
        "feed-1": "ok",
        "feed-2": "ok",
        "feed-3": "ok",
        "feed-4": "parse_error",
        "feed-5": "timeout",
        "feed-6": "too_large",
        "feed-7": "redirect_loop",
        "feed-8": "timeout",
        "feed-9": "blocked_address",
    }


def test_a_document_that_parses_too_long_is_stopped_and_the_others_still_come_through(
    tmp_path: Path, server: HostileServer
) -> None:
    huge = rss(*(good_item(f"huge-{n}") for n in range(20_000)))
    small = rss(good_item("small", place="Herat"))
    server.routes["/huge"] = lambda request: send(request, 200, huge)
    server.routes["/small"] = lambda request: send(request, 200, small)
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(
        "feeds:\n"
        f"  - {{name: huge, url: '{server.url('/huge')}'}}\n"
        f"  - {{name: small, url: '{server.url('/small')}'}}\n"
    )
    result = run_once_to_stdout(
        feeds_file,
        timeout_s=60,
        environment={
            "NEWSWATCH_FETCH_ALLOW_NETWORKS": "127.0.0.1/32",
            "NEWSWATCH_PARSE_TIME_LIMIT_SECONDS": "1",
        },
    )
    assert result.returncode == 0, result.stderr[-3000:]
    urls = [json.loads(line)["data"]["url"] for line in result.stdout.splitlines()]
    assert urls == ["http://hostile.test/small"]
    events = [json.loads(line) for line in result.stderr.splitlines()]
    outcomes = {event["feed"]: event["status"] for event in events if event["event"] in POLL_EVENTS}
    assert outcomes == {"huge": "parse_error", "small": "ok"}
    failure = next(event for event in events if event["event"] == "feed failed")
    assert "parsing and analysis took longer than 1 s" in failure["error"]
