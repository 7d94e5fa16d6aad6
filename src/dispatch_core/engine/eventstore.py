"""The stored event feed: events and consumer checkpoints in a journal's SQLite file.

The writer (:class:`~dispatch_core.engine.journal.Journal`) and the readers
(:class:`~dispatch_core.engine.feed.EventFeed`, in any process) share these functions, so the
feed has one reading rule: events come back in ``seq`` order, each checked against its CRC32.
"""

from __future__ import annotations

import sqlite3
import zlib
from dataclasses import dataclass
from pathlib import Path

from dispatch_core.errors import InvalidInputError, JournalCorruptError, JournalError

__all__ = [
    "StoredEvent",
    "ack",
    "check_ack",
    "check_range",
    "checkpoint",
    "checksum",
    "decode_text",
    "drop_events_from",
    "first_event_of",
    "last_event",
    "read_events",
    "recent_keys",
    "result_of",
    "ticket_events",
]

_COLUMNS = "SELECT seq, record, ticket_id, body, crc FROM events"


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """One event as the journal keeps it: its ``seq``, the record that caused it, its JSON."""

    seq: int
    record: int
    ticket_id: str | None
    body: str


def checksum(seq: int, kind: str, body: str) -> int:
    """CRC32 of one record.

    Examples
    --------
    >>> checksum(1, "cmd", "{}")
    3818890241
    """
    return zlib.crc32(f"{seq}|{kind}|{body}".encode())


