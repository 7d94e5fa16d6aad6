from __future__ import annotations

import math
from pathlib import Path

import pytest

from dispatch_core.errors import InvalidInputError
from dispatch_core.model import Category
from dispatch_core.planning.demand import day_demand, interval_demand
from dispatch_core.planning.hours import DeskState
from dispatch_core.planning.plan import (
    Plan,
    QueueAgents,
    Status,
    build_plan,
    plan_day,
    productive_agents,
    split_agents,
)
from dispatch_core.planning.scenario import (
    Channel,
    Scenario,
    default_scenario,
    default_scenario_text,
    load_scenario,
    parse_scenario,
)
from dispatch_core.planning.status import Approximation, Check, grade_interval
from dispatch_core.staffing import SL_DEFINITION, evaluate, required_agents, scheduled_headcount

SIMULATIONS = Path(__file__).resolve().parents[1] / "simulations"
SHIPPED = sorted(SIMULATIONS.glob("*.toml"))
TEXT = default_scenario_text()


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return default_scenario()


@pytest.fixture(scope="module")
def plan60(scenario: Scenario) -> Plan:
    return build_plan(scenario, interval_minutes=60)


def test_plan_shape_and_definition(plan60: Plan) -> None:
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
    assert planned.balance.arrivals == pytest.approx(total, rel=1e-12)
    assert len(planned.intervals) == 24 * 60 // minutes


def test_storm_adds_repairs_only_inside_its_hours(scenario: Scenario) -> None:
    tue = plan_day(scenario, scenario.day("tue"), interval_minutes=60)
    storm = plan_day(scenario, scenario.day("storm"), interval_minutes=60)
    for a, b in zip(tue.intervals, storm.intervals, strict=True):
        total_a, total_b = a.contacts + a.deferred_contacts, b.contacts + b.deferred_contacts
        if 6 * 60 <= a.start_minute < 18 * 60:
            mix = scenario.demand.category_mix
            extra = 2.0 * (mix[Category.REPAIR] + mix[Category.EMERGENCY])
            assert total_b == pytest.approx(total_a * (1 + extra), rel=1e-9)
        else:
            assert total_b == pytest.approx(total_a, rel=1e-9)
    assert storm.required_agent_hours > tue.required_agent_hours


def test_interval_invariants(plan60: Plan) -> None:
    s = plan60.scenario
    sla, shrinkage = s.sla, s.staffing.shrinkage
    for day in plan60.days:
        for iv in day.intervals:
            assert iv.required == iv.required_phone + iv.required_digital
            assert iv.required_heads == scheduled_headcount(iv.required, shrinkage)
            assert iv.gap == iv.scheduled - iv.required_heads
            assert 0 <= iv.phone.service_level <= 1
            assert iv.phone.definition == SL_DEFINITION
            if iv.desk is DeskState.CLOSED:
                assert iv.contacts == 0
                assert iv.required == iv.productive == 0
                continue
            assert iv.required >= s.desk.min_agents
            assert iv.productive == math.floor(iv.scheduled * (1 - shrinkage) + 1e-9)
            assert iv.phone_agents + iv.digital_agents == iv.productive
            if iv.phone_contacts > 0 and iv.backlog == 0 and iv.required_phone > 1:
                rate = iv.phone_contacts * 60 / iv.minutes
                # the requirement is exactly the smallest staffing meeting every target
                assert iv.required_phone == required_agents(
                    rate,
                    iv.aht_s,
                    sla.phone_target,
                    sla.phone_within_s,
                    sla.max_occupancy,
                    patience_s=s.patience.mean_s,
                    max_abandon=sla.max_abandon,
                )


def test_productive_agents_and_the_split() -> None:
    assert [productive_agents(n, 0.3) for n in (0, 1, 2, 3, 10, 20)] == [0, 0, 1, 2, 7, 14]
    for need in range(40):
        heads = scheduled_headcount(need, 0.3)
        assert productive_agents(heads, 0.3) >= need
        if heads:
            assert productive_agents(heads - 1, 0.3) < need
    need = QueueAgents(phone=5, digital=4)
    assert split_agents(3, need, blended=False) == QueueAgents(3, 0)  # short: the phone first
    assert split_agents(12, need, blended=False) == QueueAgents(5, 7)  # surplus: deferred work


