"""The demo feed server (deploy/demo/feed_server.py) and its sample feeds, run as processes."""

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
from tests.observability.stack import Process

pytestmark = pytest.mark.integration

DEMO = ROOT / "deploy" / "demo"
SAMPLE_FEEDS = sorted((DEMO / "feeds").glob("*.xml"))
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


@pytest.fixture
def demo_server(tmp_path: Path) -> Iterator[str]:
    """The demo feed server on a free loopback port: every sample item out, one more a second."""
    most = max(len(sample_items(path)) for path in SAMPLE_FEEDS)
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
            "--initial",
            str(most),
            "--window",
            str(most),
            "--interval",
            "1",
            "--quiet",
        ],
        tmp_path / "demo-feeds.log",
    )
    try:
        server.wait_ready(f"http://127.0.0.1:{port}/healthz", timeout_s=15)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def test_sample_feeds_cover_every_bundled_theme_and_some_other_news() -> None:
    assert len(SAMPLE_FEEDS) >= 3
    categories = [category for path in SAMPLE_FEEDS for _, category in sample_items(path)]
    assert set(THEME_OF_CATEGORY) <= set(categories)
    assert [c for c in categories if c not in THEME_OF_CATEGORY], "no off-theme item"


def test_demo_server_serves_growing_feeds_with_etags_and_a_feed_that_is_down(
    demo_server: str,
) -> None:
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

    assert get(f"{demo_server}/down.xml")[0] == 500
    assert get(f"{demo_server}/missing.xml")[0] == 404


def test_the_ingester_tags_the_demo_items_with_their_themes(
    demo_server: str, tmp_path: Path
) -> None:
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(
        "feeds:\n"
        + "".join(
            f"  - {{name: {path.stem}, url: '{demo_server}/{path.stem}.xml'}}\n"
            for path in SAMPLE_FEEDS
        ),
        encoding="utf-8",
    )
    result = run_once_to_stdout(feeds_file)
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
