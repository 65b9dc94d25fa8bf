"""What ``newswatch tail`` shows: durations, the score filter, the readable and JSON forms."""

import json
from datetime import timedelta
from typing import Any

import pytest

from newswatch.commands.tail import start_at
from newswatch.commands.tail_view import (
    SeenKeys,
    UnreadableRecordError,
    format_cloudevent,
    format_item,
    parse_duration,
    passes_min_score,
    read_item,
)
from newswatch.kafka.tail import StartAt, TailRecord
from newswatch_schemas import NewsItem
from tests.contract.test_json_schemas import sample_item


def item_record(item: NewsItem) -> TailRecord:
    return TailRecord(
        topic="newswatch.items",
        partition=0,
        offset=7,
        timestamp_ms=0,
        key=item.id.encode(),
        headers={
            "ce_specversion": "1.0",
            "ce_id": item.id,
            "ce_type": "org.newswatch.item.v1",
            "ce_source": item.source.feed_url,
            "content-type": "application/json",
        },
        value=item.model_dump_json().encode(),
    )


def two_themes() -> dict[str, Any]:
    item: dict[str, Any] = json.loads(sample_item().model_dump_json())
    item["themes"].append({**item["themes"][0], "theme": "doha_agreement", "score": 5.5})
    return item


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("10m", 600), ("2h", 7200), ("1d", 86400), ("1h30m", 5400), (" 1.5M ", 90)],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "10", "10x", "m", "10m junk", "-5m", "1h 30m"])
def test_bad_durations_are_refused_with_the_text(text: str) -> None:
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


def test_since_starts_that_long_before_now() -> None:
    assert start_at(False, "10m", now_s=1000.0) == StartAt("time", 400_000)
    assert start_at(True, None, now_s=1000.0) == StartAt("earliest")
    assert start_at(False, None, now_s=1000.0) == StartAt("latest")


def test_min_score_looks_at_the_best_theme_or_the_chosen_ones() -> None:
    item = two_themes()
    assert passes_min_score(item, None, [])
    assert passes_min_score(item, 5.5, [])
    assert not passes_min_score(item, 5.6, [])
    assert not passes_min_score(item, 2.0, ["taliban_attacks"])
    assert passes_min_score(item, 1.0, ["taliban_attacks"])
    assert not passes_min_score({"themes": []}, 0.0, [])


def test_readable_form_has_time_themes_source_title_link_and_ids() -> None:
    item = two_themes()
    item["story_id"] = "f" * 32
    lines = format_item(item).splitlines()
    assert lines == [
        "2020-05-04T05:30:00Z  taliban_attacks 1, doha_agreement 5.5  [news]",
        "  Taliban attack",
        "  http://news.test/a",
        f"  story {'f' * 32}  id 0123456789abcdef0123456789abcdef",
    ]


def test_readable_form_copes_with_a_sparse_item() -> None:
    text = format_item({"published_at_estimated": True, "source": "odd"})
    assert text.splitlines() == [
        "? (estimated)  no theme  [?]",
        "  (no title)",
        "  (no link)",
        "  story -  id -",
    ]


def test_json_form_is_the_structured_cloudevent() -> None:
    item = sample_item()
    event = json.loads(format_cloudevent(item_record(item)))
    assert event["specversion"] == "1.0"
    assert event["id"] == item.id
    assert event["type"] == "org.newswatch.item.v1"
    assert event["datacontenttype"] == "application/json"
    assert event["data"] == json.loads(item.model_dump_json())
    assert not any(name.startswith("ce_") for name in event)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "empty"),
        (b"{not json", "not JSON"),
        (b"[1]", "not a JSON object"),
        (b"\xff", "not JSON"),
    ],
)
def test_unreadable_values_are_named(value: bytes | None, message: str) -> None:
    record = TailRecord("t", 0, 0, 0, None, {}, value)
    with pytest.raises(UnreadableRecordError, match=message):
        read_item(record)


def test_a_key_is_shown_once_within_the_capacity() -> None:
    seen = SeenKeys(capacity=2)
    assert [seen.first_time(key) for key in (b"a", b"a", b"b", b"c", b"a", None, None)] == [
        True,
        False,
        True,
        True,
        True,
        True,
        True,
    ]