def test_grid_projects_with_productive_agents(scenario: Scenario) -> None:
    """SL, ASA, abandonment and occupancy come from rostered × (1 − shrinkage) agents."""
    day = plan_day(scenario, scenario.day("wed"), interval_minutes=60)
    iv = next(iv for iv in day.intervals if iv.label == "14:00")
    assert iv.backlog == 0
    assert Approximation.OVERLOAD not in iv.approximations
    rate = iv.phone_contacts * 60 / iv.minutes
    expect = evaluate(
        rate, iv.aht_s, iv.phone_agents, within_s=20, patience_s=scenario.patience.mean_s
    )
    assert iv.phone == expect
    assert iv.productive == productive_agents(iv.scheduled, 0.3) < iv.scheduled
    # 09:00: 11 rostered are 7 productive, short of 8; without shrinkage they are enough
    short = day.intervals[9]
    assert (short.scheduled, short.productive, short.required) == (11, 7, 8)
    assert short.status is Status.RED
    lean = parse_scenario(TEXT.replace("shrinkage = 0.30", "shrinkage = 0.0"))
    same = plan_day(lean, lean.day("wed"), interval_minutes=60).intervals[9]
    assert same.productive == same.scheduled == 11
    assert same.status is Status.GREEN


def test_colours_are_the_worst_check() -> None:
    # the figures: 14.7 % abandonment and SL 63.7 % are red, 137 % technicians red
    assert grade_interval(abandon=(0.147, 0.05)).status is Status.RED
    assert grade_interval(service_level=(0.637, 0.80)).status is Status.RED
    assert grade_interval(technician_load=1.37).status is Status.RED
    assert grade_interval(technician_load=1.0).status is Status.GREEN
    assert grade_interval(service_level=(0.75, 0.80)).status is Status.YELLOW
    assert grade_interval(occupancy=(0.93, 0.85)).status is Status.YELLOW
    both = grade_interval(service_level=(0.75, 0.80), occupancy=(0.99, 0.85))
    assert (both.status, both.checks) == (Status.RED, (Check.OCCUPANCY,))
    ok = grade_interval(service_level=(0.9, 0.8), abandon=(0.01, 0.05))
    assert (ok.status, ok.checks, ok.label) == (Status.GREEN, (), "green")


def test_interval_status_agrees_with_its_projection(plan60: Plan) -> None:
    sla = plan60.scenario.sla
    for day in plan60.days:
        for iv in day.intervals:
            if iv.desk is DeskState.CLOSED:
                continue
            short_phone = iv.phone_contacts > 0 and iv.phone.service_level < sla.phone_target
            if short_phone:
                assert iv.status is not Status.GREEN
            if iv.status is Status.GREEN:
                assert iv.phone.p_abandon <= (sla.max_abandon or 1.0) + 1e-12
                assert iv.occupancy <= sla.max_occupancy + 1e-12
            if iv.technician_load is not None and iv.technician_load > 1:
                assert Check.TECHNICIANS in iv.checks or iv.status is Status.RED


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
@pytest.mark.parametrize("minutes", [30, 60])
def test_every_day_of_every_shipped_scenario_balances(path: Path, minutes: int) -> None:
    """arrivals + carried in = answered + abandoned + carried over + lost, every day."""
    s = load_scenario(path)
    plan = build_plan(s, interval_minutes=minutes)
    for day in plan.days:
        b = day.balance
        assert b.arrivals == pytest.approx(day.contacts + day.deferred_contacts, rel=1e-12)
        for part in (b.answered, b.abandoned, b.carried_over, b.lost, b.carried_in):
            assert part >= -1e-9
        assert abs(b.error) <= 1e-9 * (b.arrivals + b.carried_in), (path.name, day.name, b)
        assert b.lost + b.carried_over > 0  # every shipped desk closes for some categories


def test_closed_hours_contacts_are_carried_or_lost(scenario: Scenario) -> None:
    day = scenario.day("wed")
    demand = day_demand(scenario, day, interval_minutes=30)
    phone = scenario.demand.channel_mix[Channel.PHONE]
    deferred = sum(d.deferred for d in demand.intervals)
    assert deferred > 0
    assert demand.lost == pytest.approx(deferred * phone, rel=1e-12)  # phone lost by default
    carried = sum(d.carried for d in demand.intervals)
    assert carried == pytest.approx(deferred * (1 - phone), rel=1e-12)
    # carried contacts reach an opening: today's first one or the next day's
    backlog = sum(d.backlog for d in demand.intervals)
    assert backlog + demand.carried_over == pytest.approx(carried + demand.carried_in, rel=1e-12)
    opening = next(d for d in demand.intervals if d.desk is DeskState.OPEN)
    assert opening.backlog > 0
    assert opening.start_minute == 8 * 60
    # both kept: nothing is lost; both lost: nothing is carried
    keep = parse_scenario(
        TEXT.replace('after_hours_phone = "lost"', 'after_hours_phone = "carry_over"')
    )
    assert day_demand(keep, day).lost == 0
    drop = parse_scenario(
        TEXT.replace('after_hours_digital = "carry_over"', 'after_hours_digital = "lost"')
    )
    gone = day_demand(drop, day)
    assert gone.carried_in == gone.carried_over == 0
    assert gone.lost == pytest.approx(deferred, rel=1e-12)


