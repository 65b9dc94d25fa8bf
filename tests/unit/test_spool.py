"""The on-disk spool's store: order, size accounting, crash-safe reopen, bad files moved aside."""

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newswatch.common.checkpoint import FeedCheckpoint
from newswatch.kafka.sink import OutgoingRecord
from newswatch.kafka.spool import Accepted, SpoolStore, decode_headers, encode_headers, open_spool
from newswatch.kafka.spooled_sink import newest_checkpoints


def record(n: int, topic: str = "t.items") -> OutgoingRecord:
    return OutgoingRecord(topic, f"key-{n}".encode(), f"value-{n}".encode(), [("ce_id", b"\x00")])


def checkpoint(url: str, hour: int) -> FeedCheckpoint:
    return FeedCheckpoint(
        feed_url=url,
        effective_url=url,
        done_ids=[f"id-{hour}"],
        updated_at=datetime(2026, 1, 1, hour, tzinfo=UTC),
    )


def test_records_come_back_in_the_order_they_were_accepted(tmp_path: Path) -> None:
    store = SpoolStore.open(tmp_path / "s.db")
    store.append([Accepted([record(1), record(2, "t.theme.a")]), Accepted([record(3)])])
    store.append([Accepted([record(4)])])
    peeked = store.peek(0, 10)
    assert [s.record for s in peeked] == [record(1), record(2, "t.theme.a"), record(3), record(4)]
    assert [s.seq for s in store.peek(peeked[1].seq, 2)] == [peeked[2].seq, peeked[3].seq]


def test_the_level_counts_records_and_bytes_and_falls_as_acknowledged_ones_go(
    tmp_path: Path,
) -> None:
    store = SpoolStore.open(tmp_path / "s.db")
    assert store.level.records == 0
    assert store.level.oldest_age(100.0) == 0.0
    store.append([Accepted([record(1), record(2)])], now=10.0)
    store.append([Accepted([record(3)])], now=20.0)
    size = record(1).size
    assert (store.level.records, store.level.bytes) == (3, 3 * size)
    assert store.level.oldest_age(25.0) == 15.0
    first_two = store.peek(0, 2)[-1].seq
    level = store.delete_through(first_two)
    assert (level.records, level.bytes, level.oldest_enqueued_at) == (1, size, 20.0)
    assert [s.record for s in store.peek(0, 10)] == [record(3)]


def test_a_reopened_spool_holds_what_was_committed_and_numbers_on(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    store = SpoolStore.open(path)
    store.append([Accepted([record(1), record(2)], checkpoint("http://a/feed", 3))])
    last = store.peek(0, 10)[-1].seq
    store.delete_through(last)
    store.append([Accepted([record(3)])])
    # no close: as after a SIGKILL, the write-ahead log is all there is
    reopened = SpoolStore.open(path)
    assert [s.record for s in reopened.peek(0, 10)] == [record(3)]
    assert reopened.peek(0, 10)[0].seq > last
    assert reopened.level.records == 1
    assert reopened.checkpoints() == {"http://a/feed": checkpoint("http://a/feed", 3)}
    store.close()
    reopened.close()


def test_held_feeds_are_replaced_as_a_whole(tmp_path: Path) -> None:
    store = SpoolStore.open(tmp_path / "s.db")
    assert store.held_feeds() == []
    store.hold_feeds(["http://b", "http://a"])
    store.hold_feeds(["http://c", "http://a"])
    assert store.held_feeds() == ["http://a", "http://c"]


def test_an_unreadable_spool_is_moved_aside_and_a_new_one_started(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    path.write_bytes(b"this is not a database" * 200)
    with pytest.raises(sqlite3.DatabaseError):
        SpoolStore.open(path)
    store, aside = open_spool(path)
    assert aside is not None
    assert aside.name.startswith("s.db.corrupt-")
    assert aside.read_bytes().startswith(b"this is not a database")
    assert store.level.records == 0
    store.append([Accepted([record(1)])])
    assert store.peek(0, 1)[0].record == record(1)


def test_a_sound_spool_is_not_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    SpoolStore.open(path).append([Accepted([record(1)])])
    store, aside = open_spool(path)
    assert aside is None
    assert store.level.records == 1
    assert sorted(p.name for p in tmp_path.iterdir() if "corrupt" in p.name) == []


def test_headers_survive_the_round_trip() -> None:
    headers = [("ce_id", b"abc"), ("content-type", b"application/json"), ("bin", b"\xff\x00")]
    assert decode_headers(encode_headers(headers)) == headers


def test_the_newer_checkpoint_of_a_feed_wins() -> None:
    kafka = {"a": checkpoint("a", 5), "b": checkpoint("b", 5)}
    spool = {"a": checkpoint("a", 7), "b": checkpoint("b", 2), "c": checkpoint("c", 1)}
    newest = newest_checkpoints(kafka, spool)
    assert {key: value.updated_at.hour for key, value in newest.items()} == {"a": 7, "b": 5, "c": 1}
