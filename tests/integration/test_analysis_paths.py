"""The service and ``newswatch match`` analyse an item alike: the same themes, the same scores.

The same items, in five languages, go through ``newswatch run --once --sink stdout`` (served
as RSS feeds by a local server, one of which declares the wrong language, one none) and through
``newswatch match`` (JSON lines on stdin, with the language each feed declares).
"""

import json
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest

from newswatch.analysis.evaluate import BUNDLED_SET
from newswatch_devtools.feed_server import FeedServer, Route
from newswatch_devtools.ports import free_port
from newswatch_devtools.service import run_newswatch, run_once_to_stdout

pytestmark = pytest.mark.integration

FEEDS = {
    "english": ("en", "en-GB"),
    "dari": ("fa", "en-US"),  # an Afghan CMS's default: the declared language is wrong
    "russian": ("ru", "ru"),
    "french": ("fr", None),  # no language declared
    "arabic": ("ar", "ar"),
}
"""Feed name: (language of its items, language the feed declares)."""


def items_in(language: str) -> list[dict[str, Any]]:
    """Three items of the labelled set in ``language``: two on a theme, one not."""
    labelled = [json.loads(line) for line in BUNDLED_SET.read_text(encoding="utf-8").splitlines()]
    mine = [item for item in labelled if item["lang"] == language]
    on_theme = [item for item in mine if item["themes"]][:2]
    off_theme = [item for item in mine if not item["themes"]][:1]
    return on_theme + off_theme


def rss(feed: str, declared: str | None, items: list[dict[str, Any]]) -> bytes:
    """An RSS 2.0 document of ``items``, declaring ``declared`` as its language."""
    published = format_datetime(datetime.now(UTC))
    entries = "".join(
        f"<item><title>{escape(item['title'])}</title>"
        f"<link>http://{feed}.test/{item['id']}</link><guid>{item['id']}</guid>"
        f"<description>{escape(item['summary'])}</description>"
        f"<pubDate>{published}</pubDate></item>"
        for item in items
    )
    language = f"<language>{declared}</language>" if declared else ""
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{feed}</title><link>http://{feed}.test/</link>{language}{entries}"
        f"</channel></rss>"
    ).encode()


def scores(themes: list[dict[str, Any]]) -> dict[str, float]:
    return {theme["theme"]: theme["score"] for theme in themes}


def test_the_service_and_match_give_the_same_themes_and_scores(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    lines: list[dict[str, Any]] = []
    feeds_file = tmp_path / "feeds.yaml"
    listing = "feeds:\n"
    for feed, (language, declared) in FEEDS.items():
        items = items_in(language)
        assert len(items) == 3, language
        feed_server.routes[f"/{feed}.xml"] = Route(rss(feed, declared, items))
        listing += f"  - {{name: {feed}, url: '{feed_server.url(f'/{feed}.xml')}'}}\n"
        for item in items:
            line = {"id": f"http://{feed}.test/{item['id']}"}
            line |= {"title": item["title"], "summary": item["summary"]}
            lines.append(line | ({"lang": declared} if declared else {}))
    feeds_file.write_text(listing, encoding="utf-8")

    service = run_once_to_stdout(feeds_file, "--bootstrap-servers", f"127.0.0.1:{free_port()}")
    assert service.returncode == 0, service.stderr[-3000:]
    published = {
        event["data"]["url"]: scores(event["data"]["themes"])
        for event in map(json.loads, service.stdout.splitlines())
    }
    matched = run_newswatch(
        "match", stdin="".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    )
    assert matched.returncode == 0, matched.stderr
    by_match = {
        record["id"]: scores(record["themes"])
        for record in map(json.loads, matched.stdout.splitlines())
    }

    assert by_match == {line["id"]: published.get(line["id"], {}) for line in lines}
    on_theme = {url for url, found in by_match.items() if found}
    for feed in FEEDS:
        assert len([url for url in on_theme if url.startswith(f"http://{feed}.test/")]) == 2, feed
