"""The engine's domain state and the pure functions that change it.

:class:`EngineState` holds the open tickets, staff, the dispatch queue and the KPI counters
(the idempotency table is the engine's: :mod:`dispatch_core.engine.idempotency`). A ticket
leaves it when its loop ends (closed or cancelled): its events stay in the journal, the KPIs
keep its share, so the state grows with open work, not with history. It does no I/O and calls
no other part: :meth:`EngineState.check` validates a command without changing anything,
:meth:`EngineState.apply` changes the state and queues
:class:`~dispatch_core.engine.effects.Effect` requests (start a clock, push a load to the
dispatcher, dispatch a ticket…) on :attr:`EngineState.effects`, which the engine carries out,
feeding the answers back through :meth:`EngineState.assign`, :meth:`EngineState.sla_level` and
friends. Everything is deterministic, so the state after a journal replay equals the live
state.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from datetime import datetime
from typing import Any

from dispatch_core.engine import commands as c
from dispatch_core.engine import events as e
from dispatch_core.engine.config import EngineConfig
from dispatch_core.engine.effects import Effect, EffectKind, EffectQueue
from dispatch_core.engine.kpis import KpiTracker
from dispatch_core.engine.lifecycle import (
    ACTIVE,
    AWAITING_DISPATCH,
    Action,
    Status,
    transition,
)
from dispatch_core.engine.records import SlaOp, StaffRecord, TicketRecord
from dispatch_core.engine.snapshot import state_from_dict, state_to_dict
from dispatch_core.engine.validation import check_command
from dispatch_core.errors import (
    UnknownStaffError,
    UnknownTicketError,
)
from dispatch_core.model import Category, EscalationAction, Role, SlaLevel, SlaMetric, Ticket
from dispatch_core.sla.complaints import ComplaintRateMonitor

__all__ = ["EngineState"]


class EngineState:
    """Open tickets, staff, queue and KPIs; changed only by ``apply``.

    Parameters
    ----------
    config : EngineConfig
        Targets, escalation and alarm settings.

    Attributes
    ----------
    effects : EffectQueue
        Effects queued by :meth:`apply` and the answer methods, for the engine to carry out.
    complaints : ComplaintRateMonitor
        The complaint-rate alarm's windows per property.
    """

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.tickets: dict[str, TicketRecord] = {}
        self.staff: dict[str, StaffRecord] = {}
        self.pending: set[str] = set()
        self.now: datetime | None = None
        self.cause: str | None = None  # the key of the command being applied (None: time)
        self.last_seq = 0
        self.records = 0
        self.sla_ops = 0
        self.complaints = ComplaintRateMonitor(
            window=config.complaint_window,
            threshold=config.complaint_alarm_rate,
            min_tickets=config.complaint_min_tickets,
            plan_within=config.complaint_plan_after,
        )
        self.kpis = KpiTracker()
        self.effects = EffectQueue()
        self._push = self.effects.push
        self._events: list[e.EventBase] = []

    # ------------------------------------------------------------------ plumbing
    def _emit(self, cls: type[e.EventBase], at: datetime, **fields: Any) -> None:
        """Queue an event naming its property and the command that caused it."""
        self.last_seq += 1
        if "property_id" not in fields:
            rec = self.tickets.get(fields.get("ticket_id", ""))
            if rec is not None:
                fields["property_id"] = rec.ticket.property_id
        self._events.append(cls(seq=self.last_seq, at=at, command_key=self.cause, **fields))

    # Effects are queued by three small methods rather than one with keyword arguments: they
    # run several times per command, and only the SLA ones need the recovery log.
    def _do(self, kind: EffectKind, ticket_id: str = "") -> None:
        """Queue a dispatch effect (``DISPATCH``, ``DISPATCH_PENDING``, ``REALLOCATE``)."""
        self._push(Effect(kind, ticket_id))

    def _do_staff(self, kind: EffectKind, staff_id: str) -> None:
        """Queue a staff effect: push a member's record, location, availability or load."""
        self._push(Effect(kind, "", staff_id))

    def _do_sla(self, kind: EffectKind, ticket_id: str, metric: SlaMetric | None = None) -> None:
        """Queue an SLA effect, keeping what recovery needs to re-arm the clocks."""
        self._push(Effect(kind, ticket_id, "", metric))
        if kind is EffectKind.SLA_CANCEL:
            self.tickets[ticket_id].sla_log.clear()
            return
        assert self.now is not None  # noqa: S101 - set by apply() before any effect
        self.sla_ops += 1
        self.tickets[ticket_id].sla_log.append(SlaOp(self.sla_ops, kind, self.now, metric))

    def take_events(self) -> list[e.EventBase]:
        """Take the events emitted since the last call, in ``seq`` order."""
        out, self._events = self._events, []
        return out

    def ticket(self, ticket_id: str, *, field: str = "ticket_id") -> TicketRecord:
        """Return the record of ``ticket_id``; :class:`UnknownTicketError` naming ``field``."""
        rec = self.tickets.get(ticket_id)
        if rec is None:
            raise UnknownTicketError(ticket_id, field=field)
        return rec

    def member(self, staff_id: str, *, field: str = "staff_id") -> StaffRecord:
        """Return the record of ``staff_id``; :class:`UnknownStaffError` naming ``field``."""
        rec = self.staff.get(staff_id)
        if rec is None:
            raise UnknownStaffError(staff_id, field=field)
        return rec

    def ineligible(self, rec: TicketRecord, staff: StaffRecord, at: datetime) -> str | None:
        """Why ``staff`` may not take ``rec`` now, or ``None`` when they may."""
        member, ticket = staff.member, rec.ticket
        if ticket.property_id not in member.properties:
            return f"does not serve property {ticket.property_id!r}"
        for req in ticket.required_skills:
            if member.skill_level(req.skill) < req.min_level:
                return f"lacks skill {req.skill!r} at level {req.min_level}"
        if not staff.available or not member.on_shift(at):
            return "is off shift"
        if staff.load >= member.capacity:
            return f"is at capacity ({staff.load}/{member.capacity})"
        return None

    def pending_order(self, limit: int) -> list[str]:
        """Up to ``limit`` waiting tickets, most urgent and oldest first."""
        return heapq.nsmallest(
            limit,
            self.pending,
            key=lambda t: (self.tickets[t].ticket.priority.rank, self.tickets[t].opened_at, t),
        )

    def dispatch_pending(self) -> None:
        """Answer ``DISPATCH_PENDING``: queue a ``DISPATCH`` for each ticket to offer capacity to.

        Those are the ``config.redispatch_limit`` most urgent waiting tickets, chosen now; each
        ``DISPATCH`` is a no-op for a ticket no longer waiting when its turn comes.
        """
        if self.pending:
            for tid in self.pending_order(self.config.redispatch_limit):
                self._do(EffectKind.DISPATCH, tid)

    # ------------------------------------------------------------------ validation
    def check(self, cmd: c.CommandBase, *, has_node: Callable[[str], bool] | None = None) -> None:
        """Raise if ``cmd`` cannot be applied now; change nothing (see :func:`check_command`).

        Raises
        ------
        DispatchError
            A subclass naming the field and value.
        """
        check_command(self, cmd, has_node=has_node)

    # ------------------------------------------------------------------ commands
    def apply(self, cmd: c.CommandBase) -> None:
        """Apply a checked command: change the state, queue events and effects."""
        self.records += 1
        self.now = cmd.at
        self.cause = cmd.key
        _HANDLERS[type(cmd)](self, cmd)

    def tick(self, at: datetime) -> None:
        """Record a journalled clock advance (the SLA answers arrive via :meth:`sla_level`)."""
        self.records += 1
        self.now = at
        self.cause = None

    def _on_open_ticket(self, cmd: c.OpenTicket) -> None:
        t, at = cmd.ticket, cmd.at
        tid = t.id  # a model's attributes cost more to read than a local's
        rec = TicketRecord(ticket=t, status=Status.OPENED, opened_at=at)
        self.tickets[tid] = rec
        self.pending.add(tid)
        self.kpis.opened(t)
        self._emit(
            e.TicketOpened,
            at,
            ticket_id=tid,
            property_id=t.property_id,
            category=t.category,
            priority=t.priority,
        )
        self._complaint_window(t, at)
        self._do_sla(EffectKind.SLA_START, tid)
        self._do(EffectKind.DISPATCH, tid)

    def _complaint_window(self, t: Ticket, at: datetime) -> None:
        complaint = t.category is Category.COMPLAINT
        alarm = self.complaints.record(t.property_id, at, complaint=complaint)
        if alarm is not None:
            self._emit(
                e.ComplaintRateAlarm,
                at,
                property_id=alarm.property_id,
                complaints=alarm.complaints,
                tickets=alarm.tickets,
                rate=alarm.rate,
                role=alarm.notify,
                plan_due_at=alarm.plan_due_at,
            )

    def _on_acknowledge(self, cmd: c.Acknowledge) -> None:
        tid = cmd.ticket_id
        rec = self.tickets[tid]
        rec.acknowledged = True
        self._emit(e.TicketAcknowledged, cmd.at, ticket_id=tid)
        self._stop(rec, tid, SlaMetric.FIRST_RESPONSE)

    def _on_assign_manually(self, cmd: c.AssignManually) -> None:
        why = {"reason": "manual assignment"}
        self.assign(cmd.ticket_id, cmd.staff_id, 0.0, why, cmd.at, manual=True)

    def _on_accept(self, cmd: c.Accept) -> None:
        rec = self.tickets[cmd.ticket_id]
        rec.status = Status.ACCEPTED
        self._emit(e.TicketAccepted, cmd.at, ticket_id=cmd.ticket_id, staff_id=rec.owner)

    def _on_arrive_on_site(self, cmd: c.ArriveOnSite) -> None:
        tid = cmd.ticket_id
        rec = self.tickets[tid]
        rec.status = Status.ON_SITE
        self._emit(e.TechnicianArrived, cmd.at, ticket_id=tid, staff_id=rec.owner)
        self._stop(rec, tid, SlaMetric.ON_SITE)
        staff = self.staff.get(rec.owner) if rec.owner is not None else None
        if staff is not None and staff.location != rec.ticket.location:
            staff.location = rec.ticket.location  # on site is where the ticket is
            self._emit(e.StaffChanged, cmd.at, staff_id=staff.member.id, change="moved")
            self._do_staff(EffectKind.STAFF_LOCATION, staff.member.id)

    def _on_put_on_hold(self, cmd: c.PutOnHold) -> None:
        rec = self.tickets[cmd.ticket_id]
        rec.held_from, rec.status = rec.status, Status.ON_HOLD
        rec.holds += 1
        self._emit(e.TicketOnHold, cmd.at, ticket_id=cmd.ticket_id, reason=cmd.reason)
        self._do_sla(EffectKind.SLA_PAUSE, cmd.ticket_id)

    def _on_resume(self, cmd: c.Resume) -> None:
        rec = self.tickets[cmd.ticket_id]
        rec.status = transition(rec.ticket.id, rec.status, Action.RESUME, held_from=rec.held_from)
        rec.held_from = None
        self._emit(e.TicketResumed, cmd.at, ticket_id=cmd.ticket_id)
        self._do_sla(EffectKind.SLA_RESUME, cmd.ticket_id)

    def _on_resolve(self, cmd: c.Resolve) -> None:
        tid, at = cmd.ticket_id, cmd.at
        rec = self.tickets[tid]
        rec.status = Status.RESOLVED
        first_contact = False
        if rec.first_resolved_at is None:
            first_contact = rec.transfers == 0 and rec.holds == 0
            rec.first_resolved_at, rec.first_resolved_by = at, rec.owner
            rec.first_contact = first_contact
            by = self.staff[rec.owner].member.role if rec.owner else None
            self.kpis.resolved(rec.ticket, rec.opened_at, at, first_contact=first_contact, by=by)
        self.pending.discard(tid)
        self._emit(
            e.TicketResolved,
            at,
            ticket_id=tid,
            staff_id=rec.owner,
            first_contact=first_contact,
        )
        for metric in rec.metrics:
            self._stop(rec, tid, metric)
        self._release(rec, at)

    def _on_record_feedback(self, cmd: c.RecordFeedback) -> None:
        tid, rating = cmd.ticket_id, cmd.rating
        rec = self.tickets[tid]
        rec.rated = True
        rec.ratings.append(rating)
        self.kpis.rated(rec.ticket, rating)
        self._emit(e.FeedbackRecorded, cmd.at, ticket_id=tid, rating=rating)

    def _on_close(self, cmd: c.Close) -> None:
        tid = cmd.ticket_id
        self.tickets[tid].status = Status.CLOSED
        self._emit(e.TicketClosed, cmd.at, ticket_id=tid)
        self._do_sla(EffectKind.SLA_CANCEL, tid)
        self._end(tid)

    def _on_reopen(self, cmd: c.Reopen) -> None:
        rec = self.tickets[cmd.ticket_id]
        rec.status = Status.REOPENED
        rec.reopens += 1
        rec.rated = False
        rec.stopped.clear()
        rec.levels.clear()
        rec.reported_unassignable = False
        self.pending.add(rec.ticket.id)
        self.kpis.reopened(rec.ticket)
        self._emit(e.TicketReopened, cmd.at, ticket_id=cmd.ticket_id)
        self._do_sla(EffectKind.SLA_CANCEL, rec.ticket.id)
        self._do_sla(EffectKind.SLA_START, rec.ticket.id)
        self._do(EffectKind.DISPATCH, rec.ticket.id)

    def _on_cancel(self, cmd: c.Cancel) -> None:
        rec = self.tickets[cmd.ticket_id]
        rec.status = Status.CANCELLED
        self.pending.discard(rec.ticket.id)
        self.kpis.cancelled(rec.ticket)
        self._emit(e.TicketCancelled, cmd.at, ticket_id=cmd.ticket_id)
        self._do_sla(EffectKind.SLA_CANCEL, rec.ticket.id)
        self._release(rec, cmd.at)
        self._end(rec.ticket.id)

    def _on_add_staff(self, cmd: c.AddStaff) -> None:
        m = cmd.member
        self.staff[m.id] = StaffRecord(member=m, location=m.home)
        self._kpi_staff(self.staff[m.id], cmd.at)
        self._emit(e.StaffChanged, cmd.at, staff_id=m.id, change="added")
        self._do_staff(EffectKind.STAFF_UPSERT, m.id)
        self._do(EffectKind.DISPATCH_PENDING)

    def _on_staff_on_shift(self, cmd: c.StaffOnShift) -> None:
        self._availability(cmd.staff_id, cmd.at, available=True)
        self._do(EffectKind.DISPATCH_PENDING)

    def _on_staff_off_shift(self, cmd: c.StaffOffShift) -> None:
        self._availability(cmd.staff_id, cmd.at, available=False)

    def _availability(self, staff_id: str, at: datetime, *, available: bool) -> None:
        rec = self.staff[staff_id]
        rec.available = available
        self._kpi_staff(rec, at)
        change = "on_shift" if available else "off_shift"
        self._emit(e.StaffChanged, at, staff_id=staff_id, change=change)
        self._do_staff(EffectKind.STAFF_AVAILABLE, staff_id)

    def _on_staff_moved(self, cmd: c.StaffMoved) -> None:
        self.staff[cmd.staff_id].location = cmd.node
        self._emit(e.StaffChanged, cmd.at, staff_id=cmd.staff_id, change="moved")
        self._do_staff(EffectKind.STAFF_LOCATION, cmd.staff_id)

    def _on_staff_load_changed(self, cmd: c.StaffLoadChanged) -> None:
        rec = self.staff[cmd.staff_id]
        lower = cmd.load < rec.external_load
        rec.external_load = cmd.load
        self._kpi_staff(rec, cmd.at)
        self._emit(e.StaffChanged, cmd.at, staff_id=cmd.staff_id, change="load")
        self._do_staff(EffectKind.STAFF_LOAD, cmd.staff_id)
        if lower:
            self._do(EffectKind.DISPATCH_PENDING)

    # ------------------------------------------------------------------ answers from parts
    def assign(
        self,
        ticket_id: str,
        staff_id: str,
        score: float,
        explanation: dict[str, Any],
        at: datetime,
        *,
        manual: bool = False,
    ) -> None:
        """Give ``ticket_id`` to ``staff_id`` (first owner or a transfer)."""
        rec, staff = self.tickets[ticket_id], self.staff[staff_id]
        previous = rec.owner
        if previous is not None:
            rec.transfers += 1
            self._release(rec, at, redispatch=False)
        rec.owner = staff_id
        rec.status = Status.ASSIGNED
        self.pending.discard(ticket_id)
        staff.active.add(ticket_id)
        self._kpi_staff(staff, at)
        self._do_staff(EffectKind.STAFF_LOAD, staff_id)
        if previous is None:
            cls: type[e.EventBase] = e.TicketAssigned
            extra: dict[str, Any] = {}
        else:
            cls, extra = e.TicketReassigned, {"from_staff_id": previous}
        self._emit(
            cls,
            at,
            ticket_id=ticket_id,
            staff_id=staff_id,
            score=float(score),
            explanation=explanation,
            manual=manual,
            **extra,
        )
        if previous is not None:
            self._do(EffectKind.DISPATCH_PENDING)

    def dispatch_failed(self, ticket_id: str, explanation: dict[str, Any], at: datetime) -> None:
        """Nobody fits ``ticket_id`` now; report it once per wait."""
        rec = self.tickets[ticket_id]
        if not rec.reported_unassignable:
            rec.reported_unassignable = True
            self._emit(e.TicketUnassignable, at, ticket_id=ticket_id, explanation=explanation)

    def sla_started(self, ticket_id: str, metrics: tuple[SlaMetric, ...]) -> None:
        """Record the metrics whose clocks the tracker armed for ``ticket_id``."""
        self.tickets[ticket_id].metrics = metrics

    def sla_level(
        self,
        ticket_id: str,
        metric: SlaMetric,
        level: SlaLevel,
        at: datetime,
        *,
        notify: Role | None = None,
        action: EscalationAction = EscalationAction.NOTIFY,
    ) -> None:
        """Handle an SLA clock reaching ``level``.

        ``ESCALATE`` raises an escalation to ``notify``; ``REALLOCATE`` asks the dispatcher
        for a better technician.
        """
        rec = self.tickets.get(ticket_id)
        if rec is None or rec.status not in ACTIVE or metric in rec.stopped:
            return
        rec.levels[metric] = level
        self._emit(e.SlaLevelChanged, at, ticket_id=ticket_id, metric=metric, level=level)
        if action is EscalationAction.ESCALATE and notify is not None:
            self._emit(
                e.EscalationRaised,
                at,
                ticket_id=ticket_id,
                metric=metric,
                level=level,
                role=notify,
            )
        elif action is EscalationAction.REALLOCATE:
            if rec.status in AWAITING_DISPATCH:
                self._do(EffectKind.DISPATCH, ticket_id)
            elif rec.status in {Status.ASSIGNED, Status.ACCEPTED}:
                self._do(EffectKind.REALLOCATE, ticket_id)

    def sla_result(self, ticket_id: str, metric: SlaMetric, *, met: bool) -> None:
        """Record a stopped clock's outcome (met or breached), for the audit trail and KPIs."""
        rec = self.tickets[ticket_id]
        rec.sla_results.append((metric, met))
        self.kpis.sla_closed(rec.ticket, metric, met)

    # ------------------------------------------------------------------ helpers
    def _end(self, ticket_id: str) -> None:
        """End the ticket's loop: it leaves the live state (the KPIs keep its share).

        Called after the command's effects are queued; none of them reads the record again
        (the SLA cancel is keyed by id, the release already happened), so live state, snapshots
        and recovery cost grow with open work, not with history.
        """
        del self.tickets[ticket_id]
        self.pending.discard(ticket_id)

    def _stop(self, rec: TicketRecord, ticket_id: str, metric: SlaMetric) -> None:
        if metric in rec.stopped or metric not in rec.metrics:
            return
        rec.stopped.add(metric)
        self._do_sla(EffectKind.SLA_STOP, ticket_id, metric)

    def _release(self, rec: TicketRecord, at: datetime, *, redispatch: bool = True) -> None:
        if rec.owner is None:
            return
        staff = self.staff[rec.owner]
        staff.active.discard(rec.ticket.id)
        self._kpi_staff(staff, at)
        rec.owner = None
        self._do_staff(EffectKind.STAFF_LOAD, staff.member.id)
        if redispatch:
            self._do(EffectKind.DISPATCH_PENDING)

    def _kpi_staff(self, staff: StaffRecord, at: datetime) -> None:
        m = staff.member
        load = staff.load
        if self.kpis.staff_update(m.id, at, load, m.capacity, staff.available):
            return
        self.kpis.staff_changed(
            m.id,
            at,
            role=m.role,
            properties=m.properties,
            load=load,
            capacity=m.capacity,
            on=staff.available,
        )

    # ------------------------------------------------------------------ snapshots
    def to_dict(self, *, property_id: str | None = None, full: bool = False) -> dict[str, Any]:
        """Deterministic JSON-ready state; ``property_id`` keeps one property's share.

        ``full`` adds what recovery needs (complaint windows, KPI accumulators) and is only
        used for journal snapshots; the idempotency table is rebuilt from the journal.
        """
        return state_to_dict(self, property_id=property_id, full=full)

    @classmethod
    def from_dict(cls, config: EngineConfig, data: dict[str, Any]) -> EngineState:
        """Rebuild a state from ``to_dict(full=True)``."""
        st = cls(config)
        state_from_dict(st, data)
        return st


#: The transition of each command type (``apply`` looks it up by the command's class).
_HANDLERS: dict[type[c.CommandBase], Callable[[EngineState, Any], None]] = {
    c.OpenTicket: EngineState._on_open_ticket,
    c.Acknowledge: EngineState._on_acknowledge,
    c.AssignManually: EngineState._on_assign_manually,
    c.Accept: EngineState._on_accept,
    c.ArriveOnSite: EngineState._on_arrive_on_site,
    c.PutOnHold: EngineState._on_put_on_hold,
    c.Resume: EngineState._on_resume,
    c.Resolve: EngineState._on_resolve,
    c.RecordFeedback: EngineState._on_record_feedback,
    c.Close: EngineState._on_close,
    c.Reopen: EngineState._on_reopen,
    c.Cancel: EngineState._on_cancel,
    c.StaffOnShift: EngineState._on_staff_on_shift,
    c.StaffOffShift: EngineState._on_staff_off_shift,
    c.StaffMoved: EngineState._on_staff_moved,
    c.StaffLoadChanged: EngineState._on_staff_load_changed,
    c.AddStaff: EngineState._on_add_staff,
}
