"""``newswatch tail`` as a user runs it, on what ``newswatch run --once`` published to Kafka."""

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import jsonschema
import pytest

from newswatch_devtools.feed_server import FeedServer
from newswatch_devtools.kafka_reader import read_all
from newswatch_devtools.ports import free_port
from newswatch_devtools.repo import ROOT
from newswatch_devtools.service import run_newswatch
from tests.integration.test_ingester_kafka import serve_fixture_feeds, write_feeds_file

pytestmark = pytest.mark.integration

ITEM_SCHEMA = json.loads(
    (ROOT / "schemas" / "json" / "news_item.v1.schema.json").read_text(encoding="utf-8")
)


@dataclass(frozen=True)
class Published:
    """What the service published: the broker, the topic prefix, and the items by id."""

    bootstrap: str
    prefix: str
    items: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def published(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Published:
    """One ``newswatch run --once`` of the fixture feeds into fresh topics."""
    server = FeedServer().start()
    try:
        serve_fixture_feeds(server)
        prefix = f"nwtail-{uuid.uuid4().hex[:10]}"
        feeds_file = write_feeds_file(tmp_path_factory.mktemp("tail"), server)
        result = run_newswatch(
            "run",
            "--once",
            "--feeds",
            str(feeds_file),
            "--bootstrap-servers",
            kafka_bootstrap,
            "--topic-prefix",
            prefix,
            "--log-format",
            "json",
        )
        assert result.returncode == 0, result.stderr[-3000:]
    finally:
        server.stop()
    records = read_all(kafka_bootstrap, f"{prefix}.items")
    items = {record.key.decode(): json.loads(record.value) for record in records}
    assert len(items) == 4
    return Published(kafka_bootstrap, prefix, items)


def tail(published: Published, *args: str) -> tuple[int, str, str]:
    """Run ``newswatch tail`` against the published topics; exit code, stdout, stderr."""
    result = run_newswatch(
        "tail",
        "--bootstrap-servers",
        published.bootstrap,
        "--topic-prefix",
        published.prefix,
        *args,
        timeout_s=90,
    )
    return result.returncode, result.stdout, result.stderr


def test_prints_every_item_readably(published: Published) -> None:
    code, out, err = tail(published, "--from-beginning", "--max", "4", "--timeout", "20")
    assert code == 0, err
    assert err == ""
    blocks = [block for block in out.split("\n\n") if block.strip()]
    assert len(blocks) == 4
    for item in published.items.values():
        block = next(block for block in blocks if f"id {item['id']}" in block)
        header, title, link, ids = block.splitlines()
        assert header.startswith(item["published_at"])
        assert f"[{item['source']['name']}]" in header
        for theme in item["themes"]:
            assert f"{theme['theme']} {theme['score']:g}" in header
        assert title == f"  {item['title']}"
        assert link == f"  {item['url']}"
        assert ids.startswith(f"  story {item['story_id']}")


def test_json_gives_one_valid_cloudevent_per_line(published: Published) -> None:
    code, out, err = tail(published, "--from-beginning", "--json", "--timeout", "5")
    assert code == 0, err
    events = [json.loads(line) for line in out.splitlines()]
    assert sorted(event["id"] for event in events) == sorted(published.items)
    for event in events:
        assert event["specversion"] == "1.0"
        assert event["type"] == "org.newswatch.item.v1"
        assert event["datacontenttype"] == "application/json"
        assert event["dataschema"] == ITEM_SCHEMA["$id"]
        assert event["source"] == event["data"]["source"]["feed_url"]
        jsonschema.Draft202012Validator(ITEM_SCHEMA).validate(event["data"])
        assert event["data"] == published.items[event["id"]]


def test_theme_follows_only_that_themes_topic(published: Published) -> None:
    wanted = {
        item_id
        for item_id, item in published.items.items()
        if any(theme["theme"] == "prisoner_release" for theme in item["themes"])
    }
    assert 0 < len(wanted) < len(published.items)
    code, out, err = tail(
        published, "--theme", "prisoner_release", "--from-beginning", "--json", "--timeout", "5"
    )
    assert code == 0, err
    assert {json.loads(line)["id"] for line in out.splitlines()} == wanted


def test_min_score_and_since_filter(published: Published) -> None:
    best = max(theme["score"] for item in published.items.values() for theme in item["themes"])
    code, out, _ = tail(
        published, "--from-beginning", "--json", "--min-score", f"{best}", "--timeout", "5"
    )
    assert code == 0
    assert 1 <= len(out.splitlines()) < len(published.items)
    code, out, _ = tail(published, "--since", "1h", "--json", "--timeout", "5")
    assert code == 0
    assert len(out.splitlines()) == len(published.items)
    time.sleep(2)
    code, out, _ = tail(published, "--since", "1s", "--timeout", "3")
    assert (code, out) == (0, "")


def test_default_reads_only_new_items_and_stops_after_the_timeout(published: Published) -> None:
    started = time.monotonic()
    code, out, err = tail(published, "--timeout", "2")
    assert (code, out, err) == (0, "", "")
    assert time.monotonic() - started < 30


def test_a_group_resumes_where_it_committed(published: Published) -> None:
    group = f"tail-{uuid.uuid4().hex[:8]}"
    args = ("--group", group, "--from-beginning", "--json", "--timeout", "8")
    code, first, err = tail(published, *args, "--max", "2")
    assert code == 0, err
    code, rest, err = tail(published, *args)
    assert code == 0, err
    seen = [json.loads(line)["id"] for line in (first + rest).splitlines()]
    assert sorted(seen) == sorted(published.items), "an item was skipped or shown twice"


def test_a_missing_topic_is_named(published: Published) -> None:
    code, out, err = tail(published, "--theme", "no_such_theme", "--timeout", "1")
    assert code == 3
    assert out == ""
    assert f"no topic {published.prefix}.theme.no_such_theme on {published.bootstrap}" in err


def test_unreachable_kafka_is_one_line_and_exit_1() -> None:
    address = f"127.0.0.1:{free_port()}"
    started = time.monotonic()
    result = run_newswatch("tail", "--bootstrap-servers", address, "--timeout", "60")
    elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"newswatch tail: cannot reach Kafka at {address} within 5 s "
        "(no broker answered, or the brokers refused the security settings)"
    ]
    assert elapsed < 20, f"took {elapsed:.1f} s"


def test_bad_arguments_exit_2() -> None:
    result = run_newswatch("tail", "--since", "yesterday")
    assert result.returncode == 2
    assert "not a duration: 'yesterday'" in result.stderr
