"""End to end on real parts: local feed servers → ``newswatch run`` → a real Kafka broker."""

import json
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from newswatch_devtools.feed_server import FeedServer, Route
from newswatch_devtools.kafka_reader import read_all, topic_names
from newswatch_devtools.ports import free_port
from newswatch_devtools.repo import ROOT
from newswatch_devtools.service import Service

pytestmark = pytest.mark.integration

FEEDS = ROOT / "tests" / "fixtures" / "feeds"
SCHEMAS = ROOT / "schemas" / "json"


def serve_fixture_feeds(server: FeedServer) -> None:
    """RSS 2.0 and RDF without validators (so dedupe must work), Atom with an ETag (304s)."""
    server.routes["/rss2.xml"] = Route((FEEDS / "rss2.xml").read_bytes())
    server.routes["/atom.xml"] = Route(
        (FEEDS / "atom.xml").read_bytes(), content_type="application/atom+xml", etag='"v1"'
    )
    server.routes["/rdf.xml"] = Route(
        (FEEDS / "rdf.xml").read_bytes(), content_type="application/rdf+xml"
    )


def write_feeds_file(tmp_path: Path, server: FeedServer) -> Path:
    path = tmp_path / "feeds.yaml"
    path.write_text(
        "feeds:\n"
        f"  - {{name: kabul-wire, url: '{server.url('/rss2.xml')}'}}\n"
        f"  - {{name: peace-monitor, url: '{server.url('/atom.xml')}'}}\n"
        f"  - {{name: regional-digest, url: '{server.url('/rdf.xml')}'}}\n",
        encoding="utf-8",
    )
    return path


def headers_of(record: Any) -> dict[str, str]:
    return {name: value.decode("utf-8") for name, value in record.headers}