def test_the_night_before_is_the_previous_weekday(scenario: Scenario) -> None:
    mon, tue = (day_demand(scenario, scenario.day(n), interval_minutes=60) for n in ("mon", "tue"))
    # Tuesday works off Monday's evening; Monday works off Sunday's (a quieter day)
    assert tue.carried_in == pytest.approx(mon.carried_over, rel=1e-12)
    sun = day_demand(scenario, scenario.day("sun"), interval_minutes=60)
    assert mon.carried_in == pytest.approx(sun.carried_over, rel=1e-12)


def test_short_friday_and_overnight_desks() -> None:
    estate = load_scenario(SIMULATIONS / "estate-25k.toml")
    fri = interval_demand(estate, estate.day("fri"), interval_minutes=60)
    states = {d.start_minute // 60: d.desk for d in fri}
    assert states[7] is DeskState.OPEN
    assert states[13] is DeskState.OPEN
    assert states[14] is DeskState.EVENING
    assert states[21] is DeskState.EVENING
    assert states[22] is DeskState.CLOSED
    assert states[6] is DeskState.CLOSED
    metro = load_scenario(SIMULATIONS / "metro-1m.toml")
    mon = interval_demand(metro, metro.day("mon"), interval_minutes=60)
    assert [d.desk for d in mon[:7]] == [DeskState.EVENING] * 7  # Sunday's night desk
    assert mon[7].desk is DeskState.OPEN
    assert mon[21].desk is DeskState.EVENING
    # a night shift 22:00-07:00 crosses midnight: on at 23:00 and at 05:00, off at 08:00
    night = next(sh for sh in metro.shifts if sh.name == "night")
    assert night.crosses_midnight
    assert mon[23].rostered >= night.desk_agents
    assert mon[5].rostered >= night.desk_agents
    sun = interval_demand(metro, metro.day("sun"), interval_minutes=60)
    assert sun[7].desk is DeskState.CLOSED
    assert sun[9].desk is DeskState.OPEN


def test_minimum_staffing_on_open_intervals_without_arrivals() -> None:
    profile = "0.075, 0.065, 0.050, 0.040, 0.030, 0.020, 0.012, 0.006,   # 16-23"
    assert profile in TEXT
    quiet = profile.replace("0.020, 0.012", "0.000, 0.032")  # nothing arrives at 21:00
    for minimum in (1, 3):
        text = TEXT.replace(profile, quiet).replace("min_agents = 1", f"min_agents = {minimum}")
        s = parse_scenario(text)
        iv = plan_day(s, s.day("wed"), interval_minutes=60).intervals[21]
        assert iv.desk is DeskState.EVENING
        assert iv.contacts == 0
        assert iv.required == minimum
        assert iv.required_heads == scheduled_headcount(minimum, 0.3)


def test_one_field_job_share_everywhere(scenario: Scenario) -> None:
    day = plan_day(scenario, scenario.day("wed"), interval_minutes=60)
    share = 1 - scenario.resolution.first_contact
    for iv in day.intervals:
        if iv.answered <= 0:
            continue
        d = interval_demand(scenario, scenario.day("wed"), interval_minutes=60)[
            iv.start_minute // 60
        ]
        work = {c: d.offered.get(c, 0.0) + d.carried_in.get(c, 0.0) for c in Category}
        field = work[Category.REPAIR] + work[Category.EMERGENCY]
        assert iv.field_jobs == pytest.approx(iv.answered * field / sum(work.values()) * share)
    hours = sum(iv.technicians for iv in day.intervals)
    assert day.technician_utilisation == pytest.approx(day.repair_jobs * 45 / 60 / hours)
    # a per-category FCR: emergencies are never solved on the phone
    text = TEXT.replace(
        "callback_share = 0.50   # unresolved contacts that contact the desk again",
        "callback_share = 0.50\n[resolution.first_contact_by_category]\nemergency = 0.0",
    )
    s = parse_scenario(text)
    assert s.resolution.field_job_share(Category.EMERGENCY) == 1.0
    assert s.resolution.field_job_share(Category.REPAIR) == pytest.approx(share)
    assert s.resolution.field_job_share(Category.INQUIRY) == 0.0
    more = plan_day(s, s.day("wed"), interval_minutes=60)
    assert more.repair_jobs > day.repair_jobs


def test_technician_overload_is_red() -> None:
    text = TEXT.replace("repair_work_minutes = 45", "repair_work_minutes = 400")
    s = parse_scenario(text)
    day = plan_day(s, s.day("storm"), interval_minutes=60)
    assert day.technician_utilisation > 1
    assert day.technician_status is Status.RED
    loaded = [iv for iv in day.intervals if iv.technician_load and iv.technician_load > 1]
    assert loaded
    assert all(Check.TECHNICIANS in iv.checks for iv in loaded)


def test_blended_desk() -> None:
    erlang_c = TEXT.replace('model = "erlang_a"', 'model = "erlang_c"')
    separate = parse_scenario(erlang_c)
    pooled = parse_scenario(erlang_c.replace("blended = false", "blended = true"))
    a = plan_day(separate, separate.day("wed"), interval_minutes=60)
    b = plan_day(pooled, pooled.day("wed"), interval_minutes=60)
    busy = [(x, y) for x, y in zip(a.intervals, b.intervals, strict=True) if x.contacts > 20]
    assert busy
    for x, y in busy:
        assert y.blended
        assert y.digital_agents == 0
        assert y.required <= x.required  # one pool never needs more than two
        assert Approximation.BLENDED_ABANDONMENT not in y.approximations  # Erlang C: exact
    assert sum(y.required for _, y in busy) < sum(x.required for x, _ in busy)
    # callers who abandon: the approximation is flagged where abandonment reaches 1 %
    with_abandon = parse_scenario(TEXT.replace("blended = false", "blended = true"))
    c = plan_day(with_abandon, with_abandon.day("mon"), interval_minutes=60)
    for iv in c.intervals:
        flagged = Approximation.BLENDED_ABANDONMENT in iv.approximations
        assert flagged == (iv.desk is not DeskState.CLOSED and iv.phone.p_abandon >= 0.01)
    assert any(Approximation.BLENDED_ABANDONMENT in iv.approximations for iv in c.intervals)


def test_roll_up_arithmetic(plan60: Plan) -> None:
    staff = plan60.scenario.staffing
    for d in plan60.days:
        hours = sum(iv.required for iv in d.intervals)
        assert d.required_agent_hours == pytest.approx(hours)
        assert d.required_fte == pytest.approx(hours / staff.shift_hours / (1 - staff.shrinkage))
        agents = math.ceil(d.required_fte * 7 / staff.workdays_per_week - 1e-9)
        assert d.reserve == math.ceil(agents * staff.reserve - 1e-9)
        assert d.headcount == agents + d.reserve
        assert d.supervisors == math.ceil(agents / staff.agents_per_supervisor)


def test_rule_of_thumb(plan60: Plan) -> None:
    r = plan60.rule
    assert (r.rule_agents, r.rule_supervisors, r.rule_reserve) == (20, 4, 2)
    assert r.peak_day == "storm"
    assert r.peak_day_agents >= r.erlang_agents


def test_erlang_c_model_and_more_agents_never_hurt() -> None:
    text = TEXT.replace('model = "erlang_a"', 'model = "erlang_c"')
    scenario = parse_scenario(text)
    day = plan_day(scenario, scenario.day("mon"), interval_minutes=60)
    assert all(iv.phone.model == "erlang_c" for iv in day.intervals)
    more = parse_scenario(text.replace("desk_agents = 7", "desk_agents = 9"))
    day2 = plan_day(more, more.day("mon"), interval_minutes=60)
    for a, b in zip(day.intervals, day2.intervals, strict=True):
        assert b.phone.service_level >= a.phone.service_level - 1e-12
    assert day2.balance.answered >= day.balance.answered


def test_rostered_override_and_bad_input(scenario: Scenario) -> None:
    day = scenario.day("sun")
    roster = [40] * 24
    planned = plan_day(scenario, day, interval_minutes=60, rostered=roster)
    assert [iv.scheduled for iv in planned.intervals] == roster
    assert all(
        iv.status is Status.GREEN for iv in planned.intervals if iv.desk is not DeskState.CLOSED
    )
    with pytest.raises(InvalidInputError) as info:
        plan_day(scenario, day, interval_minutes=60, rostered=[1, 2])
    assert info.value.field == "rostered"
    with pytest.raises(InvalidInputError) as info:
        plan_day(scenario, scenario.days[0], interval_minutes=20)
    assert info.value.field == "interval_minutes"
    plan = build_plan(scenario, interval_minutes=60, days=["mon"])
    with pytest.raises(InvalidInputError):
        plan.day("tue")
