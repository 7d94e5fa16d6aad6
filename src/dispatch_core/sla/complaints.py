"""Complaint-rate alarm: a community whose complaint rate exceeds 10 % owes an improvement plan.

Per property (community, 小区) over a rolling window, complaints / tickets above the threshold
raises an :class:`Alarm` for the supervisor, which carries its own SLA: the improvement plan is
due within 24 h (of business time on the given calendar). With a tracker, the alarm's clock runs
in the :class:`~dispatch_core.sla.tracker.SlaTracker` (ticket id = alarm id, metric
``resolution``), so it escalates like any other clock.

Examples
--------
>>> from datetime import UTC, datetime, timedelta
>>> from dispatch_core.model import Ticket
>>> mon = ComplaintRateMonitor(min_tickets=5)
>>> t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
>>> def ticket(i, category):
...     return Ticket(id=f"T{i}", property_id="P1", category=category, location="L",
...                   opened_at=t0 + timedelta(hours=i))
>>> [mon.record(ticket(i, "repair")) for i in range(4)]
[None, None, None, None]
>>> alarm = mon.record(ticket(4, "complaint"))
>>> alarm.rate, alarm.notify.value, alarm.due_at.isoformat()
(0.2, 'supervisor', '2026-03-03T13:00:00+00:00')
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from dispatch_core.calendar import BusinessCalendar
from dispatch_core.clock import require_aware
from dispatch_core.errors import (
    ClockError,
    DuplicateEntityError,
    IllegalTransitionError,
    InvalidInputError,
)
from dispatch_core.model import Category, Role, SlaMetric, Ticket
from dispatch_core.sla.records import Outcome
from dispatch_core.sla.tracker import SlaTracker

__all__ = ["Alarm", "ComplaintRateMonitor"]


@dataclass(frozen=True, slots=True)
class Alarm:
    """A community's complaint rate went over the threshold; an improvement plan is owed."""

    id: str
    property_id: str
    raised_at: datetime
    rate: float
    complaints: int
    tickets: int
    window: timedelta
    due_at: datetime
    notify: Role = Role.SUPERVISOR
    plan_at: datetime | None = None
    outcome: Outcome | None = None


@dataclass(slots=True)
class _Community:
    seen: deque[tuple[datetime, bool, str]]
    ids: set[str]
    complaints: int = 0
    last: datetime | None = None
    open: Alarm | None = None


