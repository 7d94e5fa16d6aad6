from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from dispatch_core import commands as c
from dispatch_core.engine import Engine, EngineConfig
from dispatch_core.errors import (
    ClockError,
    DispatchError,
    DuplicateEntityError,
    IllegalTransitionError,
    InvalidInputError,
    JournalCorruptError,
    UnknownNodeError,
    UnknownStaffError,
    UnknownTicketError,
)
from dispatch_core.events import EventBase, event_to_json, parse_event
from dispatch_core.sla import SlaPolicy
from dispatch_core.testing import FakeDispatcher, FakeSla
from tests.engine_fakes import T0, Keys, make_engine, real_sla, tech, ticket

H = timedelta(hours=1)
M = timedelta(minutes=1)
SLAS = {"fake": FakeSla, "real": real_sla}


@pytest.fixture(params=sorted(SLAS))
def new_sla(request: pytest.FixtureRequest) -> Callable[[], Any]:
    return SLAS[request.param]  # type: ignore[return-value]


def types(events: list[EventBase]) -> list[str]:
    return [ev.type for ev in events]


def test_open_ticket_is_dispatched_and_clocks_start() -> None:
    eng, k = make_engine(), Keys()
    eng.handle(c.AddStaff(key=k(), at=T0, member=tech("a")))
    evs = eng.handle(c.OpenTicket(key=k(), at=T0, ticket=ticket("T1")))
    assert types(evs) == ["ticket_opened", "ticket_assigned"]
    assert evs[1].staff_id == "a"  # type: ignore[attr-defined]
    assert [ev.seq for ev in evs] == [2, 3]
    assert eng.next_deadline() == T0 + 15 * M * 0.75
    snap = eng.snapshot()
    assert snap["tickets"]["T1"]["owner"] == "a"
    assert snap["staff"]["a"]["active"] == ["T1"]


def test_tenant_isolation_even_with_a_rogue_dispatcher() -> None:
    for dispatcher in (FakeDispatcher(), FakeDispatcher(rogue=True)):
        eng, k = make_engine(dispatcher=dispatcher), Keys()
        eng.handle(c.AddStaff(key=k(), at=T0, member=tech("other", props=["P2"])))
        evs = eng.handle(c.OpenTicket(key=k(), at=T0, ticket=ticket("T1")))
        assert types(evs) == ["ticket_opened", "ticket_unassignable"]
        assert eng.snapshot()["pending"] == ["T1"]
    assert "does not serve property 'P1'" in evs[1].explanation["reason"]  # type: ignore[attr-defined]


def test_waiting_ticket_is_dispatched_when_capacity_appears() -> None:
    eng, k = make_engine(), Keys()
    eng.handle(c.AddStaff(key=k(), at=T0, member=tech("a", capacity=1)))
    eng.handle(c.OpenTicket(key=k(), at=T0, ticket=ticket("T1")))
    evs = eng.handle(c.OpenTicket(key=k(), at=T0, ticket=ticket("T2")))
    assert types(evs) == ["ticket_opened", "ticket_unassignable"]
    evs = eng.handle(c.Resolve(key=k(), at=T0 + M, ticket_id="T1"))
    assert types(evs) == ["ticket_resolved", "ticket_assigned"]
    assert evs[1].ticket_id == "T2"  # type: ignore[attr-defined]


