"""CloudEvents attributes and their two Kafka-binding encodings."""

import json
from datetime import UTC, datetime

from newswatch_schemas.cloudevents import binary_headers, item_attributes, rfc3339, structured_event
from tests.contract.test_json_schemas import sample_item


def test_rfc3339_uses_z() -> None:
    assert rfc3339(datetime(2020, 2, 29, 12, 0, 1, tzinfo=UTC)) == "2020-02-29T12:00:01Z"


def test_binary_headers_carry_every_required_attribute() -> None:
    headers = dict(binary_headers(item_attributes(sample_item())))
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_id"] == b"0123456789abcdef0123456789abcdef"
    assert headers["ce_source"] == b"http://news.test/rss"
    assert headers["ce_type"] == b"org.newswatch.item.v1"
    assert headers["ce_time"] == b"2020-05-04T05:30:00Z"
    assert headers["content-type"] == b"application/json"
    assert "ce_datacontenttype" not in headers


def test_structured_event_nests_data() -> None:
    item = sample_item()
    event = json.loads(structured_event(item_attributes(item), item.model_dump_json()))
    assert event["specversion"] == "1.0"
    assert event["datacontenttype"] == "application/json"
    assert event["data"]["id"] == item.id
    assert event["data"]["themes"][0]["theme"] == "taliban_attacks"
