"""The durable command log: SQLite in WAL mode, checksummed records, snapshots.

Every accepted command (and every clock advance that changed something) is one record
``(seq, kind, body, crc)`` where ``seq`` counts from 1 without gaps and ``crc`` is the CRC32 of
``seq|kind|body``. A batch of records is written in one transaction (group commit), and with
``synchronous=FULL`` (the default) the commit returns only once the data is on disk.

Recovery reads the newest snapshot whose checksum holds and the records after it. A bad
**last** record is a torn write that was never acknowledged: it is deleted and reading stops.
A bad record anywhere else, or a gap in the numbering, raises
:class:`~dispatch_core.errors.JournalCorruptError`.

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

import sqlite3
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

from dispatch_core.errors import InvalidInputError, JournalCorruptError, JournalError

__all__ = ["FORMAT_VERSION", "Journal", "checksum"]

#: Version of the on-disk layout, stored in the ``meta`` table.
FORMAT_VERSION = "1"

_SCHEMA = (
    (
        "CREATE TABLE IF NOT EXISTS log ("
        " seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL, crc INTEGER NOT NULL)"
    ),
    (
        "CREATE TABLE IF NOT EXISTS snapshot ("
        " seq INTEGER PRIMARY KEY, body TEXT NOT NULL, crc INTEGER NOT NULL)"
    ),
    "CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)",
)


def checksum(seq: int, kind: str, body: str) -> int:
    """CRC32 of one record.

    Examples
    --------
    >>> checksum(1, "cmd", "{}")
    3818890241
    """
    return zlib.crc32(f"{seq}|{kind}|{body}".encode())


class Journal:
    """An append-only, checksummed command log with snapshots, in one SQLite file.

    Parameters
    ----------
    path : str or Path
        The database file (created if missing).
    synchronous : {"FULL", "NORMAL"}
        SQLite's sync level. FULL: a committed batch survives power loss.
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
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={synchronous}")
            for stmt in _SCHEMA:
                self._db.execute(stmt)
            row = self._db.execute("SELECT v FROM meta WHERE k='format'").fetchone()
            if row is None:
                self._db.execute("INSERT INTO meta VALUES ('format', ?)", (FORMAT_VERSION,))
            elif row[0] != FORMAT_VERSION:
                raise JournalError(f"{self.path}: journal format {row[0]!r}, expected 1")
            last = self._db.execute("SELECT MAX(seq) FROM log").fetchone()[0]
        except sqlite3.Error as exc:
            raise JournalError(f"{self.path}: cannot open journal: {exc}") from exc
        self._last = int(last or 0)

    @property
    def last_seq(self) -> int:
        """Sequence number of the last record written (0 when empty)."""
        return self._last

    def append(self, records: Sequence[tuple[str, str]]) -> int:
        """Write ``(kind, body)`` records in one transaction; return the last ``seq``.

        Returns only after the commit (durable with ``synchronous=FULL``).

        Raises
        ------
        JournalError
            If the write fails; nothing of the batch is kept.
        """
        if not records:
            return self._last
        seq = self._last
        rows = []
        for kind, body in records:
            seq += 1
            rows.append((seq, kind, body, checksum(seq, kind, body)))
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT INTO log VALUES (?, ?, ?, ?)", rows)
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise JournalError(f"{self.path}: append failed: {exc}") from exc
        self._last = seq
        return seq

    def read(self, after: int = 0) -> Iterator[tuple[int, str, str]]:
        """Yield ``(seq, kind, body)`` for every record after ``after``, checking each.

        A bad last record is deleted (a torn write, never acknowledged) and ends the reading.

        Raises
        ------
        JournalCorruptError
            If a record other than the last fails its checksum, or numbering has a gap.
        """
        rows = self._db.execute(
            "SELECT seq, kind, body, crc FROM log WHERE seq > ? ORDER BY seq", (after,)
        ).fetchall()
        expected = after + 1
        for i, (seq, kind, body, crc) in enumerate(rows):
            good = (
                seq == expected
                and isinstance(body, str)
                and isinstance(kind, str)
                and checksum(seq, kind, body) == crc
            )
            if not good:
                if i == len(rows) - 1 and seq == expected:
                    self._db.execute("DELETE FROM log WHERE seq = ?", (seq,))
                    self._last = seq - 1
                    return
                raise JournalCorruptError(
                    f"{self.path}: record {seq} fails its checksum or breaks the numbering"
                )
            expected += 1
            yield seq, kind, body

    def write_snapshot(self, seq: int, body: str) -> None:
        """Store a snapshot of the state after record ``seq``; prune old snapshots."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "INSERT OR REPLACE INTO snapshot VALUES (?, ?, ?)",
                (seq, body, checksum(seq, "snapshot", body)),
            )
            self._db.execute(
                "DELETE FROM snapshot WHERE seq NOT IN "
                "(SELECT seq FROM snapshot ORDER BY seq DESC LIMIT ?)",
                (self.keep_snapshots,),
            )
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise JournalError(f"{self.path}: snapshot failed: {exc}") from exc

    def latest_snapshot(self) -> tuple[int, str] | None:
        """Return the newest snapshot whose checksum holds and that the log covers, or ``None``."""
        rows = self._db.execute("SELECT seq, body, crc FROM snapshot ORDER BY seq DESC")
        for seq, body, crc in rows:
            if (
                isinstance(body, str)
                and checksum(seq, "snapshot", body) == crc
                and seq <= self._last
            ):
                return int(seq), body
        return None

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
        row = self._db.execute("SELECT v FROM meta WHERE k=?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Store the metadata value ``key`` (durably; ``format`` is reserved)."""
        if key == "format":
            raise InvalidInputError("key", key, "is reserved for the journal's format version")
        try:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
        except sqlite3.Error as exc:
            raise JournalError(f"{self.path}: cannot write metadata: {exc}") from exc

    def close(self) -> None:
        """Close the database (idempotent)."""
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
