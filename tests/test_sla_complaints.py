"""Complaint-rate alarm: rolling window per community, the plan's own 24 h SLA."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from dispatch_core.calendar import BusinessCalendar
from dispatch_core.errors import (
    ClockError,
    DuplicateEntityError,
    IllegalTransitionError,
    InvalidInputError,
)
from dispatch_core.model import Role, SlaMetric, Ticket
from dispatch_core.sla import ComplaintRateMonitor, Outcome, SlaLevel, SlaPolicy, SlaTracker

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def ticket(i: int, category: str, *, prop: str = "P1", hours: float = 0) -> Ticket:
    return Ticket(
        id=f"T{i}",
        property_id=prop,
        category=category,
        location="L1",
        opened_at=T0 + timedelta(hours=hours),
    )


def test_rate_above_ten_percent_raises_one_alarm() -> None:
    mon = ComplaintRateMonitor()
    for i in range(9):
        assert mon.record(ticket(i, "repair", hours=i)) is None
    assert mon.record(ticket(9, "complaint", hours=9)) is None  # exactly 10 %: not above
    alarm = mon.record(ticket(10, "complaint", hours=10))
    assert alarm is not None
    assert (alarm.complaints, alarm.tickets, alarm.notify) == (2, 11, Role.SUPERVISOR)
    assert alarm.rate == pytest.approx(2 / 11)
    assert alarm.due_at == T0 + timedelta(hours=34)
    assert mon.record(ticket(11, "complaint", hours=11)) is None  # one open alarm at a time
    assert mon.open_alarm("P1") == alarm
    assert mon.rate("P2") == 0.0


def test_communities_are_separate_and_the_window_rolls() -> None:
    mon = ComplaintRateMonitor(window=timedelta(days=1), min_tickets=3)
    mon.record(ticket(1, "complaint", prop="P2"))
    for i in range(2, 6):
        mon.record(ticket(i, "repair", hours=i))
    assert mon.rate("P1") == 0.0
    assert mon.record(ticket(6, "complaint", prop="P2", hours=30)) is None  # first rolled out
    assert mon.rate("P2") == 1.0
    assert mon.rate("P2", at=T0 + timedelta(hours=60)) == 0.0  # window empty by then


def test_plan_met_or_breached_without_a_tracker() -> None:
    office = BusinessCalendar({d: [("09:00", "17:00")] for d in range(5)})
    mon = ComplaintRateMonitor(min_tickets=1, calendar=office)
    alarm = mon.record(ticket(1, "complaint", hours=7))  # Mon 16:00: 1 + 8 + 8 + 7 h
    assert alarm is not None
    assert alarm.due_at == datetime(2026, 3, 5, 16, 0, tzinfo=UTC)  # Thursday 16:00
    done = mon.submit_plan("P1", at=datetime(2026, 3, 4, 17, 0, tzinfo=UTC))
    assert (done.outcome, done.plan_at) == (Outcome.MET, datetime(2026, 3, 4, 17, tzinfo=UTC))
    assert mon.open_alarm("P1") is None
    assert mon.alarms() == (done,)
    late = mon.record(ticket(2, "complaint", hours=200))
    assert late is not None
    assert mon.submit_plan("P1", at=late.raised_at + timedelta(days=7)).outcome is Outcome.BREACHED


def test_alarm_clock_runs_in_the_tracker_and_escalates() -> None:
    tracker = SlaTracker(SlaPolicy.default())
    mon = ComplaintRateMonitor(min_tickets=1, tracker=tracker)
    alarm = mon.record(ticket(1, "complaint"))
    assert alarm is not None
    events = tracker.advance(T0 + timedelta(hours=25))
    assert [(e.ticket_id, e.metric, e.level, e.notify) for e in events] == [
        (alarm.id, SlaMetric.RESOLUTION, SlaLevel.YELLOW, Role.AGENT),
        (alarm.id, SlaMetric.RESOLUTION, SlaLevel.RED, Role.SUPERVISOR),
    ]
    done = mon.submit_plan("P1", at=T0 + timedelta(hours=25))
    assert done.outcome is Outcome.BREACHED
    assert tracker.record(alarm.id, SlaMetric.RESOLUTION).outcome is Outcome.BREACHED


def test_bad_input() -> None:
    mon = ComplaintRateMonitor()
    mon.record(ticket(1, "repair", hours=5))
    with pytest.raises(ClockError):
        mon.record(ticket(2, "repair", hours=1))
    with pytest.raises(DuplicateEntityError):
        mon.record(ticket(1, "repair", hours=6))
    with pytest.raises(IllegalTransitionError):
        mon.submit_plan("P1", at=T0)
    with pytest.raises(InvalidInputError):
        mon.record("T1")  # type: ignore[arg-type]
    for kwargs in (
        {"window": timedelta(0)},
        {"threshold": 1.5},
        {"threshold": True},
        {"min_tickets": 0},
        {"plan_within": 24},
        {"calendar": "office"},
        {"calendar": BusinessCalendar(), "tracker": SlaTracker(SlaPolicy.default())},
    ):
        with pytest.raises(InvalidInputError):
            ComplaintRateMonitor(**kwargs)  # type: ignore[arg-type]
