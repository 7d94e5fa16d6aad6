"""The durable command log: SQLite in WAL mode, checksummed records, snapshots.

Every accepted command (and every clock advance that changed something) is one record
``(seq, kind, body, crc)`` where ``seq`` counts from 1 without gaps and ``crc`` is the CRC32 of
``seq|kind|body``. A batch of records and its events is written in one transaction (group
commit: :meth:`Engine.handle_many <dispatch_core.engine.core.Engine.handle_many>` writes up to
``config.group_commit`` commands in each), and :meth:`Journal.append` returns only after the
commit. What that commit guarantees depends on ``synchronous``:

| ``synchronous``      | process crash (SIGKILL, OOM kill, abort) | power loss, kernel crash |
| -------------------- | ---------------------------------------- | ------------------------ |
| ``"FULL"`` (default) | every acknowledged batch is kept         | every acknowledged batch |
| ``"NORMAL"``         | every acknowledged batch is kept         | the last batches may go  |

Under ``FULL`` the commit fsyncs the write-ahead log. Under ``NORMAL`` it hands the log to the
operating system, which writes it out after the process is gone; after a power loss what
survives is a prefix of the history (SQLite's WAL frame checksums stop at the first frame that
did not reach the disk), and the file is consistent.

``NORMAL`` saves one fsync per transaction (measured here: 0.3 ms on an idle disk, 5-15 ms
while other jobs write to it); WAL checkpoints still sync the database file before the log is
reused. After a power loss under ``NORMAL`` the consumer checkpoints roll back with the log, so
a consumer that had delivered events of the lost batches is later given those ``seq`` again,
with other events: use ``FULL`` where nothing acknowledged or delivered may ever un-happen.
The delivery tests SIGKILL a service hundreds of times in both modes, between commit and
delivery among other moments, and find no acknowledged command and no event lost.

Recovery reads the newest snapshot whose checksum holds **and that matches the log it claims to
cover** (it stores the checksum of the record it was taken after), then the records after it.
A bad **last** record is a torn write that was never acknowledged: it is deleted and reading
stops. A bad record anywhere else, a gap in the numbering, undecodable text or a damaged
database file raises :class:`~dispatch_core.errors.JournalCorruptError`.

One writer: a journal is held by one :class:`Journal` at a time, in this process or another
(an OS lock on ``<path>.lock``); a second opener gets
:class:`~dispatch_core.errors.JournalLockedError`.

The journal also keeps the events each batch of records produced (``events`` table, written in
the same transaction, gapless ``seq``), and named consumer checkpoints, so that a consumer can
read ``events(after=checkpoint)`` after a crash: at-least-once delivery, de-duplicated by
``seq``.

Examples
--------
>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as tmp:
...     j = Journal(pathlib.Path(tmp) / "j.db")
...     j.append([("cmd", '{"a":1}'), ("tick", '{"at":"2026-01-01T00:00:00+00:00"}')])
...     records = list(j.read())
...     j.close()
2
>>> [(seq, kind) for seq, kind, _ in records]
[(1, 'cmd'), (2, 'tick')]
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

from dispatch_core.engine import eventstore
from dispatch_core.engine.checkpointer import WalCheckpointer
from dispatch_core.engine.eventstore import StoredEvent, StoredResult, checksum, decode_text
from dispatch_core.errors import (
    InvalidInputError,
    JournalCorruptError,
    JournalError,
    JournalLockedError,
)

__all__ = ["FORMAT_VERSION", "Journal", "StoredEvent", "checksum"]

#: Version of the on-disk layout, stored in the ``meta`` table. Format 1 (0.1.0) is upgraded
#: in place on open: its snapshots cannot prove which log they cover, so they are not used
#: (recovery replays the log), and events are stored from the upgrade on.
FORMAT_VERSION = "2"

_SCHEMA = (
    (
        "CREATE TABLE IF NOT EXISTS log ("
        " seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL, crc INTEGER NOT NULL)"
    ),
    (
        "CREATE TABLE IF NOT EXISTS snapshot ("
        " seq INTEGER PRIMARY KEY, body TEXT NOT NULL, crc INTEGER NOT NULL,"
        " log_crc INTEGER NOT NULL)"
    ),
    "CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)",
    (
        "CREATE TABLE IF NOT EXISTS events ("
        " seq INTEGER PRIMARY KEY, record INTEGER NOT NULL, ticket_id TEXT,"
        " body TEXT NOT NULL, crc INTEGER NOT NULL)"
    ),
    "CREATE INDEX IF NOT EXISTS events_ticket ON events (ticket_id, seq)",
    "CREATE TABLE IF NOT EXISTS consumers (name TEXT PRIMARY KEY, seq INTEGER NOT NULL)",
)


class Journal:
    """An append-only, checksummed command log with snapshots, in one SQLite file.

    Parameters
    ----------
    path : str or Path
        The database file (created if missing).
    synchronous : {"FULL", "NORMAL"}
        SQLite's sync level. FULL: a committed batch survives power loss. NORMAL: it survives
        a crash of the process, not of the machine (the table in the module docstring).
    keep_snapshots : int
        How many recent snapshots to keep.

    Raises
    ------
    JournalError
        If the file cannot be opened or is not a dispatch_core journal.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        synchronous: Literal["FULL", "NORMAL"] = "FULL",
        keep_snapshots: int = 2,
    ) -> None:
        if synchronous not in {"FULL", "NORMAL"}:
            raise InvalidInputError("synchronous", synchronous, "must be 'FULL' or 'NORMAL'")
        self.path = Path(path)
        self.keep_snapshots = max(1, keep_snapshots)
        self._lock_fd = _lock(self.path)
        try:
            db = self._connect(synchronous)  # closes itself when it raises
        except BaseException:
            os.close(self._lock_fd)
            raise
        try:
            self._last_event = eventstore.last_event(db, self.path)
            self._write_lock = threading.Lock()  # each write transaction; see WalCheckpointer
            self._checkpointer = WalCheckpointer(self.path, self._write_lock)
        except BaseException:
            db.close()
            os.close(self._lock_fd)
            raise
        self._db = db

    def _connect(self, synchronous: str) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise JournalError(f"{self.path}: cannot open journal: {exc}") from exc
        # Text comes back as bytes and is decoded here: undecodable text is damage to report,
        # not an OperationalError from the driver in the middle of a query.
        db.text_factory = bytes
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(f"PRAGMA synchronous={synchronous}")
            db.execute("PRAGMA wal_autocheckpoint=0")  # a WalCheckpointer thread does them
            # 32 MiB of page cache (SQLite's default is 2 MiB): the events' ticket index of a
            # long history no longer fits in 2 MiB, and each miss is a read in a commit.
            db.execute("PRAGMA cache_size=-32768")
            db.execute(_SCHEMA[2])  # meta first: it says which layout the file has
            row = db.execute("SELECT v FROM meta WHERE k='format'").fetchone()
            found = None if row is None else decode_text(row[0])
            if found == "1":  # 0.1.0: snapshots without log_crc, no events or checkpoints
                db.execute("ALTER TABLE snapshot ADD COLUMN log_crc INTEGER NOT NULL DEFAULT -1")
            for stmt in _SCHEMA:
                db.execute(stmt)
            if row is None or found == "1":
                db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (FORMAT_VERSION,))
            elif found != FORMAT_VERSION:
                raise JournalCorruptError(
                    f"{self.path}: journal format {found!r}, expected {FORMAT_VERSION!r}"
                )
            last = db.execute("SELECT MAX(seq) FROM log").fetchone()[0]
            if last is not None and not isinstance(last, int):
                raise JournalCorruptError(f"{self.path}: the log's numbering is damaged")
            self._last = int(last or 0)
            # Snapshots and events past the end of the log describe history it no longer has.
            db.execute("DELETE FROM snapshot WHERE seq > ?", (self._last,))
            eventstore.drop_events_from(db, self.path, self._last + 1)
        except sqlite3.DatabaseError as exc:
            db.close()
            raise JournalCorruptError(f"{self.path}: the database file is damaged: {exc}") from exc
        except BaseException:
            db.close()
            raise
        return db

    @property
    def last_seq(self) -> int:
        """Sequence number of the last record written (0 when empty)."""
        return self._last

    @property
    def last_event(self) -> int:
        """``seq`` of the last event stored (0 when none)."""
        return self._last_event

    def append(
        self,
        records: Sequence[tuple[str, str]],
        events: Sequence[tuple[int, str | None, str]] = (),
        *,
        owners: Sequence[int] | None = None,
    ) -> int:
        """Write records and their events in one transaction; return the last record ``seq``.

        ``events`` are ``(seq, ticket_id, json)`` triples (the engine's event ``seq``, each
        above :attr:`last_event`). ``owners`` gives, per event, the index in ``records`` of
        the record that caused it (default: the batch's last record). Returns only after the
        commit: durable against a process crash, and with ``synchronous=FULL`` against power
        loss too.

        Raises
        ------
        InvalidInputError
            If an event ``seq`` does not increase, or ``owners`` does not match.
        JournalError
            If the write fails; nothing of the batch is kept.
        """
        if not records and not events:
            return self._last
        seq = first = self._last
        rows = []
        size = 0
        for kind, body in records:
            seq += 1
            rows.append((seq, kind, body, checksum(seq, kind, body)))
            size += len(body)
        if owners is not None and (
            len(owners) != len(events)
            or (owners and not 0 <= min(owners) <= max(owners) < len(records))
        ):
            raise InvalidInputError("owners", owners, "must give a record index per event")
        eseq = self._last_event
        erows = []
        base = first + 1
        for n, (event_seq, ticket_id, body) in enumerate(events):
            if event_seq <= eseq:
                raise InvalidInputError("seq", event_seq, f"must be above the last event {eseq}")
            eseq = event_seq
            record = seq if owners is None else base + owners[n]
            erows.append((eseq, record, ticket_id, body, checksum(eseq, "event", body)))
            size += len(body)
        try:
            with self._write_lock:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.executemany("INSERT INTO log VALUES (?, ?, ?, ?)", rows)
                if erows:
                    self._db.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)", erows)
                self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise JournalError(f"{self.path}: append failed: {exc}") from exc
        self._last, self._last_event = seq, eseq
        # Log pages written, roughly: the log's, the events' and their index's leaves at least.
        self._checkpointer.written(3 + size // 4096)
        return seq

    def _rollback(self) -> None:
        try:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
        except sqlite3.Error:  # the connection is gone: the transaction is gone with it
            pass

    def read(self, after: int = 0) -> Iterator[tuple[int, str, str]]:
        """Yield ``(seq, kind, body)`` for every record after ``after``, checking each.

        A bad last record is deleted (a torn write, never acknowledged) and ends the reading.

        Raises
        ------
        JournalCorruptError
            If a record other than the last fails its checksum, numbering has a gap, or the
            database file is damaged.
        """
        try:
            rows = self._db.execute(
                "SELECT seq, kind, body, crc FROM log WHERE seq > ? ORDER BY seq", (after,)
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            raise JournalCorruptError(f"{self.path}: the log is damaged: {exc}") from exc
        expected = after + 1
        for i, (seq, raw_kind, raw_body, crc) in enumerate(rows):
            kind, body = decode_text(raw_kind), decode_text(raw_body)
            good = (
                seq == expected
                and kind is not None
                and body is not None
                and checksum(seq, kind, body) == crc
            )
            if not good:
                if i == len(rows) - 1 and seq == expected:
                    self._drop_torn(seq)
                    return
                raise JournalCorruptError(
                    f"{self.path}: record {seq} fails its checksum or breaks the numbering"
                )
            expected += 1
            yield seq, kind, body  # type: ignore[misc]  # checked just above

    def _drop_torn(self, seq: int) -> None:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM log WHERE seq = ?", (seq,))
            eventstore.drop_events_from(self._db, self.path, seq)
            self._db.execute("DELETE FROM snapshot WHERE seq >= ?", (seq,))
            self._db.execute("COMMIT")
        except (sqlite3.Error, JournalCorruptError) as exc:  # the latter: events unreadable
            self._rollback()
            raise JournalCorruptError(f"{self.path}: cannot drop torn record {seq}: {exc}") from exc
        self._last = seq - 1
        self._last_event = eventstore.last_event(self._db, self.path)

    def write_snapshot(self, seq: int, body: str) -> None:
        """Store a snapshot of the state after record ``seq``; prune old snapshots.

        The snapshot keeps the checksum of record ``seq``: it is used only while the log still
        has that very record.
        """
        try:
            row = self._db.execute("SELECT crc FROM log WHERE seq = ?", (seq,)).fetchone()
            if row is None:
                raise InvalidInputError("seq", seq, "is not a record of this journal")
            with self._write_lock:
                self._db.execute("BEGIN IMMEDIATE")
                self._db.execute(
                    "INSERT OR REPLACE INTO snapshot VALUES (?, ?, ?, ?)",
                    (seq, body, checksum(seq, "snapshot", body), row[0]),
                )
                self._db.execute(
                    "DELETE FROM snapshot WHERE seq NOT IN "
                    "(SELECT seq FROM snapshot ORDER BY seq DESC LIMIT ?)",
                    (self.keep_snapshots,),
                )
                self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            self._rollback()
            raise JournalError(f"{self.path}: snapshot failed: {exc}") from exc
        self._checkpointer.written(2 + len(body) // 4096)

    def latest_snapshot(self) -> tuple[int, str] | None:
        """Return the newest snapshot that is intact and matches the log, or ``None``.

        A snapshot matches when its checksum holds and the log still has, at its ``seq``, the
        record it was taken after (a log cut back and rewritten does not match an old
        snapshot).
        """
        try:
            rows = self._db.execute(
                "SELECT s.seq, s.body, s.crc, s.log_crc, l.crc FROM snapshot s"
                " LEFT JOIN log l ON l.seq = s.seq ORDER BY s.seq DESC"
            ).fetchall()
        except sqlite3.DatabaseError as exc:
            raise JournalCorruptError(f"{self.path}: the snapshots are damaged: {exc}") from exc
        for seq, raw, crc, log_crc, actual in rows:
            body = decode_text(raw)
            if (
                body is not None
                and isinstance(seq, int)
                and seq <= self._last
                and checksum(seq, "snapshot", body) == crc
                and actual is not None
                and actual == log_crc
            ):
                return seq, body
        return None

    def events(self, after: int = 0, limit: int | None = None) -> list[StoredEvent]:
        """Return the stored events with ``seq > after``, in order (at most ``limit``).

        See :func:`dispatch_core.engine.eventstore.read_events`.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> with tempfile.TemporaryDirectory() as d, Journal(pathlib.Path(d) / "j.db") as j:
        ...     j.append([("cmd", "{}")], [(1, "T-1", '{"seq":1}'), (2, None, '{"seq":2}')])
        ...     [(e.seq, e.record, e.ticket_id) for e in j.events(after=1)]
        1
        [(2, 1, None)]
        """
        return eventstore.read_events(self._db, self.path, after=after, limit=limit)

    def recent_keys(self, *, limit: int) -> list[tuple[str, int]]:
        """Return ``(key, record)`` of the last ``limit`` commands, oldest first.

        See :func:`dispatch_core.engine.eventstore.recent_keys`.
        """
        return eventstore.recent_keys(self._db, self.path, limit=limit)

    def result(self, record: int) -> StoredResult | None:
        """Return the command of record ``record`` and its events (``None``: no such command).

        See :func:`dispatch_core.engine.eventstore.result_of`.
        """
        return eventstore.result_of(self._db, self.path, record)

    def ticket_events(self, ticket_id: str) -> list[StoredEvent]:
        """Return every stored event of one ticket, in order."""
        return eventstore.ticket_events(self._db, self.path, ticket_id)

    def ack(self, consumer: str, seq: int) -> None:
        """Record that ``consumer`` has processed every event up to ``seq`` (durably).

        See :func:`dispatch_core.engine.eventstore.ack`.
        """
        eventstore.ack(self._db, self.path, consumer, seq, last=self._last_event)

    def checkpoint(self, consumer: str) -> int:
        """Return the last ``seq`` that ``consumer`` acknowledged (0 when it never did)."""
        return eventstore.checkpoint(self._db, self.path, consumer)

    def meta(self, key: str) -> str | None:
        """Return the journal's metadata value ``key``, or ``None`` when it has none.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> with tempfile.TemporaryDirectory() as d, Journal(pathlib.Path(d) / "j.db") as j:
        ...     j.set_meta("config", "{}")
        ...     j.meta("config"), j.meta("other")
        ('{}', None)
        """
        try:
            row = self._db.execute("SELECT v FROM meta WHERE k=?", (key,)).fetchone()
        except sqlite3.DatabaseError as exc:
            raise JournalCorruptError(f"{self.path}: the metadata is damaged: {exc}") from exc
        if row is None:
            return None
        value = decode_text(row[0])
        if value is None:
            raise JournalCorruptError(f"{self.path}: metadata {key!r} is not text")
        return value

    def set_meta(self, key: str, value: str) -> None:
        """Store the metadata value ``key`` (durably; ``format`` is reserved)."""
        if key == "format":
            raise InvalidInputError("key", key, "is reserved for the journal's format version")
        try:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
        except sqlite3.Error as exc:
            raise JournalError(f"{self.path}: cannot write metadata: {exc}") from exc

    def close(self) -> None:
        """Close the database and release the journal (idempotent)."""
        self._checkpointer.close()
        self._db.close()
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # closing the descriptor releases the lock
            self._lock_fd = -1

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _lock(path: Path) -> int:
    """Take the journal's writer lock (``<path>.lock``); return the descriptor that holds it.

    ``flock`` locks belong to an open file description, so a second :class:`Journal` on the
    same path is refused in this process as in any other; the lock goes when the holder
    closes it or dies (a SIGKILLed engine leaves no stale lock).
    """
    lock_path = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise JournalError(f"{path}: cannot open the journal's lock file: {exc}") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise JournalLockedError(str(path)) from None
    except OSError as exc:
        os.close(fd)
        raise JournalError(f"{path}: cannot lock the journal: {exc}") from exc
    return fd
