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
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from dispatch_core.clock import Clock, require_aware
from dispatch_core.engine import commands as c
from dispatch_core.engine.config import EngineConfig, check_journal_config
from dispatch_core.engine.effects import Effect, EffectKind
from dispatch_core.engine.events import EventBase
from dispatch_core.engine.journal import Journal
from dispatch_core.engine.ports import DispatchPort, LevelChangeLike, NodeCatalog, SlaPort
from dispatch_core.engine.state import EngineState
from dispatch_core.engine.wiring import default_dispatcher, default_sla, site_from_config
from dispatch_core.errors import (
    ClockError,
    DispatchError,
    IllegalTransitionError,
    InvalidInputError,
    JournalCorruptError,
    JournalError,
    UnknownEntityError,
)
from dispatch_core.model import DispatchAction, Outcome

__all__ = ["Engine", "EngineConfig", "Subscriber"]

#: A subscriber gets every event once it is durable, in ``seq`` order.
Subscriber = Callable[[EventBase], None]

_CMD, _TICK = "cmd", "tick"


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
    """

    def __init__(
        self,
        config: EngineConfig | None = None,
        *,
        clock: Clock | None = None,
        dispatcher: DispatchPort | None = None,
        sla: SlaPort | None = None,
        site: NodeCatalog | None = None,
    ) -> None:
        self.config = config if config is not None else EngineConfig()
        self._clock = clock
        if site is None:
            site = site_from_config(self.config)
        self._dispatcher = dispatcher if dispatcher is not None else default_dispatcher(site)
        self._sla = sla if sla is not None else default_sla(self.config)
        self._has_node = site.__contains__ if site is not None else None
        self._state = EngineState(self.config)
        self._remember = self.config.idempotency_keys > 0
        self._journal: Journal | None = None
        self._subscribers: list[Subscriber] = []
        self._horizon: datetime | None = None
        self._sla_now: datetime | None = None  # the time of the tracker's last advance
        self._failed: BaseException | None = None
        self._since_snapshot = 0

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
                eng._rebuild_parts()
            for _, kind, body in journal.read(after=eng._state.records):
                eng._replay(kind, body)
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
        # handle_many([command]), without its batching.
        if self._failed is not None:
            self._ensure_usable()  # raises
        records: list[tuple[str, str]] = []
        released: list[EventBase] = []
        error: DispatchError | None = None
        events: list[EventBase] = []
        try:
            try:
                events = self._one(command, records, released)
            except DispatchError as err:
                error = err
            if records:
                self._commit(records)
        except BaseException as exc:
            self._failed = exc
            raise
        if self._subscribers:
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
        """
        self._ensure_usable()
        results: list[list[EventBase] | DispatchError] = []
        records: list[tuple[str, str]] = []
        released: list[EventBase] = []
        try:
            for raw in commands:
                try:
                    results.append(self._one(raw, records, released))
                except DispatchError as err:
                    results.append(err)
                    continue
                if len(records) >= self.config.group_commit:
                    self._commit(records)
            self._commit(records)
        except BaseException as exc:
            self._failed = exc
            raise
        self._publish(released)
        return results

    def advance(self, now: datetime | None = None) -> list[EventBase]:
        """Fire every SLA threshold due at or before ``now`` (default: the clock's time).

        Raises
        ------
        ClockError
            If ``now`` is before the engine's current time.
        """
        self._ensure_usable()
        if now is None:
            if self._clock is None:
                raise InvalidInputError("now", None, "pass a time or give the engine a clock")
            now = self._clock.now()
        self._check_time(now, field="now")
        records: list[tuple[str, str]] = []
        try:
            events = self._advance_to(now, records)
            self._commit(records)
        except BaseException as exc:
            self._failed = exc
            raise
        self._publish(events)
        return events

    def next_deadline(self) -> datetime | None:
        """Return the next instant at which :meth:`advance` has something to fire, if any."""
        return self._sla.next_deadline()

    def snapshot(self, *, property_id: str | None = None) -> dict[str, Any]:
        """Return the state as a deterministic JSON-ready dict (tickets, staff, queue, KPIs).

        Parameters
        ----------
        property_id : str, optional
            Keep only this property's tickets, the staff serving it, and its KPIs.

        Every mapping in it has its keys in sorted order, so ``json.dumps`` of two equal
        states gives the same bytes.
        """
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
        records: list[tuple[str, str]],
        released: list[EventBase],
    ) -> list[EventBase]:
        cmd = raw if isinstance(raw, c.CommandBase) else self._coerce(raw)
        st = self._state
        remember = self._remember
        if remember:
            found = st.lookup(cmd)
            if found is not None:
                return list(found)
        at = cmd.at
        if self._horizon is not None and at < self._horizon:
            self._check_time(at, field="at", aware=True)  # raises the ClockError
        st.check(cmd, has_node=self._has_node)  # bad input: nothing changes at all
        fired = None
        if at != self._sla_now:
            fired = self._advance_to(at, records)  # thresholds due first: they may change it
            if fired:
                released.extend(fired)
                st.check(cmd, has_node=self._has_node)  # still valid after them?
        # else: the tracker is there already, and nothing is due at "now" itself
        events = self._apply(cmd)
        if self._journal is not None:
            records.append((_CMD, cmd.model_dump_json()))
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
        """Apply a checked command, settle its effects, and return (and remember) its events."""
        st = self._state
        st.apply(cmd)
        self._horizon = cmd.at
        self._settle(cmd.at)
        events = st.take_events()
        if self._remember:
            st.remember(cmd, events)
        return events

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
        pop, perform = self._state.effects.pop, _PERFORM
        while (eff := pop()) is not None:
            perform[eff.kind](self, eff, at)

    def _advance_to(self, now: datetime, records: list[tuple[str, str]]) -> list[EventBase]:
        """Fire the thresholds due by ``now``; return their events (journalled as a tick)."""
        if now == self._sla_now:
            return []  # the tracker is there already, and nothing is due at "now" itself
        changes = self._advance_sla(now)
        if not changes:
            return []
        self._tick(now, changes)
        if self._journal is not None:
            records.append((_TICK, json.dumps({"at": now.isoformat()})))
        return self._state.take_events()

    def _commit(self, records: list[tuple[str, str]]) -> None:
        if self._journal is None or not records:
            records.clear()
            return
        last = self._journal.append(records)
        self._since_snapshot += len(records)
        records.clear()
        if self._since_snapshot >= self.config.snapshot_every:
            body = json.dumps(self._state.to_dict(full=True), sort_keys=True)
            self._journal.write_snapshot(last, body)
            self._since_snapshot = 0

    def _publish(self, events: list[EventBase]) -> None:
        if not self._subscribers:
            return
        for ev in events:
            for callback in list(self._subscribers):
                callback(ev)

    def _ensure_usable(self) -> None:
        if self._failed is not None:
            raise JournalError(
                f"engine stopped after a failure ({self._failed!r}); reopen it to recover"
            )

    # ------------------------------------------------------------------ effects
    def _do_dispatch(self, eff: Effect, at: datetime) -> None:
        if eff.ticket_id in self._state.pending:
            self._dispatch(eff.ticket_id, at)

    def _do_dispatch_pending(self, eff: Effect, at: datetime) -> None:
        self._state.dispatch_pending()  # queues a DISPATCH per ticket it offers capacity to

    def _do_reallocate(self, eff: Effect, at: datetime) -> None:
        self._reallocate(eff.ticket_id, at)

    def _do_staff(self, eff: Effect, at: datetime) -> None:
        self._sync_staff(eff.kind, eff.staff_id)

    def _do_staff_load(self, eff: Effect, at: datetime) -> None:
        self._dispatcher.set_load(eff.staff_id, self._state.staff[eff.staff_id].load)

    def _dispatch(self, ticket_id: str, at: datetime) -> None:
        rec = self._state.tickets[ticket_id]
        try:
            decision = self._dispatcher.choose(rec.ticket, at=at)
        except DispatchError as err:
            self._state.dispatch_failed(ticket_id, {"reason": str(err)}, at)
            return
        if decision.staff_id is None or decision.action is not DispatchAction.ASSIGN:
            self._state.dispatch_failed(ticket_id, dict(decision.explanation.as_dict()), at)
            return
        why = self._why_not(ticket_id, decision.staff_id, at)
        if why is not None:
            self._state.dispatch_failed(ticket_id, {"reason": why}, at)
            return
        score = decision.score or 0.0
        explanation = dict(decision.explanation.as_dict())
        self._state.assign(ticket_id, decision.staff_id, score, explanation, at)

    def _reallocate(self, ticket_id: str, at: datetime) -> None:
        rec = self._state.tickets[ticket_id]
        if rec.owner is None:
            return
        try:
            decision = self._dispatcher.reallocate(rec.ticket, at=at, current=rec.owner)
        except DispatchError:
            return
        staff_id = decision.staff_id
        if decision.action is not DispatchAction.REASSIGN:
            return  # ASSIST (an extra hand) or NONE: the owner keeps the ticket
        if staff_id is None or staff_id == rec.owner or self._why_not(ticket_id, staff_id, at):
            return
        score = decision.score or 0.0
        self._state.assign(ticket_id, staff_id, score, dict(decision.explanation.as_dict()), at)

    def _why_not(self, ticket_id: str, staff_id: str, at: datetime) -> str | None:
        """Hard rules re-checked on every decision (tenant isolation, skills, capacity)."""
        staff = self._state.staff.get(staff_id)
        if staff is None:
            return f"dispatcher proposed unknown staff member {staff_id!r}"
        why = self._state.ineligible(self._state.tickets[ticket_id], staff, at)
        return None if why is None else f"dispatcher proposed {staff_id!r}, who {why}"

    def _sync_staff(self, kind: EffectKind, staff_id: str) -> None:
        rec, d = self._state.staff[staff_id], self._dispatcher
        if kind is EffectKind.STAFF_UPSERT:
            d.upsert(rec.member)
            d.set_location(staff_id, rec.location)
            d.set_available(staff_id, rec.available)
        elif kind is EffectKind.STAFF_LOCATION:
            d.set_location(staff_id, rec.location)
        elif kind is EffectKind.STAFF_AVAILABLE:
            d.set_available(staff_id, rec.available)
        d.set_load(staff_id, rec.load)

    def _sla_stop(self, eff: Effect, at: datetime) -> None:
        tid, st, metric = eff.ticket_id, self._state, eff.metric
        if metric is None:
            return
        try:
            outcome = self._sla.stop(tid, metric, at=at)
        except (UnknownEntityError, IllegalTransitionError):
            return  # e.g. a clock that already stopped: nothing to do
        st.sla_result(tid, metric, met=outcome is Outcome.MET)

    def _sla_start(self, eff: Effect, at: datetime) -> None:
        tid, st = eff.ticket_id, self._state
        try:
            metrics = self._sla.start_ticket(st.tickets[tid].ticket, at=at)
        except (UnknownEntityError, IllegalTransitionError):
            return  # as _sla_effect: nothing to do
        st.sla_started(tid, tuple(metrics))

    def _sla_effect(self, eff: Effect, at: datetime) -> None:
        """Pause, resume or cancel (``_PERFORM`` sends starts and stops to their own methods)."""
        sla, tid = self._sla, eff.ticket_id
        try:
            if eff.kind is EffectKind.SLA_PAUSE:
                sla.pause(tid, at=at)
            elif eff.kind is EffectKind.SLA_RESUME:
                sla.resume(tid, at=at)
            elif eff.kind is EffectKind.SLA_CANCEL:
                sla.cancel_ticket(tid)
        except (UnknownEntityError, IllegalTransitionError):
            pass  # e.g. pausing a ticket whose clocks have all stopped: nothing to do

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
        st = self._state
        for sid in sorted(st.staff):
            self._sync_staff(EffectKind.STAFF_UPSERT, sid)
        ops = sorted(
            ((rec, op) for rec in st.tickets.values() for op in rec.sla_log),
            key=lambda pair: pair[1].n,
        )
        sla = self._sla
        for rec, op in ops:  # the tracker only: the state already has it all
            tid, at = rec.ticket.id, op.at
            try:
                if op.kind is EffectKind.SLA_START:
                    sla.start_ticket(rec.ticket, at=at)
                elif op.kind is EffectKind.SLA_PAUSE:
                    sla.pause(tid, at=at)
                elif op.kind is EffectKind.SLA_RESUME:
                    sla.resume(tid, at=at)
                elif op.kind is EffectKind.SLA_STOP and op.metric is not None:
                    sla.stop(tid, op.metric, at=at)
            except (UnknownEntityError, IllegalTransitionError):
                pass  # as when it first happened
        if st.now is not None:
            self._sla.advance(st.now)  # levels already announced before the snapshot
            self._sla_now = st.now


#: What the engine does for each kind of effect the state queues.
_PERFORM: dict[EffectKind, Callable[[Engine, Effect, datetime], None]] = {
    EffectKind.DISPATCH: Engine._do_dispatch,
    EffectKind.DISPATCH_PENDING: Engine._do_dispatch_pending,
    EffectKind.REALLOCATE: Engine._do_reallocate,
    EffectKind.STAFF_UPSERT: Engine._do_staff,
    EffectKind.STAFF_LOCATION: Engine._do_staff,
    EffectKind.STAFF_AVAILABLE: Engine._do_staff,
    EffectKind.STAFF_LOAD: Engine._do_staff_load,
    EffectKind.SLA_START: Engine._sla_start,
    EffectKind.SLA_PAUSE: Engine._sla_effect,
    EffectKind.SLA_RESUME: Engine._sla_effect,
    EffectKind.SLA_STOP: Engine._sla_stop,
    EffectKind.SLA_CANCEL: Engine._sla_effect,
}
