from __future__ import annotations

import math

import pytest

from dispatch_core.errors import InvalidInputError
from dispatch_core.planning.plan import Status, build_plan, plan_day
from dispatch_core.planning.scenario import (
    Scenario,
    default_scenario,
    default_scenario_text,
    parse_scenario,
)
from dispatch_core.staffing import SL_DEFINITION, evaluate, required_agents


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return default_scenario()


@pytest.fixture(scope="module")
def plan60(scenario: Scenario):  # type: ignore[no-untyped-def]
    return build_plan(scenario, interval_minutes=60)


def test_plan_shape_and_definition(plan60) -> None:  # type: ignore[no-untyped-def]
    assert [d.name for d in plan60.days] == [d.name for d in plan60.scenario.days]
    assert all(len(d.intervals) == 24 for d in plan60.days)
    assert plan60.definition == SL_DEFINITION
    assert plan60.busiest_day.name == "storm"


@pytest.mark.parametrize("minutes", [15, 30, 60])
def test_contacts_are_conserved_across_interval_lengths(scenario: Scenario, minutes: int) -> None:
    day = scenario.day("wed")  # no events: the day's contacts are exactly the daily volume
    planned = plan_day(scenario, day, interval_minutes=minutes)
    total = planned.contacts + planned.deferred_contacts
    assert total == pytest.approx(scenario.daily_contacts(day), rel=1e-9)
    assert len(planned.intervals) == 24 * 60 // minutes


def test_storm_adds_repairs_only_inside_its_hours(scenario: Scenario) -> None:
    tue = plan_day(scenario, scenario.day("tue"), interval_minutes=60)
    storm = plan_day(scenario, scenario.day("storm"), interval_minutes=60)
    for a, b in zip(tue.intervals, storm.intervals, strict=True):
        total_a, total_b = a.contacts + a.deferred_contacts, b.contacts + b.deferred_contacts
        if 6 * 60 <= a.start_minute < 18 * 60:
            mix = scenario.demand.category_mix
            extra = 2.0 * (mix["repair"] + mix["emergency"])  # type: ignore[index]
            assert total_b == pytest.approx(total_a * (1 + extra), rel=1e-9)
        else:
            assert total_b == pytest.approx(total_a, rel=1e-9)
    assert storm.required_agent_hours > tue.required_agent_hours


def test_interval_invariants(plan60) -> None:  # type: ignore[no-untyped-def]
    sla = plan60.scenario.sla
    for day in plan60.days:
        for iv in day.intervals:
            assert iv.required == iv.required_phone + iv.required_digital
            assert iv.gap == iv.scheduled - iv.required
            assert 0 <= iv.phone.service_level <= 1
            assert iv.phone.definition == SL_DEFINITION
            if iv.desk == "closed":
                assert iv.contacts == 0
            if iv.phone_contacts > 0:
                rate = iv.phone_contacts * 60 / iv.minutes
                # the requirement is exactly the smallest staffing meeting every target
                assert iv.required_phone == required_agents(
                    rate,
                    iv.aht_s,
                    sla.phone_target,
                    sla.phone_within_s,
                    sla.max_occupancy,
                    patience_s=plan60.scenario.patience.mean_s,
                    max_abandon=sla.max_abandon,
                )
                m = evaluate(
                    rate,
                    iv.aht_s,
                    iv.required_phone,
                    within_s=sla.phone_within_s,
                    patience_s=plan60.scenario.patience.mean_s,
                )
                assert m.service_level >= sla.phone_target
            if iv.gap < 0:
                assert iv.status in (Status.YELLOW, Status.RED)


def test_roll_up_arithmetic(plan60) -> None:  # type: ignore[no-untyped-def]
    staff = plan60.scenario.staffing
    for d in plan60.days:
        hours = sum(iv.required for iv in d.intervals)
        assert d.required_agent_hours == pytest.approx(hours)
        assert d.required_fte == pytest.approx(hours / staff.shift_hours / (1 - staff.shrinkage))
        agents = math.ceil(d.required_fte * 7 / staff.workdays_per_week - 1e-9)
        assert d.reserve == math.ceil(agents * staff.reserve - 1e-9)
        assert d.headcount == agents + d.reserve
        assert d.supervisors == math.ceil(agents / staff.agents_per_supervisor)


def test_rule_of_thumb(plan60) -> None:  # type: ignore[no-untyped-def]
    r = plan60.rule
    assert (r.rule_agents, r.rule_supervisors, r.rule_reserve) == (20, 4, 2)
    assert r.peak_day == "storm"
    assert r.peak_day_agents >= r.erlang_agents


def test_erlang_c_model_and_more_agents_never_hurt() -> None:
    text = default_scenario_text().replace('model = "erlang_a"', 'model = "erlang_c"')
    scenario = parse_scenario(text)
    day = plan_day(scenario, scenario.day("mon"), interval_minutes=60)
    assert all(iv.phone.model == "erlang_c" for iv in day.intervals)
    more = parse_scenario(text.replace("desk_agents = 7", "desk_agents = 9"))
    day2 = plan_day(more, more.day("mon"), interval_minutes=60)
    for a, b in zip(day.intervals, day2.intervals, strict=True):
        assert b.phone.service_level >= a.phone.service_level - 1e-12


def test_bad_interval_and_day(scenario: Scenario) -> None:
    with pytest.raises(InvalidInputError) as info:
        plan_day(scenario, scenario.days[0], interval_minutes=20)
    assert info.value.field == "interval_minutes"
    plan = build_plan(scenario, interval_minutes=60, days=["mon"])
    with pytest.raises(InvalidInputError):
        plan.day("tue")
