"""The checked-in JSON Schema files are what the models generate, and they accept real events."""

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import jsonschema
import pytest

from newswatch.kafka.internal_schemas import INTERNAL_SCHEMA_FILES
from newswatch_schemas import Evidence, NewsItem, Source, StoryBurst, ThemeMatch
from newswatch_schemas.export import render_schemas

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas" / "json"


@pytest.mark.parametrize("name", sorted(render_schemas()))
def test_schema_file_is_current(name: str) -> None:
    checked_in = (SCHEMA_DIR / name).read_text(encoding="utf-8")
    assert checked_in == render_schemas()[name], (
        f"schemas/json/{name} is stale: run `python -m newswatch_schemas.export`"
    )


def test_no_unexpected_schema_files() -> None:
    assert sorted(path.name for path in SCHEMA_DIR.glob("*.json")) == sorted(render_schemas())


def test_internal_schema_files_are_current() -> None:
    rendered = render_schemas(INTERNAL_SCHEMA_FILES)
    internal = SCHEMA_DIR / "internal"
    assert sorted(path.name for path in internal.glob("*.json")) == sorted(rendered)
    for name, text in rendered.items():
        assert (internal / name).read_text(encoding="utf-8") == text, (
            f"schemas/json/internal/{name} is stale: run `make schemas`"
        )


def sample_item() -> NewsItem:
    moment = datetime(2020, 5, 4, 5, 30, tzinfo=UTC)
    return NewsItem(
        id="0123456789abcdef0123456789abcdef",
        url="http://news.test/a",
        title="Taliban attack",
        summary="",
        published_at=moment,
        published_at_estimated=False,
        fetched_at=moment,
        language="en",
        source=Source(feed_url="http://news.test/rss", name="news"),
        authors=[],
        tags=[],
        themes=[
            ThemeMatch(
                theme="taliban_attacks",
                score=1.0,
                evidence=[
                    Evidence(
                        term="taliban",
                        rule="actor",
                        field="title",
                        start=0,
                        end=7,
                        text="Taliban",
                        weight=1.0,
                    )
                ],
            )
        ],
    )


def test_serialised_item_validates_against_its_schema() -> None:
    schema = json.loads((SCHEMA_DIR / "news_item.v1.schema.json").read_text(encoding="utf-8"))
    instance = json.loads(sample_item().model_dump_json())
    jsonschema.Draft202012Validator(schema).validate(instance)
    assert instance["published_at"] == "2020-05-04T05:30:00Z"


def test_schema_rejects_a_broken_item() -> None:
    schema = json.loads((SCHEMA_DIR / "news_item.v1.schema.json").read_text(encoding="utf-8"))
    instance = json.loads(sample_item().model_dump_json())
    instance["id"] = "not-a-digest"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(instance)


def test_models_refuse_non_utc_times() -> None:
    data = json.loads(sample_item().model_dump_json())
    data["fetched_at"] = datetime(2020, 5, 4, tzinfo=timezone(timedelta(hours=4, minutes=30)))
    with pytest.raises(ValueError, match="UTC"):
        NewsItem.model_validate(data)


def test_serialised_burst_validates_against_its_schema() -> None:
    schema = json.loads((SCHEMA_DIR / "story_burst.v1.schema.json").read_text(encoding="utf-8"))
    burst = StoryBurst(
        id="fedcba9876543210fedcba9876543210",
        story_id="0123456789abcdef0123456789abcdef",
        themes=["taliban_attacks"],
        sources=["http://news.test/rss", "kabul-wire", "http://other.test/atom"],
        item_ids=["0123456789abcdef0123456789abcdef", "00000000000000000000000000000001"],
        source_count=3,
        first_seen_at=datetime(2020, 5, 4, 5, 0, tzinfo=UTC),
        detected_at=datetime(2020, 5, 4, 5, 40, tzinfo=UTC),
        window_minutes=60,
        threshold=3,
    )
    instance = json.loads(burst.model_dump_json())
    jsonschema.Draft202012Validator(schema).validate(instance)
    assert schema["$id"] == "urn:newswatch:schema:story-burst:v1"
    instance["story_id"] = "not-a-digest"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(instance)
