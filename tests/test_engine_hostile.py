"""No input stops the engine: hostile commands get typed errors and change nothing.

Issue 14 found inputs that stopped an engine for good ("engine stopped after a failure…",
even in memory): a dict command nested ≥ 1,000 deep, ``OpenTicket`` at 9999-12-31T23:00Z or
0001-01-01, ``handle_many(None)`` / ``handle_many(5)``, an engine whose first command is
before 1970, and an unknown ``type`` tag reported with a 100,882-character message. The
generator below draws those and their relatives (deep nesting, extreme datetimes, wrong
container types, huge strings, unknown tags, valid commands with one bad field); the oracle is
exact: every call either succeeds or raises a :class:`~dispatch_core.errors.DispatchError`
that is not a journal failure, a rejected call leaves the snapshot byte-identical, and the
engine keeps accepting valid commands.
"""

from __future__ import annotations

import contextlib
import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from dispatch_core import Engine, EngineConfig, StaffMember, Ticket
from dispatch_core.commands import AddStaff, OpenTicket
from dispatch_core.errors import DispatchError, JournalError

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
SITE = {"edges": [{"a": "depot", "b": "B1", "seconds": 240}]}
MAX_MESSAGE = 2_000  # characters: an error message is for people, whatever the input was

_TAGS = ["open_ticket", "acknowledge", "accept", "resolve", "close", "add_staff", "cancel"]
_TIMES = [
    "0001-01-01T00:00:00Z",
    "1969-12-31T23:59:59Z",
    "1970-01-01T00:00:00Z",
    "9999-12-31T23:00:00Z",
    "9999-12-31T23:59:59.999999+00:00",
    "2026-03-02T09:00:00+14:00",
    "2026-03-02T09:00:00-12:00",
    "2026-03-02T09:00:00",  # naive
    "2026-02-30T09:00:00Z",
    "not a time",
    "",
]


def _deep(rng: random.Random, depth: int) -> Any:
    value: Any = rng.choice([{}, [], "x", 1])
    for _ in range(depth):
        value = {"a": value} if rng.random() < 0.5 else [value]
    return value


def _junk(rng: random.Random) -> Any:
    return rng.choice(
        [
            None,
            True,
            -1,
            2**70,
            float("nan"),
            float("inf"),
            "x" * rng.choice([0, 1, 1000, 200_000]),
            "\udcff",
            b"\xff\xfe",
            [],
            {},
            (1, 2),
            {"type": "open_ticket"},
            _deep(rng, rng.choice([10, 1_200, 5_000])),
        ]
    )


def _ticket(rng: random.Random, i: int) -> dict[str, Any]:
    t: dict[str, Any] = {
        "id": f"H{i}",
        "property_id": "P1",
        "category": "repair",
        "location": "B1",
        "opened_at": rng.choice(_TIMES[3:5] + _TIMES[:2])
        if rng.random() < 0.5
        else "2026-03-02T10:00:00Z",
    }
    if rng.random() < 0.5:
        t[rng.choice(list(t))] = _junk(rng)
    return t


def hostile(rng: random.Random, i: int) -> tuple[str, Any]:  # noqa: PLR0911 - one return per family
    """One hostile call: ``("handle" | "handle_many" | "advance", argument)``."""
    roll = rng.random()
    if roll < 0.08:
        return "handle_many", rng.choice([None, 5, "text", b"x", 3.5, {"a": 1}, _deep(rng, 50)])
    if roll < 0.16:
        return "advance", rng.choice(
            [None, 5, "2026", datetime(2026, 3, 2), datetime(1, 1, 1, tzinfo=UTC),
             datetime(9999, 12, 31, 23, tzinfo=UTC), T0 - timedelta(days=400)]
        )  # fmt: skip
    if roll < 0.3:
        return "handle", _junk(rng)
    cmd: dict[str, Any] = {
        "type": rng.choice(_TAGS) if rng.random() < 0.8 else "z" * rng.choice([5, 100_000]),
        "key": f"h{i}",
        "at": rng.choice(_TIMES),
        "ticket_id": rng.choice(["T1", "nope", "H1"]),
    }
    if cmd["type"] == "open_ticket":
        cmd["ticket"] = _ticket(rng, i)
    if cmd["type"] == "add_staff":
        cmd["member"] = {"id": f"m{i}", "home": rng.choice(["depot", "mars", _junk(rng)])}
    if rng.random() < 0.3:
        cmd[rng.choice(list(cmd))] = _junk(rng)
    if rng.random() < 0.1:
        cmd["extra"] = _junk(rng)
    text = rng.random() < 0.2
    if text:
        try:
            return "handle", json.dumps(cmd)
        except (TypeError, ValueError, RecursionError):
            return "handle", cmd
    if roll > 0.97:  # a valid command followed by a hostile one, in one batch
        valid = {
            "type": "acknowledge",
            "key": f"v{i}",
            "at": "2026-03-02T10:00:00Z",
            "ticket_id": "T1",
        }
        return "handle_many", [valid, cmd]
    return "handle", cmd


