"""The on-disk spool: Kafka-ready records kept in SQLite until Kafka acknowledged them.

SQLite (the standard library's ``sqlite3``) in WAL mode with ``synchronous=FULL``: a commit
returns once the write-ahead log is on disk, so a record the spool accepted survives a
SIGKILL or a power cut, and a torn write is rolled back by SQLite itself rather than by a file
format of ours. One table holds the records in the order they were accepted (``seq``); a
second keeps the last checkpoint of each feed, so that the service can start without Kafka;
a third the feeds this replica held last. Every method blocks: call them all from one thread.
"""

import base64
import json
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from newswatch.common.checkpoint import FeedCheckpoint, decode, encode
from newswatch.kafka.sink import Headers, OutgoingRecord

SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    key BLOB NOT NULL,
    value BLOB NOT NULL,
    headers TEXT NOT NULL,
    enqueued_at REAL NOT NULL,
    size INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS checkpoints (state_key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS held_feeds (url TEXT PRIMARY KEY);
"""
SPOOL_SIDE_FILES = ("-wal", "-shm")


@dataclass(frozen=True, slots=True)
class SpooledRecord:
    """A record in the spool, with its place in the order of acceptance."""

    seq: int
    record: OutgoingRecord


@dataclass(frozen=True, slots=True)
class SpoolLevel:
    """How full the spool is: records, their bytes, and when the oldest was accepted."""

    records: int
    bytes: int
    oldest_enqueued_at: float | None

    def oldest_age(self, now: float) -> float:
        """Seconds the oldest record has waited (0 when the spool is empty)."""
        return 0.0 if self.oldest_enqueued_at is None else max(0.0, now - self.oldest_enqueued_at)


@dataclass(frozen=True, slots=True)
class Accepted:
    """What one ``publish_*`` or checkpoint save hands the spool: its records, committed
    together, and the checkpoint they carry, if any (kept locally as well)."""

    records: Sequence[OutgoingRecord]
    checkpoint: FeedCheckpoint | None = None


def encode_headers(headers: Headers) -> str:
    """Headers as a JSON column: names as text, values in base64."""
    return json.dumps([[name, base64.b64encode(value).decode("ascii")] for name, value in headers])


def decode_headers(text: str) -> Headers:
    """The inverse of ``encode_headers``."""
    return [(name, base64.b64decode(value)) for name, value in json.loads(text)]


def _encoded(headers: Headers, done: dict[int, str]) -> str:
    """``encode_headers``, once per headers list of one ``append`` (``done``, by ``id``: the
    lists are alive for the whole call)."""
    text = done.get(id(headers))
    if text is None:
        text = done[id(headers)] = encode_headers(headers)
    return text


def _decoded(text: str, done: dict[str, Headers]) -> Headers:
    """``decode_headers``, once per distinct text of one ``peek`` (``done``)."""
    headers = done.get(text)
    if headers is None:
        headers = done[text] = decode_headers(text)
    return headers


class SpoolStore:
    """The spool's tables in one SQLite file; build it with ``open`` (or ``open_spool``)."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path
        self._level = self._measure()

    @classmethod
    def open(cls, path: Path) -> "SpoolStore":
        """Open (or create) the spool at ``path``; ``sqlite3.DatabaseError`` when the file is
        not a readable spool."""
        path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            _prepare(connection)
            store = cls(connection, path)
        except sqlite3.DatabaseError:
            connection.close()
            raise
        return store

    @property
    def level(self) -> SpoolLevel:
        """How full the spool is now."""
        return self._level

    def append(self, accepted: Sequence[Accepted], now: float | None = None) -> SpoolLevel:
        """Store every record of ``accepted`` in order, and their checkpoints, in one
        transaction; durable once this returns."""
        enqueued_at = time.time() if now is None else now
        encoded: dict[int, str] = {}  # by id(): an item's copies share one headers list
        rows = [
            (r.topic, r.key, r.value, _encoded(r.headers, encoded), enqueued_at, r.size)
            for group in accepted
            for r in group.records
        ]
        checkpoints = [
            (group.checkpoint.feed_url, encode(group.checkpoint))
            for group in accepted
            if group.checkpoint is not None
        ]
        with self._transaction():
            self._db.executemany(
                "INSERT INTO records (topic, key, value, headers, enqueued_at, size)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO checkpoints (state_key, value) VALUES (?, ?)", checkpoints
            )
        added = sum(row[5] for row in rows)
        oldest = self._level.oldest_enqueued_at
        self._level = SpoolLevel(
            self._level.records + len(rows),
            self._level.bytes + added,
            oldest if oldest is not None or not rows else enqueued_at,
        )
        return self._level

    def peek(self, after_seq: int, limit: int) -> list[SpooledRecord]:
        """Up to ``limit`` records after ``after_seq``, in the order they were accepted."""
        rows = self._db.execute(
            "SELECT seq, topic, key, value, headers FROM records"
            " WHERE seq > ? ORDER BY seq LIMIT ?",
            (after_seq, limit),
        ).fetchall()
        decoded: dict[str, Headers] = {}  # an item's copies have the same headers
        return [
            SpooledRecord(
                seq, OutgoingRecord(topic, bytes(key), bytes(value), _decoded(hs, decoded))
            )
            for seq, topic, key, value, hs in rows
        ]

    def delete_through(self, seq: int) -> SpoolLevel:
        """Drop every record up to ``seq`` (acknowledged by Kafka)."""
        with self._transaction():
            self._db.execute("DELETE FROM records WHERE seq <= ?", (seq,))
        self._level = self._measure()
        return self._level

    def checkpoints(self) -> dict[str, FeedCheckpoint]:
        """The last checkpoint spooled for each feed, by state key."""
        latest = {}
        for key, value in self._db.execute("SELECT state_key, value FROM checkpoints"):
            checkpoint = decode(bytes(value))
            if checkpoint is not None:
                latest[key] = checkpoint
        return latest

    def held_feeds(self) -> list[str]:
        """The URLs of the feeds this replica polled last."""
        return [url for (url,) in self._db.execute("SELECT url FROM held_feeds ORDER BY url")]

    def hold_feeds(self, urls: Sequence[str]) -> None:
        """Remember the feeds this replica polls now."""
        with self._transaction():
            self._db.execute("DELETE FROM held_feeds")
            self._db.executemany("INSERT INTO held_feeds (url) VALUES (?)", [(u,) for u in urls])

    def close(self) -> None:
        """Checkpoint the write-ahead log into the file and close."""
        self._db.close()

    def _transaction(self) -> "_Transaction":
        return _Transaction(self._db)

    def _measure(self) -> SpoolLevel:
        count, total, oldest = self._db.execute(
            "SELECT COUNT(*), COALESCE(SUM(size), 0),"
            " (SELECT enqueued_at FROM records ORDER BY seq LIMIT 1) FROM records"
        ).fetchone()
        return SpoolLevel(int(count), int(total), None if oldest is None else float(oldest))


def _prepare(connection: sqlite3.Connection) -> None:
    """WAL mode, synchronous commits, an integrity check, the tables; ``DatabaseError`` when the
    file is not a sound spool."""
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    check = connection.execute("PRAGMA quick_check").fetchone()
    if check is None or check[0] != "ok":
        raise sqlite3.DatabaseError(f"integrity check failed: {check}")
    connection.executescript(SCHEMA)


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, or ``ROLLBACK`` on an error."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")


def move_aside(path: Path, now: float | None = None) -> Path:
    """Rename an unreadable spool (and its WAL files) out of the way; the new name."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() if now is None else now))
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    path.rename(aside)
    for suffix in SPOOL_SIDE_FILES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            side.rename(aside.with_name(aside.name + suffix))
    return aside


def open_spool(path: Path) -> tuple[SpoolStore, Path | None]:
    """The spool at ``path``; when the file there is unreadable, it is moved aside first and a
    new spool is started. Returns the spool and where a bad file was moved (or None).

    Raises ``sqlite3.Error`` (or ``OSError``) when even a new spool cannot be created.
    """
    try:
        return SpoolStore.open(path), None
    except sqlite3.DatabaseError as error:
        if not path.exists() or _held_by_another(error):
            raise
        aside = move_aside(path)
    return SpoolStore.open(path), aside


def _held_by_another(error: sqlite3.DatabaseError) -> bool:
    """A spool locked by another process is in use, not broken: never move it aside."""
    return getattr(error, "sqlite_errorcode", None) in {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
