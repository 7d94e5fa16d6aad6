"""Read a journal's event feed from any process, while its engine keeps writing.

A journal has one writer (the engine that holds it); any number of :class:`EventFeed` readers
may follow its events at the same time (SQLite WAL readers never block the writer). A consumer
keeps a named checkpoint in the journal: after a crash it resumes from
``feed.read(after=feed.checkpoint(name))`` and de-duplicates by ``seq`` — at-least-once
delivery, exactly-once effect.

Examples
--------
>>> import tempfile, pathlib
>>> from datetime import UTC, datetime
>>> from dispatch_core import Engine, EngineConfig, StaffMember
>>> from dispatch_core.commands import AddStaff
>>> d = tempfile.TemporaryDirectory()
>>> path = pathlib.Path(d.name) / "desk.db"
>>> site = {"edges": [{"a": "depot", "b": "B1", "seconds": 60}]}
>>> eng = Engine.open(path, EngineConfig(site=site))
>>> at = datetime(2026, 3, 2, 9, tzinfo=UTC)
>>> wang = StaffMember(id="wang", home="depot", properties=["P1"])
>>> _ = eng.handle(AddStaff(key="k1", at=at, member=wang))
>>> with EventFeed(path) as feed:              # another process could do the same
...     [(item.seq, item.event.type) for item in feed.read(after=feed.checkpoint("crm"))]
...     feed.ack("crm", 1)
...     feed.read(after=feed.checkpoint("crm"))
[(1, 'staff_changed')]
[]
>>> eng.close(); d.cleanup()
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dispatch_core.engine import eventstore
from dispatch_core.engine.events import Event, parse_event
from dispatch_core.errors import JournalCorruptError, JournalError

__all__ = ["EventFeed", "FeedItem"]

_BUSY_MS = 5_000  # how long a checkpoint write waits for the engine's transaction


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One stored event: its ``seq``, the journal record that caused it, and the event."""

    seq: int
    record: int
    event: Event


class EventFeed:
    """A read-only view of a journal's events and consumer checkpoints.

    Parameters
    ----------
    path : str or Path
        The journal file (it must exist: a reader never creates one).

    Raises
    ------
    JournalError
        If the file does not exist or is not a journal with an event feed.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise JournalError(f"{self.path}: no such journal")
        try:
            self._db = sqlite3.connect(
                f"file:{self.path}?mode=rw", uri=True, isolation_level=None,
                check_same_thread=False,
            )  # fmt: skip
            self._db.text_factory = bytes
            self._db.execute(f"PRAGMA busy_timeout={_BUSY_MS}")
            self._db.execute("SELECT 1 FROM events LIMIT 1").fetchall()
        except sqlite3.DatabaseError as exc:
            raise JournalCorruptError(
                f"{self.path}: not a journal with an event feed: {exc}"
            ) from exc

    @property
    def last_seq(self) -> int:
        """``seq`` of the last event stored so far."""
        return eventstore.last_event(self._db, self.path)

    def read(self, after: int = 0, limit: int | None = None) -> list[FeedItem]:
        """Return the events with ``seq > after``, in order (at most ``limit``)."""
        return [
            FeedItem(e.seq, e.record, parse_event(e.body))
            for e in eventstore.read_events(self._db, self.path, after=after, limit=limit)
        ]

    def follow(
        self,
        after: int = 0,
        *,
        poll_s: float = 0.5,
        batch: int = 500,
        stop: Callable[[], bool] | None = None,
    ) -> Iterator[FeedItem]:
        """Yield every event after ``after`` and then new ones as they are stored.

        Polls every ``poll_s`` seconds when there is nothing new; ends when ``stop()`` returns
        true (checked between polls), or never when ``stop`` is ``None``.
        """
        while True:
            items = self.read(after=after, limit=batch)
            yield from items
            if items:
                after = items[-1].seq
                continue
            if stop is not None and stop():
                return
            time.sleep(poll_s)

    def ack(self, consumer: str, seq: int) -> None:
        """Store ``consumer``'s checkpoint (see :func:`dispatch_core.engine.eventstore.ack`)."""
        eventstore.ack(self._db, self.path, consumer, seq, last=self.last_seq)

    def checkpoint(self, consumer: str) -> int:
        """Return the last ``seq`` that ``consumer`` acknowledged (0 when it never did)."""
        return eventstore.checkpoint(self._db, self.path, consumer)

    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._db.close()

    def __enter__(self) -> EventFeed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