def test_full_loop_with_hold_feedback_reopen_and_close(new_sla: Callable[[], Any]) -> None:
    eng, k = make_engine(sla=new_sla()), Keys()
    eng.handle(c.AddStaff(key=k(), at=T0, member=tech("a")))
    eng.handle(c.OpenTicket(key=k(), at=T0, ticket=ticket("T1")))
    steps = [
        c.Acknowledge(key=k(), at=T0 + M, ticket_id="T1"),
        c.Accept(key=k(), at=T0 + 2 * M, ticket_id="T1"),
        c.PutOnHold(key=k(), at=T0 + 3 * M, ticket_id="T1", reason="parts"),
        c.Resume(key=k(), at=T0 + 4 * H, ticket_id="T1"),
        c.ArriveOnSite(key=k(), at=T0 + 4 * H + 10 * M, ticket_id="T1"),
        c.Resolve(key=k(), at=T0 + 5 * H, ticket_id="T1"),
        c.RecordFeedback(key=k(), at=T0 + 6 * H, ticket_id="T1", rating=5),
    ]
    out = [types(eng.handle(cmd)) for cmd in steps]
    assert out[2] == ["ticket_on_hold"]
    assert out[3] == ["ticket_resumed"]  # the paused on-site clock did not fire meanwhile
    assert out[5] == ["ticket_resolved"]
    rec = eng.snapshot()["tickets"]["T1"]
    assert rec["status"] == "resolved"
    assert rec["sla_results"] == [["first_response", True], ["on_site", True], ["feedback", True]]
    assert not rec["first_contact"]  # a hold means it was not solved at first contact
    evs = eng.handle(c.Reopen(key=k(), at=T0 + 7 * H, ticket_id="T1"))
    assert types(evs) == ["ticket_reopened", "ticket_assigned"]
    eng.handle(c.Resolve(key=k(), at=T0 + 8 * H, ticket_id="T1"))
    assert types(eng.handle(c.Close(key=k(), at=T0 + 9 * H, ticket_id="T1"))) == ["ticket_closed"]
    snap = eng.snapshot()
    assert snap["tickets"] == {}  # the loop ended: the ticket left the live state
    assert snap["kpis"]["reopen_rate"] == 1.0  # its share stays in the KPIs
    assert snap["kpis"]["satisfaction"] == 5.0
    history = types(eng.ticket_history("T1"))
    assert history[0] == "ticket_opened"
    assert history.count("ticket_reopened") == 1
    assert history[-2:] == ["ticket_resolved", "ticket_closed"]


@pytest.mark.parametrize(
    "late",
    [
        lambda k, at: c.Reopen(key=k(), at=at, ticket_id="T1"),
        lambda k, at: c.RecordFeedback(key=k(), at=at, ticket_id="T1", rating=4),
        lambda k, at: c.Acknowledge(key=k(), at=at, ticket_id="T1"),
    ],
    ids=["reopen", "feedback", "acknowledge"],
)
def test_nothing_happens_to_an_ended_ticket(
    new_sla: Callable[[], Any], late: Callable[[Keys, datetime], c.CommandBase]
) -> None:
    eng, k = make_engine(sla=new_sla()), Keys()
    eng.handle(c.AddStaff(key=k(), at=T0, member=tech("a")))
    eng.handle(c.OpenTicket(key=k(), at=T0, ticket=ticket("T1")))
    eng.handle(c.Resolve(key=k(), at=T0 + M, ticket_id="T1"))
    eng.handle(c.Close(key=k(), at=T0 + 2 * M, ticket_id="T1"))
    before = eng.snapshot()
    with pytest.raises(UnknownTicketError) as info:
        eng.handle(late(k, T0 + 3 * M))
    assert info.value.field == "ticket_id"
    assert eng.snapshot() == before
    # a resident who comes back after the close raises a new ticket (the id is free again)
    evs = eng.handle(c.OpenTicket(key=k(), at=T0 + 4 * M, ticket=ticket("T1", at=T0 + 4 * M)))
    assert types(evs) == ["ticket_opened", "ticket_assigned"]


def test_yellow_reallocates_and_red_escalates(new_sla: Callable[[], Any]) -> None:
    eng, k = make_engine(sla=new_sla()), Keys()
    eng.handle(c.AddStaff(key=k(), at=T0, member=tech("a")))
    eng.handle(c.OpenTicket(key=k(), at=T0, ticket=ticket("T1")))
    eng.handle(c.AddStaff(key=k(), at=T0, member=tech("b")))
    evs = eng.advance(T0 + 12 * M)  # first response at 75 % of 15 min
    assert types(evs) == ["sla_level_changed", "ticket_reassigned"]
    assert evs[1].from_staff_id == "a"
    assert evs[1].staff_id == "b"
    evs = eng.advance(T0 + 15 * M)
    assert types(evs) == ["sla_level_changed", "escalation_raised"]
    assert evs[1].role == "supervisor"  # type: ignore[attr-defined]
    assert eng.advance(T0 + 15 * M) == []
    evs = eng.handle(c.Acknowledge(key=k(), at=T0 + 16 * M, ticket_id="T1"))
    assert eng.snapshot()["tickets"]["T1"]["sla_results"] == [["first_response", False]]


def test_commands_fire_due_thresholds_first(new_sla: Callable[[], Any]) -> None:
    eng, k = make_engine(sla=new_sla()), Keys()
    eng.handle(c.AddStaff(key=k(), at=T0, member=tech("a")))
    eng.handle(c.OpenTicket(key=k(), at=T0, ticket=ticket("T1")))
    evs = eng.handle(c.Acknowledge(key=k(), at=T0 + 20 * M, ticket_id="T1"))
    assert types(evs)[-1] == "ticket_acknowledged"
    assert "escalation_raised" in types(evs)
    assert eng.snapshot()["kpis"]["sla_attainment"]["first_response/repair"] == 0.0