def test_items_reach_kafka_once_with_cloudevents_headers(
    tmp_path: Path, feed_server: FeedServer, kafka_bootstrap: str
) -> None:
    serve_fixture_feeds(feed_server)
    feeds_file = write_feeds_file(tmp_path, feed_server)
    prefix = f"nwtest-{uuid.uuid4().hex[:10]}"
    args = [
        "--feeds",
        str(feeds_file),
        "--bootstrap-servers",
        kafka_bootstrap,
        "--topic-prefix",
        prefix,
        "--poll-interval",
        "1",
        "--log-format",
        "json",
    ]
    with Service(args, tmp_path / "service.log", free_port()) as service:
        service.wait_for("/readyz", 200)
        assert service.get("/healthz")[0] == 200
        service.wait_for_metric(
            "newswatch_events_published_total", 4, topic=f"{prefix}.items", outcome="ok"
        )
        for feed in ("kabul-wire", "regional-digest"):
            service.wait_for_metric("newswatch_feed_fetches_total", 3, feed=feed, outcome="ok")
        service.wait_for_metric(
            "newswatch_feed_fetches_total", 2, feed="peace-monitor", outcome="not_modified"
        )
        assert service.metric("newswatch_items_dropped_total", reason="duplicate") > 0
        assert service.terminate() == 0, service.logs()
        events = service.log_events()

    assert {
        f"{prefix}.items",
        f"{prefix}.dlq",
        f"{prefix}.theme.doha_agreement",
        f"{prefix}.theme.prisoner_release",
        f"{prefix}.theme.taliban_attacks",
    } <= topic_names(kafka_bootstrap)

    items = read_all(kafka_bootstrap, f"{prefix}.items")
    keys = [record.key.decode() for record in items]
    assert len(keys) == 4, keys
    assert len(set(keys)) == 4, "an item was published twice"

    schema = json.loads((SCHEMAS / "news_item.v1.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    by_title: dict[str, dict[str, Any]] = {}
    for record in items:
        value = json.loads(record.value)
        validator.validate(value)
        headers = headers_of(record)
        assert headers["ce_specversion"] == "1.0"
        assert headers["ce_type"] == "org.newswatch.item.v1"
        assert headers["ce_id"] == value["id"] == record.key.decode()
        assert headers["ce_source"] == value["source"]["feed_url"]
        assert headers["ce_time"].endswith("Z")
        assert headers["content-type"] == "application/json"
        by_title[value["title"]] = value

    checkpoint = by_title["Taliban fighters attack Afghan army checkpoint in Kunduz"]
    assert checkpoint["url"] == "http://example.test/news/kunduz-checkpoint?id=41"
    assert checkpoint["published_at"] == "2020-05-04T05:30:00Z"
    assert checkpoint["summary"].startswith("Taliban fighters attacked an Afghan army checkpoint")
    assert [theme["theme"] for theme in checkpoint["themes"]] == ["taliban_attacks"]
    prisoners = by_title["Afghan government frees 100 more Taliban & prisoners"]
    assert prisoners["url"] == "http://atom.example.test/news/prisoners-freed?page=2"
    assert prisoners["authors"] == ["Ayesha Rahimi", "John Doe"]
    assert "alert" not in prisoners["summary"]
    assert {theme["theme"] for theme in prisoners["themes"]} == {
        "prisoner_release",
        "doha_agreement",
    }
    assert "Cricket: Afghanistan beat Ireland in Dehradun" not in by_title

    per_theme = {
        theme: Counter(r.key.decode() for r in read_all(kafka_bootstrap, f"{prefix}.theme.{theme}"))
        for theme in ("doha_agreement", "prisoner_release", "taliban_attacks")
    }
    assert sum(per_theme["taliban_attacks"].values()) == 2
    assert sum(per_theme["doha_agreement"].values()) == 2
    assert sum(per_theme["prisoner_release"].values()) == 1
    for theme, keys_of_theme in per_theme.items():
        for key in keys_of_theme:
            themes = [
                t["theme"]
                for t in json.loads(next(r.value for r in items if r.key.decode() == key))["themes"]
            ]
            assert theme in themes

    dead = read_all(kafka_bootstrap, f"{prefix}.dlq")
    assert len(dead) == 1
    rejected = json.loads(dead[0].value)
    jsonschema.Draft202012Validator(
        json.loads((SCHEMAS / "rejected_entry.v1.schema.json").read_text(encoding="utf-8"))
    ).validate(rejected)
    assert rejected["reason"] == "bad_url"
    assert rejected["feed_url"] == feed_server.url("/rss2.xml")
    assert rejected["entry"]["title"] == "Taliban prisoners released in Bagram"
    assert headers_of(dead[0])["ce_type"] == "org.newswatch.entry.rejected.v1"

    polled = [event for event in events if event.get("event") == "polled"]
    assert {event["feed"] for event in polled} == {"kabul-wire", "peace-monitor", "regional-digest"}
    assert any(event.get("event") == "stopped" for event in events)


def test_without_kafka_it_polls_into_the_spool_says_degraded_and_exits_cleanly(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    serve_fixture_feeds(feed_server)
    feeds_file = write_feeds_file(tmp_path, feed_server)
    unreachable = f"127.0.0.1:{free_port()}"
    args = ["--feeds", str(feeds_file), "--bootstrap-servers", unreachable, "--log-format", "json"]
    args += ["--poll-interval", "2"]  # first polls come within the interval
    with Service(args, tmp_path / "service.log", free_port()) as service:
        body = json.loads(service.wait_for("/readyz", 200))
        assert (body["ready"], body["status"]) == (True, "degraded: spooling")
        assert service.get("/healthz")[0] == 200
        assert service.metric("newswatch_feeds_configured") == 3
        deadline = time.monotonic() + 90
        while len(feed_server.requests) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        # the matched items, the rejection and the checkpoints of all three feeds wait in the spool
        service.wait_for_metric("newswatch_spool_records", 4 + 1 + 3, timeout_s=90)
        assert service.metric("newswatch_spool_bytes") > 0
        assert service.terminate() == 0, service.logs()
        assert any(e.get("event") == "kafka not reachable; retrying" for e in service.log_events())
    assert len(feed_server.requests) == 3, "the feeds were not polled while Kafka was away"
