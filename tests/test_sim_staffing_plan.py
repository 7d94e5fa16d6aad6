"""Simulated staffing plan (dispatch_core.sim.desk.plan) and the polished search."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import cache

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch_core.errors import InvalidInputError
from dispatch_core.planning.plan import build_plan
from dispatch_core.planning.scenario import default_scenario, parse_scenario
from dispatch_core.sim.desk.day import queue_targets
from dispatch_core.sim.desk.judge import Verdict
from dispatch_core.sim.desk.plan import SimPlan, derived_seed, simulate_plan
from dispatch_core.sim.desk.scenario import scenario_desk
from dispatch_core.sim.desk.summary import replicate_desk
from dispatch_core.sim.replicate import InlineExecutor
from dispatch_core.sim.search import Evaluation, meets_at_least, meets_at_most, search_staffing
from tests.test_sim_scenario_desk import stationary_scenario

REPS = 4


@cache
def sunday() -> SimPlan:
    plan = build_plan(default_scenario(), interval_minutes=60, days=["sun"])
    return simulate_plan(plan, replications=REPS, seed=3, executor=InlineExecutor())


def _phone_passes(plan: SimPlan, day: str, agents: list[int]) -> bool:
    """Judge a phone staffing of ``day`` exactly as the search does (its own seed)."""
    scenario = plan.plan.scenario
    desk = scenario_desk(scenario, day, interval_minutes=plan.plan.interval_minutes)
    targets = queue_targets(scenario, "phone", plan.confidence)
    summary = replicate_desk(
        desk.phone.with_agents(agents),
        replications=plan.replications,
        seed=derived_seed(plan.seed, day, "phone"),
        executor=InlineExecutor(),
        confidence=targets.two_sided,
    )
    return all(v.passes for v in targets.verdicts(summary))


def test_every_open_interval_gets_an_agent_and_its_claims_hold_their_bounds() -> None:
    sim = sunday()
    day = sim.day("sun")
    sla = sim.plan.scenario.sla
    for iv in day.intervals:
        if iv.desk == "closed":
            assert iv.required == 0
            continue
        assert iv.phone >= iv.searched_phone >= 1
        assert iv.digital >= iv.searched_digital >= 1
        if iv.verdict == Verdict.MET:
            assert meets_at_least(iv.service_level, sla.phone_target)
            assert meets_at_most(iv.abandon_rate, sla.max_abandon or 1.0)
        if iv.digital_verdict == Verdict.MET:
            assert meets_at_least(iv.digital_service_level, sla.digital_target)
        for est in (iv.service_level, iv.digital_service_level):
            assert est is None or est.high > est.low  # never "± 0"
    assert day.capped == ()
    assert day.required_agent_hours == sum(iv.required for iv in day.intervals)
    assert day.analytic_agent_hours == sim.plan.day("sun").required_agent_hours


def test_one_agent_fewer_in_the_peak_interval_fails_the_search() -> None:
    sim = sunday()
    day = sim.day("sun")
    agents = [iv.searched_phone for iv in day.intervals]
    assert _phone_passes(sim, "sun", agents)
    peak = max(range(len(agents)), key=lambda i: agents[i])
    agents[peak] -= 1
    assert not _phone_passes(sim, "sun", agents)


def test_rule_comparison_and_curve() -> None:
    sim = sunday()
    assert sim.rule.rule_agents == 20  # 10,000 households / 500
    assert sim.rule.peak_day == "sun"
    assert sim.rule.peak_day_supervisors == -(-sim.rule.peak_day_agents // 5)
    assert sim.part_timers == ()  # no event day in this plan
    curve = sim.curve
    assert curve is not None
    assert curve.day == "sun"
    agents = [p.agents for p in curve.points]
    assert agents == list(range(agents[0], agents[-1] + 1))
    assert curve.simulated_required in agents
    assert curve.analytic_required in agents
    at_required = next(p for p in curve.points if p.agents == curve.simulated_required)
    assert meets_at_least(at_required.service_level, curve.target)
    day = sim.day("sun")
    assert sim.replications_run == day.replications_run + sim.verify_replications * len(
        curve.points
    )
    assert sim.verify_replications == 2 * REPS


def test_same_seed_same_plan_on_any_executor() -> None:
    plan = build_plan(default_scenario(), interval_minutes=60, days=["sun"])
    with ThreadPoolExecutor(max_workers=2) as pool:
        threaded = simulate_plan(plan, replications=REPS, seed=3, executor=pool)
    assert threaded.days == sunday().days
    assert threaded.curve == sunday().curve
    other = simulate_plan(plan, replications=REPS, seed=4, executor=InlineExecutor())
    assert other.days != sunday().days


def test_storm_day_part_timers() -> None:
    plan = build_plan(default_scenario(), interval_minutes=60, days=["storm"])
    sim = simulate_plan(plan, replications=3, seed=1, executor=InlineExecutor())
    (need,) = sim.part_timers
    assert need.day == "storm"
    assert need.rostered_peak == 8  # 4 peak part-timers + 4 storm reserve
    assert need.headcount >= need.peak >= 0
    assert need.analytic_headcount >= need.analytic_peak >= 0
    assert need.hours >= need.peak  # 60-minute intervals


@pytest.mark.slow
def test_stationary_search_lands_near_erlang() -> None:
    s = parse_scenario(stationary_scenario())
    plan = build_plan(s, interval_minutes=60)
    sim = simulate_plan(plan, replications=REPS, seed=2, executor=InlineExecutor())
    analytic = {iv.required_phone for iv in plan.days[0].intervals}
    assert analytic == {13}  # Erlang A: 80 % within 20 s, abandonment <= 5 %
    # The one-sided bound (a pooled Wilson interval, 4 replications: t with 3 df) costs an
    # agent or two over the mean-value answer, rarely fewer.
    phones = [iv.phone for iv in sim.days[0].intervals]
    assert all(12 <= p <= 20 for p in phones), phones
    assert 13.0 <= sum(phones) / len(phones) <= 16.0, phones


def test_bad_arguments() -> None:
    plan = build_plan(default_scenario(), interval_minutes=60, days=["sun"])
    with pytest.raises(InvalidInputError) as info:
        simulate_plan(plan, replications=1, executor=InlineExecutor())
    assert info.value.field == "replications"
    with pytest.raises(InvalidInputError) as info:
        simulate_plan(plan, replications=3, confidence=0.4, executor=InlineExecutor())
    assert info.value.field == "confidence"
    with pytest.raises(InvalidInputError):
        sunday().day("nope")


def _coupled(need: list[int]):
    """Interval i passes with need[i] staff and the previous interval not short."""

    def judge(staffing: tuple[int, ...]) -> Evaluation[None]:
        passed = [
            s >= need[i] and (i == 0 or staffing[i - 1] >= need[i - 1])
            for i, s in enumerate(staffing)
        ]
        return Evaluation(staffing, tuple(passed), None)

    return judge


@given(
    need=st.lists(st.integers(0, 20), min_size=1, max_size=8),
    start=st.lists(st.integers(0, 30), min_size=8, max_size=8),
)
def test_polished_search_is_locally_minimal(need: list[int], start: list[int]) -> None:
    judge = _coupled(need)
    result = search_staffing(judge, start[: len(need)], polish=True)
    assert result.final.ok
    for i, s in enumerate(result.staffing):
        if s > 0:
            fewer = list(result.staffing)
            fewer[i] -= 1
            assert not judge(tuple(fewer)).ok


@pytest.mark.slow
def test_process_pool_and_dask_give_the_same_plan() -> None:
    distributed = pytest.importorskip("distributed")
    plan = build_plan(default_scenario(), interval_minutes=60, days=["sun"])
    pooled = simulate_plan(plan, replications=REPS, seed=3)  # default local process pool
    assert pooled.days == sunday().days
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        dasked = simulate_plan(plan, replications=REPS, seed=3, scheduler=cluster.scheduler_address)
    assert dasked.days == sunday().days
    assert dasked.curve == sunday().curve


def test_progress_counts_every_staffing_level_and_days_arrive_as_they_finish() -> None:
    plan = build_plan(default_scenario(), interval_minutes=60, days=["sun", "sat"])
    levels: list[str] = []
    finished: list[str] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        sim = simulate_plan(
            plan,
            replications=REPS,
            seed=3,
            executor=pool,
            on_evaluation=levels.append,
            on_day=lambda d: finished.append(d.name),
        )
    assert len(levels) == sum(d.evaluations for d in sim.days)
    assert {label.split()[0] for label in levels} == {"sun", "sat"}
    assert sorted(finished) == ["sat", "sun"]
