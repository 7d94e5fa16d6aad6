"""Idempotency: a repeated key gets the original result; by key and content, not by time.

The engine remembers the last ``config.idempotency_keys`` commands. A retry with a known key
and the same content (whatever its ``at``: platforms re-stamp retries) returns the events the
command caused the first time and changes nothing; the same key with other content raises
:class:`~dispatch_core.errors.IdempotencyConflictError` carrying the original ``seq``.

Two tables keep them, one rule decides (:func:`same_command`):

- :class:`MemoryResults` (in-memory engines) keeps each command and its events.
- :class:`JournalResults` (durable engines) keeps only the key and the journal record of the
  command: the command and its events are in the journal already, read back when a retry
  comes. The live heap then holds no history of commands (10,000 of them with their events
  are ~100,000 objects for the garbage collector to walk), snapshots need not store the table,
  and recovery rebuilds it from the journal's last records in one query.

Examples
--------
>>> from datetime import UTC, datetime
>>> from dispatch_core.engine import commands as c
>>> at = datetime(2026, 3, 2, 9, tzinfo=UTC)
>>> table = MemoryResults(keep=2)
>>> cmd = c.Acknowledge(key="k1", at=at, ticket_id="T-1")
>>> table.lookup(cmd) is None
True
>>> table.remember(cmd, [], record=1)
>>> table.lookup(cmd.model_copy(update={"at": at.replace(hour=10)}))  # a re-stamped retry
()
>>> table.lookup(c.Acknowledge(key="k1", at=at, ticket_id="T-2"))
Traceback (most recent call last):
...
dispatch_core.errors.IdempotencyConflictError: ...
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from dispatch_core.engine import commands as c
from dispatch_core.engine.events import EventBase, parse_event
from dispatch_core.engine.journal import Journal
from dispatch_core.errors import IdempotencyConflictError, JournalCorruptError

__all__ = ["JournalResults", "MemoryResults", "same_command"]


def same_command(original: c.CommandBase, cmd: c.CommandBase) -> bool:
    """Whether ``cmd`` is a retry of ``original``: equal content, whatever the ``at``.

    Examples
    --------
    >>> from datetime import UTC, datetime, timedelta
    >>> at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    >>> a = c.Accept(key="k", at=at, ticket_id="T-1")
    >>> same_command(a, a.model_copy(update={"at": at + timedelta(minutes=5)}))
    True
    >>> same_command(a, c.Accept(key="k", at=at, ticket_id="T-2"))
    False
    """
    return original == cmd or original.model_copy(update={"at": cmd.at}) == cmd


def _check(original: c.CommandBase, events: tuple[EventBase, ...], cmd: c.CommandBase) -> None:
    if not same_command(original, cmd):
        raise IdempotencyConflictError(cmd.key, seq=events[0].seq if events else None)


class MemoryResults:
    """The last ``keep`` commands with their events, in memory (oldest forgotten first).

    Parameters
    ----------
    keep : int
        How many keys to remember (``config.idempotency_keys``).
    """

    __slots__ = ("_keep", "_table")

    def __init__(self, keep: int) -> None:
        self._keep = keep
        self._table: OrderedDict[str, tuple[c.CommandBase, tuple[EventBase, ...]]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._table)

    def keys(self) -> tuple[str, ...]:
        """Return the remembered keys, oldest first."""
        return tuple(self._table)

    def get(self, key: str) -> tuple[c.CommandBase, tuple[EventBase, ...]] | None:
        """Return the command remembered under ``key`` and its events, or ``None``."""
        return self._table.get(key)

    def lookup(self, cmd: c.CommandBase) -> tuple[EventBase, ...] | None:
        """Return the original events of ``cmd.key`` (``None`` for a new key).

        Raises
        ------
        IdempotencyConflictError
            If the key was used for a command of different content.
        """
        found = self._table.get(cmd.key)
        if found is None:
            return None
        _check(found[0], found[1], cmd)
        return found[1]

    def remember(self, cmd: c.CommandBase, events: Sequence[EventBase], *, record: int) -> None:
        """Keep ``cmd``'s result under its key (``record`` is not needed in memory)."""
        table = self._table
        table[cmd.key] = (cmd, tuple(events))
        while len(table) > self._keep:
            table.popitem(last=False)

    def committed(self) -> None:
        """Nothing to do: the table does not depend on the journal."""


class JournalResults:
    """The last ``keep`` keys with the journal record of their command; the rest is read back.

    Results of a batch not yet committed are kept whole until :meth:`committed`.

    Parameters
    ----------
    journal : Journal
        Where the commands and their events are.
    keep : int
        How many keys to remember (``config.idempotency_keys``).
    """

    __slots__ = ("_journal", "_keep", "_pending", "_records")

    def __init__(self, journal: Journal, keep: int) -> None:
        self._journal = journal
        self._keep = keep
        self._records: OrderedDict[str, int] = OrderedDict()  # key -> the command's record
        self._pending: dict[str, tuple[c.CommandBase, tuple[EventBase, ...]]] = {}

    def __len__(self) -> int:
        return len(self._records)

    def keys(self) -> tuple[str, ...]:
        """Return the remembered keys, oldest first."""
        return tuple(self._records)

    def recall(self) -> None:
        """Rebuild the table from the journal's last ``keep`` commands (recovery)."""
        self._records = OrderedDict(self._journal.recent_keys(limit=self._keep))
        self._pending = {}

    def get(self, key: str) -> tuple[c.CommandBase, tuple[EventBase, ...]] | None:
        """Return the command remembered under ``key`` and its events, or ``None``.

        Raises
        ------
        JournalCorruptError
            If the journal no longer holds that record intact.
        """
        pending = self._pending.get(key)
        if pending is not None:
            return pending
        record = self._records.get(key)
        if record is None:
            return None
        stored = self._journal.result(record)
        if stored is None:
            raise JournalCorruptError(f"{self._journal.path}: record {record} is missing")
        try:
            cmd = c.parse_command(stored.command)
            events = tuple(parse_event(ev.body) for ev in stored.events)
        except ValueError as exc:
            raise JournalCorruptError(f"{self._journal.path}: record {record}: {exc}") from exc
        if cmd.key != key:
            raise JournalCorruptError(f"{self._journal.path}: record {record} is not {key!r}")
        return cmd, events

    def lookup(self, cmd: c.CommandBase) -> tuple[EventBase, ...] | None:
        """Return the original events of ``cmd.key`` (``None`` for a new key).

        Raises
        ------
        IdempotencyConflictError
            If the key was used for a command of different content.
        """
        if cmd.key not in self._records:
            return None
        found = self.get(cmd.key)
        if found is None:  # pragma: no cover - get() raises when the record is gone
            return None
        _check(found[0], found[1], cmd)
        return found[1]

    def remember(self, cmd: c.CommandBase, events: Sequence[EventBase], *, record: int) -> None:
        """Keep ``cmd``'s result under its key; ``record`` is the journal record of ``cmd``."""
        records = self._records
        records[cmd.key] = record
        self._pending[cmd.key] = (cmd, tuple(events))
        while len(records) > self._keep:
            key, _ = records.popitem(last=False)
            self._pending.pop(key, None)

    def committed(self) -> None:
        """Forget the objects of the committed batch, keep their record numbers."""
        self._pending.clear()