def test_complaint_rate_alarm() -> None:
    eng, k = make_engine(EngineConfig(complaint_min_tickets=5)), Keys()
    for i in range(4):
        evs = eng.handle(c.OpenTicket(key=k(), at=T0, ticket=ticket(f"R{i}")))
    evs = eng.handle(c.OpenTicket(key=k(), at=T0, ticket=ticket("C1", category="complaint")))
    alarm = [ev for ev in evs if ev.type == "complaint_rate_alarm"]
    assert len(alarm) == 1
    assert alarm[0].rate == 0.2
    assert alarm[0].plan_due_at == T0 + 24 * H
    evs = eng.handle(c.OpenTicket(key=k(), at=T0, ticket=ticket("C2", category="complaint")))
    assert "complaint_rate_alarm" not in types(evs)  # raised once while above the threshold


def test_manual_assignment_rules_and_errors_change_nothing() -> None:
    eng, k = make_engine(), Keys()
    eng.handle(c.AddStaff(key=k(), at=T0, member=tech("far", props=["P2"])))
    eng.handle(c.AddStaff(key=k(), at=T0, member=tech("weak", skills={"plumbing": 1})))
    eng.handle(c.OpenTicket(key=k(), at=T0, ticket=ticket("T1", skills={"plumbing": 3})))
    before = json.dumps(eng.snapshot(), sort_keys=True)
    bad: list[tuple[c.CommandBase, type[DispatchError], str | None]] = [
        (
            c.AssignManually(key=k(), at=T0, ticket_id="T1", staff_id="far"),
            InvalidInputError,
            "staff_id",
        ),
        (
            c.AssignManually(key=k(), at=T0, ticket_id="T1", staff_id="weak"),
            InvalidInputError,
            "staff_id",
        ),
        (
            c.AssignManually(key=k(), at=T0, ticket_id="T1", staff_id="ghost"),
            UnknownStaffError,
            "staff_id",
        ),
        (c.Accept(key=k(), at=T0, ticket_id="nope"), UnknownTicketError, "ticket_id"),
        (c.Accept(key=k(), at=T0, ticket_id="T1"), IllegalTransitionError, None),
        (c.OpenTicket(key=k(), at=T0, ticket=ticket("T1")), DuplicateEntityError, "ticket.id"),
        (c.AddStaff(key=k(), at=T0, member=tech("far")), DuplicateEntityError, "member.id"),
        (c.Accept(key=k(), at=T0 - M, ticket_id="T1"), ClockError, "at"),
    ]
    for cmd, err, field in bad:
        with pytest.raises(err) as info:
            eng.handle(cmd)
        if field is not None:
            assert info.value.field == field  # type: ignore[attr-defined]
        assert json.dumps(eng.snapshot(), sort_keys=True) == before
    evs = eng.handle(c.AddStaff(key=k(), at=T0, member=tech("good", skills={"plumbing": 4})))
    assert types(evs) == ["staff_changed", "ticket_assigned"]  # the waiting ticket gets them
    with pytest.raises(InvalidInputError, match="already owns"):
        eng.handle(c.AssignManually(key=k(), at=T0, ticket_id="T1", staff_id="good"))
    eng.handle(c.AddStaff(key=k(), at=T0, member=tech("also", skills={"plumbing": 5})))
    evs = eng.handle(c.AssignManually(key=k(), at=T0, ticket_id="T1", staff_id="also"))
    assert types(evs) == ["ticket_reassigned"]
    assert evs[0].manual
    assert evs[0].from_staff_id == "good"


def test_malformed_input_is_rejected_with_a_typed_error() -> None:
    eng = make_engine()
    with pytest.raises(InvalidInputError) as info:
        eng.handle({"type": "accept", "key": "k", "at": "2026-03-02T09:00:00", "ticket_id": "T"})
    assert info.value.field == "accept.at"
    with pytest.raises(InvalidInputError):
        eng.handle(42)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        eng.advance(datetime(2026, 3, 2, 9))
    with pytest.raises(InvalidInputError):
        eng.advance()  # no clock


