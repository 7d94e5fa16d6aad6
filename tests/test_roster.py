from __future__ import annotations

import math

import pytest

from dispatch_core.planning.cost import (
    WEEKS_PER_MONTH,
    hourly_rates,
    monthly_cost,
    rule_of_thumb_cost,
)
from dispatch_core.planning.hours import DeskState
from dispatch_core.planning.plan import Plan, build_plan, plan_day, productive_agents
from dispatch_core.planning.roster import (
    DayRoster,
    RosterPlan,
    ShiftPattern,
    propose_rosters,
    scaled_roster,
    schedule_day,
    shift_patterns,
)
from dispatch_core.planning.scenario import default_scenario, default_scenario_text, parse_scenario
from dispatch_core.planning.status import Check

DESK_CHECKS = {Check.SERVICE_LEVEL, Check.ABANDONMENT, Check.OCCUPANCY, Check.DIGITAL}


def _assert_meets_every_interval(plan: Plan, rosters: RosterPlan) -> None:
    """The acceptance check: evaluated, every interval of every day meets the desk targets."""
    s = plan.scenario
    for day, roster in zip(plan.days, rosters.days, strict=True):
        assert roster.covered, day.name
        again = plan_day(s, s.day(day.name), interval_minutes=plan.interval_minutes,
                         rostered=roster.on_duty)  # fmt: skip
        for req, iv in zip(day.intervals, again.intervals, strict=True):
            if iv.desk is DeskState.CLOSED:
                continue
            assert productive_agents(iv.scheduled, s.staffing.shrinkage) >= req.required
            assert not set(iv.checks) & DESK_CHECKS, (day.name, iv.label, iv.grade.label)
        assert roster.meets_targets


def _assert_no_dearer_than_the_baseline(rosters: RosterPlan) -> None:
    assert rosters.baseline_cost is not None
    assert all(b is not None and b.covered and b.meets_targets for b in rosters.baseline)
    assert rosters.cost.total <= rosters.baseline_cost.total


def test_default_estate_roster_half_hourly() -> None:
    """Issue 15's acceptance: the default estate at the default 30-minute intervals."""
    plan = build_plan(default_scenario())
    rosters = propose_rosters(plan)
    _assert_meets_every_interval(plan, rosters)
    _assert_no_dearer_than_the_baseline(rosters)
    assert all(d.optimal for d in rosters.days)


def test_breaks_and_part_time_cap() -> None:
    s = default_scenario()
    plan = build_plan(s, interval_minutes=30, days=["storm"])
    day = plan.days[0]
    roster = propose_rosters(plan).days[0]
    rule = s.roster.breaks[0]
    for shift in roster.shifts:
        p = shift.pattern
        if p.span_minutes >= rule.min_shift_hours * 60:
            assert p.break_minutes == rule.minutes
            assert rule.earliest_after_hours * 60 <= p.break_offset
            assert p.break_offset <= rule.latest_after_hours * 60
        else:
            assert p.break_minutes == 0
    base = scaled_roster(s, day)
    assert base is not None
    hinted_share = base.part_time_hours / (base.part_time_hours + base.full_time_hours)
    share = roster.part_time_hours / (roster.part_time_hours + roster.full_time_hours)
    assert share <= max(s.roster.max_part_time_share, hinted_share) + 1e-9


def test_shift_patterns_cross_midnight_and_include_the_scenarios_own() -> None:
    s = default_scenario()
    patterns = shift_patterns(s, s.day("mon"), 60)
    assert {"early", "late", "evening-emergency-desk", "peak-part-timers"} <= {
        p.name for p in patterns
    }
    night = next(p for p in patterns if p.start_minute == 22 * 60 and not p.part_time)
    assert night.span_minutes == 480
    assert night.on_duty(23 * 60)
    assert night.on_duty(5 * 60)
    assert not night.on_duty(6 * 60)
    resting = night.start_minute + night.break_offset
    assert not night.on_duty(resting % 1440)
    p = ShiftPattern("x", 20 * 60, 360, False, 0, 0, 6.0)
    assert p.label == "20:00–02:00"
    assert p.on_duty(60)
    assert not p.on_duty(120)


def test_night_desk_gets_night_shifts() -> None:
    text = default_scenario_text().replace('evening_close = "22:00"', 'evening_close = "06:00"')
    s = parse_scenario(text)
    plan = build_plan(s, interval_minutes=60, days=["wed"])
    rosters = propose_rosters(plan)
    _assert_meets_every_interval(plan, rosters)
    night = rosters.days[0].on_duty[2]
    assert night >= plan.days[0].intervals[2].required_heads > 0


def test_never_dearer_than_its_hint_even_when_stopped_early() -> None:
    text = default_scenario_text().replace("time_limit_s = 10", "time_limit_s = 0.001")
    s = parse_scenario(text)
    day = build_plan(s, interval_minutes=60, days=["mon"]).days[0]
    base = scaled_roster(s, day)
    assert base is not None
    roster = schedule_day(s, day, hint=base)
    assert roster.covered
    full, part = hourly_rates(s)

    def price(r: DayRoster) -> float:
        return r.full_time_hours * full + r.part_time_hours * part

    assert price(roster) <= price(base) * (1 + 1e-6)


def test_monthly_cost_arithmetic() -> None:
    s = default_scenario()
    costs, staff = s.costs, s.staffing
    week = monthly_cost(s, full_time_hours=[120.0] * 5, part_time_hours=[10.0] * 5)
    contract = staff.shift_hours * staff.workdays_per_week
    agents = math.ceil(120 * 7 / contract)
    lines = {line.role: line for line in week.lines}
    assert week.agents == agents == lines["agents"].heads
    assert lines["reserve"].heads == math.ceil(agents * staff.reserve)
    assert lines["supervisors"].heads == math.ceil((agents + 70 / contract) / 5)
    assert lines["part-timer hours"].total == pytest.approx(70 * WEEKS_PER_MONTH * 35)
    assert week.total == pytest.approx(sum(line.total for line in week.lines))
    rule = rule_of_thumb_cost(s)
    assert {line.role: line.heads for line in rule.lines}["agents"] == 20
    assert rule.lines[0].total == 20 * costs.agent_monthly
    assert rule.currency == "CNY"
