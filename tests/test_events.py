"""Events built on the engine's hot path (``events.trusted``) equal validated ones."""

from __future__ import annotations

import pytest
import simpy

from dispatch_core import events as e
from dispatch_core.sim.desk.model import ContactType, DeskSpec
from dispatch_core.sim.distributions import Distribution
from dispatch_core.sim.field.driver import FieldModel
from dispatch_core.sim.field.spec import FieldSpec, TechShift
from dispatch_core.sim.streams import Streams


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


def test_trusted_events_equal_validated_ones() -> None:
    seen = _events_of_a_scarce_field_day()
    kinds = {type(ev) for ev in seen}
    assert {e.TicketAssigned, e.SlaLevelChanged, e.EscalationRaised, e.TicketClosed} <= kinds
    for ev in seen:
        slow = type(ev).model_validate(ev.model_dump())  # validated, from the same values
        given = {k: v for k, v in ev.__dict__.items() if k != "type"}
        fast = e.trusted(type(ev), **dict(reversed(given.items())))  # any keyword order
        for built in (ev, fast):
            assert built == slow
            assert built.model_dump_json() == slow.model_dump_json()
            assert list(built.__dict__) == list(slow.__dict__)  # field order, as validated
            assert built.model_fields_set == slow.model_fields_set - {"type"}


def test_trusted_events_refuse_missing_and_unknown_fields() -> None:
    at = _events_of_a_scarce_field_day()[0].at
    with pytest.raises(TypeError, match=r"missing fields \['ticket_id'\]"):
        e.trusted(e.TicketClosed, seq=1, at=at)
    with pytest.raises(TypeError, match=r"unknown fields \['colour'\]"):
        e.trusted(e.TicketClosed, seq=1, at=at, ticket_id="T", colour="red")
