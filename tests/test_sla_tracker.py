"""SlaTracker: pauses in business time, level changes at the right instants, audit records."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch_core.calendar import BusinessCalendar
from dispatch_core.clock import ManualClock
from dispatch_core.errors import (
    ClockError,
    DuplicateEntityError,
    IllegalTransitionError,
    InvalidInputError,
    UnknownTicketError,
)
from dispatch_core.model import Category, Priority, Role, SlaMetric, Ticket
from dispatch_core.sla import (
    ClockState,
    EscalationAction,
    LevelChanged,
    Outcome,
    SlaLevel,
    SlaPolicy,
    SlaTracker,
)
from dispatch_core.timers import HeapTimers, Timers, TimerWheel

H = timedelta(hours=1)
MIN = timedelta(minutes=1)
SEC = timedelta(seconds=1)
RES = SlaMetric.RESOLUTION
ON_SITE = SlaMetric.ON_SITE
HELPDESK = BusinessCalendar({d: [("10:00", "18:00")] for d in range(5)}, name="helpdesk")


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)  # 2 March 2026 is a Monday


def helpdesk_tracker(**kw: object) -> SlaTracker:
    policy = SlaPolicy.from_dict(
        {
            "rules": [
                {
                    "priority": "high",
                    "metrics": [
                        {"metric": "first_response", "target": "1h", "calendar": "helpdesk"},
                        {"metric": "resolution", "target": "4h", "calendar": "helpdesk"},
                    ],
                },
                {
                    "priority": "urgent",
                    "metrics": [
                        {"metric": "first_response", "target": "30min", "calendar": "helpdesk"},
                        {"metric": "resolution", "target": "2h", "calendar": "helpdesk"},
                    ],
                },
            ]
        }
    )
    return SlaTracker(policy, calendars={"helpdesk": HELPDESK}, **kw)  # type: ignore[arg-type]


def ticket(tid: str, at: datetime, *, category: str = "repair", priority: str = "high") -> Ticket:
    return Ticket(
        id=tid, property_id="P1", category=category, priority=priority, location="B1", opened_at=at
    )


# ---------------------------------------------------------------- DESIGN acceptance


def test_helpdesk_pause_case() -> None:
    tr = helpdesk_tracker()
    assert tr.start_ticket(ticket("T1", utc(2, 12))) == (SlaMetric.FIRST_RESPONSE, RES)
    assert tr.record("T1", RES).due_at == utc(2, 16)
    assert tr.pause("T1", at=utc(2, 12, 30)) == (SlaMetric.FIRST_RESPONSE, RES)
    paused = tr.record("T1", RES)
    assert (paused.state, paused.due_at, paused.elapsed) == (ClockState.PAUSED, None, 30 * MIN)
    tr.resume("T1", at=utc(2, 13))
    rec = tr.record("T1", RES)
    assert rec.due_at == utc(2, 16, 30)
    assert tr.stop("T1", RES, at=utc(2, 16, 30)) is Outcome.MET
    final = tr.record("T1", RES)
    assert (final.outcome, final.elapsed, final.paused) == (Outcome.MET, 4 * H, 30 * MIN)


def test_helpdesk_urgent_friday_evening_due_times() -> None:
    tr = helpdesk_tracker()
    tr.start_ticket(ticket("T1", utc(6, 17), priority="urgent"))
    first, resolution = tr.records("T1")
    assert first.due_at == utc(6, 17, 30)
    assert resolution.due_at == utc(9, 11)


def test_pause_across_nights_and_holidays_reports_exact_business_time() -> None:
    office = BusinessCalendar(
        {d: [("09:00", "12:00"), ("13:00", "17:00")] for d in range(5)},
        tz="Asia/Shanghai",
        holidays=[date(2026, 3, 4)],
        name="office",
    )
    tr = SlaTracker(SlaPolicy.default(calendar="office"), calendars={"office": office})
    # Shanghai is UTC+8: 16:00 local Monday = 08:00 UTC.
    tr.start("T1", RES, at=utc(2, 8), target=40 * H, calendar="office")
    tr.pause("T1", at=utc(2, 8, 30))  # Mon 16:30 local: 30 min elapsed
    tr.resume("T1", at=utc(5, 2))  # Thu 10:00 local; Wed is a holiday
    # paused: Mon 16:30-17:00 (0.5 h) + Tue 7 h + Wed 0 + Thu 09:00-10:00 (1 h)
    assert tr.record("T1", RES, at=utc(5, 2)).paused == timedelta(hours=8, minutes=30)
    tr.stop("T1", RES, at=utc(6, 1, 30))  # Fri 09:30 local
    rec = tr.record("T1", RES)
    # elapsed: 0.5 h + Thu 10-12 (2 h) + 13-17 (4 h) + Fri 09:00-09:30 (0.5 h)
    assert rec.elapsed == 7 * H
    assert rec.paused == timedelta(hours=8, minutes=30)
    assert rec.outcome is Outcome.MET


def test_levels_fire_at_the_right_instants_with_a_manual_clock() -> None:
    clock = ManualClock(utc(2, 9))
    tr = SlaTracker(SlaPolicy.default())
    tr.start("T1", ON_SITE, at=clock.now(), category="repair")
    seen: list[tuple[datetime, LevelChanged]] = []
    for _ in range(120):
        clock.advance_by(MIN)
        seen.extend((clock.now(), e) for e in tr.advance(clock.now()))
    assert [(now, e.at, e.level, e.previous, e.notify) for now, e in seen] == [
        (utc(2, 9, 45), utc(2, 9, 45), SlaLevel.YELLOW, SlaLevel.GREEN, Role.AGENT),
        (utc(2, 10), utc(2, 10), SlaLevel.RED, SlaLevel.YELLOW, Role.SUPERVISOR),
        (utc(2, 10, 30), utc(2, 10, 30), SlaLevel.RED, SlaLevel.RED, Role.MANAGER),
    ]
    assert [e.fraction for _, e in seen] == [0.75, 1.0, 1.5]
    assert seen[0][1].action is EscalationAction.REALLOCATE
    assert all(e.due_at == utc(2, 10) and e.target == H for _, e in seen)


def test_levels_follow_the_business_calendar() -> None:
    tr = helpdesk_tracker()
    tr.start("T1", RES, at=utc(6, 15), category="repair", priority="high")  # Fri 15:00, 4 h
    events = tr.advance(utc(10, 0))
    assert [(e.at, e.level, e.notify) for e in events] == [
        (utc(6, 18), SlaLevel.YELLOW, Role.AGENT),  # 3 h: at Friday's closing, not Monday
        (utc(9, 11), SlaLevel.RED, Role.SUPERVISOR),
        (utc(9, 13), SlaLevel.RED, Role.MANAGER),
    ]


class Eager:
    """A tracker whose every call is followed by ``next_deadline``, which hands the arms queued
    by the call to the store: arms reach the store at once, as if there were no queue."""

    def __init__(self, tracker: SlaTracker) -> None:
        self.tracker = tracker

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.tracker, name)
        if not callable(method):
            return method

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            finally:
                self.tracker.next_deadline()

        return call


def _stored(tr: SlaTracker, timers: HeapTimers) -> int:
    """The timers in the store once the tracker has handed it its queued arms."""
    tr.next_deadline()
    return len(timers)


def test_only_the_next_threshold_is_armed() -> None:
    timers = HeapTimers()
    tr = SlaTracker(SlaPolicy.default(), timers=timers)
    for i in range(5):
        tr.start_ticket(ticket(f"T{i}", utc(2, 9), priority="normal"))
    assert _stored(tr, timers) == 15  # 3 repair metrics x 5 tickets, one timer each
    tr.pause("T0", at=utc(2, 9, 5))
    assert _stored(tr, timers) == 12
    tr.advance(utc(2, 9, 50))  # first response (15 min) done with its chain; on-site yellow
    assert _stored(tr, timers) == 8
    tr.cancel_ticket("T1")
    assert _stored(tr, timers) == 6
    assert tr.next_deadline() == utc(2, 10)  # the next on-site threshold (red at 1 h)


def test_arms_reach_the_store_only_when_it_is_read() -> None:
    """Arms are queued until ``advance``/``next_deadline``; one dropped before costs nothing."""
    timers = HeapTimers()
    tr = SlaTracker(SlaPolicy.default(), timers=timers)
    eager = Eager(SlaTracker(SlaPolicy.default(), timers=HeapTimers()))  # no queue
    t0 = utc(2, 9)
    for x in (tr, eager):
        x.start_ticket(ticket("T0", t0, priority="normal"))
        x.stop("T0", "first_response", at=t0)  # acknowledged as it opens
    assert len(timers) == 0  # nothing scheduled, nothing cancelled
    assert repr(tr) == "SlaTracker(clocks=3, armed=2)"  # queued arms count as armed
    assert tr.next_deadline() == utc(2, 9, 45)  # on-site yellow, handed to the store
    assert len(timers) == 2
    for x in (tr, eager):
        x.start_ticket(ticket("T1", t0, priority="normal"))  # queued behind T0's arms
        x.pause("T1", at=t0, metric=ON_SITE)
        x.resume("T1", at=t0, metric=ON_SITE)  # a new arm, later in arm order
    assert len(timers) == 2
    # Exactly at the instant of a stored and a queued arm: both fire, in arm order, after
    # T1's first-response chain (the last step of which is armed by advance itself).
    events = tr.advance(utc(2, 9, 45))
    assert eager.advance(utc(2, 9, 45)) == events
    assert [(e.ticket_id, e.metric, e.at) for e in events] == [
        ("T1", SlaMetric.FIRST_RESPONSE, utc(2, 9, 11) + 15 * SEC),
        ("T1", SlaMetric.FIRST_RESPONSE, utc(2, 9, 15)),
        ("T1", SlaMetric.FIRST_RESPONSE, utc(2, 9, 22) + 30 * SEC),
        ("T0", ON_SITE, utc(2, 9, 45)),
        ("T1", ON_SITE, utc(2, 9, 45)),
    ]
    assert repr(tr) == repr(eager.tracker) == f"SlaTracker(clocks=6, armed={len(timers)})"
    for x in (tr, eager):
        x.stop("T1", ON_SITE, at=utc(2, 9, 45))
        x.restart("T1", ON_SITE, at=utc(2, 9, 45))  # re-armed (queued): from green again
    events = tr.advance(utc(2, 10, 30))
    assert eager.advance(utc(2, 10, 30)) == events
    assert [(e.ticket_id, e.at) for e in events] == [
        ("T0", utc(2, 10)),
        ("T1", utc(2, 10, 30)),  # armed before T0's 150 % step, which advance arms at 10:00
        ("T0", utc(2, 10, 30)),
    ]
    assert tr.records("T1") == eager.records("T1")
    assert tr.next_deadline() == eager.next_deadline()


@pytest.mark.parametrize("store", [HeapTimers, TimerWheel])
def test_queued_arms_keep_their_tie_order(store: type[Timers[Any]]) -> None:
    """Ties fire in arm order: the queue reaches the store in arm order, and so do re-arms."""
    lazy = SlaTracker(SlaPolicy.default(), timers=store())
    eager = Eager(SlaTracker(SlaPolicy.default()))
    for x in (lazy, eager):
        for i in range(3):  # first-response steps all at 09:11:15, 09:15, 09:22:30
            x.start_ticket(ticket(f"T{i}", utc(2, 9), priority="normal"))
    events = lazy.advance(utc(2, 9, 30))
    assert eager.advance(utc(2, 9, 30)) == events
    assert [e.ticket_id for e in events] == ["T0", "T1", "T2"] * 3


def test_threshold_reached_before_pause_is_reported_once_with_its_instant() -> None:
    tr = SlaTracker(SlaPolicy.default())
    tr.start("T1", ON_SITE, at=utc(2, 9), category="repair")
    tr.pause("T1", at=utc(2, 10, 10))  # yellow 09:45 and red 10:00 passed unreported
    rec = tr.record("T1", ON_SITE)
    assert [c.at for c in rec.changes] == [utc(2, 9, 45), utc(2, 10)]
    assert rec.level is SlaLevel.RED
    assert tr.next_deadline() == utc(2, 9, 45)
    assert [e.at for e in tr.advance(utc(2, 10, 10))] == [utc(2, 9, 45), utc(2, 10)]
    assert tr.advance(utc(2, 12)) == []  # paused: the 150 % step waits
    tr.resume("T1", at=utc(2, 12))
    assert [e.at for e in tr.advance(utc(2, 13))] == [utc(2, 12, 20)]


def test_events_are_ordered_by_instant_then_arm_order() -> None:
    tr = SlaTracker(SlaPolicy.default())
    tr.start("B", ON_SITE, at=utc(2, 9), category="repair")
    tr.start("A", ON_SITE, at=utc(2, 9), category="repair")
    tr.start("C", ON_SITE, at=utc(2, 8, 50), category="repair")
    events = tr.advance(utc(2, 12))
    assert [(e.at, e.ticket_id) for e in events] == sorted(
        [(e.at, e.ticket_id) for e in events], key=lambda p: p[0]
    )
    assert [e.ticket_id for e in events if e.at == utc(2, 9, 45)] == ["B", "A"]


def test_stop_breached_restart_and_history() -> None:
    tr = SlaTracker(SlaPolicy.default())
    tr.start("T1", ON_SITE, at=utc(2, 9), category="repair")
    assert tr.stop("T1", ON_SITE, at=utc(2, 10) + timedelta(seconds=1)) is Outcome.BREACHED
    tr2 = SlaTracker(SlaPolicy.default())
    tr2.start("T1", ON_SITE, at=utc(2, 9), category="repair")
    assert tr2.stop("T1", ON_SITE, at=utc(2, 10)) is Outcome.MET
    tr.restart("T1", ON_SITE, at=utc(3, 9))
    again = tr.record("T1", ON_SITE)
    assert (again.state, again.level, again.elapsed) == (ClockState.RUNNING, SlaLevel.GREEN, 0 * H)
    assert again.restarts == (utc(3, 9),)
    assert len(again.changes) == 2  # yellow and red of the first run are kept
    assert again.due_at == utc(3, 10)
    events = tr.advance(utc(3, 12))
    assert [e.at for e in events] == [
        utc(2, 9, 45),
        utc(2, 10),
        utc(3, 9, 45),
        utc(3, 10),
        utc(3, 10, 30),
    ]


def test_delay_band_preset_fires_when_exceeded() -> None:
    tr = SlaTracker(SlaPolicy.preset("delay_bands"))
    tr.start("T1", ON_SITE, at=utc(2, 9), category="repair")
    events = tr.advance(utc(2, 12))
    assert [e.at for e in events] == [
        utc(2, 10, 6) + timedelta(seconds=1),
        utc(2, 10, 12) + timedelta(seconds=1),
        utc(2, 10, 30) + timedelta(seconds=1),
    ]


def test_record_is_json_serialisable() -> None:
    tr = helpdesk_tracker()
    tr.start_ticket(ticket("T1", utc(2, 12)))
    tr.advance(utc(3, 18))
    data = [r.as_dict() for r in tr.records("T1")]
    assert json.loads(json.dumps(data)) == data
    assert data[1]["elapsed_s"] == 4 * 3600 + 8 * 3600 + 2 * 3600
    assert data[1]["due_at"] == "2026-03-02T16:00:00+00:00"


def test_timers_protocol_and_repr() -> None:
    assert isinstance(HeapTimers(), Timers)
    assert isinstance(TimerWheel(), Timers)
    tr = helpdesk_tracker(timers=HeapTimers())
    tr.start_ticket(ticket("T1", utc(2, 12)))
    assert repr(tr) == "SlaTracker(clocks=2, armed=2)"
    assert tr.tickets() == ("T1",)
    assert len(tr) == 2


# ---------------------------------------------------------------- bad input never half-applies


def test_bad_input_is_rejected_and_leaves_state_untouched() -> None:
    tr = helpdesk_tracker()
    tr.start_ticket(ticket("T1", utc(2, 12)))
    tr.pause("T1", at=utc(2, 13), metric=RES)
    state = {"records": tr.records("T1"), "deadline": tr.next_deadline()}

    def check(exc: type[Exception], field: str | None, call: object) -> None:
        with pytest.raises(exc) as info:
            call()  # type: ignore[operator]
        if field is not None:
            assert info.value.field == field  # type: ignore[attr-defined]
        assert tr.records("T1") == state["records"]
        assert tr.next_deadline() == state["deadline"]

    check(
        DuplicateEntityError,
        "metric",
        lambda: tr.start("T1", RES, at=utc(2, 13), category="repair"),
    )
    check(
        InvalidInputError,
        "metric",
        lambda: tr.start("T2", "arrival", at=utc(2, 13), category="repair"),
    )
    check(
        InvalidInputError,
        "at",
        lambda: tr.start("T2", RES, at=datetime(2026, 3, 2, 12), category="repair"),
    )
    check(InvalidInputError, "category", lambda: tr.start("T2", RES, at=utc(2, 13)))
    check(InvalidInputError, "target", lambda: tr.start("T2", RES, at=utc(2, 13), target=-H))
    check(
        InvalidInputError,
        "calendar",
        lambda: tr.start("T2", RES, at=utc(2, 13), target=H, calendar="x"),
    )
    check(InvalidInputError, "ticket_id", lambda: tr.start("", RES, at=utc(2, 13), target=H))
    check(UnknownTicketError, "ticket_id", lambda: tr.pause("T9", at=utc(2, 14)))
    check(IllegalTransitionError, None, lambda: tr.pause("T1", at=utc(2, 14), metric=RES))
    check(
        IllegalTransitionError,
        None,
        lambda: tr.resume("T1", at=utc(2, 14), metric="first_response"),
    )
    check(IllegalTransitionError, None, lambda: tr.restart("T1", RES, at=utc(2, 14)))
    check(ClockError, "at", lambda: tr.resume("T1", at=utc(2, 12, 30)))
    check(InvalidInputError, "metric", lambda: tr.stop("T1", "feedback", at=utc(2, 14)))
    # start_ticket is all or nothing: first response exists for T1, so nothing starts
    check(DuplicateEntityError, "metric", lambda: tr.start_ticket(ticket("T1", utc(2, 13))))
    tr.advance(utc(2, 14))
    state = {"records": tr.records("T1"), "deadline": tr.next_deadline()}
    check(ClockError, "now", lambda: tr.advance(utc(2, 13)))
    tr.stop("T1", RES, at=utc(2, 15))
    state = {"records": tr.records("T1"), "deadline": tr.next_deadline()}
    check(IllegalTransitionError, None, lambda: tr.stop("T1", RES, at=utc(2, 16)))
    check(IllegalTransitionError, None, lambda: tr.pause("T1", at=utc(2, 16), metric=RES))


def test_constructor_checks_calendars() -> None:
    with pytest.raises(InvalidInputError) as info:
        SlaTracker(SlaPolicy.default(calendar="office"))
    assert (info.value.field, info.value.value) == ("calendars", "office")
    with pytest.raises(InvalidInputError):
        SlaTracker(SlaPolicy.default(), calendars={"x": "24x7"})  # type: ignore[dict-item]
    with pytest.raises(InvalidInputError):
        SlaTracker("default")  # type: ignore[arg-type]


def test_cancel_ticket_forgets_the_ticket() -> None:
    tr = SlaTracker(SlaPolicy.default())
    tr.start_ticket(ticket("T1", utc(2, 9), priority="normal"))
    tr.pause("T1", at=utc(2, 9, 20))  # first response went yellow at 09:11:15 unreported
    assert tr.records("T1")[0].level is SlaLevel.RED
    assert tr.cancel_ticket("T1") == (SlaMetric.FIRST_RESPONSE, ON_SITE, SlaMetric.FEEDBACK)
    assert tr.advance(utc(3, 9)) == []
    assert tr.next_deadline() is None
    with pytest.raises(UnknownTicketError):
        tr.records("T1")


def test_category_with_explicit_target_keeps_policy_calendar() -> None:
    tr = helpdesk_tracker()
    tr.start(
        "T1", RES, at=utc(6, 17), target=2 * H, category=Category.REPAIR, priority=Priority.HIGH
    )
    assert tr.record("T1", RES).calendar == "helpdesk"
    assert tr.record("T1", RES).due_at == utc(9, 11)


def test_stop_returns_the_outcome_and_refuses_without_changing_anything() -> None:
    fast = SlaTracker(SlaPolicy.default())
    fast.start_ticket(ticket("T1", utc(2, 9), priority="normal"))
    fast.pause("T1", at=utc(2, 9, 20))  # a level change was reached before: caught up
    fast.resume("T1", at=utc(2, 11))
    for metric, at in ((ON_SITE, utc(2, 12)), ("feedback", utc(3, 9))):
        outcome = fast.stop("T1", metric, at=at)
        assert fast.record("T1", metric).outcome is outcome
    assert fast.record("T1", ON_SITE).outcome is Outcome.BREACHED  # 2 h 20 min for a 1 h target

    def check(exc: type[Exception], call: Callable[[], object]) -> None:
        before = (fast.records("T1"), fast.next_deadline())
        with pytest.raises(exc):
            call()
        assert (fast.records("T1"), fast.next_deadline()) == before  # nothing half-applied

    check(IllegalTransitionError, lambda: fast.stop("T1", ON_SITE, at=utc(3, 11)))
    check(UnknownTicketError, lambda: fast.stop("T9", ON_SITE, at=utc(3, 11)))
    check(InvalidInputError, lambda: fast.stop("T1", "nope", at=utc(3, 11)))
    check(ClockError, lambda: fast.stop("T1", "first_response", at=utc(2, 10)))
    naive = datetime(2026, 3, 3, 11)  # the error under test
    check(InvalidInputError, lambda: fast.stop("T1", "first_response", at=naive))


# ---------------------------------------------------------------- fast paths vs plain paths

_CATEGORIES = ("repair", "emergency", "complaint", "inquiry")
_STEP = st.tuples(st.integers(0, 6), st.integers(0, 40), st.integers(0, 9))
#: Open around the clock like ``BusinessCalendar.always()``, but not declared 24x7: clocks on
#: it take the plain path (calendar arithmetic, no offsets from the start).
ROUND_THE_CLOCK = BusinessCalendar(
    {d: [("00:00", "12:00"), ("12:00", "24:00")] for d in range(7)}, name="always"
)


@settings(max_examples=60, deadline=None)
@given(steps=st.lists(_STEP, max_size=60))
def test_24x7_starts_match_the_plain_path(steps: list[tuple[int, int, int]]) -> None:
    """The inlined 24x7 start_ticket, the datetime memo and the arm queue change nothing.

    ``fast`` has the real 24x7 calendar (start_ticket's inlined pass), reuses one datetime
    object per instant (the memo hits), queues its arms and makes its own wheel; ``slow`` has
    a calendar open around the clock but not declared so (start_ticket through the one arm
    path), gets a fresh equal datetime for every call and hands every arm to a heap at once.
    """
    fast = SlaTracker(SlaPolicy.default())
    cals = {"always": ROUND_THE_CLOCK}
    slow = Eager(SlaTracker(SlaPolicy.default(), calendars=cals, timers=HeapTimers()))
    assert fast.calendars["always"].always_open
    assert not slow.calendars["always"].always_open
    now = utc(2, 9)
    opened: list[tuple[str, tuple[SlaMetric, ...]]] = []

    def both(op: Callable[[Any, Callable[[], datetime]], object]) -> None:
        out = []
        for tr, at in ((fast, lambda: now), (slow, now.replace)):
            try:
                out.append(op(tr, at))
            except (ClockError, IllegalTransitionError, InvalidInputError) as exc:
                out.append(type(exc))
        assert out[0] == out[1]

    for kind, minutes, pick in steps:
        now += timedelta(minutes=minutes)
        if kind == 0 or not opened:
            tid = f"T{len(opened)}"
            tk = ticket(tid, now, category=_CATEGORIES[pick % 4], priority="normal")
            both(lambda tr, at, tk=tk: tr.start_ticket(tk, at=at()))
            opened.append((tid, tuple(r.metric for r in fast.records(tid))))
            continue
        tid, metrics = opened[pick % len(opened)]
        metric = metrics[pick % len(metrics)]
        if kind == 1:
            before = fast.record(tid, metric, at=now)  # elapsed by the plain code
            both(lambda tr, at, tid=tid, metric=metric: tr.stop(tid, metric, at=at()))
            after = fast.record(tid, metric, at=now)
            if before.state is not ClockState.STOPPED:
                assert (after.elapsed, after.paused) == (before.elapsed, before.paused)
        elif kind == 2:
            both(lambda tr, at, tid=tid: tr.pause(tid, at=at()))
        elif kind == 3:
            both(lambda tr, at, tid=tid: tr.resume(tid, at=at()))
        elif kind == 4:
            both(lambda tr, at, tid=tid, metric=metric: tr.restart(tid, metric, at=at()))
        both(lambda tr, at: tr.advance(at()))
        both(lambda tr, at: tr.next_deadline())
        both(lambda tr, at, tid=tid: tr.records(tid, at=at()))
    assert [fast.records(t) for t, _ in opened] == [slow.records(t) for t, _ in opened]
    assert fast.next_deadline() == slow.next_deadline()


# ---------------------------------------------------------------- the tracker's own wheel


def test_the_own_wheel_starts_where_the_deadlines_are() -> None:
    """The default store is a TimerWheel made at the first instant armed, not at 0."""
    tr = SlaTracker(SlaPolicy.default())
    assert tr.timers is None
    t0 = utc(2, 9)
    tr.start_ticket(ticket("T0", t0, priority="normal"))
    assert tr.timers is None  # arms are queued until the store is read
    assert tr.next_deadline() == utc(2, 9, 11) + 15 * SEC
    wheel = tr.timers
    assert isinstance(wheel, TimerWheel)
    assert wheel.now == t0.timestamp()  # so deadlines minutes to days ahead fit its levels
    assert len(wheel) == 3
    assert not tr.advance(utc(2, 9, 5))  # nothing due: the wheel still follows the tracker,
    assert wheel.now == utc(2, 9, 5).timestamp()  # so new deadlines are placed from there
    later = SlaTracker(SlaPolicy.default())
    later.advance(utc(3, 8))
    later.start_ticket(ticket("T0", t0, priority="normal"))  # opened before the tracker's time
    later.next_deadline()
    assert later.timers is not None
    assert later.timers.now == utc(3, 8).timestamp()  # the tracker's time: nothing goes before
    given = HeapTimers()
    mine = SlaTracker(SlaPolicy.default(), timers=given)
    assert mine.timers is given
    mine.start_ticket(ticket("T0", t0, priority="normal"))
    assert not mine.advance(utc(2, 9, 5))
    assert given.now == 0.0  # a given store is advanced only when something is due


def test_an_advance_before_the_own_wheel_starts_fires_what_is_due() -> None:
    """Before its first advance, a tracker may go back before its wheel's start: it re-bases."""
    own = SlaTracker(SlaPolicy.default())
    heap = SlaTracker(SlaPolicy.default(), timers=HeapTimers(start=0.0))
    for tr in (own, heap):
        tr.start_ticket(ticket("T0", utc(2, 10), priority="normal"))
        assert tr.next_deadline() == utc(2, 10, 11) + 15 * SEC  # own: a wheel from 10:00
        tr.start_ticket(ticket("T1", utc(2, 9), priority="normal"))  # an earlier ticket
        tr.pause("T1", at=utc(2, 9, 12), metric=SlaMetric.FIRST_RESPONSE)  # catches one up
    assert own.timers is not None
    assert own.timers.now == utc(2, 10).timestamp()
    for instant in (utc(2, 9, 13), utc(2, 9, 50), utc(2, 10, 30), utc(2, 12)):
        events = own.advance(instant)
        assert events == heap.advance(instant)
        assert own.next_deadline() == heap.next_deadline()
    assert own.timers.now == utc(2, 12).timestamp()
    assert [own.records(t) for t in ("T0", "T1")] == [heap.records(t) for t in ("T0", "T1")]
