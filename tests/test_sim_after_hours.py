"""No work lost: contacts arriving while the desk is closed are carried over or lost, and
every simulated day balances (arrivals = answered + abandoned + carried over + lost)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch_core.errors import InvalidInputError
from dispatch_core.planning.scenario import AfterHours, default_scenario, load_scenario
from dispatch_core.sim.desk.model import ContactType, DeskRun, DeskSpec, simulate_desk
from dispatch_core.sim.desk.scenario import scenario_desk
from dispatch_core.sim.distributions import Distribution

ROOT = Path(__file__).resolve().parents[1]


def _balance(run: DeskRun) -> None:
    extra = run.extra
    answered = sum(run.answered_by_interval)
    abandoned = sum(run.abandoned_by_interval)
    unserved = extra["unserved"]
    assert (
        extra["arrivals"] == answered + abandoned + unserved + extra["carried_over"] + extra["lost"]
    )
    # the desk drains: every offered one ends, or is counted as unserved (no agent left)
    assert run.offered == answered + abandoned + unserved
    assert 0 <= extra["carried_to_next_day"] <= extra["carried_over"]


def _shipped():  # type: ignore[no-untyped-def]
    yield "default", default_scenario()
    for path in sorted((ROOT / "simulations").glob("*.toml")):
        yield path.name, load_scenario(path)


@pytest.mark.parametrize(("name", "scenario"), list(_shipped()), ids=lambda v: str(v)[:20])
def test_every_day_of_every_shipped_scenario_balances(name, scenario) -> None:  # type: ignore[no-untyped-def]
    for day in scenario.days:
        desk = scenario_desk(scenario, day, interval_minutes=60)
        for queue, after in (
            ("phone", scenario.desk.after_hours_phone),
            ("digital", scenario.desk.after_hours_digital),
        ):
            run = simulate_desk(desk.queue(queue), seed=1)
            _balance(run)
            if after == AfterHours.LOST:
                assert run.extra["carried_over"] == 0
            else:
                assert run.extra["lost"] == 0


def test_default_night_calls_are_lost_and_night_messages_carried_to_the_opening() -> None:
    s = default_scenario()
    desk = scenario_desk(s, "mon", interval_minutes=60)
    phone = simulate_desk(desk.phone, seed=2)
    digital = simulate_desk(desk.digital, seed=2)
    assert phone.extra["lost"] > 0
    assert digital.extra["carried_over"] > 0
    # the carried-over messages are worked at 08:00: busy time in the first open hour grows
    dropped = simulate_desk(replace(desk.digital, after_hours=AfterHours.LOST), seed=2)
    assert digital.busy_s_by_interval[8] > dropped.busy_s_by_interval[8]
    assert digital.extra["carried_to_next_day"] > 0  # 22:00-24:00 wait for tomorrow


def _desk(accepts, after: AfterHours, rates) -> DeskSpec:  # type: ignore[no-untyped-def]
    return DeskSpec(
        interval_s=900.0,
        arrival_rates=tuple(rates),
        agents=(2,) * len(rates),
        contact_types=(
            ContactType("a", 0.5, Distribution.exponential(120.0)),
            ContactType("b", 0.5, Distribution.exponential(240.0)),
        ),
        patience=Distribution.exponential(300.0),
        accepts=accepts,
        after_hours=after,
    )


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    intervals=st.integers(1, 8),
    after=st.sampled_from(list(AfterHours)),
    seed=st.integers(0, 1000),
)
def test_any_opening_hours_balance(data, intervals, after, seed) -> None:  # type: ignore[no-untyped-def]
    accepts = tuple((data.draw(st.booleans()), data.draw(st.booleans())) for _ in range(intervals))
    rates = data.draw(st.lists(st.floats(0, 60), min_size=intervals, max_size=intervals))
    run = simulate_desk(_desk(accepts, after, rates), seed=seed)
    _balance(run)
    closed = sum(1 for row in accepts for ok in row if not ok)
    if closed == 0:
        assert run.extra["lost"] == run.extra["carried_over"] == 0


def test_carried_contacts_are_served_at_the_next_opening_not_lost() -> None:
    accepts = ((False, False), (False, False), (True, True), (True, True))
    carried = simulate_desk(_desk(accepts, AfterHours.CARRY_OVER, (40, 40, 0, 0)), seed=3)
    lost = simulate_desk(_desk(accepts, AfterHours.LOST, (40, 40, 0, 0)), seed=3)
    assert carried.offered == lost.offered == 0  # nothing arrived while open
    assert carried.extra["carried_over"] == lost.extra["lost"] > 0
    assert carried.extra["carried_to_next_day"] == 0
    assert sum(carried.busy_s_by_interval[2:]) > 0 == sum(lost.busy_s_by_interval)


def test_accepts_must_match_the_intervals_and_types() -> None:
    with pytest.raises(InvalidInputError) as info:
        _desk(((True,),), AfterHours.LOST, (10.0,))
    assert info.value.field == "accepts"
