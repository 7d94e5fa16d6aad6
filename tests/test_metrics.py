from __future__ import annotations

import dataclasses
from datetime import timedelta

from dispatch_core import commands as c
from dispatch_core.engine.kpis import DEFINITIONS, KpiTracker, TicketCounts, recompute
from dispatch_core.model import Role
from tests.engine_fakes import T0, Keys, make_engine, tech, ticket

H = timedelta(hours=1)


def test_utilisation_and_tickets_per_agent_day_by_hand() -> None:
    eng, k = make_engine(), Keys()
    eng.handle(c.AddStaff(key=k(), at=T0, member=tech("t", capacity=2)))
    eng.handle(c.OpenTicket(key=k(), at=T0, ticket=ticket("T1")))
    eng.handle(c.Resolve(key=k(), at=T0 + H, ticket_id="T1"))
    eng.handle(c.StaffOffShift(key=k(), at=T0 + 2 * H, staff_id="t"))
    kpis = eng.snapshot()["kpis"]
    # load 1 of 2 for 1 h, then idle for 1 h, then off shift: 0.5 h busy / 2 h on shift
    assert kpis["technician_utilisation"] == 0.25
    assert kpis["avg_handling_s"] == 3600.0

    eng.handle(c.AddStaff(key=k(), at=T0 + 2 * H, member=tech("a", role="agent", skills={})))
    eng.handle(
        c.OpenTicket(key=k(), at=T0 + 2 * H, ticket=ticket("Q1", category="inquiry", skills={}))
    )
    eng.handle(c.Resolve(key=k(), at=T0 + 3 * H, ticket_id="Q1"))
    eng.handle(
        c.OpenTicket(key=k(), at=T0 + 3 * H, ticket=ticket("Q2", category="inquiry", skills={}))
    )
    eng.handle(c.Resolve(key=k(), at=T0 + 4 * H, ticket_id="Q2"))
    eng.handle(c.StaffOffShift(key=k(), at=T0 + 6 * H, staff_id="a"))
    kpis = eng.snapshot()["kpis"]
    assert kpis["tickets_per_agent_day"] == 4.0  # 2 resolutions in half an 8-hour day


def test_ratings_fcr_reopen_and_complaints_per_property() -> None:
    eng, k = make_engine(), Keys()
    eng.handle(c.AddStaff(key=k(), at=T0, member=tech("t", props=["P1", "P2"], capacity=5)))
    for tid, prop, cat in [("A", "P1", "repair"), ("B", "P1", "complaint"), ("C", "P2", "repair")]:
        eng.handle(c.OpenTicket(key=k(), at=T0, ticket=ticket(tid, prop=prop, category=cat)))
    eng.handle(c.PutOnHold(key=k(), at=T0 + H, ticket_id="A"))
    eng.handle(c.Resume(key=k(), at=T0 + H, ticket_id="A"))
    for tid in "ABC":
        eng.handle(c.Resolve(key=k(), at=T0 + 2 * H, ticket_id=tid))
    eng.handle(c.RecordFeedback(key=k(), at=T0 + 2 * H, ticket_id="A", rating=2))
    eng.handle(c.RecordFeedback(key=k(), at=T0 + 2 * H, ticket_id="B", rating=5))
    eng.handle(c.Reopen(key=k(), at=T0 + 3 * H, ticket_id="C"))
    p1 = eng.snapshot(property_id="P1")["kpis"]
    assert p1["complaint_rate"] == 0.5
    assert p1["first_contact_resolution"] == 0.5  # A was put on hold
    assert p1["satisfaction"] == 3.5
    assert p1["satisfied_share"] == 0.5
    assert p1["reopen_rate"] == 0.0
    p2 = eng.snapshot(property_id="P2")["kpis"]
    assert p2["reopen_rate"] == 1.0
    everything = eng.snapshot()["kpis"]
    assert everything["tickets_opened"] == 3
    assert everything["definitions"] == DEFINITIONS
    roles = {sid: s.member.role for sid, s in eng.state.staff.items()}
    fresh = recompute(eng.state.tickets.values(), roles)
    assert {key: everything[key] for key in fresh} == fresh


def test_tracker_round_trips() -> None:
    eng, k = make_engine(), Keys()
    eng.handle(c.AddStaff(key=k(), at=T0, member=tech("t")))
    eng.handle(c.OpenTicket(key=k(), at=T0, ticket=ticket("A")))
    eng.handle(c.Resolve(key=k(), at=T0 + H, ticket_id="A"))
    kpis = eng.state.kpis
    again = KpiTracker.from_dict(kpis.to_dict())
    assert again.report(now=T0 + 2 * H) == kpis.report(now=T0 + 2 * H)
    assert KpiTracker().report()["sla_attainment"] == {}


def test_staff_update_is_staff_changed_for_known_members() -> None:
    fast, slow = KpiTracker(), KpiTracker()
    assert fast.staff_update("t", T0, 1, 2, True) is False  # unknown: nothing recorded
    assert fast.staff == {}
    for k in (fast, slow):
        k.staff_changed(
            "t", T0, role=Role.TECHNICIAN, properties={"P1"}, load=0, capacity=2, on=True
        )
    steps = [(H, 1, 2, True), (2 * H, 2, 2, True), (2 * H, 0, 2, False), (4 * H, 1, 3, True)]
    for dt, load, cap, on in steps:
        assert fast.staff_update("t", T0 + dt, load, cap, on) is True
        slow.staff_changed(
            "t", T0 + dt, role=Role.TECHNICIAN, properties={"P1"}, load=load, capacity=cap, on=on
        )
        assert fast.to_dict() == slow.to_dict()
    assert fast.report(now=T0 + 5 * H) == slow.report(now=T0 + 5 * H)
    # on shift 0-2 h and 4-5 h (3 h); busy 1/2 during 1-2 h and 1/3 during 4-5 h
    assert fast.report(now=T0 + 5 * H)["technician_utilisation"] == round((0.5 + 1 / 3) / 3, 6)


def test_ticket_counts_add_sums_every_counter() -> None:
    counters = [f.name for f in dataclasses.fields(TicketCounts) if f.type in (int, "int")]
    one = TicketCounts(**{name: i + 1 for i, name in enumerate(counters)})
    one.sla["on_site/repair"] = [1, 2]
    total = TicketCounts()
    total.add(one)
    total.add(one)
    assert dataclasses.asdict(total) == {
        **{name: 2 * (i + 1) for i, name in enumerate(counters)},
        "sla": {"on_site/repair": [2, 4]},
    }