def decode_text(value: object) -> str | None:
    r"""Decode a stored text column; ``None`` if it is not valid UTF-8 text (damage).

    Examples
    --------
    >>> decode_text(b"ok"), decode_text(b"\xff"), decode_text(7)
    ('ok', None, None)
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return None


def check_range(after: object, limit: object) -> None:
    """Raise :class:`InvalidInputError` unless ``after >= 0`` and ``limit`` is ``None`` or ``>= 1``.

    The feed's reading rule, shared by the journal and the in-memory engine.
    """
    if not isinstance(after, int) or isinstance(after, bool) or after < 0:
        raise InvalidInputError("after", after, "must be an integer >= 0")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise InvalidInputError("limit", limit, "must be an integer >= 1")


def check_ack(consumer: object, seq: object, *, last: int) -> None:
    """Raise :class:`InvalidInputError` unless ``consumer`` names a consumer and ``seq`` is known.

    A consumer is a name of 1-200 characters; ``seq`` an event seq between 0 and ``last``.
    """
    if not isinstance(consumer, str) or not consumer or len(consumer) > 200:
        raise InvalidInputError("consumer", consumer, "must be a name of 1-200 characters")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq <= last:
        raise InvalidInputError("seq", seq, f"must be an event seq between 0 and {last}")


def read_events(
    db: sqlite3.Connection, path: Path, *, after: int = 0, limit: int | None = None
) -> list[StoredEvent]:
    """Return the stored events with ``seq > after``, in order (at most ``limit``).

    Raises
    ------
    InvalidInputError
        If ``after`` is negative or ``limit`` is below 1.
    JournalCorruptError
        If a stored event fails its checksum or the table is damaged.
    """
    check_range(after, limit)
    query = f"{_COLUMNS} WHERE seq > ? ORDER BY seq LIMIT ?"
    return _rows(db, path, query, (after, -1 if limit is None else limit))


@dataclass(frozen=True, slots=True)
class StoredResult:
    """A journalled command (its record ``seq`` and JSON) and the events it caused."""

    record: int
    command: str
    events: tuple[StoredEvent, ...]


def recent_keys(db: sqlite3.Connection, path: Path, *, limit: int) -> list[tuple[str, int]]:
    """Return ``(key, record)`` of the last ``limit`` commands in the log, oldest first.

    This is the idempotency table of a durable engine (see
    :class:`~dispatch_core.engine.idempotency.JournalResults`); each record is checked when a
    retry reads it back (:func:`result_of`).

    Raises
    ------
    JournalCorruptError
        If the log is damaged.
    """
    if limit <= 0:
        return []
    try:
        rows = db.execute(
            "SELECT json_extract(body, '$.key'), seq FROM log WHERE kind = 'cmd'"
            " ORDER BY seq DESC LIMIT ?",
            (limit,),
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise JournalCorruptError(f"{path}: the log is damaged: {exc}") from exc
    out = []
    for raw, seq in reversed(rows):
        key = decode_text(raw)
        if key is None or not isinstance(seq, int):
            raise JournalCorruptError(f"{path}: command record {seq} has no key")
        out.append((key, seq))
    return out


def result_of(db: sqlite3.Connection, path: Path, record: int) -> StoredResult | None:
    """Return the command of log record ``record`` and the events it caused, checked.

    ``None`` when there is no such command record.

    Raises
    ------
    JournalCorruptError
        If the record or one of its events fails its checksum, or the tables are damaged.
    """
    try:
        row = db.execute("SELECT kind, body, crc FROM log WHERE seq = ?", (record,)).fetchone()
    except sqlite3.DatabaseError as exc:
        raise JournalCorruptError(f"{path}: the log is damaged: {exc}") from exc
    if row is None:
        return None
    kind, body = decode_text(row[0]), decode_text(row[1])
    if kind is None or body is None or checksum(record, kind, body) != row[2]:
        raise JournalCorruptError(f"{path}: record {record} fails its checksum")
    if kind != "cmd":
        return None
    start, end = first_event_of(db, path, record), first_event_of(db, path, record + 1)
    query = f"{_COLUMNS} WHERE seq >= ? AND seq < ? AND record = ? ORDER BY seq"
    return StoredResult(record, body, tuple(_rows(db, path, query, (start, end, record))))


def first_event_of(db: sqlite3.Connection, path: Path, record: int) -> int:
    """Return the lowest event ``seq`` whose record is ``>= record`` (records rise with seq)."""
    try:
        lo, hi = 1, last_event(db, path) + 1
        while lo < hi:  # binary search over the primary key: no index on ``record`` to keep
            mid = (lo + hi) // 2
            row = db.execute(
                "SELECT record FROM events WHERE seq >= ? ORDER BY seq LIMIT 1", (mid,)
            ).fetchone()
            if row is None or not isinstance(row[0], int) or row[0] >= record:
                hi = mid
            else:
                lo = mid + 1
    except sqlite3.DatabaseError as exc:
        raise JournalCorruptError(f"{path}: the events are damaged: {exc}") from exc
    return lo


def drop_events_from(db: sqlite3.Connection, path: Path, record: int) -> None:
    """Delete the events of log records ``>= record`` (found by primary key, not a scan).

    Raises
    ------
    sqlite3.Error
        From the delete; the caller's transaction decides what it means.
    """
    db.execute("DELETE FROM events WHERE seq >= ?", (first_event_of(db, path, record),))


def ticket_events(db: sqlite3.Connection, path: Path, ticket_id: str) -> list[StoredEvent]:
    """Return every stored event of one ticket, in order."""
    return _rows(db, path, f"{_COLUMNS} WHERE ticket_id = ? ORDER BY seq", (ticket_id,))


def _rows(
    db: sqlite3.Connection, path: Path, query: str, args: tuple[object, ...]
) -> list[StoredEvent]:
    try:
        rows = db.execute(query, args).fetchall()
    except sqlite3.DatabaseError as exc:
        raise JournalCorruptError(f"{path}: the events are damaged: {exc}") from exc
    out = []
    for seq, record, raw_tid, raw, crc in rows:
        body = decode_text(raw)
        if body is None or checksum(seq, "event", body) != crc:
            raise JournalCorruptError(f"{path}: event {seq} fails its checksum")
        out.append(StoredEvent(seq, record, decode_text(raw_tid), body))
    return out


def last_event(db: sqlite3.Connection, path: Path) -> int:
    """Return the ``seq`` of the last stored event (0 when none)."""
    try:
        value = db.execute("SELECT MAX(seq) FROM events").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise JournalCorruptError(f"{path}: the events are damaged: {exc}") from exc
    return int(value) if isinstance(value, int) else 0


def ack(db: sqlite3.Connection, path: Path, consumer: str, seq: int, *, last: int) -> None:
    """Store ``consumer``'s checkpoint: every event up to ``seq`` is processed.

    A checkpoint never moves backwards: acknowledging an older ``seq`` keeps the newer one.

    Raises
    ------
    InvalidInputError
        If ``seq`` is not between 0 and ``last``, or ``consumer`` is not a name of 1-200
        characters.
    """
    check_ack(consumer, seq, last=last)
    try:
        db.execute(
            "INSERT INTO consumers VALUES (?, ?) ON CONFLICT(name)"
            " DO UPDATE SET seq = MAX(seq, excluded.seq)",
            (consumer, seq),
        )
    except sqlite3.Error as exc:
        raise JournalError(f"{path}: cannot store checkpoint: {exc}") from exc


def checkpoint(db: sqlite3.Connection, path: Path, consumer: str) -> int:
    """Return the last ``seq`` that ``consumer`` acknowledged (0 when it never did)."""
    try:
        row = db.execute("SELECT seq FROM consumers WHERE name = ?", (consumer,)).fetchone()
    except sqlite3.DatabaseError as exc:
        raise JournalCorruptError(f"{path}: the checkpoints are damaged: {exc}") from exc
    return int(row[0]) if row is not None and isinstance(row[0], int) else 0
