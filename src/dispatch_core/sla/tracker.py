"""Per-ticket SLA clocks: start, pause, resume, stop, restart; levels fired from a timer store.

Every (ticket, metric) pair has one clock. A running clock counts business time on its
metric's calendar; paused time does not count (it is reported separately, also in business
time). Each running clock arms exactly one timer: the instant its *next* threshold is reached
if it keeps running. Pausing cancels it, resuming re-arms it, firing arms the next one.

Instants in events and records are UTC datetimes. Operations on one clock must not go back in
time (:class:`~dispatch_core.errors.ClockError`), nor may ``advance``. A threshold reached
before a ``pause``/``stop``/``restart`` that ``advance`` has not yet reported is recorded by that
operation and its :class:`LevelChanged` is returned by the next ``advance`` (with its true
instant), so no level change is ever lost or reported twice.

Examples
--------
>>> from datetime import UTC, datetime, timedelta
>>> tracker = SlaTracker(SlaPolicy.default())
>>> t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
>>> tracker.start("T-1", "on_site", at=t0, category="repair")
>>> [(e.level.value, e.at.time().isoformat(), e.notify.value)
...  for e in tracker.advance(t0 + timedelta(minutes=75))]
[('yellow', '09:45:00', 'agent'), ('red', '10:00:00', 'supervisor')]
>>> tracker.stop("T-1", "on_site", at=t0 + timedelta(minutes=75))
<Outcome.BREACHED: 'breached'>
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from operator import attrgetter
from types import MappingProxyType
from typing import Any

from dispatch_core.calendar import BusinessCalendar
from dispatch_core.clock import require_aware
from dispatch_core.errors import (
    ClockError,
    DuplicateEntityError,
    IllegalTransitionError,
    InvalidInputError,
    UnknownTicketError,
)
from dispatch_core.model import Category, Priority, SlaMetric, Ticket
from dispatch_core.sla.clocks import (
    SECOND_US,
    Arm,
    Clock,
    Fired,
    Rules,
    aware_us,
    from_us,
    parse_metric,
    policy_calendars,
    to_us,
)
from dispatch_core.sla.policy import SlaPolicy
from dispatch_core.sla.records import ClockState, LevelChanged, Outcome, SlaRecord
from dispatch_core.timers import Timers, TimerWheel

__all__ = ["SlaTracker"]

_INF = float("inf")
_NINF = -_INF
_BY_SEQ = attrgetter("seq")
_RUNNING = ClockState.RUNNING
_STOPPED = ClockState.STOPPED


class SlaTracker:
    """Every SLA clock of every open ticket, armed on one timer store.

    Parameters
    ----------
    policy : SlaPolicy
        Targets, calendars (by name) and escalation chains.
    calendars : mapping of str to BusinessCalendar, optional
        Calendars by name; ``"always"`` (24×7 UTC) is added when missing. Every calendar the
        policy names must be present.
    timers : Timers, optional
        The timer store; owned by the tracker, do not share it. Default: a
        :class:`~dispatch_core.timers.wheel.TimerWheel` (see :attr:`timers`); ``HeapTimers``
        also fits.

    Raises
    ------
    InvalidInputError
        If the policy names a calendar that is not given.
    """

    def __init__(
        self,
        policy: SlaPolicy,
        *,
        calendars: Mapping[str, BusinessCalendar] | None = None,
        timers: Timers[Any] | None = None,
    ) -> None:
        cals = policy_calendars(policy, calendars)
        self.policy = policy
        self._calendars = cals
        # None: a TimerWheel to make when first needed (_flush), at the instants armed then;
        # _floor: its start (s) while an advance could still go before it (see _rebase).
        self._timers: Timers[Arm] | None = timers
        self._own = timers is None
        self._floor = _INF if self._own else _NINF
        self._clocks: dict[str, dict[SlaMetric, Clock]] = {}
        self._pending: list[Fired] = []
        self._seq = 0
        self._now: int | None = None
        # The store's earliest deadline (seconds; inf: none), exact while _store_known: advance
        # and next_deadline skip the store. _flush lowers it; _disarm and firing invalidate it.
        self._store_next = _INF
        self._store_known = True
        # Arms not yet handed to the store, in arm order (see _flush): ``arm`` set, ``handle``
        # None. Dropping one costs nothing; a ticket acknowledged as it opens never arms.
        self._queued: list[Arm] = []
        self._shown_us = -1  # next_deadline's last answer, and as a datetime
        self._shown_dt: datetime | None = None
        # Memoised policy lookups (the policy is immutable); _rules: start_ticket's, by ticket.
        self._resolver = Rules(policy, cals)
        self._rules = self._resolver.by_ticket
        # The last datetime converted to µs, and its value (see _us): the engine passes one
        # object to advance and to every operation at that instant.
        self._memo_dt: datetime | None = None
        self._memo_us = 0

    @property
    def calendars(self) -> Mapping[str, BusinessCalendar]:
        """The calendars by name (read-only)."""
        return MappingProxyType(self._calendars)

    @property
    def timers(self) -> Timers[Any] | None:
        """The timer store (to read, not to change); None until the tracker makes its own.

        Its own is a :class:`~dispatch_core.timers.wheel.TimerWheel` starting at the tracker's
        time when it first hands out a timer, so that deadlines sit in the wheel's levels.

        Examples
        --------
        >>> from datetime import UTC, datetime
        >>> tracker = SlaTracker(SlaPolicy.default())
        >>> t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        >>> tracker.start("T-1", "on_site", at=t0, category="repair")
        >>> tracker.next_deadline().isoformat(), tracker.timers.now == t0.timestamp()
        ('2026-03-02T09:45:00+00:00', True)
        """
        return self._timers

    # ------------------------------------------------------------------ starting

    def start(
        self,
        ticket_id: str,
        metric: SlaMetric | str,
        *,
        at: datetime,
        target: timedelta | None = None,
        category: Category | str | None = None,
        priority: Priority | str | None = None,
        calendar: str | None = None,
    ) -> None:
        """Start one clock.

        The target, calendar and chain come from the policy rule of ``category``/``priority``
        (priority ``None``: the category's default); an explicit ``target`` (and ``calendar``)
        overrides them, and needs no category (then the calendar defaults to ``"always"``
        and the chain to the policy's).

        Raises
        ------
        DuplicateEntityError
            If the ticket already has a clock for ``metric``.
        InvalidInputError
            On a naive ``at``, an unknown metric/category/calendar, or a bad target.
        """
        if not isinstance(ticket_id, str) or not ticket_id:
            raise InvalidInputError("ticket_id", ticket_id, "expected a non-empty string")
        which = parse_metric(metric)
        u = self._us(at, "at")
        existing = self._clocks.get(ticket_id)
        if existing is not None and which in existing:
            raise DuplicateEntityError("SLA clock", f"{ticket_id}/{which}", field="metric")
        c = Clock(ticket_id, self._resolver.plan(which, target, category, priority, calendar), u)
        self._run([c])
        self._clocks.setdefault(ticket_id, {})[which] = c

    def start_ticket(self, ticket: Ticket, *, at: datetime | None = None) -> tuple[SlaMetric, ...]:
        """Start every metric the policy measures for ``ticket`` (default ``at``: opened_at).

        Returns the metrics started. All or nothing: on error no clock is started.
        """
        if not isinstance(ticket, Ticket):
            raise InvalidInputError("ticket", ticket, "expected a Ticket")
        when = ticket.opened_at if at is None else at
        u = self._us(when, "at")  # usually the datetime the engine has just advanced to
        rule = self._rules.get((ticket.category, ticket.priority))
        if rule is None:
            rule = self._resolver.rule(ticket.category, ticket.priority)
        tid = ticket.id
        mine = self._clocks.get(tid)
        if mine is not None:
            for m in rule.metrics:
                if m in mine:
                    raise DuplicateEntityError("SLA clock", f"{tid}/{m}", field="metric")
        if rule.always is None:
            clocks = [Clock(tid, plan, u) for plan in rule.plans]
            self._run(clocks)  # before anything is installed: it may fail
            mine = self._clocks.setdefault(tid, {})
            for c in clocks:
                mine[c.metric] = c
            return rule.metrics
        if mine is None:
            mine = self._clocks[tid] = {}
        # inlined: _run for the usual case, every calendar 24x7 (one pass per clock, due time
        # and first threshold as offsets from u); pinned by test_24x7_starts_match_the_plain_path
        now = self._now
        queue = self._queued.append
        for fast in rule.always:
            c = Clock(tid, fast.plan, u, u + fast.due_us)
            mine[c.metric] = c
            first = fast.first_us
            if first is not None:
                first += u
                at_s = (first if now is None or first >= now else now) / SECOND_US
                seq = self._seq
                self._seq = seq + 1
                c.arm = arm = Arm(c, 0, first, seq, at_s)
                queue(arm)
        return rule.metrics

    def _run(self, clocks: Sequence[Clock]) -> None:
        """Arm clocks that (re)start running: the one arm path of start, resume and restart.

        Each clock's due time and next threshold are computed (the calendar arithmetic)
        before any is armed, so a failure arms nothing.
        """
        whens = []
        for c in clocks:
            c.refresh_due()
            whens.append(c.plan())
        for c, when in zip(clocks, whens, strict=True):
            self._arm(c, when)

    # ------------------------------------------------------------------ transitions

    def pause(
        self, ticket_id: str, *, at: datetime, metric: SlaMetric | str | None = None
    ) -> tuple[SlaMetric, ...]:
        """Put the ticket's running clocks (or one) on hold; return the metrics paused.

        Raises
        ------
        IllegalTransitionError
            If nothing selected is running.
        """
        clocks, u = self._select(ticket_id, metric, at, ClockState.RUNNING, "pause")
        for c in clocks:
            self._catch_up(c, u)
            c.fold(u)
            self._disarm(c)
            c.state, c.paused_since, c.last = ClockState.PAUSED, u, u
        return tuple(c.metric for c in clocks)

    def resume(
        self, ticket_id: str, *, at: datetime, metric: SlaMetric | str | None = None
    ) -> tuple[SlaMetric, ...]:
        """Resume the ticket's paused clocks (or one); return the metrics resumed.

        Raises
        ------
        IllegalTransitionError
            If nothing selected is paused.
        """
        clocks, u = self._select(ticket_id, metric, at, ClockState.PAUSED, "resume")
        for c in clocks:
            c.fold(u)
            c.state, c.running_since, c.last = ClockState.RUNNING, u, u
        self._run(clocks)
        return tuple(c.metric for c in clocks)

    def stop(self, ticket_id: str, metric: SlaMetric | str, *, at: datetime) -> Outcome:
        """Stop a running or paused clock (milestone reached); return its outcome.

        The clock's final :class:`SlaRecord` is available from :meth:`record`.

        Parameters
        ----------
        ticket_id : str
            The ticket.
        metric : SlaMetric or str
            The clock's metric.
        at : datetime
            When the milestone was reached (timezone-aware).

        Returns
        -------
        Outcome
            ``MET`` if the business time elapsed is within the target, else ``BREACHED``.

        Raises
        ------
        IllegalTransitionError
            If the clock is already stopped.

        Examples
        --------
        >>> from datetime import UTC, datetime, timedelta
        >>> tracker = SlaTracker(SlaPolicy.default())
        >>> t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
        >>> tracker.start("T-1", "on_site", at=t0, category="repair")
        >>> tracker.stop("T-1", "on_site", at=t0 + timedelta(minutes=50))
        <Outcome.MET: 'met'>
        >>> tracker.record("T-1", "on_site").elapsed
        datetime.timedelta(seconds=3000)
        """
        u = self._us(at, "at")  # as _select does, for one clock in any state but stopped
        clocks = self._clocks.get(ticket_id) if type(ticket_id) is str else None
        c = clocks.get(metric) if clocks is not None and type(metric) is SlaMetric else None
        if c is None:  # a str metric, or an error to raise
            c = self._clock(ticket_id, metric)
        state = c.state
        if state is _STOPPED:
            raise IllegalTransitionError(f"{ticket_id}/{c.metric}", state.value, "stop")
        if u < c.last:
            raise ClockError("at", at, f"is before the clock's last change {from_us(c.last)}")
        arm = c.arm
        if arm is not None:
            if arm.when <= u:  # _catch_up's own test, first: usually nothing to catch up
                self._catch_up(c, u)
            self._disarm(c)
        c.fold(u)
        c.state, c.stopped, c.last = _STOPPED, u, u
        outcome = c.outcome = Outcome.MET if c.acc <= c.target_us else Outcome.BREACHED
        return outcome

    def restart(self, ticket_id: str, metric: SlaMetric | str, *, at: datetime) -> None:
        """Reopen a stopped clock: a fresh target from ``at``, level green; history is kept.

        Raises
        ------
        IllegalTransitionError
            If the clock is not stopped.
        """
        (c,), u = self._select(ticket_id, metric, at, ClockState.STOPPED, "restart")
        c.reset(u)
        c.due_at = None
        c.restarts += (u,)
        self._run([c])

    def cancel_ticket(self, ticket_id: str) -> tuple[SlaMetric, ...]:
        """Forget every clock of a withdrawn ticket; return the metrics that were tracked.

        Take :meth:`records` first if the audit trail is needed. Unreported level changes of
        the ticket are dropped with it.
        """
        clocks = self._clocks.get(ticket_id) if type(ticket_id) is str else None
        if clocks is None:
            clocks = self._ticket(ticket_id)  # raises, or a str subclass
        for c in clocks.values():
            if c.arm is not None:  # usually every clock has stopped already
                self._disarm(c)
        del self._clocks[ticket_id]
        if self._pending:
            self._pending = [p for p in self._pending if p.event.ticket_id != ticket_id]
        return tuple(clocks)

    # ------------------------------------------------------------------ time

    def advance(self, now: datetime) -> list[LevelChanged]:  # noqa: PLR0912 - hot path, inlined
        """Fire every threshold reached by ``now``; events ordered by (instant, arm order).

        Raises
        ------
        ClockError
            If ``now`` is before the previous ``advance``.
        """
        u = self._us(now, "now")
        last = self._now
        if last is not None and u < last:
            raise ClockError("now", now, f"is before the last advance {from_us(last)}")
        self._now = u
        now_s = u / SECOND_US
        if self._queued:
            self._flush()
        if self._pending:
            fired = [p for p in self._pending if p.when <= u]
            self._pending = [p for p in self._pending if p.when > u]
        else:
            if not self._store_known:
                self._store_refresh()
            if now_s < self._store_next:
                # Nothing due (the store fires ``at <= now``, compared as the same floats): a
                # given store is not advanced, as the tracker arms nothing before its own time;
                # its own wheel is (cheaply), so its cursor, where new deadlines are placed from,
                # stays at the present and they sit in its fine levels, not its coarse ones.
                timers = self._timers
                if self._own and timers is not None and now_s >= self._floor:
                    timers.advance(now_s)
                return []
            fired = []
        while True:
            if self._queued:  # thresholds re-armed by the last batch
                self._flush()
            timers = self._timers
            if timers is None:
                break
            if now_s < self._floor:  # before the start of the tracker's own wheel
                timers = self._rebase(now_s)
            batch = timers.advance(now_s)
            if not batch:
                break
            self._store_known = False  # fired timers have left the store
            for arm in batch:
                clock = arm.clock
                if clock.arm is not arm:  # pragma: no cover - cancelled handles never fire
                    continue
                clock.arm = clock.handle = None
                if arm.when > u:  # pragma: no cover - a store firing early: re-arm
                    self._arm(clock, arm.when)
                    continue
                fired.append(clock.fire(arm))
                if clock.state is ClockState.RUNNING:
                    self._arm(clock, clock.plan())
        if not fired:
            return []
        fired.sort()  # by (when, seq): seq is unique, events are never compared
        return [p.event for p in fired]

    def next_deadline(self) -> datetime | None:
        """Return the earliest instant at which :meth:`advance` has something to report."""
        if self._queued:
            self._flush()
        if not self._store_known:
            self._store_refresh()
        nxt = self._store_next
        best = None if nxt == _INF else round(nxt * SECOND_US)
        for p in self._pending:
            if best is None or p.when < best:
                best = p.when
        if best is None:
            return None
        shown = self._shown_dt
        if shown is None or self._shown_us != best:
            shown = self._shown_dt = from_us(best)
            self._shown_us = best
        return shown

    # ------------------------------------------------------------------ audit

    def records(self, ticket_id: str, *, at: datetime | None = None) -> tuple[SlaRecord, ...]:
        """Return the records of every clock of a ticket (as of ``at``, default: latest known)."""
        clocks = self._ticket(ticket_id)
        return tuple(c.record(self._as_of(c, at)) for c in clocks.values())

    def record(
        self, ticket_id: str, metric: SlaMetric | str, *, at: datetime | None = None
    ) -> SlaRecord:
        """Return one clock's record (as of ``at``, default: latest known)."""
        c = self._clock(ticket_id, metric)
        return c.record(self._as_of(c, at))

    def tickets(self) -> tuple[str, ...]:
        """Return the ids of tickets with clocks, in the order they were started."""
        return tuple(self._clocks)

    def __len__(self) -> int:
        return sum(len(m) for m in self._clocks.values())

    def __repr__(self) -> str:
        armed = sum(1 for arm in self._queued if arm.clock.arm is arm)
        armed += 0 if self._timers is None else len(self._timers)
        return f"SlaTracker(clocks={len(self)}, armed={armed})"

    # ------------------------------------------------------------------ internals

    def _ticket(self, ticket_id: str) -> dict[SlaMetric, Clock]:
        clocks = self._clocks.get(ticket_id) if isinstance(ticket_id, str) else None
        if clocks is None:
            raise UnknownTicketError(ticket_id, field="ticket_id")
        return clocks

    def _clock(self, ticket_id: str, metric: SlaMetric | str) -> Clock:
        which = parse_metric(metric)
        clock = self._ticket(ticket_id).get(which)
        if clock is None:
            raise InvalidInputError("metric", which, f"ticket {ticket_id!r} has no such clock")
        return clock

    def _select(
        self, tid: str, metric: SlaMetric | str | None, at: datetime, state: ClockState, action: str
    ) -> tuple[list[Clock], int]:
        """Validate a transition completely before anything changes."""
        u = self._us(at, "at")
        if metric is not None:
            c = self._clock(tid, metric)
            if c.state is not state:
                raise IllegalTransitionError(f"{tid}/{c.metric}", c.state.value, action)
            clocks = [c]
        else:
            every = list(self._ticket(tid).values())
            clocks = [c for c in every if c.state is state]
            if not clocks:
                states = ", ".join(sorted({c.state.value for c in every}))
                raise IllegalTransitionError(tid, states, action)
        for c in clocks:
            if u < c.last:
                raise ClockError("at", at, f"is before the clock's last change {from_us(c.last)}")
        return clocks, u

    def _us(self, value: datetime, field: str) -> int:
        """Return ``aware_us(value, field)``, memoised on the identity of the last datetime.

        Datetimes are immutable, so the same object always converts to the same value.
        """
        if value is self._memo_dt:
            return self._memo_us
        u = aware_us(value, field)
        if type(value) is datetime:
            self._memo_dt, self._memo_us = value, u
        return u

    def _as_of(self, c: Clock, at: datetime | None) -> int:
        if at is not None:
            return max(c.last, to_us(require_aware(at, field="at")))
        return c.last if self._now is None else max(c.last, self._now)

    def _arm(self, c: Clock, when: int | None) -> None:
        if when is None:
            return
        floor = when if self._now is None else max(when, self._now)
        at = floor / SECOND_US
        c.arm = arm = Arm(c, c.next_index, when, self._seq, at)
        self._seq += 1
        self._queued.append(arm)  # handed to the store by _flush, if still armed then

    def _disarm(self, c: Clock) -> None:
        arm = c.arm
        if arm is not None:
            c.arm = None
            handle = c.handle
            timers = self._timers
            if handle is not None and timers is not None:  # else still queued: _flush drops it
                timers.cancel(handle)
                c.handle = None
                if arm.at <= self._store_next:
                    self._store_known = False  # it may have been the earliest

    def _flush(self) -> None:
        """Hand the queued arms still armed to the store, in arm order (its order for ties).

        Done before the store is read (``advance``, ``next_deadline``), so it has not advanced
        since they were armed: the deadlines computed then still hold.
        """
        queued = self._queued
        self._queued = []
        timers = self._timers
        if timers is None:  # the first timers: make the wheel where they are
            now = self._now
            first = min(arm.clock.last for arm in queued) if now is None else now
            self._floor = first / SECOND_US if now is None else _NINF
            timers = self._timers = TimerWheel(tick=1.0, start=first / SECOND_US)
        schedule = timers.schedule
        nxt = self._store_next
        for arm in queued:
            c = arm.clock
            if c.arm is arm:
                at = arm.at
                c.handle = schedule(at, arm)
                # Lower the store's earliest deadline (still exact if it was; else refreshed).
                if at < nxt:  # noqa: PLR1730 - a compare, not a min() call
                    nxt = at
        self._store_next = nxt

    def _store_refresh(self) -> None:
        """Look up the timer store's earliest deadline again (after it may have changed)."""
        nxt = None if self._timers is None else self._timers.next_deadline()
        self._store_next = _INF if nxt is None else nxt
        self._store_known = True

    def _rebase(self, start: float) -> Timers[Arm]:
        """Restart the tracker's own wheel at ``start`` (s), for an advance before its start.

        At most once (it then starts at the tracker's time); timers move in arm order.
        """
        wheel: TimerWheel[Arm] = TimerWheel(tick=1.0, start=start)
        stored = [c.arm for m in self._clocks.values() for c in m.values() if c.handle]
        for arm in sorted((a for a in stored if a is not None), key=_BY_SEQ):
            arm.clock.handle = wheel.schedule(arm.at, arm)
        self._timers, self._floor = wheel, _NINF
        return wheel

    def _catch_up(self, c: Clock, u: int) -> None:
        """Record thresholds reached by ``u`` that ``advance`` has not reported yet."""
        while c.arm is not None and c.arm.when <= u:
            arm = c.arm
            self._disarm(c)
            self._pending.append(c.fire(arm))
            self._arm(c, c.plan())
