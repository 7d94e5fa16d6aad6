"""An engine configuration can carry its site, so ``Engine(config)`` works on its own."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dispatch_core import (
    Engine,
    EngineConfig,
    InvalidInputError,
    StaffMember,
    Ticket,
    UnknownNodeError,
)
from dispatch_core.commands import AddStaff, OpenTicket
from dispatch_core.model import SiteSpec

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
SITE = {
    "edges": [
        {"a": "depot", "b": "B1", "seconds": 120},
        {"a": "B1", "b": "B2", "seconds": 60},
    ],
    "kinds": {"depot": "depot"},
}


def test_engine_from_config_with_site_dispatches() -> None:
    eng = Engine(EngineConfig(site=SITE))
    tech = StaffMember(
        id="tech-1", skills=[{"name": "plumbing", "level": 3}], home="depot", properties=["P1"]
    )
    eng.handle(AddStaff(key="k1", at=T0, member=tech))
    ticket = Ticket(
        id="T-1",
        property_id="P1",
        category="repair",
        location="B2",
        required_skills=[{"skill": "plumbing", "min_level": 2}],
        opened_at=T0,
    )
    events = eng.handle(OpenTicket(key="k2", at=T0, ticket=ticket))
    assigned = [e for e in events if e.type == "ticket_assigned"]
    assert [e.staff_id for e in assigned] == ["tech-1"]


def test_unknown_location_is_rejected_with_config_site() -> None:
    eng = Engine(EngineConfig(site=SITE))
    before = eng.snapshot()
    ticket = Ticket(id="T-1", property_id="P1", category="repair", location="B9", opened_at=T0)
    with pytest.raises(UnknownNodeError) as info:
        eng.handle(OpenTicket(key="k", at=T0, ticket=ticket))
    assert "B9" in str(info.value)
    assert eng.snapshot() == before


def test_engine_without_any_site_says_how_to_fix() -> None:
    with pytest.raises(InvalidInputError, match=r"EngineConfig\.site") as info:
        Engine(EngineConfig())
    assert info.value.field == "site"


def test_site_spec_rejects_kinds_of_unknown_nodes() -> None:
    with pytest.raises(InvalidInputError, match="no edge touches"):
        SiteSpec(edges=SITE["edges"], kinds={"nowhere": "gate"})


def test_site_spec_round_trips_through_config_json() -> None:
    cfg = EngineConfig(site=SITE)
    assert EngineConfig.model_validate_json(cfg.model_dump_json()) == cfg


def _keys_sorted(value: object) -> bool:
    if isinstance(value, dict):
        return list(value) == sorted(value) and all(_keys_sorted(v) for v in value.values())
    if isinstance(value, list):
        return all(_keys_sorted(v) for v in value)
    return True


def test_snapshot_keys_are_sorted_at_every_level() -> None:
    eng = Engine(EngineConfig(site=SITE))
    tech = StaffMember(
        id="tech-1", skills=[{"name": "plumbing", "level": 3}], home="depot", properties=["P1"]
    )
    eng.handle(AddStaff(key="k1", at=T0, member=tech))
    ticket = Ticket(id="T-1", property_id="P1", category="repair", location="B2", opened_at=T0)
    eng.handle(OpenTicket(key="k2", at=T0, ticket=ticket))
    snap = eng.snapshot()
    assert snap["tickets"]
    assert _keys_sorted(snap)
