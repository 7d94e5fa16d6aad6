"""Complaint-rate alarm: the one rule (ComplaintRateMonitor) and the engine's use of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch_core import commands as c
from dispatch_core.engine import EngineConfig
from dispatch_core.errors import ClockError, InvalidInputError, JournalCorruptError
from dispatch_core.events import ComplaintRateAlarm
from dispatch_core.model import Role
from dispatch_core.sla import Alarm, ComplaintRateMonitor
from tests.engine_fakes import Keys, make_engine, ticket

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday
H = timedelta(hours=1)


def feed(mon: ComplaintRateMonitor, flags: str, *, prop: str = "P1", start: int = 0) -> list[Alarm]:
    """Record one ticket per hour from ``start``: ``c`` a complaint, ``r`` anything else."""
    out = []
    for i, flag in enumerate(flags, start):
        alarm = mon.record(prop, T0 + i * H, complaint=flag == "c")
        if alarm is not None:
            out.append(alarm)
    return out


def test_rate_above_ten_percent_raises_one_alarm() -> None:
    mon = ComplaintRateMonitor(min_tickets=10)
    assert feed(mon, "r" * 9 + "c") == []  # exactly 10 %: not above
    [alarm] = feed(mon, "c", start=10)
    assert alarm == Alarm(
        property_id="P1",
        raised_at=T0 + 10 * H,
        complaints=2,
        tickets=11,
        rate=2 / 11,
        plan_due_at=T0 + 34 * H,
        notify=Role.SUPERVISOR,
    )
    assert feed(mon, "c", start=11) == []  # one alarm while the rate stays above
    assert mon.alarms() == ("P1",)


def test_falling_back_clears_the_alarm_and_a_new_rise_raises_another() -> None:
    mon = ComplaintRateMonitor(min_tickets=4, threshold=0.25)
    assert [a.tickets for a in feed(mon, "rrrcc")] == [5]  # 2/5 > 25 %
    assert feed(mon, "rrr", start=5) == []  # 2/8 = 25 %: not above, cleared
    assert mon.alarms() == ()
    assert [a.complaints for a in feed(mon, "c", start=8)] == [3]  # 3/9 > 25 %


def test_too_few_tickets_raise_nothing() -> None:
    mon = ComplaintRateMonitor(min_tickets=3)
    assert feed(mon, "cc") == []
    assert len(feed(mon, "c", start=2)) == 1


def test_communities_are_separate_and_the_window_rolls() -> None:
    mon = ComplaintRateMonitor(window=timedelta(days=1), min_tickets=2)
    assert feed(mon, "c", prop="P2") == []
    assert feed(mon, "rrrr", start=1) == []  # P1 has no complaint
    # The window is kept in whole hours: the first P2 ticket (09:00) counts until its hour
    # ends one window later (10:00 the next day), then no longer.
    assert [a.tickets for a in feed(mon, "c", prop="P2", start=24)] == [2]
    assert [a.tickets for a in feed(mon, "r", prop="P2", start=25)] == []
    assert mon.to_dict()["windows"]["P2"]["buckets"] == [
        [(T0 - datetime(1970, 1, 1, tzinfo=UTC)) // H + 24, 1, 1],
        [(T0 - datetime(1970, 1, 1, tzinfo=UTC)) // H + 25, 1, 0],
    ]


def test_a_ticket_out_of_order_is_refused_and_changes_nothing() -> None:
    mon = ComplaintRateMonitor(min_tickets=1)
    feed(mon, "rr", start=5)
    before = mon.to_dict()
    with pytest.raises(ClockError) as info:
        mon.record("P1", T0 + H, complaint=True)
    assert info.value.field == "at"
    assert mon.to_dict() == before
    assert mon.record("P2", T0 + H, complaint=True) is not None  # another community: fine


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("window", timedelta(0)),
        ("window", 24),
        ("threshold", 0),
        ("threshold", 1.5),
        ("threshold", True),
        ("min_tickets", 0),
        ("min_tickets", 2.0),
        ("plan_within", timedelta(hours=-1)),
    ],
)
def test_bad_settings_name_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidInputError) as info:
        ComplaintRateMonitor(**{field: value})  # type: ignore[arg-type]
    assert info.value.field == field


def _hour_end(t: datetime) -> datetime:
    return t.replace(minute=0, second=0, microsecond=0) + H


def test_windows_of_earlier_versions_load_into_hourly_buckets() -> None:
    mon = ComplaintRateMonitor(window=timedelta(hours=5), min_tickets=2)
    feed(mon, "rcrcc")
    old = {  # one row per ticket, as snapshots of format 2 before the buckets hold them
        "alarms": list(mon.alarms()),
        "windows": {"P1": [[(T0 + i * H).isoformat(), f == "c"] for i, f in enumerate("rcrcc")]},
    }
    again = ComplaintRateMonitor(window=timedelta(hours=5), min_tickets=2)
    again.load(old)
    assert again.to_dict() == mon.to_dict()
    with pytest.raises(JournalCorruptError):
        again.load({"alarms": [], "windows": {"P1": [["not a time", True]]}})
    assert again.to_dict() == mon.to_dict()  # a damaged input changes nothing


def test_state_round_trips_through_to_dict_and_load() -> None:
    mon = ComplaintRateMonitor(window=timedelta(hours=5), min_tickets=2)
    feed(mon, "rcrcc")
    feed(mon, "cr", prop="P2")
    again = ComplaintRateMonitor(window=timedelta(hours=5), min_tickets=2)
    again.load(mon.to_dict())
    assert again.to_dict() == mon.to_dict()
    assert feed(again, "rrrr", start=5) == feed(mon, "rrrr", start=5)
    assert again.to_dict() == mon.to_dict()


# One ticket: (property, complaint?, minutes since the previous ticket).
_streams = st.lists(
    st.tuples(st.sampled_from(["P1", "P2"]), st.booleans(), st.integers(0, 300)), max_size=60
)


@settings(max_examples=60, deadline=None)
@given(stream=_streams, min_tickets=st.integers(1, 4), threshold=st.sampled_from([0.1, 0.3, 1.0]))
def test_monitor_matches_a_recomputation_from_scratch(
    stream: list[tuple[str, bool, int]], min_tickets: int, threshold: float
) -> None:
    window = timedelta(hours=3)
    mon = ComplaintRateMonitor(window=window, threshold=threshold, min_tickets=min_tickets)
    seen: list[tuple[str, datetime, bool]] = []
    alarmed: set[str] = set()
    at = T0
    for prop, complaint, minutes in stream:
        at += timedelta(minutes=minutes)
        seen.append((prop, at, complaint))
        # a ticket counts until the end of its hour (UTC) passes out of the window
        flags = [f for p, t, f in seen if p == prop and _hour_end(t) > at - window]
        above = len(flags) >= min_tickets and sum(flags) / len(flags) > threshold
        raised = above and prop not in alarmed
        (alarmed.add if above else alarmed.discard)(prop)
        alarm = mon.record(prop, at, complaint=complaint)
        assert (alarm is not None) == raised
        if alarm is not None:
            assert (alarm.complaints, alarm.tickets) == (sum(flags), len(flags))
        assert mon.alarms() == tuple(sorted(alarmed))


@settings(max_examples=30, deadline=None)
@given(stream=_streams)
def test_the_engine_announces_exactly_the_monitors_alarms(
    stream: list[tuple[str, bool, int]],
) -> None:
    cfg = EngineConfig(complaint_min_tickets=3, complaint_window=timedelta(hours=3))
    eng, k = make_engine(cfg), Keys()
    mon = ComplaintRateMonitor(
        window=cfg.complaint_window,
        threshold=cfg.complaint_alarm_rate,
        min_tickets=cfg.complaint_min_tickets,
        plan_within=cfg.complaint_plan_after,
    )
    at = T0
    for i, (prop, complaint, minutes) in enumerate(stream):
        at += timedelta(minutes=minutes)
        category = "complaint" if complaint else "repair"
        t = ticket(f"T{i}", prop=prop, category=category, at=at)
        events = eng.handle(c.OpenTicket(key=k(), at=at, ticket=t))
        announced = [ev for ev in events if isinstance(ev, ComplaintRateAlarm)]
        alarm = mon.record(prop, at, complaint=complaint)
        expected = [] if alarm is None else [alarm]
        assert [
            (ev.property_id, ev.complaints, ev.tickets, ev.rate, ev.role, ev.plan_due_at)
            for ev in announced
        ] == [
            (a.property_id, a.complaints, a.tickets, a.rate, a.notify, a.plan_due_at)
            for a in expected
        ]
    assert eng.snapshot()["alarms"] == list(mon.alarms())


def test_engine_config_refuses_a_window_or_plan_delay_that_is_not_positive() -> None:
    for name in ("complaint_window", "complaint_plan_after"):
        with pytest.raises(InvalidInputError) as info:
            EngineConfig(**{name: timedelta(0)})  # type: ignore[arg-type]
        assert info.value.field == name