def _engine() -> Engine:
    eng = Engine(EngineConfig(site=SITE))
    member = StaffMember(id="wang", home="depot", properties=["P1"], capacity=5)
    eng.handle(AddStaff(key="s", at=T0, member=member))
    t = Ticket(id="T1", property_id="P1", category="repair", location="B1", opened_at=T0)
    eng.handle(OpenTicket(key="o", at=T0, ticket=t))
    return eng


def _state(eng: Engine) -> str:
    return json.dumps(eng.snapshot(), sort_keys=True)


def _call(eng: Engine, kind: str, arg: Any) -> Any:
    if kind == "handle":
        return eng.handle(arg)
    if kind == "handle_many":
        return eng.handle_many(arg)
    return eng.advance(arg)


def run_hostile(n: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    eng = _engine()
    seen = {"accepted": 0, "rejected": 0}
    for i in range(n):
        kind, arg = hostile(rng, i)
        before = _state(eng)
        try:
            result = _call(eng, kind, arg)
        except JournalError as exc:  # only a failed journal write may fence an engine
            pytest.fail(f"call {i} ({kind}) stopped the engine: {exc!r}"[:MAX_MESSAGE])
        except DispatchError as exc:
            seen["rejected"] += 1
            message = str(exc)
            after = _state(eng)
            assert len(message) <= MAX_MESSAGE, f"call {i}: {len(message)}-character message"
            assert after == before, f"call {i} ({kind}) was rejected but changed state"
            continue
        except Exception as exc:  # the defect under test
            pytest.fail(f"call {i} ({kind}): untyped {type(exc).__name__}: {exc}"[:MAX_MESSAGE])
        if kind == "handle_many":
            for r in result:
                if isinstance(r, DispatchError):
                    assert len(str(r)) <= MAX_MESSAGE
        seen["accepted"] += 1
    # still usable: a valid command goes through
    t = Ticket(id="Z-final", property_id="P1", category="repair", location="B1",
               opened_at=datetime(2026, 3, 9, tzinfo=UTC))  # fmt: skip
    eng.handle(OpenTicket(key="final", at=t.opened_at, ticket=t))
    return seen


@pytest.mark.parametrize("seed", range(4))
def test_hostile_commands_never_stop_or_half_apply(seed: int) -> None:
    seen = run_hostile(500, seed)
    assert seen["rejected"] > 400  # nearly everything drawn is bad input


def test_an_engine_whose_first_command_is_before_1970_keeps_working() -> None:
    eng = Engine(EngineConfig(site=SITE))
    old = datetime(1969, 6, 1, 9, tzinfo=UTC)
    member = StaffMember(id="wang", home="depot", properties=["P1"])
    with contextlib.suppress(DispatchError):  # refusing it is fine; stopping the engine is not
        eng.handle(AddStaff(key="s", at=old, member=member))
    t = Ticket(id="T1", property_id="P1", category="repair", location="B1", opened_at=T0)
    eng.handle(OpenTicket(key="o", at=T0, ticket=t))
    assert eng.advance(T0 + timedelta(hours=3))  # thresholds fire


@pytest.mark.parametrize("when", ["9999-12-31T23:00:00Z", "0001-01-01T00:00:00Z"])
def test_extreme_ticket_times_are_refused_and_leave_nothing_behind(when: str) -> None:
    eng = _engine()
    before = _state(eng)
    cmd = {
        "type": "open_ticket",
        "key": "x",
        "at": when,
        "ticket": {"id": "X", "property_id": "P1", "category": "repair", "location": "B1",
                   "opened_at": when},
    }  # fmt: skip
    with pytest.raises(DispatchError):
        eng.handle(cmd)
    assert _state(eng) == before
    assert "X" not in eng.snapshot()["tickets"]


@pytest.mark.slow
def test_hostile_commands_torture() -> None:
    for seed in range(100, 300):
        run_hostile(500, seed)  # 10^5 hostile calls
