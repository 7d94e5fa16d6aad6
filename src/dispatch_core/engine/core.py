"""The engine: thin orchestration of state, journal, dispatcher and SLA clocks.

Data flows one way: **command → validate → apply → journal → effects → events**. Nothing is
released (returned, or given to subscribers) before the journal has committed it; if a commit
fails the engine refuses further work, and :meth:`Engine.open` recovers the committed history.

Examples
--------
>>> from datetime import UTC, datetime
>>> from dispatch_core.engine.commands import AddStaff, OpenTicket
>>> from dispatch_core.model import StaffMember, Ticket
>>> from dispatch_core.site import SiteGraph
>>> site = SiteGraph.from_edges([("depot", "B1", 120.0), ("B1", "B2", 60.0)])
>>> eng = Engine(EngineConfig(), site=site)  # the package's dispatcher and SLA tracker
>>> at = datetime(2026, 3, 2, 9, tzinfo=UTC)
>>> tech = StaffMember(id="tech-1", home="depot", properties={"P1"}, capacity=2,
...                    skills=[{"name": "plumbing", "level": 3}])
>>> [ev.type for ev in eng.handle(AddStaff(key="k1", at=at, member=tech))]
['staff_changed']
>>> t = Ticket(id="T-1", property_id="P1", category="repair", location="B2",
...            required_skills=[{"skill": "plumbing"}], opened_at=at)
>>> [ev.type for ev in eng.handle(OpenTicket(key="k2", at=at, ticket=t))]
['ticket_opened', 'ticket_assigned']
>>> eng.snapshot()["tickets"]["T-1"]["owner"]
'tech-1'
>>> eng.next_deadline().isoformat()  # first response due in 15 min: yellow at 75 %
'2026-03-02T09:11:15+00:00'
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from time import perf_counter
from typing import Any

from dispatch_core.clock import Clock, require_aware
from dispatch_core.engine import commands as c
from dispatch_core.engine.config import EngineConfig, check_journal_config
from dispatch_core.engine.effector import Effector
from dispatch_core.engine.events import EventBase, TicketEvent, event_to_json, parse_event
from dispatch_core.engine.eventstore import check_ack, check_range
from dispatch_core.engine.idempotency import JournalResults, MemoryResults
from dispatch_core.engine.journal import Journal
from dispatch_core.engine.observe import EngineObserver, NullObserver
from dispatch_core.engine.ports import DispatchPort, LevelChangeLike, NodeCatalog, SlaPort
from dispatch_core.engine.state import EngineState
from dispatch_core.engine.validation import check_instant
from dispatch_core.engine.wiring import default_dispatcher, site_from_config, sla_part
from dispatch_core.errors import (
    ClockError,
    DispatchError,
    InvalidInputError,
    JournalCorruptError,
    JournalError,
)

__all__ = ["Engine", "EngineConfig", "Subscriber"]

#: A subscriber gets every event once it is durable, in ``seq`` order.
Subscriber = Callable[[EventBase], None]

_CMD, _TICK = "cmd", "tick"


@dataclass(slots=True)
class _Record:
    """A journal record waiting for its commit, and how many of the batch's events it caused."""

    kind: str
    body: str
    events: int


def _tick_body(now: datetime) -> str:
    return json.dumps({"at": now.isoformat()})


_log = logging.getLogger(__name__)


def _kind(command: object) -> str:
    """Return the command's class name for the observer (``"raw"`` for dicts and JSON text)."""
    return type(command).__name__ if isinstance(command, c.CommandBase) else "raw"


def _ticket_of(event: EventBase) -> str | None:
    """Return the ticket an event is about, if any (for the journal's per-ticket index)."""
    return event.ticket_id if isinstance(event, TicketEvent) else None


def _sorted_keys(value: Any) -> Any:
    """Rebuild nested dicts with their keys in sorted order (lists keep their order)."""
    if isinstance(value, dict):
        return {k: _sorted_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_sorted_keys(v) for v in value]
    return value


