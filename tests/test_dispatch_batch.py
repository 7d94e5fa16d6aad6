from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch_core.dispatch import OnlineDispatcher, assign_timed, assign_unit, candidate_costs
from dispatch_core.errors import InvalidInputError, UnknownStaffError
from dispatch_core.model import Skill, SkillRequirement, StaffMember, Ticket
from dispatch_core.site import SiteGraph

STAFF = ("a", "b", "c")


@st.composite
def sparse_costs(draw: st.DrawFn) -> dict[str, dict[str, int]]:
    n = draw(st.integers(0, 5))
    return {
        f"t{j}": draw(st.dictionaries(st.sampled_from(STAFF), st.integers(0, 20), max_size=3))
        for j in range(n)
    }


def best_plan(costs, cap_of):  # type: ignore[no-untyped-def]
    """Brute force: most tickets served, then least cost; cap_of(plan) says if it fits."""
    tickets = sorted(costs)
    best = None
    for choice in itertools.product(*[[None, *sorted(costs[t])] for t in tickets]):
        plan = {t: s for t, s in zip(tickets, choice, strict=True) if s is not None}
        if not cap_of(plan):
            continue
        key = (-len(plan), sum(costs[t][s] for t, s in plan.items()))
        if best is None or key < best:
            best = key
    return best


@settings(max_examples=60, deadline=None)
@given(sparse_costs(), st.dictionaries(st.sampled_from(STAFF), st.integers(0, 2)))
def test_unit_plan_is_optimal_and_respects_caps(costs, caps) -> None:  # type: ignore[no-untyped-def]
    plan = assign_unit(costs, caps)

    def fits(p):  # type: ignore[no-untyped-def]
        return all(list(p.values()).count(s) <= caps.get(s, 0) for s in STAFF)

    assert fits(plan.assignments)
    assert all(s in costs[t] for t, s in plan.assignments.items())
    assert plan.cost == sum(costs[t][s] for t, s in plan.assignments.items())
    assert set(plan.assignments) | set(plan.unserved) == set(costs)
    for t, why in plan.unserved.items():
        assert why == ("capacity" if costs[t] else "no_candidate")
    assert (-len(plan.assignments), plan.cost) == best_plan(costs, fits)


@settings(max_examples=60, deadline=None)
@given(
    sparse_costs(),
    st.data(),
    st.dictionaries(st.sampled_from(STAFF), st.integers(0, 90), min_size=3),
)
def test_timed_plan_respects_minutes_and_pinning(costs, data, remaining) -> None:  # type: ignore[no-untyped-def]
    minutes = {t: data.draw(st.integers(10, 60)) for t in costs}
    pinned: dict[str, str] = {}
    used = dict.fromkeys(STAFF, 0)
    for t in sorted(costs):
        s = data.draw(st.sampled_from([None, *STAFF]))
        if s is not None and used[s] + minutes[t] <= remaining[s]:
            pinned[t] = s
            used[s] += minutes[t]
    plan = assign_timed(costs, minutes, remaining, pinned=pinned, time_limit_s=5.0)
    assert plan.optimal
    for s in STAFF:
        assert sum(minutes[t] for t, x in plan.assignments.items() if x == s) <= remaining[s]
    for t, s in pinned.items():
        assert plan.assignments[t] == s
    assert plan.cost == sum(costs[t].get(s, 0) for t, s in plan.assignments.items())

    def fits(p):  # type: ignore[no-untyped-def]
        ok = all(p.get(t) == s for t, s in pinned.items())
        return ok and all(
            sum(minutes[t] for t, x in p.items() if x == s) <= remaining[s] for s in STAFF
        )

    if not pinned:
        assert (-len(plan.assignments), plan.cost) == best_plan(costs, fits)


def test_reassignment_penalty_keeps_the_current_plan() -> None:
    costs = {"t1": {"a": 10, "b": 8}}
    minutes = {"t1": 30}
    remaining = {"a": 60, "b": 60}
    moved = assign_timed(costs, minutes, remaining, current={"t1": "a"})
    assert moved.assignments == {"t1": "b"}
    assert moved.moved == ("t1",)
    kept = assign_timed(costs, minutes, remaining, current={"t1": "a"}, reassignment_penalty=5)
    assert kept.assignments == {"t1": "a"}
    assert kept.moved == ()


def test_timed_validation() -> None:
    with pytest.raises(InvalidInputError):
        assign_timed({"t": {"a": 1}}, {"t": 0}, {"a": 10})
    with pytest.raises(UnknownStaffError):
        assign_timed({"t": {"a": 1}}, {"t": 5}, {"a": 10}, pinned={"t": "zz"})
    with pytest.raises(InvalidInputError) as err:
        assign_timed({"t": {"a": 1}}, {"t": 50}, {"a": 10}, pinned={"t": "a"})
    assert err.value.field == "remaining.a"
    with pytest.raises(InvalidInputError):
        assign_unit({"t": {"a": -1}}, {"a": 1})
    with pytest.raises(InvalidInputError):
        assign_unit({"t": {"a": 1}}, {"a": -1})


def test_candidate_costs_from_online_dispatcher() -> None:
    site = SiteGraph.grid(3, 3, seed=2)
    d = OnlineDispatcher(site)
    for i, home in enumerate(["n0-0", "n2-2", "n1-1"]):
        d.upsert(
            StaffMember(
                id=f"s{i}",
                home=home,
                properties={"P1"},
                capacity=2,
                skills=(Skill(name="hvac", level=2 + i),),
            )
        )
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    tickets = [
        Ticket(
            id=f"T{j}",
            property_id="P1",
            category="repair",
            location=site.nodes[j],
            required_skills=[SkillRequirement(skill="hvac", min_level=3)],
            opened_at=at,
        )
        for j in range(4)
    ]
    costs = candidate_costs(d, tickets, at=at, per_ticket=2)
    assert all(set(arcs) == {"s1", "s2"} for arcs in costs.values())
    plan = assign_unit(costs, {"s1": 1, "s2": 2})
    assert len(plan.assignments) == 3
    assert plan.unserved == {next(t for t in costs if t not in plan.assignments): "capacity"}
    with pytest.raises(InvalidInputError):
        candidate_costs(d, [tickets[0], tickets[0]], at=at)