def test_idempotent_keys() -> None:
    eng = make_engine()
    add = c.AddStaff(key="same", at=T0, member=tech("a"))
    first = eng.handle(add)
    assert eng.handle(add) == first
    assert eng.handle(add.model_dump_json()) == first
    assert eng.snapshot()["last_seq"] == 1
    with pytest.raises(InvalidInputError) as info:
        eng.handle(c.AddStaff(key="same", at=T0, member=tech("b")))
    assert info.value.field == "key"


def test_arriving_on_site_moves_the_owner_to_the_ticket() -> None:
    disp = FakeDispatcher()
    eng, k = make_engine(dispatcher=disp), Keys()
    eng.handle(c.AddStaff(key=k(), at=T0, member=tech("a", capacity=2)))  # home B1
    for tid in ("T1", "T2"):
        eng.handle(c.OpenTicket(key=k(), at=T0, ticket=ticket(tid, location="B2")))
    for tid in ("T1", "T2"):
        eng.handle(c.Accept(key=k(), at=T0 + M, ticket_id=tid))
    first = eng.handle(c.ArriveOnSite(key=k(), at=T0 + 2 * M, ticket_id="T1"))
    assert types(first) == ["technician_arrived", "staff_changed"]
    assert first[1].change == "moved"  # type: ignore[attr-defined]
    assert eng.snapshot()["staff"]["a"]["location"] == "B2"
    assert disp.location("a") == "B2"  # the dispatcher was told
    second = eng.handle(c.ArriveOnSite(key=k(), at=T0 + 3 * M, ticket_id="T2"))
    assert types(second) == ["technician_arrived"]  # already there: no move


def test_idempotency_off_handles_a_repeated_key_as_a_new_command() -> None:
    eng = make_engine(EngineConfig(idempotency_keys=0))
    first = eng.handle(c.AddStaff(key="same", at=T0, member=tech("a")))
    assert types(first) == ["staff_changed"]
    second = eng.handle(c.AddStaff(key="same", at=T0, member=tech("b")))  # not refused
    assert [ev.seq for ev in second] == [2]
    with pytest.raises(DuplicateEntityError):  # nor replayed: it is applied, and fails
        eng.handle(c.AddStaff(key="same", at=T0, member=tech("a")))
    assert sorted(eng.snapshot()["staff"]) == ["a", "b"]
    assert eng.result("same") is None  # nothing remembered


def test_unknown_nodes_are_rejected_when_a_site_is_known() -> None:
    eng, k = make_engine(site={"B1", "B2"}), Keys()
    with pytest.raises(UnknownNodeError):
        eng.handle(c.AddStaff(key=k(), at=T0, member=tech("a", home="Z9")))
    eng.handle(c.AddStaff(key=k(), at=T0, member=tech("a")))
    with pytest.raises(UnknownNodeError):
        eng.handle(c.StaffMoved(key=k(), at=T0, staff_id="a", node="Z9"))
    with pytest.raises(UnknownNodeError):
        eng.handle(c.OpenTicket(key=k(), at=T0, ticket=ticket("T1", location="Z9")))


def test_group_commit_reports_each_result_and_publishes_after_commit(tmp_path: Path) -> None:
    seen: list[int] = []
    with Engine.open(
        tmp_path / "j.db", EngineConfig(group_commit=2), sla=FakeSla(), dispatcher=FakeDispatcher()
    ) as eng:
        unsubscribe = eng.subscribe(lambda ev: seen.append(ev.seq))
        results = eng.handle_many(
            [
                c.AddStaff(key="k1", at=T0, member=tech("a")),
                c.Accept(key="k2", at=T0, ticket_id="nope"),
                c.OpenTicket(key="k3", at=T0, ticket=ticket("T1")),
                {"type": "accept", "key": "k4", "at": T0.isoformat(), "ticket_id": "T1"},
            ]
        )
        assert isinstance(results[1], UnknownTicketError)
        assert [types(r) for r in results if isinstance(r, list)] == [
            ["staff_changed"],
            ["ticket_opened", "ticket_assigned"],
            ["ticket_accepted"],
        ]
        assert seen == [1, 2, 3, 4]
        unsubscribe()
        eng.handle(c.Resolve(key="k5", at=T0, ticket_id="T1"))
        assert seen == [1, 2, 3, 4]