class Engine:
    """The dispatch and SLA engine. In memory by default; :meth:`open` makes it durable.

    Parameters
    ----------
    config : EngineConfig
        Behaviour settings.
    clock : Clock, optional
        Used only when :meth:`advance` is called without a time.
    dispatcher : DispatchPort, optional
        The online dispatcher (default: the package's ``OnlineDispatcher``).
    sla : SlaPort, optional
        The SLA tracker (default: the package's ``SlaTracker`` on the default policy).
    site : NodeCatalog, optional
        Known site-graph nodes; when given, unknown locations are rejected before journaling.
        Default: the graph ``config.site`` describes, when there is one.
    observer : EngineObserver, optional
        Told about every command, commit and failing subscriber
        (:mod:`dispatch_core.engine.observe`); default: nothing is reported.

    Notes
    -----
    Calls from several threads are serialised (one lock around every public method): each
    caller gets exactly its own command's events. For asyncio services use
    :class:`~dispatch_core.engine.aio.AsyncEngine`.
    """

    def __init__(
        self,
        config: EngineConfig | None = None,
        *,
        clock: Clock | None = None,
        dispatcher: DispatchPort | None = None,
        sla: SlaPort | None = None,
        site: NodeCatalog | None = None,
        observer: EngineObserver | None = None,
    ) -> None:
        self.config = config if config is not None else EngineConfig()
        self._clock = clock
        if site is None:
            site = site_from_config(self.config)
        self._dispatcher = dispatcher if dispatcher is not None else default_dispatcher(site)
        self._sla = sla_part(self.config, sla)
        self._has_node = site.__contains__ if site is not None else None
        self._state = EngineState(self.config)
        self._effector = Effector(self._state, self._dispatcher, self._sla)
        self._remember = self.config.idempotency_keys > 0
        self._results: MemoryResults | JournalResults = MemoryResults(self.config.idempotency_keys)
        self._journal: Journal | None = None
        self._subscribers: list[Subscriber] = []
        self._horizon: datetime | None = None
        self._sla_now: datetime | None = None  # the time of the tracker's last advance
        self._failed: BaseException | None = None
        self._since_snapshot = 0
        self._lock = threading.RLock()
        self._observer: EngineObserver = observer if observer is not None else NullObserver()
        # The in-memory engine's feed: the most recent events (a durable one reads its journal).
        self._recent: deque[EventBase] = deque(maxlen=self.config.event_buffer)
        self._checkpoints: dict[str, int] = {}

    # ------------------------------------------------------------------ construction
    @classmethod
    def open(
        cls,
        path: str | Path,
        config: EngineConfig | None = None,
        **parts: Any,
    ) -> Engine:
        """Open (or create) a durable engine on the journal at ``path``, recovering its state.

        Recovery loads the newest valid snapshot, replays the records after it (a torn last
        record is discarded), re-arms every SLA clock, and leaves overdue ones to fire on the
        next :meth:`advance`.

        The journal keeps the configuration it was created with: recovery replays the history
        under it, so reopening with a configuration that changes behaviour is refused. The
        operational settings (``synchronous``, ``group_commit``, ``snapshot_every``,
        ``idempotency_keys``) may change between runs.

        Raises
        ------
        InvalidInputError
            If ``config`` differs from the journal's in a behavioural setting (the error names
            it, e.g. ``config.sla_thresholds``); the journal is left as it was.
        JournalCorruptError
            If a record other than the last one fails its checksum.
        """
        eng = cls(config, **parts)
        journal = Journal(path, synchronous=eng.config.synchronous)
        try:
            check_journal_config(journal, eng.config)
        except BaseException:
            journal.close()
            raise
        try:
            snap = journal.latest_snapshot()
            if snap is not None:
                eng._state = EngineState.from_dict(eng.config, json.loads(snap[1]))
                eng._effector.state = eng._state
                eng._rebuild_parts()
            for _, kind, body in journal.read(after=eng._state.records):
                eng._replay(kind, body)
            eng._results = JournalResults(journal, eng.config.idempotency_keys)
            eng._results.recall()
        except (ValueError, KeyError, DispatchError) as exc:
            journal.close()
            if isinstance(exc, JournalError):
                raise
            raise JournalCorruptError(f"{path}: cannot replay the journal: {exc}") from exc
        eng._journal = journal
        eng._horizon = eng._state.now
        return eng

    def close(self) -> None:
        """Close the journal (the in-memory engine has nothing to close)."""
        if self._journal is not None:
            self._journal.close()
            self._journal = None

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ public API
    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` for every durable event; returns an unsubscribe function."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def handle(self, command: c.CommandBase | dict[str, Any] | str) -> list[EventBase]:
        """Validate, apply and journal one command; return its events once durable.

        A repeated idempotency key returns the original events and changes nothing. SLA
        thresholds due at or before ``command.at`` fire first (their events come first in the
        list); if they make the command invalid (e.g. a reallocation took the ticket), the
        command is rejected but the thresholds' effects stay: time did pass.

        Raises
        ------
        DispatchError
            A subclass naming the bad field and value; the command changed nothing.
        """
        with self._lock:
            self._ensure_usable()
            records: list[_Record] = []
            released: list[EventBase] = []
            error: DispatchError | None = None
            events: list[EventBase] = []
            started = perf_counter()
            try:
                events = self._one(command, records, released)
            except DispatchError as err:
                error = err
            except BaseException as exc:  # a defect, not an input: refuse further work
                self._failed = exc
                raise
            self._commit(records, released)
            self._observer.command_handled(
                _kind(command), perf_counter() - started, accepted=error is None
            )
            self._publish(released)
        if error is not None:
            raise error
        return events

    def handle_many(
        self, commands: Iterable[c.CommandBase | dict[str, Any] | str]
    ) -> list[list[EventBase] | DispatchError]:
        """Handle several commands with group commit (``config.group_commit`` per transaction).

        Returns, per command, its events or the :class:`DispatchError` that rejected it (a
        rejected command changes nothing and does not stop the batch). Results and events are
        released only after their batch has committed.

        Raises
        ------
        InvalidInputError
            If ``commands`` is not a list (or other iterable) of commands.
        """
        if isinstance(commands, str | bytes | dict) or not isinstance(commands, Iterable):
            raise InvalidInputError("commands", commands, "expected a list of commands")
        with self._lock:
            self._ensure_usable()
            results: list[list[EventBase] | DispatchError] = []
            records: list[_Record] = []
            released: list[EventBase] = []
            stored = 0  # released[:stored] are in the journal already
            for raw in commands:
                started = perf_counter()
                try:
                    results.append(self._one(raw, records, released))
                except DispatchError as err:
                    results.append(err)
                except BaseException as exc:  # a defect, not an input: refuse further work
                    self._failed = exc
                    raise
                self._observer.command_handled(
                    _kind(raw), perf_counter() - started, accepted=type(results[-1]) is list
                )
                if len(records) >= self.config.group_commit:
                    self._commit(records, released[stored:])
                    stored = len(released)
            self._commit(records, released[stored:])
            self._publish(released)
        return results

    def advance(self, now: datetime | None = None) -> list[EventBase]:
        """Fire every SLA threshold due at or before ``now`` (default: the clock's time).

        Raises
        ------
        ClockError
            If ``now`` is before the engine's current time.
        """
        with self._lock:
            self._ensure_usable()
            if now is None:
                if self._clock is None:
                    raise InvalidInputError("now", None, "pass a time or give the engine a clock")
                now = self._clock.now()
            self._check_time(now, field="now")
            check_instant("now", now)
            records: list[_Record] = []
            before, counted = self._horizon, self._state.records
            try:
                events = self._advance_to(now, records)
            except BaseException as exc:  # a defect, not an input: refuse further work
                self._failed = exc
                raise
            if self._state.records == counted and (before is None or now > before):
                # Time that has passed is durable even when nothing fired: after a reopen, a
                # command stamped before ``now`` is refused as it is by the live engine.
                self._state.tick(now)  # counts the record, as its replay will
                if self._journal is not None:
                    records.append(_Record(_TICK, _tick_body(now), 0))
            self._commit(records, events)
            self._publish(events)
        return events

    def next_deadline(self) -> datetime | None:
        """Return the next instant at which :meth:`advance` has something to fire, if any."""
        with self._lock:
            return self._sla.next_deadline()

    # ------------------------------------------------------------------ the event feed
    def events(self, after: int = 0, limit: int | None = None) -> list[EventBase]:
        """Return the durable events with ``seq > after``, in order (at most ``limit``).

        A consumer that keeps its last processed ``seq`` (see :meth:`ack`) resumes here after
        a crash and de-duplicates by ``seq``: at-least-once delivery, exactly-once effect. A
        durable engine reads its journal (the whole history); an in-memory engine keeps the
        last ``config.event_buffer`` events.

        Raises
        ------
        InvalidInputError
            If ``after`` or ``limit`` is out of range, or (in memory) ``after`` is older than
            the buffer.
        """
        with self._lock:
            if self._journal is not None:
                stored = self._journal.events(after=after, limit=limit)
                return [parse_event(item.body) for item in stored]
            check_range(after, limit)
            first = self._recent[0].seq if self._recent else self._state.last_seq + 1
            if after + 1 < first:
                raise InvalidInputError(
                    "after", after, f"is older than the in-memory feed (it starts at {first})"
                )
            out = [ev for ev in self._recent if ev.seq > after]
            return out if limit is None else out[:limit]

    def ack(self, consumer: str, seq: int) -> None:
        """Record that ``consumer`` has processed every event up to ``seq`` (durably, if durable).

        A checkpoint never moves backwards. Read it back with :meth:`checkpoint`.
        """
        with self._lock:
            if self._journal is not None:
                self._journal.ack(consumer, seq)
                return
            check_ack(consumer, seq, last=self._state.last_seq)
            self._checkpoints[consumer] = max(seq, self._checkpoints.get(consumer, 0))

    def checkpoint(self, consumer: str) -> int:
        """Return the last ``seq`` that ``consumer`` acknowledged (0 when it never did)."""
        with self._lock:
            if self._journal is not None:
                return self._journal.checkpoint(consumer)
            return self._checkpoints.get(consumer, 0)

    def result(self, key: str) -> list[EventBase] | None:
        """Return the events of the command handled under idempotency ``key``, if remembered.

        For a platform that lost a reply (a timeout, a crash): the command's outcome without
        sending it again. ``None`` when the key is unknown or older than the last
        ``config.idempotency_keys`` commands.

        Raises
        ------
        InvalidInputError
            If ``key`` is not a string.
        """
        if not isinstance(key, str):
            raise InvalidInputError("key", key, "expected an idempotency key (a string)")
        with self._lock:
            found = self._results.get(key)
            return None if found is None else list(found[1])

    def ticket_history(self, ticket_id: str) -> list[EventBase]:
        """Return every event of one ticket, in order, also after it left the live state.

        A durable engine reads its journal; an in-memory one its recent events.
        """
        with self._lock:
            if self._journal is not None:
                return [parse_event(item.body) for item in self._journal.ticket_events(ticket_id)]
            return [ev for ev in self._recent if _ticket_of(ev) == ticket_id]

    def snapshot(self, *, property_id: str | None = None) -> dict[str, Any]:
        """Return the state as a deterministic JSON-ready dict (tickets, staff, queue, KPIs).

        Parameters
        ----------
        property_id : str, optional
            Keep only this property's tickets, the staff serving it, and its KPIs.

        Every mapping in it has its keys in sorted order, so ``json.dumps`` of two equal
        states gives the same bytes.
        """
        with self._lock:
            state = self._state.to_dict(property_id=property_id)
            return {k: _sorted_keys(state[k]) for k in sorted(state)}

    @property
    def state(self) -> EngineState:
        """The domain state (read it; change it only through commands)."""
        return self._state

    # ------------------------------------------------------------------ pipeline
    def _one(
        self,
        raw: c.CommandBase | dict[str, Any] | str,
        records: list[_Record],
        released: list[EventBase],
    ) -> list[EventBase]:
        cmd = raw if isinstance(raw, c.CommandBase) else self._coerce(raw)
        st = self._state
        remember = self._remember
        if remember:
            found = self._results.lookup(cmd)
            if found is not None:
                return list(found)
        at = cmd.at
        if self._horizon is not None and at < self._horizon:
            self._check_time(at, field="at", aware=True)  # raises the ClockError
        check_instant("at", at)
        st.check(cmd, has_node=self._has_node)  # bad input: nothing changes at all
        fired = None
        if at != self._sla_now:
            fired = self._advance_to(at, records)  # thresholds due first: they may change it
            if fired:
                released.extend(fired)
                st.check(cmd, has_node=self._has_node)  # still valid after them?
        # else: the tracker is there already, and nothing is due at "now" itself
        events = self._apply(cmd)
        record = 0
        if self._journal is not None:
            records.append(_Record(_CMD, cmd.model_dump_json(), len(events)))
            record = self._journal.last_seq + len(records)
        if remember:
            self._results.remember(cmd, events, record=record)
        released.extend(events)
        return fired + events if fired else events

    def _coerce(self, raw: object) -> c.CommandBase:
        if isinstance(raw, c.CommandBase):
            return raw
        if isinstance(raw, str | bytes | dict):
            return c.parse_command(raw)
        raise InvalidInputError("command", raw, "expected a command, a dict or JSON text")

    def _check_time(self, at: datetime, *, field: str, aware: bool = False) -> None:
        if not aware:  # commands were validated when they were built
            require_aware(at, field=field)
        if self._horizon is not None and at < self._horizon:
            raise ClockError(
                field, at, f"is before the engine's current time {self._horizon.isoformat()}"
            )

    # ------------------------------------------------------------------ apply and settle
    # The same three methods serve live commands and journal replay: what is journalled is
    # exactly what they apply.
    def _apply(self, cmd: c.CommandBase) -> list[EventBase]:
        """Apply a checked command, settle its effects, and return its events."""
        st = self._state
        st.apply(cmd)
        self._horizon = cmd.at
        self._settle(cmd.at)
        return st.take_events()

    def _advance_sla(self, now: datetime) -> Sequence[LevelChangeLike]:
        """Bring the SLA tracker to ``now``; return the thresholds it fired."""
        changes = self._sla.advance(now)
        self._sla_now = self._horizon = now
        return changes

    def _tick(self, now: datetime, changes: Sequence[LevelChangeLike]) -> None:
        """Apply a clock advance: hand each fired threshold to the state, settle its effects."""
        st = self._state
        st.tick(now)
        for ch in changes:
            st.sla_level(
                ch.ticket_id, ch.metric, ch.level, ch.at, notify=ch.notify, action=ch.action
            )
            self._settle(ch.at)

    def _settle(self, at: datetime) -> None:
        """Carry out the queued effects, each one's follow-ups before the next (depth-first)."""
        self._effector.settle(at)

    def _advance_to(self, now: datetime, records: list[_Record]) -> list[EventBase]:
        """Fire the thresholds due by ``now``; return their events (journalled as a tick)."""
        if now == self._sla_now:
            return []  # the tracker is there already, and nothing is due at "now" itself
        changes = self._advance_sla(now)
        if not changes:
            return []
        self._tick(now, changes)
        fired = self._state.take_events()
        if self._journal is not None:
            records.append(_Record(_TICK, _tick_body(now), len(fired)))
        return fired

    def _commit(self, records: list[_Record], events: Sequence[EventBase]) -> None:
        """Make ``records`` and the ``events`` they caused durable, in one transaction.

        Only a failed journal write fences the engine: the state in memory is then ahead of
        the journal, and only a reopen (recovery from the journal) brings them together.
        """
        journal = self._journal
        if journal is None:
            self._recent.extend(events)
            records.clear()
            return
        if not records:
            return
        started = perf_counter()
        stored = [(ev.seq, _ticket_of(ev), event_to_json(ev)) for ev in events]
        owners = [i for i, r in enumerate(records) for _ in range(r.events)]
        try:
            last = journal.append([(r.kind, r.body) for r in records], stored, owners=owners)
            self._results.committed()
            self._since_snapshot += len(records)
            if self._since_snapshot >= self.config.snapshot_every:
                body = json.dumps(self._state.to_dict(full=True), sort_keys=True)
                journal.write_snapshot(last, body)
                self._since_snapshot = 0
        except JournalError as exc:
            self._failed = exc
            raise
        self._observer.journal_committed(len(records), perf_counter() - started)
        records.clear()

    def _publish(self, events: list[EventBase]) -> None:
        """Give the events to every subscriber; a subscriber that raises is logged, not fatal.

        The events are durable already: a subscriber that failed resumes from the feed
        (:meth:`events`) with its last processed ``seq``.
        """
        self._observer.events_emitted(len(events))
        if not self._subscribers:
            return
        for ev in events:
            for callback in list(self._subscribers):
                try:
                    callback(ev)
                except Exception:  # the command is committed; the subscriber catches up later
                    _log.exception("subscriber %r failed on event %d", callback, ev.seq)
                    self._observer.subscriber_failed()

    def _ensure_usable(self) -> None:
        if self._failed is not None:
            raise JournalError(
                f"engine stopped after a failure ({self._failed!r}); reopen it to recover"
            )

    # ------------------------------------------------------------------ recovery
    def _replay(self, kind: str, body: str) -> None:
        if kind == _TICK:
            now = datetime.fromisoformat(json.loads(body)["at"])
            self._tick(now, self._advance_sla(now))
        elif kind == _CMD:
            cmd = c.parse_command(body)
            self._state.check(cmd, has_node=self._has_node)
            self._apply(cmd)
        else:
            raise JournalCorruptError(f"unknown journal record kind {kind!r}")
        self._state.take_events()

    def _rebuild_parts(self) -> None:
        """Push a snapshot's state into fresh parts: staff into the dispatcher, clocks re-armed."""
        self._effector.rebuild()
        st = self._state
        if st.now is not None:
            self._sla.advance(st.now)  # levels already announced before the snapshot
            self._sla_now = st.now
