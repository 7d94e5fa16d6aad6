from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from dispatch_core.errors import DispatchError, InvalidInputError
from dispatch_core.model import (
    DEFAULT_PRIORITY,
    DEFAULT_TARGETS,
    Category,
    Priority,
    Shift,
    SlaMetric,
    SlaTarget,
    StaffMember,
    Ticket,
)
from tests.strategies import staff_members, tickets

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
#: Values some fields accept and others refuse.
_ODD = st.sampled_from([0, -1.5, 45, "", "T-9", "a b", None, 10**9])


def ticket_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": "T-1",
        "property_id": "P1",
        "category": "repair",
        "location": "B3",
        "required_skills": [{"skill": "plumbing", "min_level": 2}],
        "work_minutes": 45,
        "opened_at": T0,
    }
    data.update(overrides)
    return data


@given(tickets)
def test_ticket_json_round_trip(ticket: Ticket) -> None:
    assert Ticket.model_validate_json(ticket.model_dump_json()) == ticket


@given(tickets)
def test_ticket_python_round_trip(ticket: Ticket) -> None:
    assert Ticket.model_validate(ticket.model_dump()) == ticket


@given(staff_members)
def test_staff_json_round_trip(member: StaffMember) -> None:
    assert StaffMember.model_validate_json(member.model_dump_json()) == member


@pytest.mark.parametrize(
    ("overrides", "field", "value"),
    [
        ({"work_minutes": -5}, "work_minutes", -5),
        ({"category": "plumbing"}, "category", "plumbing"),
        ({"opened_at": datetime(2026, 3, 2, 9)}, "opened_at", datetime(2026, 3, 2, 9)),
        ({"id": ""}, "id", ""),
        (
            {"required_skills": [{"skill": "plumbing", "min_level": 9}]},
            "required_skills.0.min_level",
            9,
        ),
        ({"colour": "red"}, "colour", "red"),
        ({"resident_ref": "13800138000"}, "resident_ref", "13800138000"),
        ({"work_minutes": float("nan")}, "work_minutes", None),
    ],
)
def test_invalid_ticket_names_field_and_value(
    overrides: dict[str, Any], field: str, value: object
) -> None:
    with pytest.raises(InvalidInputError) as info:
        Ticket(**ticket_data(**overrides))
    err = info.value
    assert isinstance(err, DispatchError)
    assert isinstance(err, ValueError)
    assert err.field == field
    assert field in str(err)
    if value is not None:
        assert err.value == value


def test_invalid_input_also_from_json_and_dict() -> None:
    with pytest.raises(InvalidInputError) as info:
        Ticket.model_validate({**ticket_data(), "work_minutes": 0})
    assert info.value.field == "work_minutes"
    with pytest.raises(InvalidInputError) as info:
        Ticket.model_validate_json('{"id": "x"}')
    fields = {e.field for e in info.value.errors}
    assert {"property_id", "category", "location", "opened_at"} <= fields


def test_naive_datetime_message_is_clear() -> None:
    with pytest.raises(InvalidInputError, match="naive datetime"):
        Ticket(**ticket_data(opened_at=datetime(2026, 3, 2, 9)))


@pytest.mark.parametrize("category", list(Category))
def test_default_priority_follows_category(category: Category) -> None:
    ticket = Ticket(**ticket_data(category=category))
    assert ticket.priority is DEFAULT_PRIORITY[category]


def test_explicit_priority_wins() -> None:
    assert Ticket(**ticket_data(priority="urgent")).priority is Priority.URGENT


def test_models_are_frozen() -> None:
    ticket = Ticket(**ticket_data())
    with pytest.raises(Exception, match="frozen"):
        ticket.work_minutes = 3  # type: ignore[misc]


def test_duplicate_required_skill_rejected() -> None:
    with pytest.raises(InvalidInputError) as info:
        Ticket(**ticket_data(required_skills=[{"skill": "a"}, {"skill": "a", "min_level": 3}]))
    assert info.value.field == "required_skills"


def test_staff_member_queries() -> None:
    member = StaffMember(
        id="tech-1",
        skills=[{"name": "plumbing", "level": 3}],
        home="depot",
        properties=["P1"],
        shifts=[Shift(start_at=T0, end_at=T0 + timedelta(hours=8))],
    )
    assert member.skill_level("plumbing") == 3
    assert member.skill_level("hvac") == 0
    assert member.on_shift(T0)
    assert not member.on_shift(T0 + timedelta(hours=8))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"properties": []}, "properties"),
        ({"capacity": 0}, "capacity"),
        ({"skills": [{"name": "x", "level": 0}]}, "skills.0.level"),
        ({"role": "janitor"}, "role"),
    ],
)
def test_invalid_staff(overrides: dict[str, Any], field: str) -> None:
    data = {"id": "s", "home": "depot", "properties": ["P1"], **overrides}
    with pytest.raises(InvalidInputError) as info:
        StaffMember(**data)
    assert info.value.field == field


def test_shift_must_end_after_start() -> None:
    with pytest.raises(InvalidInputError, match="end_at must be after start_at"):
        Shift(start_at=T0, end_at=T0)


def test_sla_target_positive() -> None:
    with pytest.raises(InvalidInputError) as info:
        SlaTarget(metric="resolution", target=timedelta(0))
    assert info.value.field == "target"


def test_seed_targets_match_design() -> None:
    def target(category: Category, metric: SlaMetric) -> timedelta:
        (found,) = [t.target for t in DEFAULT_TARGETS[category] if t.metric is metric]
        return found

    assert target(Category.INQUIRY, SlaMetric.FIRST_RESPONSE) == timedelta(minutes=3)
    assert target(Category.REPAIR, SlaMetric.ON_SITE) == timedelta(hours=1)
    assert target(Category.REPAIR, SlaMetric.FEEDBACK) == timedelta(hours=24)
    assert target(Category.COMPLAINT, SlaMetric.RESOLUTION) == timedelta(hours=48)
    assert target(Category.EMERGENCY, SlaMetric.ON_SITE) == timedelta(hours=2)
    for category, targets in DEFAULT_TARGETS.items():
        assert len({t.metric for t in targets}) == len(targets), category


@pytest.mark.parametrize("model", [Ticket, StaffMember, Shift, SlaTarget])
def test_json_schema_export(model: type[Any]) -> None:
    schema = model.model_json_schema()
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False


_TICKETS: TypeAdapter[Ticket] = TypeAdapter(Ticket)


@given(tickets, st.dictionaries(st.sampled_from(["work_minutes", "id", "colour"]), _ODD))
def test_construction_equals_pydantic_validation(ticket: Ticket, changes: dict[str, Any]) -> None:
    """``Model(**data)`` validates as pydantic itself does (a ``TypeAdapter``), errors included."""
    data = {**ticket.model_dump(), **changes}
    expected: Ticket | pydantic.ValidationError
    try:
        expected = _TICKETS.validate_python(data)
    except pydantic.ValidationError as exc:
        expected = exc
    if isinstance(expected, pydantic.ValidationError):
        with pytest.raises(InvalidInputError) as info:
            Ticket(**data)
        assert info.value.errors == InvalidInputError.from_pydantic(expected).errors
        return
    built = Ticket(**data)
    assert built == expected
    assert built.model_fields_set == expected.model_fields_set
    assert list(built.__dict__) == list(expected.__dict__)