def _drive(eng: Engine) -> list[str]:
    k = Keys()
    out: list[str] = []
    cmds: list[c.CommandBase] = [
        c.AddStaff(key=k(), at=T0, member=tech("a")),
        c.AddStaff(key=k(), at=T0, member=tech("b", capacity=1)),
        c.OpenTicket(key=k(), at=T0, ticket=ticket("T1")),
        c.OpenTicket(key=k(), at=T0 + M, ticket=ticket("T2", category="complaint")),
        c.OpenTicket(key=k(), at=T0 + 2 * M, ticket=ticket("T3", category="emergency")),
        c.Accept(key=k(), at=T0 + 3 * M, ticket_id="T1"),
        c.PutOnHold(key=k(), at=T0 + 4 * M, ticket_id="T1"),
        c.StaffOffShift(key=k(), at=T0 + 5 * M, staff_id="b"),
        c.Resume(key=k(), at=T0 + 2 * H, ticket_id="T1"),
        c.Cancel(key=k(), at=T0 + 3 * H, ticket_id="T3"),
        c.StaffLoadChanged(key=k(), at=T0 + 3 * H, staff_id="a", load=1),
    ]
    for i, cmd in enumerate(cmds):
        out.extend(event_to_json(ev) for ev in eng.handle(cmd))
        until = cmds[i + 1].at if i + 1 < len(cmds) else cmd.at + 5 * H
        out.extend(event_to_json(ev) for ev in eng.advance(until))
    return out


def test_same_commands_give_byte_identical_events(new_sla: Callable[[], Any]) -> None:
    assert _drive(make_engine(sla=new_sla())) == _drive(make_engine(sla=new_sla()))


def test_recovery_equals_live_state_with_and_without_snapshots(
    tmp_path: Path, new_sla: Callable[[], Any]
) -> None:
    for every in (3, 10_000):
        path = tmp_path / f"j{every}.db"
        cfg = EngineConfig(snapshot_every=every)
        with Engine.open(path, cfg, dispatcher=FakeDispatcher(), sla=new_sla()) as eng:
            live_events = _drive(eng)
            live = eng.snapshot()
            deadline = eng.next_deadline()
        with Engine.open(path, cfg, dispatcher=FakeDispatcher(), sla=new_sla()) as again:
            assert again.snapshot() == live
            assert again.next_deadline() == deadline
            # idempotency survives: the first key's result is the original event
            first = again.handle(c.AddStaff(key="k1", at=T0, member=tech("a")))
            assert [event_to_json(ev) for ev in first] == live_events[:1]
    mem = make_engine(sla=new_sla())
    _drive(mem)
    assert mem.snapshot() == live


def test_reopening_with_a_behaviour_changing_config_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    cfg = EngineConfig(sla_thresholds="delay_bands")
    with Engine.open(path, cfg, dispatcher=FakeDispatcher()) as eng:
        live_events = _drive(eng)
        live = eng.snapshot()
    with pytest.raises(InvalidInputError) as info:
        Engine.open(path, dispatcher=FakeDispatcher())  # the default thresholds: "warn"
    assert info.value.field == "config.sla_thresholds"
    assert info.value.value == "warn"
    with pytest.raises(InvalidInputError) as info:
        Engine.open(
            path, cfg.model_copy(update={"complaint_min_tickets": 5}), dispatcher=FakeDispatcher()
        )
    assert info.value.field == "config.complaint_min_tickets"
    # operational settings may change; the refused attempts left the journal as it was
    ops = cfg.model_copy(update={"group_commit": 8, "snapshot_every": 2, "synchronous": "NORMAL"})
    with Engine.open(path, ops, dispatcher=FakeDispatcher()) as again:
        assert again.snapshot() == live
    assert live_events


def test_overdue_timers_fire_on_the_first_advance_after_recovery(
    tmp_path: Path, new_sla: Callable[[], Any]
) -> None:
    path = tmp_path / "j.db"
    parts = {"dispatcher": FakeDispatcher(), "sla": new_sla()}
    with Engine.open(path, EngineConfig(), **parts) as eng:  # type: ignore[arg-type]
        eng.handle(c.OpenTicket(key="k1", at=T0, ticket=ticket("T1")))
    with Engine.open(path, EngineConfig(), dispatcher=FakeDispatcher(), sla=new_sla()) as eng:
        assert eng.next_deadline() == T0 + 15 * M * 0.75
        evs = eng.advance(T0 + 2 * H)
        assert "escalation_raised" in types(evs)
        assert evs[0].seq == 3


