"""Stories on the real broker: two copies of one wire story from two feeds share a story_id,
and when enough sources carry it a story-burst event reaches ``<prefix>.alerts``."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import jsonschema
import pytest

from newswatch_devtools.feed_server import FeedServer, Route
from newswatch_devtools.kafka_reader import read_all
from newswatch_devtools.ports import free_port
from newswatch_devtools.repo import ROOT
from newswatch_devtools.service import Service

pytestmark = pytest.mark.integration

WIRE_TITLE = "Taliban fighters storm army checkpoint in Kunduz, killing 14 soldiers"
WIRE_TEXT = (
    "Taliban fighters stormed an Afghan army checkpoint in Kunduz province before dawn on "
    "Monday, killing at least 14 soldiers and wounding five, provincial officials said. The "
    "attack came as talks on a prisoner exchange stalled, and a spokesman for the governor said "
    "reinforcements had been sent to the district after fighting that lasted several hours."
)


def feed(outlet: str, title: str, summary: str, published: datetime) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{outlet}</title><link>http://{outlet}.test/</link>"
        f"<item><title>{title}</title><link>http://{outlet}.test/kunduz-attack</link>"
        f"<description>{summary}</description>"
        f"<pubDate>{format_datetime(published)}</pubDate></item></channel></rss>"
    ).encode()


def test_copies_share_a_story_and_a_burst_reaches_the_alerts_topic(
    tmp_path: Path, feed_server: FeedServer, kafka_bootstrap: str
) -> None:
    now = datetime.now(UTC)
    feed_server.routes["/wire-a.xml"] = Route(
        feed("wire-a", WIRE_TITLE, WIRE_TEXT, now - timedelta(minutes=20))
    )
    feed_server.routes["/wire-b.xml"] = Route(
        feed(
            "wire-b",
            f"Kunduz: {WIRE_TITLE}",
            WIRE_TEXT + " (Reporting by staff.)",
            now - timedelta(minutes=5),
        )
    )
    feeds_file = tmp_path / "feeds.yaml"
    feeds_file.write_text(
        "feeds:\n"
        f"  - {{name: wire-a, url: '{feed_server.url('/wire-a.xml')}'}}\n"
        f"  - {{name: wire-b, url: '{feed_server.url('/wire-b.xml')}'}}\n"
    )
    prefix = f"nwstory-{uuid.uuid4().hex[:8]}"
    config = tmp_path / "newswatch.yaml"
    config.write_text(
        json.dumps(
            {
                "feeds_file": str(feeds_file),
                "kafka_bootstrap_servers": kafka_bootstrap,
                "topic_prefix": prefix,
                "story_burst_sources": 2,
                "poll_interval_seconds": 2,  # first polls come within the interval
                "log_format": "json",
            }
        )
    )
    with Service(["--config", str(config)], tmp_path / "service.log", free_port()) as service:
        service.wait_for("/readyz", 200)
        service.wait_for_metric("newswatch_story_bursts_total", 1, theme="taliban_attacks")
        assert service.metric("newswatch_stories_total", theme="taliban_attacks") == 1
        assert service.metric("newswatch_story_sources_total", theme="taliban_attacks") == 2
        assert service.terminate() == 0, service.logs()

    items = [json.loads(record.value) for record in read_all(kafka_bootstrap, f"{prefix}.items")]
    assert len(items) == 2
    assert items[0]["id"] != items[1]["id"]
    assert items[0]["story_id"] == items[1]["story_id"] is not None
    for item in items:
        assert "taliban" in {actor["id"] for actor in item["actors"]}
        assert "AF-KDZ" in {place["iso_3166_2"] for place in item["places"]}
        killed = [
            (figure["value"], figure["qualifier"])
            for figure in item["figures"]
            if figure["kind"] == "killed"
        ]
        assert (14, "at_least") in killed
        assert {value for value, _ in killed} == {14}

    alerts = read_all(kafka_bootstrap, f"{prefix}.alerts")
    assert len(alerts) == 1
    burst = json.loads(alerts[0].value)
    schema = json.loads((ROOT / "schemas/json/story_burst.v1.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(burst)
    assert burst["story_id"] == items[0]["story_id"] == alerts[0].key.decode()
    assert burst["source_count"] == 2
    assert sorted(burst["sources"]) == sorted(
        [feed_server.url("/wire-a.xml"), feed_server.url("/wire-b.xml")]
    )
    assert "taliban_attacks" in burst["themes"]
    headers = {name: value.decode() for name, value in alerts[0].headers}
    assert headers["ce_type"] == "org.newswatch.story.burst.v1"
    assert headers["ce_id"] == burst["id"]
