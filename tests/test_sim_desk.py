"""The SimPy desk model (dispatch_core.sim.desk.model) against Erlang C and Erlang A.

The references are the library's own exact formulas (:mod:`dispatch_core.staffing`), which
tests/test_staffing.py checks against the published figures.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch_core.errors import InvalidInputError
from dispatch_core.sim.bare import simulate_bare
from dispatch_core.sim.desk.model import ContactType, DeskSpec, draw_contacts, simulate_desk
from dispatch_core.sim.desk.summary import DeskSummary, replicate_desk
from dispatch_core.sim.distributions import Distribution
from dispatch_core.sim.replicate import InlineExecutor
from dispatch_core.sim.streams import Streams
from dispatch_core.staffing import QueueMetrics, evaluate

# The reference desk of DESIGN.md: 100 calls per 30 min, AHT 3 min, 14 agents, T = 20 s.
RATE, AHT, AGENTS, T, PATIENCE = 200.0, 180.0, 14, 20.0, 300.0


def erlang_reference(c: int, patience: float | None = None) -> QueueMetrics:
    """Erlang C (or A with ``patience``) from :mod:`dispatch_core.staffing`."""
    return evaluate(RATE, AHT, c, within_s=T, patience_s=patience)


# Desk KPI name -> QueueMetrics attribute.
_REF_NAMES = {
    "service_level": "service_level",
    "wait_probability": "p_wait",
    "asa_s": "asa_s",
    "abandon_rate": "p_abandon",
}


def _assert_within(summary: DeskSummary, ref: QueueMetrics, names: tuple[str, ...]) -> None:
    for name in names:
        est, expected = summary.kpi(name), getattr(ref, _REF_NAMES[name])
        assert est.covers(expected, widths=3.0), (name, str(est), expected)


def _replicate(spec: DeskSpec, replications: int, seed: int) -> DeskSummary:
    return replicate_desk(spec, replications=replications, seed=seed, executor=InlineExecutor())


def test_desk_reproduces_erlang_c() -> None:
    spec = DeskSpec.stationary(RATE, aht_s=AHT, agents=AGENTS, hours=10.0)
    summary = _replicate(spec, 12, seed=2026)
    ref = erlang_reference(AGENTS)
    _assert_within(summary, ref, ("service_level", "wait_probability", "asa_s", "abandon_rate"))
    assert summary.kpi("occupancy").covers(RATE * AHT / 3600 / AGENTS, widths=3.0)


def test_desk_reproduces_erlang_a() -> None:
    spec = DeskSpec.stationary(RATE, aht_s=AHT, agents=AGENTS, hours=10.0, patience_s=PATIENCE)
    summary = _replicate(spec, 12, seed=2027)
    ref = erlang_reference(AGENTS, PATIENCE)
    _assert_within(summary, ref, ("service_level", "wait_probability", "asa_s", "abandon_rate"))


@pytest.mark.slow
@pytest.mark.parametrize(("agents", "patience"), [(14, None), (14, PATIENCE), (13, PATIENCE)])
def test_desk_reproduces_erlang_long_runs(agents: int, patience: float | None) -> None:
    spec = DeskSpec.stationary(RATE, aht_s=AHT, agents=agents, hours=48.0, patience_s=patience)
    summary = replicate_desk(spec, replications=30, seed=7)  # default process pool
    ref = erlang_reference(agents, patience)
    _assert_within(summary, ref, ("service_level", "wait_probability", "asa_s", "abandon_rate"))
    assert summary.kpi("service_level").half_width < 0.01


def test_bare_baseline_answers_the_same_question() -> None:
    ref = erlang_reference(AGENTS, PATIENCE)
    runs = [
        simulate_bare(RATE, aht_s=AHT, agents=AGENTS, hours=10.0, seed=s, patience_s=PATIENCE)
        for s in range(6)
    ]
    sl = sum(r.service_level for r in runs) / len(runs)
    ab = sum(r.abandon_rate for r in runs) / len(runs)
    assert sl == pytest.approx(ref.service_level, abs=0.03)
    assert ab == pytest.approx(ref.p_abandon, abs=0.01)
    assert all(r.answered + r.abandoned == r.offered for r in runs)


def test_same_seed_same_run_and_common_random_numbers_across_staffing() -> None:
    spec = DeskSpec.stationary(RATE, aht_s=AHT, agents=12, hours=4.0, patience_s=PATIENCE)
    assert simulate_desk(spec, seed=3) == simulate_desk(spec, seed=3)
    assert simulate_desk(spec, seed=3) != simulate_desk(spec, seed=4)
    runs = [simulate_desk(spec.with_agents((c,) * spec.intervals), seed=3) for c in (11, 13, 15)]
    # The same callers are offered whatever the staffing.
    assert len({r.offered_by_interval for r in runs}) == 1
    # Without abandonment FIFO waits can only shrink with more agents (same callers).
    no_ab = DeskSpec.stationary(RATE, aht_s=AHT, agents=12, hours=4.0)
    sls = [simulate_desk(no_ab.with_agents((c,) * no_ab.intervals), seed=3) for c in (12, 13, 16)]
    assert sls[0].service_level <= sls[1].service_level <= sls[2].service_level
    assert sls[0].asa_s >= sls[1].asa_s >= sls[2].asa_s


def test_shifts_change_the_number_of_agents() -> None:
    spec = DeskSpec(
        interval_s=1800.0,
        arrival_rates=(120.0, 120.0, 120.0),
        agents=(0, 10, 0),
        contact_types=(ContactType("all", 1.0, Distribution.exponential(120.0)),),
        answer_within_s=20.0,
    )
    run = simulate_desk(spec, seed=9)
    # Nobody on duty in the first interval: every caller then had to wait for the 2nd one.
    assert run.delayed_by_interval[0] == run.offered_by_interval[0]
    assert run.answered_within_by_interval[0] == 0
    assert run.busy_s_by_interval[0] == 0.0
    # ... and callers of the last interval wait for ever (no patience): never answered.
    assert run.answered_by_interval[2] == 0
    assert run.staffed_s_by_interval == (0.0, 18000.0, 0.0)


contact_mixes = st.lists(
    st.tuples(st.floats(0.1, 1.0), st.sampled_from(["exp", "logn", "fixed"]), st.floats(30, 600)),
    min_size=1,
    max_size=3,
)


@settings(max_examples=25, deadline=None)
@given(
    rates=st.lists(st.floats(0.0, 400.0), min_size=1, max_size=4),
    agents=st.lists(st.integers(0, 12), min_size=4, max_size=4),
    mix=contact_mixes,
    patience=st.one_of(st.none(), st.floats(10.0, 900.0)),
    seed=st.integers(0, 2**32),
)
def test_desk_accounting_invariants(
    rates: list[float],
    agents: list[int],
    mix: list[tuple[float, str, float]],
    patience: float | None,
    seed: int,
) -> None:
    total = sum(w for w, _, _ in mix)
    dists = {
        "exp": Distribution.exponential,
        "logn": lambda m: Distribution.lognormal(m, cv=0.8),
        "fixed": Distribution.fixed,
    }
    spec = DeskSpec(
        interval_s=900.0,
        arrival_rates=tuple(rates),
        agents=tuple(agents[: len(rates)]),
        contact_types=tuple(
            ContactType(f"t{k}", w / total, dists[d](m)) for k, (w, d, m) in enumerate(mix)
        ),
        patience=None if patience is None else Distribution.exponential(patience),
        warmup_s=600.0,
    )
    run = simulate_desk(spec, seed=seed)
    for i in range(spec.intervals):
        offered = run.offered_by_interval[i]
        answered, abandoned = run.answered_by_interval[i], run.abandoned_by_interval[i]
        assert answered + abandoned <= offered
        if spec.agents[-1] > 0 or patience is not None:
            assert answered + abandoned == offered  # the desk drains
        assert run.answered_within_by_interval[i] <= answered
        assert abandoned <= run.delayed_by_interval[i] <= offered
        assert run.wait_s_by_interval[i] >= 0.0
        if len(set(spec.agents)) == 1:
            assert run.busy_s_by_interval[i] <= run.staffed_s_by_interval[i] + 1e-6
    contacts = draw_contacts(spec, Streams(seed))
    measured = int(((contacts.arrival >= 0) & (contacts.arrival < spec.horizon_s)).sum())
    assert run.offered == measured


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"interval_s": 0.0}, "interval_s"),
        ({"arrival_rates": ()}, "arrival_rates"),
        ({"arrival_rates": (-1.0,)}, "arrival_rates.0"),
        ({"agents": (1, 2)}, "agents"),
        ({"agents": (-1,)}, "agents.0"),
        ({"contact_types": ()}, "contact_types"),
        (
            {"contact_types": (ContactType("a", 0.5, Distribution.fixed(1.0)),)},
            "contact_types",
        ),
        ({"warmup_s": math.inf}, "warmup_s"),
    ],
)
def test_desk_spec_rejects_bad_input(change: dict[str, object], field: str) -> None:
    base: dict[str, object] = {
        "interval_s": 1800.0,
        "arrival_rates": (100.0,),
        "agents": (3,),
        "contact_types": (ContactType("all", 1.0, Distribution.exponential(60.0)),),
    }
    with pytest.raises(InvalidInputError) as info:
        DeskSpec(**{**base, **change})  # type: ignore[arg-type]
    assert info.value.field == field


def test_summary_per_interval_and_errors() -> None:
    spec = DeskSpec.stationary(RATE, aht_s=AHT, agents=AGENTS, hours=2.0)
    summary = _replicate(spec, 3, seed=1)
    per = summary.interval_kpi("service_level")
    assert len(per) == spec.intervals
    assert all(e is not None and e.n == 3 for e in per)
    assert set(summary.table()) >= {"service_level", "asa_s", "abandon_rate", "occupancy"}
    assert "service_level" in str(summary)
    with pytest.raises(InvalidInputError):
        summary.kpi("nope")
    with pytest.raises(InvalidInputError):
        summary.interval_kpi("nope")