def test_corrupt_journal_is_reported(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "j.db"
    with Engine.open(path, EngineConfig(), dispatcher=FakeDispatcher(), sla=FakeSla()) as eng:
        _drive(eng)
    db = sqlite3.connect(path)
    db.execute("UPDATE log SET body = replace(body, 'T1', 'T9') WHERE seq = 3")
    db.commit()
    db.close()
    with pytest.raises(JournalCorruptError):
        Engine.open(path, EngineConfig(), dispatcher=FakeDispatcher(), sla=FakeSla())


def test_snapshot_filters_by_property() -> None:
    eng, k = make_engine(), Keys()
    eng.handle(c.AddStaff(key=k(), at=T0, member=tech("a", props=["P1"])))
    eng.handle(c.AddStaff(key=k(), at=T0, member=tech("b", props=["P2"])))
    eng.handle(c.OpenTicket(key=k(), at=T0, ticket=ticket("T1")))
    eng.handle(c.OpenTicket(key=k(), at=T0, ticket=ticket("T2", prop="P2")))
    p2 = eng.snapshot(property_id="P2")
    assert list(p2["tickets"]) == ["T2"]
    assert list(p2["staff"]) == ["b"]
    assert p2["kpis"]["tickets_opened"] == 1
    assert json.loads(json.dumps(eng.snapshot(), sort_keys=True)) == eng.snapshot()


def test_engine_events_equal_validated_ones() -> None:
    eng = make_engine(EngineConfig(complaint_min_tickets=2))
    for text in _drive(eng):
        ev = parse_event(text)
        assert event_to_json(ev) == text
    assert eng.snapshot()["alarms"] == ["P1"]


def test_thresholds_due_before_a_command_fire_even_if_it_is_then_rejected() -> None:
    eng, k = make_engine(), Keys()
    eng.handle(c.AddStaff(key=k(), at=T0, member=tech("a", capacity=1)))
    eng.handle(c.OpenTicket(key=k(), at=T0, ticket=ticket("T1", category="inquiry")))
    eng.handle(c.AddStaff(key=k(), at=T0, member=tech("b", capacity=1)))
    # At 09:03 the inquiry's 3-minute first response is yellow (reallocate T1 to b) and red.
    seen: list[str] = []
    eng.subscribe(lambda ev: seen.append(ev.type))
    with pytest.raises(InvalidInputError, match="already owns"):
        eng.handle(c.AssignManually(key=k(), at=T0 + 3 * M, ticket_id="T1", staff_id="b"))
    assert "ticket_reassigned" in seen  # the thresholds' effects are durable and published
    assert eng.snapshot()["tickets"]["T1"]["owner"] == "b"


def test_the_sla_policy_in_force_is_journalled_and_the_past_is_not_rejudged(
    tmp_path: Path,
) -> None:
    """A stricter policy on reopen used to turn past on-site attainment from 1.0 into 0.0."""
    path = tmp_path / "j.db"
    lenient = EngineConfig(sla_policy=SlaPolicy.default(emergency_on_site=timedelta(hours=2)))
    strict = EngineConfig(sla_policy=SlaPolicy.default(emergency_on_site=timedelta(minutes=10)))
    k = Keys()
    with Engine.open(path, lenient, dispatcher=FakeDispatcher()) as eng:
        eng.handle(c.AddStaff(key=k(), at=T0, member=tech("a")))
        eng.handle(c.OpenTicket(key=k(), at=T0, ticket=ticket("T1", category="emergency")))
        eng.handle(c.Accept(key=k(), at=T0 + M, ticket_id="T1"))
        eng.handle(c.ArriveOnSite(key=k(), at=T0 + 30 * M, ticket_id="T1"))
        before = eng.snapshot()["kpis"]["sla_attainment"]
    assert before["on_site/emergency"] == 1.0
    with pytest.raises(InvalidInputError) as info:
        Engine.open(path, strict, dispatcher=FakeDispatcher())
    assert info.value.field == "config.sla_policy"
    with Engine.open(path, lenient, dispatcher=FakeDispatcher()) as again:
        assert again.snapshot()["kpis"]["sla_attainment"] == before
    with pytest.raises(InvalidInputError) as info:  # a port and a journalled policy: which?
        Engine(lenient, dispatcher=FakeDispatcher(), sla=FakeSla())
    assert info.value.field == "sla"


def test_result_of_a_key_that_is_not_a_string_is_a_typed_error() -> None:
    eng, k = make_engine(), Keys()
    eng.handle(c.AddStaff(key=k(), at=T0, member=tech("a")))
    before = eng.snapshot()
    with pytest.raises(InvalidInputError) as info:
        eng.result(5)  # type: ignore[arg-type]
    assert info.value.field == "key"
    assert eng.snapshot() == before
    assert eng.result("k1") is not None
