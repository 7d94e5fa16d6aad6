"""Claims that hold on re-check: the issue's acceptance, small (fast tier) and large (slow).

For every interval the planner reports at confidence C (verdict ``met``), an independent
re-check (>= 200 fresh replications on a seed neither the search nor the verification used)
must meet the targets in at least a C share of those intervals, minus RECHECK_TOLERANCE.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from dispatch_core.planning.plan import build_plan
from dispatch_core.planning.scenario import Estate, Scenario, default_scenario, load_scenario
from dispatch_core.report.plan import write_report
from dispatch_core.report.simulated import simulated_classes
from dispatch_core.sim.desk.judge import DeskTargets, Verdict, min_contacts
from dispatch_core.sim.desk.plan import RECHECK_TOLERANCE, SimPlan, simulate_plan
from dispatch_core.sim.desk.verify import verify_staffing
from dispatch_core.sim.replicate import InlineExecutor
from dispatch_core.sim.stats import proportion

ROOT = Path(__file__).resolve().parents[1]
RECHECK = 200


def second_estate() -> Scenario:
    """A second estate of our own: 4,000 households, a 90 %-in-30-s phone target, Erlang C."""
    s = default_scenario()
    sla = s.sla.model_copy(
        update={"phone_target": 0.9, "phone_within_s": 30.0, "model": "erlang_c"}
    )
    return s.model_copy(update={"estate": Estate(households=4000, communities=2), "sla": sla})


def _planned(scenario: Scenario, days: list[str], *, replications: int, minutes: int) -> SimPlan:
    plan = build_plan(scenario, interval_minutes=minutes, days=days)
    return simulate_plan(
        plan,
        replications=replications,
        seed=11,
        confidence=0.95,
        executor=InlineExecutor(),
        recheck_replications=RECHECK,
        curve_width=0,
    )


def _assert_claims_hold(sim: SimPlan) -> None:
    tally = sim.recheck_tally()
    assert tally is not None
    assert tally.replications >= 200
    assert tally.claims > 0
    assert tally.share >= sim.confidence - RECHECK_TOLERANCE, str(tally)
    assert tally.holds


@pytest.mark.parametrize(
    ("scenario", "day"),
    [(default_scenario(), "sun"), (second_estate(), "sat")],
    ids=["default", "second"],
)
def test_claims_hold_on_an_independent_recheck_small(scenario: Scenario, day: str) -> None:
    _assert_claims_hold(_planned(scenario, [day], replications=4, minutes=60))


def test_every_figure_comes_from_fresh_replications() -> None:
    """The verification's seed differs from the search's: its figures differ from the fit."""
    sim = _planned(default_scenario(), ["sun"], replications=4, minutes=60)
    day = sim.day("sun")
    shown = [iv.service_level for iv in day.intervals if iv.service_level is not None]
    assert shown
    assert all(e.n >= sim.verify_replications for e in shown)  # verification, not search (4)
    assert {iv.verdict for iv in day.intervals} <= set(Verdict)
    assert day.recheck_replications == RECHECK
    assert all(
        iv.recheck_service_level is not None and iv.recheck_service_level.n == RECHECK
        for iv in day.intervals
        if iv.service_level is not None
    )


def test_verification_adds_an_agent_where_the_search_fell_short() -> None:
    from dispatch_core.sim.desk.model import DeskSpec

    spec = DeskSpec.stationary(200.0, aht_s=180.0, agents=1, hours=1.0)  # Erlang C: 14
    v = verify_staffing(spec, [11, 11], DeskTargets(0.8, None, 0.95), replications=10, seed=1)
    assert v.added > 0
    assert all(a >= 12 for a in v.agents)


def test_thin_intervals_are_not_claims() -> None:
    """Three calls all answered at once prove nothing at 95 %: thin, never met."""
    targets = DeskTargets(0.8, 0.05, 0.95)
    est = proportion([1, 1, 1], [1, 1, 1], confidence=targets.two_sided)
    ab = proportion([0, 0, 0], [1, 1, 1], confidence=targets.two_sided)
    assert est is not None
    assert est.pooled < min_contacts(0.8, 0.95, 3)
    assert targets.verdict(est, ab) == Verdict.THIN
    assert targets.verdict(est, ab) != Verdict.MET


@pytest.mark.slow
@pytest.mark.parametrize("which", ["default", "second"])
def test_claims_hold_on_an_independent_recheck_full(which: str) -> None:
    """Every day of the default estate, and of a second estate (the shipped 25k one if any)."""
    path = ROOT / "simulations" / "estate-25k.toml"
    if which == "default":
        scenario = default_scenario()
    else:
        scenario = load_scenario(path) if path.exists() else second_estate()
    days = [d.name for d in scenario.days]
    _assert_claims_hold(_planned(scenario, days, replications=10, minutes=30))


def test_intervals_whose_recheck_misses_are_red_on_screen_and_in_the_report(
    tmp_path: Path,
) -> None:
    """A re-check that misses a target turns its interval's row red, whatever the verdict."""
    sim = _planned(default_scenario(), ["sun"], replications=3, minutes=60)
    day = sim.day("sun")
    open_rows = [i for i, iv in enumerate(day.intervals) if iv.service_level is not None]
    assert len(open_rows) >= 2
    first, second = open_rows[0], open_rows[-1]
    short = proportion([10] * RECHECK, [20] * RECHECK, confidence=0.9)  # 50 % < 80 % target
    ivs = list(day.intervals)
    ivs[first] = dataclasses.replace(ivs[first], recheck_service_level=short)
    ivs[second] = dataclasses.replace(ivs[second], recheck_digital_service_level=short)
    doctored = dataclasses.replace(sim, days=(dataclasses.replace(day, intervals=tuple(ivs)),))
    misses = doctored.recheck_misses("sun")
    assert [i for i, miss in enumerate(misses) if miss] == [first, second]
    classes = simulated_classes(doctored, "sun")
    rows = [
        iv
        for iv in doctored.day("sun").intervals
        if iv.desk != "closed" or iv.required or iv.rostered
    ]
    red = [iv.start_minute for iv, cls in zip(rows, classes, strict=True) if cls == "red"]
    assert red == [ivs[first].start_minute, ivs[second].start_minute]
    page = write_report(doctored.plan, tmp_path, day="sun", sim=doctored).html.read_text()
    for iv in (ivs[first], ivs[second]):
        assert f'<tr class="red"><td class="l">{iv.label}</td>' in page
    assert "or the independent re-check misses a target" in page


def test_no_recheck_no_red() -> None:
    plan = build_plan(default_scenario(), interval_minutes=60, days=["sun"])
    sim = simulate_plan(plan, replications=2, seed=1, executor=InlineExecutor(), curve_width=0)
    assert not any(sim.recheck_misses("sun"))
    assert set(simulated_classes(sim, "sun")) <= {""}
