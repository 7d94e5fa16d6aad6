from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch_core import commands as c
from dispatch_core import events as e
from dispatch_core.errors import InvalidInputError
from dispatch_core.model import Role, SlaLevel, SlaMetric
from tests.strategies import aware_datetimes, staff_members, tickets

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _ticket_cmds(key: str, at: datetime, tid: str) -> list[c.CommandBase]:
    return [
        c.Acknowledge(key=key, at=at, ticket_id=tid),
        c.AssignManually(key=key, at=at, ticket_id=tid, staff_id="s1"),
        c.Accept(key=key, at=at, ticket_id=tid),
        c.ArriveOnSite(key=key, at=at, ticket_id=tid),
        c.PutOnHold(key=key, at=at, ticket_id=tid, reason="parts"),
        c.Resume(key=key, at=at, ticket_id=tid),
        c.Resolve(key=key, at=at, ticket_id=tid),
        c.RecordFeedback(key=key, at=at, ticket_id=tid, rating=4),
        c.Close(key=key, at=at, ticket_id=tid),
        c.Reopen(key=key, at=at, ticket_id=tid),
        c.Cancel(key=key, at=at, ticket_id=tid),
        c.StaffOnShift(key=key, at=at, staff_id="s1"),
        c.StaffOffShift(key=key, at=at, staff_id="s1"),
        c.StaffMoved(key=key, at=at, staff_id="s1", node="B2"),
        c.StaffLoadChanged(key=key, at=at, staff_id="s1", load=2),
    ]


def test_every_command_type_is_in_the_union() -> None:
    made = {type(cmd) for cmd in _ticket_cmds("k", AT, "T")} | {c.OpenTicket, c.AddStaff}
    assert made == set(c.COMMAND_TYPES.values())


@given(aware_datetimes, st.text("abc-_:0123456789", min_size=1, max_size=20))
def test_commands_round_trip_through_json(at: datetime, key: str) -> None:
    for cmd in _ticket_cmds(key, at, "T-1"):
        assert c.parse_command(cmd.model_dump_json()) == cmd
        assert c.parse_command(cmd.model_dump(mode="json")) == cmd


@given(tickets, staff_members)
def test_payload_commands_round_trip(ticket, member) -> None:  # type: ignore[no-untyped-def]
    for cmd in (
        c.OpenTicket(key="k", at=AT, ticket=ticket),
        c.AddStaff(key="k", at=AT, member=member),
    ):
        assert c.parse_command(cmd.model_dump_json()) == cmd


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"type": "nope", "key": "k", "at": "2026-01-01T00:00:00Z"}, "type"),
        ({"type": "accept", "key": "k", "at": "2026-01-01T00:00:00"}, "accept.at"),
        (
            {"type": "accept", "key": "", "at": "2026-01-01T00:00:00Z", "ticket_id": "T"},
            "accept.key",
        ),
        (
            {
                "type": "record_feedback",
                "key": "k",
                "at": "2026-01-01T00:00:00Z",
                "ticket_id": "T",
                "rating": 6,
            },
            "record_feedback.rating",
        ),
        (
            {
                "type": "record_feedback",
                "key": "k",
                "at": "2026-01-01T00:00:00Z",
                "ticket_id": "T",
                "rating": 4,
                "comment": "free text",
            },
            "record_feedback.comment",
        ),
    ],
)
def test_bad_commands_name_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        c.parse_command(data)
    assert any(err.field == field for err in info.value.errors)


def test_commands_are_frozen() -> None:
    cmd = c.Accept(key="k", at=AT, ticket_id="T")
    with pytest.raises(ValueError, match="frozen"):
        cmd.ticket_id = "U"  # type: ignore[misc]


def test_events_round_trip_and_cover_the_union() -> None:
    ev = e.EscalationRaised(
        seq=3,
        at=AT,
        ticket_id="T",
        metric=SlaMetric.ON_SITE,
        level=SlaLevel.RED,
        role=Role.SUPERVISOR,
    )
    assert e.parse_event(e.event_to_json(ev)) == ev
    assert "escalation_raised" in e.EVENT_TYPES
    with pytest.raises(InvalidInputError):
        e.parse_event({"type": "ticket_closed", "seq": 0, "at": AT, "ticket_id": "T"})
