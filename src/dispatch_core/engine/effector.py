"""Effects carried out against the engine's parts: the dispatcher and the SLA tracker.

The state queues typed :class:`~dispatch_core.engine.effects.Effect` records while it applies
a command; :meth:`Effector.settle` carries them out depth-first (each effect's follow-ups
before the next), asking the dispatcher for decisions and the tracker for clock outcomes, and
hands the answers back to the state. Live commands and journal replay settle through it alike.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from dispatch_core.engine.effects import Effect, EffectKind
from dispatch_core.engine.ports import DispatchPort, SlaPort
from dispatch_core.engine.state import EngineState
from dispatch_core.errors import DispatchError, IllegalTransitionError, UnknownEntityError
from dispatch_core.model import DispatchAction, Outcome

__all__ = ["Effector"]


class Effector:
    """Carries out a state's queued effects with a dispatcher and an SLA tracker.

    Parameters
    ----------
    state : EngineState
        Whose effects are carried out (replaced when a snapshot is loaded).
    dispatcher : DispatchPort
        Asked for dispatch and reallocation decisions.
    sla : SlaPort
        Starts, pauses, resumes, stops and cancels the tickets' clocks.
    """

    def __init__(self, state: EngineState, dispatcher: DispatchPort, sla: SlaPort) -> None:
        self.state = state
        self.dispatcher = dispatcher
        self.sla = sla

    def settle(self, at: datetime) -> None:
        """Carry out the queued effects, each one's follow-ups before the next (depth-first)."""
        pop, perform = self.state.effects.pop, _PERFORM
        while (eff := pop()) is not None:
            perform[eff.kind](self, eff, at)

    def rebuild(self) -> None:
        """Push a loaded state into fresh parts: every staff member, every clock re-armed."""
        st = self.state
        for sid in sorted(st.staff):
            self._sync_staff(EffectKind.STAFF_UPSERT, sid)
        ops = sorted(
            ((rec, op) for rec in st.tickets.values() for op in rec.sla_log),
            key=lambda pair: pair[1].n,
        )
        sla = self.sla
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

    def _do_dispatch(self, eff: Effect, at: datetime) -> None:
        if eff.ticket_id in self.state.pending:
            self._dispatch(eff.ticket_id, at)

    def _do_dispatch_pending(self, eff: Effect, at: datetime) -> None:
        self.state.dispatch_pending()  # queues a DISPATCH per ticket it offers capacity to

    def _do_reallocate(self, eff: Effect, at: datetime) -> None:
        self._reallocate(eff.ticket_id, at)

    def _do_staff(self, eff: Effect, at: datetime) -> None:
        self._sync_staff(eff.kind, eff.staff_id)

    def _do_staff_load(self, eff: Effect, at: datetime) -> None:
        self.dispatcher.set_load(eff.staff_id, self.state.staff[eff.staff_id].load)

    def _dispatch(self, ticket_id: str, at: datetime) -> None:
        rec = self.state.tickets[ticket_id]
        try:
            decision = self.dispatcher.choose(rec.ticket, at=at)
        except DispatchError as err:
            self.state.dispatch_failed(ticket_id, {"reason": str(err)}, at)
            return
        if decision.staff_id is None or decision.action is not DispatchAction.ASSIGN:
            self.state.dispatch_failed(ticket_id, dict(decision.explanation.as_dict()), at)
            return
        why = self._why_not(ticket_id, decision.staff_id, at)
        if why is not None:
            self.state.dispatch_failed(ticket_id, {"reason": why}, at)
            return
        score = decision.score or 0.0
        explanation = dict(decision.explanation.as_dict())
        self.state.assign(ticket_id, decision.staff_id, score, explanation, at)

    def _reallocate(self, ticket_id: str, at: datetime) -> None:
        rec = self.state.tickets[ticket_id]
        if rec.owner is None:
            return
        try:
            decision = self.dispatcher.reallocate(rec.ticket, at=at, current=rec.owner)
        except DispatchError:
            return
        staff_id = decision.staff_id
        if decision.action is not DispatchAction.REASSIGN:
            return  # ASSIST (an extra hand) or NONE: the owner keeps the ticket
        if staff_id is None or staff_id == rec.owner or self._why_not(ticket_id, staff_id, at):
            return
        score = decision.score or 0.0
        self.state.assign(ticket_id, staff_id, score, dict(decision.explanation.as_dict()), at)

    def _why_not(self, ticket_id: str, staff_id: str, at: datetime) -> str | None:
        """Hard rules re-checked on every decision (tenant isolation, skills, capacity)."""
        staff = self.state.staff.get(staff_id)
        if staff is None:
            return f"dispatcher proposed unknown staff member {staff_id!r}"
        why = self.state.ineligible(self.state.tickets[ticket_id], staff, at)
        return None if why is None else f"dispatcher proposed {staff_id!r}, who {why}"

    def _sync_staff(self, kind: EffectKind, staff_id: str) -> None:
        rec, d = self.state.staff[staff_id], self.dispatcher
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
        tid, st, metric = eff.ticket_id, self.state, eff.metric
        if metric is None:
            return
        try:
            outcome = self.sla.stop(tid, metric, at=at)
        except (UnknownEntityError, IllegalTransitionError):
            return  # e.g. a clock that already stopped: nothing to do
        st.sla_result(tid, metric, met=outcome is Outcome.MET)

    def _sla_start(self, eff: Effect, at: datetime) -> None:
        tid, st = eff.ticket_id, self.state
        try:
            metrics = self.sla.start_ticket(st.tickets[tid].ticket, at=at)
        except (UnknownEntityError, IllegalTransitionError):
            return  # as _sla_effect: nothing to do
        st.sla_started(tid, tuple(metrics))

    def _sla_effect(self, eff: Effect, at: datetime) -> None:
        """Pause, resume or cancel (``_PERFORM`` sends starts and stops to their own methods)."""
        sla, tid = self.sla, eff.ticket_id
        try:
            if eff.kind is EffectKind.SLA_PAUSE:
                sla.pause(tid, at=at)
            elif eff.kind is EffectKind.SLA_RESUME:
                sla.resume(tid, at=at)
            elif eff.kind is EffectKind.SLA_CANCEL:
                sla.cancel_ticket(tid)
        except (UnknownEntityError, IllegalTransitionError):
            pass  # e.g. pausing a ticket whose clocks have all stopped: nothing to do


#: What the engine does for each kind of effect the state queues.
_PERFORM: dict[EffectKind, Callable[[Effector, Effect, datetime], None]] = {
    EffectKind.DISPATCH: Effector._do_dispatch,
    EffectKind.DISPATCH_PENDING: Effector._do_dispatch_pending,
    EffectKind.REALLOCATE: Effector._do_reallocate,
    EffectKind.STAFF_UPSERT: Effector._do_staff,
    EffectKind.STAFF_LOCATION: Effector._do_staff,
    EffectKind.STAFF_AVAILABLE: Effector._do_staff,
    EffectKind.STAFF_LOAD: Effector._do_staff_load,
    EffectKind.SLA_START: Effector._sla_start,
    EffectKind.SLA_PAUSE: Effector._sla_effect,
    EffectKind.SLA_RESUME: Effector._sla_effect,
    EffectKind.SLA_STOP: Effector._sla_stop,
    EffectKind.SLA_CANCEL: Effector._sla_effect,
}
