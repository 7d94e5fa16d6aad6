"""Fuzzed bad input: malformed commands never crash the engine and never change its state."""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dispatch_core import commands as c
from dispatch_core.engine import Engine
from dispatch_core.errors import DispatchError
from tests.engine_fakes import T0, Keys, make_engine, tech, ticket

NOW = T0 + timedelta(hours=1)


def _engine() -> Engine:
    eng, k = make_engine(), Keys()
    eng.handle(c.AddStaff(key=k(), at=T0, member=tech("a", capacity=1)))
    eng.handle(c.AddStaff(key=k(), at=T0, member=tech("far", props=["P9"])))
    eng.handle(c.OpenTicket(key=k(), at=T0, ticket=ticket("T1")))
    eng.handle(c.OpenTicket(key=k(), at=T0, ticket=ticket("T2")))  # waits: "a" is full
    eng.handle(c.Accept(key=k(), at=T0, ticket_id="T1"))
    eng.advance(NOW)
    return eng


ENGINE = _engine()
BASELINE = json.dumps(ENGINE.snapshot(), sort_keys=True)
VALID = [
    json.loads(cmd.model_dump_json())
    for cmd in (
        c.Acknowledge(key="f", at=NOW, ticket_id="T1"),
        c.AssignManually(key="f", at=NOW, ticket_id="T2", staff_id="far"),
        c.ArriveOnSite(key="f", at=NOW, ticket_id="T2"),
        c.PutOnHold(key="f", at=NOW, ticket_id="T2"),
        c.RecordFeedback(key="f", at=NOW, ticket_id="T1", rating=3),
        c.Close(key="f", at=NOW, ticket_id="T1"),
        c.StaffMoved(key="f", at=NOW, staff_id="a", node="B2"),
        c.StaffLoadChanged(key="f", at=NOW, staff_id="a", load=1),
        c.OpenTicket(key="f", at=NOW, ticket=ticket("T1")),
        c.AddStaff(key="f", at=NOW, member=tech("a")),
    )
]
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.sampled_from(
        [
            "2026-03-02T10:00:00",  # naive
            "2026-03-02T08:00:00+00:00",  # in the past
            "ghost",
            "",
            "T1",
            "far",
            "accept",
            "resolve",
            "open_ticket",
        ]
    ),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    base = dict(draw(st.sampled_from(VALID)))
    base["key"] = "fuzz-" + draw(st.text("abc", min_size=1, max_size=4))
    for _ in range(draw(st.integers(1, 3))):
        field = draw(st.sampled_from([*sorted(base), "extra"]))
        if draw(st.booleans()) and field in base:
            del base[field]
        else:
            base[field] = draw(JUNK)
    return draw(st.sampled_from([base, json.dumps(base, default=str)]))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_malformed_commands_are_rejected_without_effect(raw: Any) -> None:
    before = json.dumps(ENGINE.snapshot(), sort_keys=True)
    assert before == BASELINE
    try:
        ENGINE.handle(raw)
    except DispatchError:
        pass
    else:  # a mutation that is still a valid new command: undo by rebuilding the engine
        _reset()
        return
    assert json.dumps(ENGINE.snapshot(), sort_keys=True) == BASELINE


def _reset() -> None:
    global ENGINE  # noqa: PLW0603 - the shared engine is rebuilt after an accepted command
    ENGINE = _engine()


@given(st.one_of(st.integers(), st.text(max_size=20), st.binary(max_size=20), st.none()))
def test_non_commands_are_typed_errors(raw: Any) -> None:
    with contextlib.suppress(DispatchError):
        ENGINE.handle(raw)
    assert json.dumps(ENGINE.snapshot(), sort_keys=True) == BASELINE
