"""Complaint-rate alarm: a community whose complaint rate exceeds 10 % owes an improvement plan.

Per property (community, 小区), over a rolling window of tickets opened, a complaint share
strictly above the alarm rate, with at least ``min_tickets`` tickets in the window, raises an
:class:`Alarm`: the supervisor owes an improvement plan ``plan_within`` later (24 h). A property
is alarmed once while its rate stays above; a ticket that finds the rate at or below the
threshold clears the alarm, so a later rise raises a new one.

The window is kept in whole hours (UTC): per property, one ``[hour, tickets, complaints]``
bucket per hour that had tickets, so its size is bounded by the window's hours (720 for 30
days) whatever the ticket rate. A ticket leaves the window at the end of the hour in which it
becomes older than ``window`` (it may count up to an hour longer, never shorter).

This is the engine's rule: :class:`~dispatch_core.engine.state.EngineState` keeps one monitor,
feeds it every ticket opened, and announces each alarm as a ``ComplaintRateAlarm`` event; the
monitor's windows are part of the engine's snapshots.

Examples
--------
>>> from datetime import UTC, datetime, timedelta
>>> mon = ComplaintRateMonitor(min_tickets=5)
>>> t0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
>>> [mon.record("P1", t0 + timedelta(hours=i), complaint=False) for i in range(4)]
[None, None, None, None]
>>> alarm = mon.record("P1", t0 + timedelta(hours=4), complaint=True)
>>> alarm.rate, alarm.notify.value, alarm.plan_due_at.isoformat()
(0.2, 'supervisor', '2026-03-03T13:00:00+00:00')
>>> mon.alarms()
('P1',)
>>> mon.record("P1", t0 + timedelta(hours=5), complaint=True) is None  # still alarmed
True
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from dispatch_core.errors import ClockError, InvalidInputError, JournalCorruptError
from dispatch_core.model import Role

__all__ = ["Alarm", "ComplaintRateMonitor"]


@dataclass(frozen=True, slots=True)
class Alarm:
    """A community's complaint rate went over the threshold; an improvement plan is owed.

    Parameters
    ----------
    property_id : str
        The community.
    raised_at : datetime
        When the ticket that took the rate over the threshold was opened.
    complaints, tickets : int
        Complaints and tickets in the window at that moment.
    rate : float
        ``complaints / tickets``.
    plan_due_at : datetime
        When the supervisor's improvement plan is due.
    notify : Role
        Who owes the plan (the supervisor).
    """

    property_id: str
    raised_at: datetime
    complaints: int
    tickets: int
    rate: float
    plan_due_at: datetime
    notify: Role = Role.SUPERVISOR


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HOUR = timedelta(hours=1)


@dataclass(slots=True)
class _Bucket:
    """The tickets of one property opened in one hour (hours since the Unix epoch, UTC)."""

    hour: int
    tickets: int = 0
    complaints: int = 0


@dataclass(slots=True)
class _Window:
    """One property's window: hourly buckets oldest first, their totals, the latest ticket."""

    buckets: deque[_Bucket] = field(default_factory=deque)
    tickets: int = 0
    complaints: int = 0
    latest: datetime | None = None

    def add(self, hour: int, tickets: int, complaints: int) -> None:
        last = self.buckets[-1] if self.buckets else None
        if last is None or last.hour != hour:
            last = _Bucket(hour)
            self.buckets.append(last)
        last.tickets += tickets
        last.complaints += complaints
        self.tickets += tickets
        self.complaints += complaints


