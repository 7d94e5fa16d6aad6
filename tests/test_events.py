"""Outbound events: their JSON bytes and JSON schema are a contract, pinned here."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import simpy
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from dispatch_core import commands as c
from dispatch_core import events as e
from dispatch_core.commands import HoldReason
from dispatch_core.engine import Engine, EngineConfig
from dispatch_core.errors import InvalidInputError
from dispatch_core.model import Category, Priority, Role, SlaLevel, SlaMetric
from dispatch_core.sim.desk.model import ContactType, DeskSpec
from dispatch_core.sim.distributions import Distribution
from dispatch_core.sim.field.driver import FieldModel
from dispatch_core.sim.field.spec import FieldSpec, TechShift
from dispatch_core.sim.streams import Streams
from dispatch_core.testing import FakeDispatcher, FakeSla
from tests.engine_fakes import T0, Keys, tech, ticket
from tests.strategies import aware_datetimes

#: The union's JSON schema as it was when events were pydantic models (validation mode, which
#: equals serialization mode).
SCHEMA_FILE = Path(__file__).parent / "data" / "event_schema.json"

AT = datetime(2026, 3, 2, 9, 30, 15, 250000, tzinfo=UTC)
CST = datetime(2026, 3, 2, 17, 0, tzinfo=timezone(timedelta(hours=8)))
WHY: dict[str, Any] = {
    "rule": "nearest",
    "score": 0.1 + 0.2,
    "candidates": [{"id": "s1", "km": 1.5}],
    "note": "维修",
    "none": None,
}

#: One event of every type (some twice). GOLDEN_V1 holds the exact bytes each serialised to
#: in schema version 1 (as the pydantic models wrote them before events became dataclasses,
#: without property_id, command_key and schema_version): stored events of that version must
#: read back. GOLDEN_FILE holds the bytes of version 2, with those fields set (see V2).
GOLDEN_V1 = Path(__file__).parent / "data" / "events_golden_v1.jsonl"
GOLDEN_FILE = Path(__file__).parent / "data" / "events_golden_v2.jsonl"
GOLDEN: list[e.EventBase] = [
    e.TicketOpened(
        seq=1,
        at=AT,
        ticket_id="T-1",
        property_id="P1",
        category=Category.REPAIR,
        priority=Priority.NORMAL,
    ),
    e.TicketAcknowledged(seq=2, at=CST, ticket_id="T-1"),
    e.TicketAssigned(
        seq=3, at=AT, ticket_id="T-1", staff_id="s1", score=0.1 + 0.2, explanation=WHY
    ),
    e.TicketAssigned(
        seq=4, at=AT, ticket_id="T-1", staff_id="s1", score=-2.0, explanation={}, manual=True
    ),
    e.TicketReassigned(
        seq=5,
        at=AT,
        ticket_id="T-1",
        from_staff_id="s1",
        staff_id="s2",
        score=1e-7,
        explanation=WHY,
        manual=False,
    ),
    e.TicketUnassignable(
        seq=6, at=AT, ticket_id="T-1", explanation={"reason": "no_skill", "skills": ["x"]}
    ),
    e.TicketAccepted(seq=7, at=AT, ticket_id="T-1", staff_id="s2"),
    e.TechnicianArrived(seq=8, at=AT, ticket_id="T-1", staff_id="s2"),
    e.TicketOnHold(seq=9, at=AT, ticket_id="T-1", reason=HoldReason.PARTS),
    e.TicketResumed(seq=10, at=AT, ticket_id="T-1"),
    e.TicketResolved(seq=11, at=AT, ticket_id="T-1", staff_id="s2", first_contact=False),
    e.TicketResolved(seq=12, at=AT, ticket_id="T-1", staff_id=None, first_contact=True),
    e.FeedbackRecorded(seq=13, at=AT, ticket_id="T-1", rating=5),
    e.TicketClosed(seq=14, at=AT, ticket_id="T-1"),
    e.TicketReopened(seq=15, at=AT, ticket_id="T-1"),
    e.TicketCancelled(seq=16, at=AT, ticket_id="T-1"),
    e.StaffChanged(seq=17, at=AT, staff_id="s1", change="moved"),
    e.SlaLevelChanged(
        seq=18, at=AT, ticket_id="T-1", metric=SlaMetric.ON_SITE, level=SlaLevel.YELLOW
    ),
    e.EscalationRaised(
        seq=19,
        at=AT,
        ticket_id="T-1",
        metric=SlaMetric.FEEDBACK,
        level=SlaLevel.RED,
        role=Role.MANAGER,
    ),
    e.ComplaintRateAlarm(
        seq=20,
        at=AT,
        property_id="P1",
        complaints=2,
        tickets=3,
        rate=2 / 3,
        plan_due_at=AT + timedelta(hours=24),
    ),
]


def _v2(i: int, ev: e.EventBase) -> e.EventBase:
    """``ev`` as version 2 writes it: with its property and the key of its command."""
    prop = ev.property_id or (None if isinstance(ev, e.StaffChanged) else "P1")
    return dataclasses.replace(ev, property_id=prop, command_key=f"k-{i}" if i % 3 else None)


V2: list[e.EventBase] = [_v2(i, ev) for i, ev in enumerate(GOLDEN)]


def _golden_lines(path: Path = GOLDEN_FILE) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_golden_covers_every_event_type() -> None:
    assert {type(ev) for ev in GOLDEN} == set(e.EVENT_TYPES.values())
    assert len(_golden_lines()) == len(GOLDEN)


@pytest.mark.parametrize("i", range(len(GOLDEN)))
def test_event_json_is_byte_for_byte_unchanged(i: int) -> None:
    event, expected = V2[i], _golden_lines()[i]
    assert e.event_to_json(event) == expected
    assert e.parse_event(expected) == event
    assert e.parse_event(json.loads(expected)) == event
    assert json.loads(expected)["schema_version"] == e.EVENT_SCHEMA_VERSION


@pytest.mark.parametrize("i", range(len(GOLDEN)))
def test_events_of_schema_version_1_still_read_back(i: int) -> None:
    old = _golden_lines(GOLDEN_V1)[i]
    assert e.parse_event(old) == GOLDEN[i]
    assert "property_id" not in old or isinstance(GOLDEN[i], e.TicketOpened | e.ComplaintRateAlarm)


def test_engine_events_name_their_property_and_command() -> None:
    k = Keys()
    eng = Engine(EngineConfig(), dispatcher=FakeDispatcher(), sla=FakeSla())
    eng.handle(c.AddStaff(key="add-a", at=T0, member=tech("a", props=("P2",))))
    opened = eng.handle(c.OpenTicket(key="open-1", at=T0, ticket=ticket("T1", prop="P2")))
    assert [(ev.type, ev.property_id, ev.command_key) for ev in opened] == [  # type: ignore[attr-defined]
        ("ticket_opened", "P2", "open-1"),
        ("ticket_assigned", "P2", "open-1"),
    ]
    staff = eng.handle(c.StaffMoved(key=k(), at=T0, staff_id="a", node="B2"))
    assert [(ev.property_id, ev.schema_version) for ev in staff] == [(None, 2)]


def test_event_json_schema_is_unchanged() -> None:
    expected = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    adapter: TypeAdapter[Any] = TypeAdapter(e.Event)
    assert adapter.json_schema() == expected
    assert adapter.json_schema(mode="serialization") == expected
    assert e.event_json_schema() == expected


def _events_of_a_scarce_field_day() -> list[e.EventBase]:
    """Every event of a short field run with too few technicians (escalations, waits)."""
    types = (
        ContactType("repair", 0.6, Distribution.exponential(300.0)),
        ContactType("emergency", 0.2, Distribution.exponential(300.0)),
        ContactType("complaint", 0.2, Distribution.exponential(300.0)),
    )
    desk = DeskSpec(
        interval_s=3600.0, arrival_rates=(40.0,) * 3, agents=(3,) * 3, contact_types=types
    )
    spec = FieldSpec(
        desks=(("phone", desk),),
        shifts=(TechShift("day", 0.0, 8 * 3600.0, 2),),
        case_officers=1,
        site_rows=4,
        site_cols=5,
        communities=2,
    )
    env = simpy.Environment()
    model = FieldModel(env, spec, Streams(3))
    seen: list[e.EventBase] = []
    model.engine.subscribe(seen.append)
    model.start()
    env.run(until=model.horizon_s)
    return seen


def test_engine_events_equal_their_validated_round_trip() -> None:
    seen = _events_of_a_scarce_field_day()
    kinds = {type(ev) for ev in seen}
    assert {e.TicketAssigned, e.SlaLevelChanged, e.EscalationRaised, e.TicketClosed} <= kinds
    for ev in seen:
        text = e.event_to_json(ev)
        back = e.parse_event(text)  # validated, from the bytes
        assert back == ev
        assert type(back) is type(ev)
        assert e.event_to_json(back) == text


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"type": "ticket_closed", "seq": 0, "at": AT, "ticket_id": "T"}, "ticket_closed.seq"),
        (
            {"type": "ticket_closed", "seq": 1, "at": "2026-03-02T09:00:00", "ticket_id": "T"},
            "ticket_closed.at",
        ),
        (
            {"type": "ticket_closed", "seq": 1, "at": AT, "ticket_id": "T", "colour": "red"},
            "ticket_closed.colour",
        ),
        ({"type": "ticket_closed", "seq": 1, "at": AT}, "ticket_closed.ticket_id"),
        ({"type": "ticket_painted", "seq": 1, "at": AT, "ticket_id": "T"}, "type"),
    ],
)
def test_bad_events_are_refused_naming_the_field(data: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        e.parse_event(data)
    assert info.value.field == field


_JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_JSON_VALUES = st.recursive(
    _JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(
    st.sampled_from(GOLDEN),
    st.integers(min_value=1, max_value=2**63),
    aware_datetimes,
    st.dictionaries(st.text(), _JSON_VALUES, max_size=4),
)
def test_every_event_round_trips_through_json_and_dicts(
    template: e.EventBase, seq: int, at: datetime, why: dict[str, Any]
) -> None:
    changes: dict[str, Any] = {"seq": seq, "at": at}
    if isinstance(template, e.TicketAssigned | e.TicketReassigned | e.TicketUnassignable):
        changes["explanation"] = why
    event = dataclasses.replace(template, **changes)
    text = e.event_to_json(event)
    assert e.parse_event(text) == event
    assert e.parse_event(e.event_to_dict(event)) == event
    assert e.event_to_dict(event) == json.loads(text)


def test_events_are_frozen_and_slotted() -> None:
    event = GOLDEN[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.seq = 99  # type: ignore[misc]
    assert not hasattr(event, "__dict__")
    assert event.seq == 1


@pytest.mark.parametrize("snapshot_every", [3, 1000])
def test_recovery_rebuilds_the_idempotency_table_from_the_journal(
    tmp_path: Path, snapshot_every: int
) -> None:
    """Snapshots do not store the idempotency table; a reopened engine has it back, equal."""
    k, m = Keys(), timedelta(minutes=1)
    cfg = EngineConfig(complaint_min_tickets=2, snapshot_every=snapshot_every)

    def open_engine() -> Engine:
        return Engine.open(tmp_path / "j.db", cfg, dispatcher=FakeDispatcher(), sla=FakeSla())

    cmds: list[c.CommandBase] = [
        c.AddStaff(key=k(), at=T0, member=tech("a")),
        c.AddStaff(key=k(), at=T0, member=tech("b", capacity=1)),
        c.OpenTicket(key=k(), at=T0, ticket=ticket("T1")),
        c.OpenTicket(key=k(), at=T0 + m, ticket=ticket("T2", category="complaint")),
        c.OpenTicket(key=k(), at=T0 + m, ticket=ticket("T3", skills={"roofing": 1})),
        c.Acknowledge(key=k(), at=T0 + 2 * m, ticket_id="T1"),
        c.Accept(key=k(), at=T0 + 2 * m, ticket_id="T1"),
        c.ArriveOnSite(key=k(), at=T0 + 3 * m, ticket_id="T1"),
        c.PutOnHold(key=k(), at=T0 + 3 * m, ticket_id="T1", reason=HoldReason.PARTS),
        c.Resume(key=k(), at=T0 + 4 * m, ticket_id="T1"),
        c.Resolve(key=k(), at=T0 + 5 * m, ticket_id="T1"),
        c.RecordFeedback(key=k(), at=T0 + 5 * m, ticket_id="T1", rating=4),
        c.Reopen(key=k(), at=T0 + 6 * m, ticket_id="T1"),
        c.AssignManually(key=k(), at=T0 + 6 * m, ticket_id="T2", staff_id="a"),
        c.Cancel(key=k(), at=T0 + 7 * m, ticket_id="T3"),
        c.StaffMoved(key=k(), at=T0 + 7 * m, staff_id="b", node="B2"),
        c.StaffLoadChanged(key=k(), at=T0 + 7 * m, staff_id="a", load=1),
        c.Resolve(key=k(), at=T0 + 8 * m, ticket_id="T1"),
        c.Close(key=k(), at=T0 + 8 * m, ticket_id="T1"),
    ]
    eng = open_engine()
    for cmd in cmds:
        eng.handle(cmd)
    eng.handle_many(  # a group commit: several records, each with its own events
        [
            c.OpenTicket(key=k(), at=T0 + 9 * m, ticket=ticket("T4", at=T0 + 9 * m)),
            c.Acknowledge(key=k(), at=T0 + 9 * m, ticket_id="T4"),
        ]
    )

    keys = [cmd.key for cmd in cmds] + ["k20", "k21"]

    def table(engine: Engine) -> list[list[str] | None]:
        found = [engine.result(key) for key in keys]
        return [None if evs is None else [e.event_to_json(ev) for ev in evs] for evs in found]

    live = table(eng)
    assert all(evs is not None for evs in live)
    kinds = {json.loads(j)["type"] for evs in live if evs is not None for j in evs}
    assert len(kinds) >= 13
    assert "results" not in eng.state.to_dict(full=True)
    eng.close()
    with open_engine() as again:
        assert table(again) == live
        retry = cmds[2].model_copy(update={"at": T0 + 10 * m})  # re-stamped: the same command
        assert [e.event_to_json(ev) for ev in again.handle(retry)] == live[2]
        assert again.result("never-used") is None