class ComplaintRateMonitor:
    """Rolling complaint rate per property, raising alarms that carry a plan SLA.

    Parameters
    ----------
    window : timedelta, default 30 days
        Tickets opened in ``(at - window, at]`` count.
    threshold : float, default 0.10
        Alarm when complaints / tickets is strictly above it.
    min_tickets : int, default 10
        No alarm on fewer tickets in the window (one complaint out of one is not a rate).
    plan_within : timedelta, default 24 h
        Business time the supervisor has for the improvement plan.
    calendar : BusinessCalendar, optional
        Calendar of the plan SLA; default 24×7. With a tracker it must be one of its calendars.
    tracker : SlaTracker, optional
        Run each alarm's plan clock there (escalating by the tracker's policy chain).
    """

    def __init__(
        self,
        *,
        window: timedelta = timedelta(days=30),
        threshold: float = 0.10,
        min_tickets: int = 10,
        plan_within: timedelta = timedelta(hours=24),
        calendar: BusinessCalendar | None = None,
        tracker: SlaTracker | None = None,
    ) -> None:
        model = "ComplaintRateMonitor"
        if not isinstance(window, timedelta) or window <= timedelta(0):
            raise InvalidInputError("window", window, "expected a positive timedelta", model=model)
        if isinstance(threshold, bool) or not isinstance(threshold, int | float):
            raise InvalidInputError("threshold", threshold, "expected a number", model=model)
        if not 0 <= threshold < 1:
            raise InvalidInputError("threshold", threshold, "must be in [0, 1)", model=model)
        if isinstance(min_tickets, bool) or not isinstance(min_tickets, int) or min_tickets < 1:
            raise InvalidInputError("min_tickets", min_tickets, "expected an int >= 1", model=model)
        if not isinstance(plan_within, timedelta) or plan_within <= timedelta(0):
            raise InvalidInputError(
                "plan_within", plan_within, "expected a positive timedelta", model=model
            )
        cal = BusinessCalendar.always() if calendar is None else calendar
        if not isinstance(cal, BusinessCalendar):
            raise InvalidInputError(
                "calendar", calendar, "expected a BusinessCalendar", model=model
            )
        self._cal_name = "always"
        if tracker is not None and calendar is not None:
            names = [n for n, c in tracker.calendars.items() if c is calendar]
            if not names:
                raise InvalidInputError(
                    "calendar", calendar, "is not one of the tracker's calendars", model=model
                )
            self._cal_name = names[0]
        self.window = window
        self.threshold = float(threshold)
        self.min_tickets = min_tickets
        self.plan_within = plan_within
        self._cal = cal
        self._tracker = tracker
        self._communities: dict[str, _Community] = {}
        self._alarms: list[Alarm] = []

    def record(self, ticket: Ticket, *, at: datetime | None = None) -> Alarm | None:
        """Count a new ticket (at ``at``, default its opened_at); return a new alarm or None.

        Raises
        ------
        ClockError
            If ``at`` is before the property's previous ticket.
        DuplicateEntityError
            If the ticket is already counted in the window.
        """
        if not isinstance(ticket, Ticket):
            raise InvalidInputError("ticket", ticket, "expected a Ticket")
        when = require_aware(ticket.opened_at if at is None else at, field="at").astimezone(UTC)
        com = self._communities.get(ticket.property_id)
        if com is not None:
            if com.last is not None and when < com.last:
                raise ClockError("at", when, f"is before the previous ticket at {com.last}")
            self._evict(com, when)
            if ticket.id in com.ids:
                raise DuplicateEntityError("ticket", ticket.id, field="ticket.id")
        else:
            com = self._communities[ticket.property_id] = _Community(deque(), set())
        complaint = ticket.category is Category.COMPLAINT
        com.seen.append((when, complaint, ticket.id))
        com.ids.add(ticket.id)
        com.complaints += complaint
        com.last = when
        total = len(com.seen)
        rate = com.complaints / total
        if com.open is not None or total < self.min_tickets or rate <= self.threshold:
            return None
        alarm_id = f"complaint-rate:{ticket.property_id}:{len(self._alarms) + 1}"
        if self._tracker is not None:
            self._tracker.start(
                alarm_id, SlaMetric.RESOLUTION, at=when, target=self.plan_within,
                calendar=self._cal_name,
            )  # fmt: skip
        alarm = Alarm(
            id=alarm_id,
            property_id=ticket.property_id,
            raised_at=when,
            rate=rate,
            complaints=com.complaints,
            tickets=total,
            window=self.window,
            due_at=self._cal.add(when, self.plan_within),
        )
        com.open = alarm
        self._alarms.append(alarm)
        return alarm

    def submit_plan(self, property_id: str, *, at: datetime) -> Alarm:
        """Close the property's open alarm: the plan arrived at ``at``; return it, met/breached.

        Raises
        ------
        IllegalTransitionError
            If the property has no open alarm.
        """
        require_aware(at, field="at")
        com = self._communities.get(property_id)
        alarm = None if com is None else com.open
        if com is None or alarm is None:
            raise IllegalTransitionError(property_id, "without an open alarm", "submit a plan for")
        if at < alarm.raised_at:
            raise ClockError("at", at, f"is before the alarm was raised at {alarm.raised_at}")
        if self._tracker is not None:
            outcome = self._tracker.stop(alarm.id, SlaMetric.RESOLUTION, at=at)
        else:
            ok = self._cal.between(alarm.raised_at, at) <= self.plan_within
            outcome = Outcome.MET if ok else Outcome.BREACHED
        closed = replace(alarm, plan_at=at, outcome=outcome)
        com.open = None
        self._alarms[self._alarms.index(alarm)] = closed
        return closed

    def rate(self, property_id: str, *, at: datetime | None = None) -> float:
        """Return the property's complaint rate in the window ending at ``at`` (0.0 if none)."""
        com = self._communities.get(property_id)
        if com is None:
            return 0.0
        if at is not None:
            at = require_aware(at, field="at").astimezone(UTC)
            cutoff = at - self.window
            rows = [c for t, c, _ in com.seen if cutoff < t <= at]
        else:
            rows = [c for _, c, _ in com.seen]
        return sum(rows) / len(rows) if rows else 0.0

    def open_alarm(self, property_id: str) -> Alarm | None:
        """Return the property's open alarm, if any."""
        com = self._communities.get(property_id)
        return None if com is None else com.open

    def alarms(self) -> tuple[Alarm, ...]:
        """Return every alarm raised, in order (closed ones with their outcome)."""
        return tuple(self._alarms)

    def _evict(self, com: _Community, when: datetime) -> None:
        cutoff = when - self.window
        seen = com.seen
        while seen and seen[0][0] <= cutoff:
            _, complaint, ticket_id = seen.popleft()
            com.complaints -= complaint
            com.ids.discard(ticket_id)