class ComplaintRateMonitor:
    """Rolling complaint rate per property, raising an alarm when it goes over the threshold.

    Parameters
    ----------
    window : timedelta, default 30 days
        Tickets opened in ``(at - window, at]`` count.
    threshold : float, default 0.10
        Alarm when complaints / tickets is strictly above it; in ``(0, 1]``.
    min_tickets : int, default 20
        No alarm on fewer tickets in the window (one complaint out of one is not a rate).
    plan_within : timedelta, default 24 h
        How long after the alarm the supervisor's improvement plan is due.

    Raises
    ------
    InvalidInputError
        Naming the setting that is out of range.
    """

    __slots__ = ("_alarmed", "_windows", "min_tickets", "plan_within", "threshold", "window")

    def __init__(
        self,
        *,
        window: timedelta = timedelta(days=30),
        threshold: float = 0.10,
        min_tickets: int = 20,
        plan_within: timedelta = timedelta(hours=24),
    ) -> None:
        model = "ComplaintRateMonitor"
        if not isinstance(window, timedelta) or window <= timedelta(0):
            raise InvalidInputError("window", window, "expected a positive timedelta", model=model)
        if isinstance(threshold, bool) or not isinstance(threshold, int | float):
            raise InvalidInputError("threshold", threshold, "expected a number", model=model)
        if not 0 < threshold <= 1:
            raise InvalidInputError("threshold", threshold, "must be in (0, 1]", model=model)
        if isinstance(min_tickets, bool) or not isinstance(min_tickets, int) or min_tickets < 1:
            raise InvalidInputError("min_tickets", min_tickets, "expected an int >= 1", model=model)
        if not isinstance(plan_within, timedelta) or plan_within <= timedelta(0):
            raise InvalidInputError(
                "plan_within", plan_within, "expected a positive timedelta", model=model
            )
        self.window = window
        self.threshold = float(threshold)
        self.min_tickets = min_tickets
        self.plan_within = plan_within
        self._windows: dict[str, _Window] = {}
        self._alarmed: set[str] = set()

    def record(self, property_id: str, at: datetime, *, complaint: bool) -> Alarm | None:
        """Count a ticket opened at ``at``; return the alarm it raises, if it raises one.

        Raises
        ------
        ClockError
            If ``at`` is before the property's latest ticket in the window (nothing changes).
        """
        win = self._windows.get(property_id)
        if win is None:
            win = self._windows[property_id] = _Window()
        if win.latest is not None and at < win.latest:
            raise ClockError("at", at, f"is before the property's latest ticket at {win.latest}")
        win.latest = at
        win.add((at - _EPOCH) // _HOUR, 1, int(complaint))
        horizon, buckets = at - self.window, win.buckets
        while buckets and _EPOCH + _HOUR * (buckets[0].hour + 1) <= horizon:
            gone = buckets.popleft()  # every ticket of that hour is older than the window
            win.tickets -= gone.tickets
            win.complaints -= gone.complaints
        total, complaints = win.tickets, win.complaints
        above = total >= self.min_tickets and complaints / total > self.threshold
        if not above:
            self._alarmed.discard(property_id)
            return None
        if property_id in self._alarmed:
            return None
        self._alarmed.add(property_id)
        return Alarm(
            property_id=property_id,
            raised_at=at,
            complaints=complaints,
            tickets=total,
            rate=complaints / total,
            plan_due_at=at + self.plan_within,
        )

    def alarms(self) -> tuple[str, ...]:
        """Return the properties whose alarm is raised (rate still above), sorted."""
        return tuple(sorted(self._alarmed))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state: the raised ``alarms`` and every property's ``windows``.

        ``windows`` maps a property (sorted) to its ``latest`` ticket time (ISO text) and its
        ``buckets``: ``[hour, tickets, complaints]`` rows, oldest first, ``hour`` counted from
        the Unix epoch in UTC.
        """
        return {
            "alarms": list(self.alarms()),
            "windows": {
                p: {
                    "latest": w.latest.isoformat() if w.latest is not None else None,
                    "buckets": [[b.hour, b.tickets, b.complaints] for b in w.buckets],
                }
                for p, w in sorted(self._windows.items())
            },
        }

    def load(self, data: Mapping[str, Any]) -> None:
        """Replace the state with :meth:`to_dict` output (the settings stay the monitor's own).

        Also reads the windows of earlier versions (one ``[opened_at, is_complaint]`` row per
        ticket) into hourly buckets.

        Raises
        ------
        JournalCorruptError
            If ``data`` does not have that shape.
        """
        try:
            alarmed = {str(p) for p in data["alarms"]}
            windows = {str(p): _load_window(rows) for p, rows in data["windows"].items()}
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise JournalCorruptError(f"complaint windows are damaged: {exc!r}") from exc
        self._alarmed, self._windows = alarmed, windows


def _load_window(rows: Any) -> _Window:
    win = _Window()
    if isinstance(rows, Mapping):
        latest = rows["latest"]
        win.latest = datetime.fromisoformat(latest) if latest is not None else None
        for hour, tickets, complaints in rows["buckets"]:
            win.add(int(hour), int(tickets), int(complaints))
        return win
    for at_text, flag in rows:  # earlier versions: one row per ticket, oldest first
        at = datetime.fromisoformat(at_text)
        win.add((at - _EPOCH) // _HOUR, 1, int(bool(flag)))
        win.latest = at
    return win
