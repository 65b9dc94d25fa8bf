"""The demo feed server (deploy/demo/feed_server.py) and its sample feeds, run as processes.
The demo runner itself (``make demo``) is tested end to end in test_demo_runner.py."""

import json
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from newswatch_devtools.ports import free_port
from newswatch_devtools.repo import ROOT
from newswatch_devtools.service import run_newswatch, run_once_to_stdout
from newswatch_schemas import ITEM_EVENT_TYPE, STORY_BURST_EVENT_TYPE
from tests.observability.stack import Process

pytestmark = pytest.mark.integration

DEMO = ROOT / "deploy" / "demo"
SAMPLE_FEEDS = sorted((DEMO / "feeds").glob("*.xml"))
BREAKING = DEMO / "breaking.xml"
# The <category> of a sample item names the bundled theme it is written for.
THEME_OF_CATEGORY = {
    "Peace talks": "doha_agreement",
    "Prisoners": "prisoner_release",
    "Security": "taliban_attacks",
}


def sample_items(path: Path) -> list[tuple[str, str]]:
    """(title, category) of each item of a sample feed."""
    root = ET.parse(path).getroot()  # noqa: S314 - the repository's own files
    return [
        (item.findtext("title", ""), item.findtext("category", "")) for item in root.iter("item")
    ]


def get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status), dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return int(error.code), dict(error.headers), error.read()


def start_demo_server(log_path: Path, *options: str) -> tuple[Process, str]:
    """The demo feed server on a free loopback port with ``options``; it and its URL."""
    port = free_port()
    server = Process(
        "demo feed server",
        [
            sys.executable,
            str(DEMO / "feed_server.py"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--quiet",
            *options,
        ],
        log_path,
    )
    try:
        server.wait_ready(f"http://127.0.0.1:{port}/healthz", timeout_s=15)
    except AssertionError:
        server.stop()
        raise
    return server, f"http://127.0.0.1:{port}"


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[str]:
    """The demo feed server: every sample item out, one more a second, no breaking story."""
    most = max(len(sample_items(path)) for path in SAMPLE_FEEDS)
    server, url = start_demo_server(
        tmp_path / "demo-feeds.log",
        *("--initial", str(most), "--window", str(most), "--interval", "1"),
        *("--burst-after", "-1"),
    )
    try:
        yield url
    finally:
        server.stop()


def write_feeds_file(path: Path, server: str) -> Path:
    """A feeds file of every sample feed on ``server``."""
    path.write_text(
        "feeds:\n"
        + "".join(
            f"  - {{name: {sample.stem}, url: '{server}/{sample.stem}.xml'}}\n"
            for sample in SAMPLE_FEEDS
        ),
        encoding="utf-8",
    )
    return path


def test_sample_feeds_cover_every_bundled_theme_and_some_other_news() -> None:
    assert len(SAMPLE_FEEDS) >= 3
    categories = [category for path in SAMPLE_FEEDS for _, category in sample_items(path)]
    assert set(THEME_OF_CATEGORY) <= set(categories)
    assert [c for c in categories if c not in THEME_OF_CATEGORY], "no off-theme item"


def test_demo_server_serves_growing_feeds_with_etags(demo_server: str) -> None:
    status, _, body = get(f"{demo_server}/")
    assert status == 200
    for path in SAMPLE_FEEDS:
        assert f"/{path.stem}.xml" in body.decode()

    url = f"{demo_server}/{SAMPLE_FEEDS[0].stem}.xml"
    status, headers, body = get(url)
    assert status == 200
    assert headers["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(body).find("channel")  # noqa: S314 - from the server under test
    assert channel is not None
    titles = {item.findtext("title") for item in channel.iter("item")}
    assert titles == {title for title, _ in sample_items(SAMPLE_FEEDS[0])}
    newest = channel.findtext("item/link")
    assert get(url, {"If-None-Match": headers["ETag"]})[0] in {200, 304}

    deadline = time.monotonic() + 10
    while True:
        status, headers, body = get(url)
        if ET.fromstring(body).findtext("channel/item/link") != newest:  # noqa: S314
            break
        assert time.monotonic() < deadline, "no new item appeared"
        assert get(url, {"If-None-Match": headers["ETag"]})[0] == 304
        time.sleep(0.2)

    assert get(f"{demo_server}/missing.xml")[0] == 404


def test_the_ingester_tags_the_demo_items_with_their_themes(
    demo_server: str, tmp_path: Path
) -> None:
    result = run_once_to_stdout(write_feeds_file(tmp_path / "feeds.yaml", demo_server))
    assert result.returncode == 0, result.stderr[-3000:]
    published: dict[str, set[str]] = {}
    for line in result.stdout.splitlines():
        item = json.loads(line)["data"]
        (category,) = item["tags"]
        themes = {theme["theme"] for theme in item["themes"]}
        assert THEME_OF_CATEGORY[category] in themes, (item["title"], themes)
        published.setdefault(item["title"], set()).update(themes)

    on_theme = {
        title
        for path in SAMPLE_FEEDS
        for title, category in sample_items(path)
        if category in THEME_OF_CATEGORY
    }
    assert set(published) == on_theme, "an on-theme item was not matched, or an other one was"
    assert {theme for themes in published.values() for theme in themes} == set(
        THEME_OF_CATEGORY.values()
    )


def test_demo_feeds_file_is_a_valid_feeds_file() -> None:
    result = run_newswatch("check-config", "--feeds", str(DEMO / "feeds.yaml"), timeout_s=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_demo_feed_carries_the_breaking_story_and_the_ingester_sees_one_burst(
    tmp_path: Path,
) -> None:
    (breaking_title, breaking_category) = sample_items(BREAKING)[0]
    server, url = start_demo_server(tmp_path / "demo-feeds.log", "--burst-after", "2")
    try:
        for path in SAMPLE_FEEDS:
            _, _, body = get(f"{url}/{path.stem}.xml")
            titles = [item.findtext("title") for item in ET.fromstring(body).iter("item")]  # noqa: S314
            assert breaking_title not in titles, "the breaking story is out before its time"
        time.sleep(2.5)
        links = set()
        for path in SAMPLE_FEEDS:
            _, _, body = get(f"{url}/{path.stem}.xml")
            newest = ET.fromstring(body).find("channel/item")  # noqa: S314
            assert newest is not None
            assert newest.findtext("title") == breaking_title, path.stem
            links.add(newest.findtext("link"))
        assert len(links) == len(SAMPLE_FEEDS), "each copy must be an item of its own"

        result = run_once_to_stdout(write_feeds_file(tmp_path / "feeds.yaml", url))
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr[-3000:]
    events = [json.loads(line) for line in result.stdout.splitlines()]
    bursts = [event["data"] for event in events if event["type"] == STORY_BURST_EVENT_TYPE]
    breaking = [
        event["data"]
        for event in events
        if event["type"] == ITEM_EVENT_TYPE and event["data"]["title"] == breaking_title
    ]
    assert len(breaking) == len(SAMPLE_FEEDS)
    for item in breaking:
        assert {theme["theme"] for theme in item["themes"]} == {
            THEME_OF_CATEGORY[breaking_category]
        }, "the breaking story must match one theme, so that one StoryBurst alert fires"
    assert len(bursts) == 1, bursts
    assert bursts[0]["themes"] == [THEME_OF_CATEGORY[breaking_category]]
    assert bursts[0]["source_count"] == len(SAMPLE_FEEDS)
