"""Staffing: required agents at ~1,000 agents, against a naive linear search.

The baseline is the textbook: Erlang C from ``A^c/c! · c/(c-A) / (Σ_{k<c} A^k/k! + …)`` and a
linear scan up from the stability bound. In floats that formula overflows long before 1,000
agents (``1000.0**1000``), so the baseline uses exact rationals (``fractions.Fraction``): the
price of correctness without the recurrence. ``required_agents`` uses the Erlang B recurrence in
floats and a galloping search. Run with ``make bench``.

The planner at scale (issue 15: ``dispatch-core plan`` of a 1,000,000-household estate in
≤ 10 s): ``simulations/metro-1m.toml`` end to end (plan, tables, HTML report and PNGs), and the
plan alone. Measured 2026-12-02 on the shared 2-core machine under load average 10–13, the
command taking turns with the base commit ``15c980e`` run on the default estate scaled to
1,000,000 households (the base cannot read the new file), 7 rounds, best of each: base 8.8 s
wall / 2.8 s user; this tree 8.4 s on the same file, 6.1 s wall / 2.2 s user on metro-1m
(blended pool, night desk). ``make bench`` asserts the 10 s.
"""

from __future__ import annotations

import math
import time
from fractions import Fraction
from pathlib import Path

import pytest

from dispatch_core.cli import main
from dispatch_core.planning.plan import build_plan
from dispatch_core.planning.scenario import load_scenario
from dispatch_core.staffing import erlang_a, erlang_c, required_agents

METRO = Path(__file__).resolve().parents[1] / "simulations" / "metro-1m.toml"
METRO_TARGET_S = 10.0

RATE, AHT, TARGET, WITHIN = 20_000.0, 180.0, 0.80, 20.0  # 1,000 Erlangs
EXPECTED = 1011


def textbook_erlang_c(load: Fraction, c: int) -> Fraction:
    terms = [Fraction(1)]
    for k in range(1, c + 1):
        terms.append(terms[-1] * load / k)  # A^k / k!
    top = terms[c] * c / (c - load)
    return top / (sum(terms[:c]) + top)


def naive_required_agents(rate: float, aht: float, target: float, within: float) -> int:
    load = Fraction(rate) * Fraction(aht) / 3600
    c = math.floor(load) + 1
    while True:
        wait = float(textbook_erlang_c(load, c))
        if 1 - wait * math.exp(-(c - float(load)) * within / aht) >= target:
            return c
        c += 1


def test_textbook_float_formula_overflows() -> None:
    with pytest.raises(OverflowError):
        _ = 1000.0**1000 / math.factorial(1000)


def test_baseline_agrees_on_the_reference_case() -> None:
    assert naive_required_agents(200, 180, 0.8, 20) == required_agents(200, 180, 0.8, 20) == 14
    assert float(textbook_erlang_c(Fraction(10), 14)) == pytest.approx(
        erlang_c(10.0, 14), rel=1e-12
    )


@pytest.mark.benchmark(group="required_agents-1000-erlangs")
def test_bench_naive_linear_scan(benchmark) -> None:  # type: ignore[no-untyped-def]
    assert (
        benchmark.pedantic(
            naive_required_agents, args=(RATE, AHT, TARGET, WITHIN), rounds=2, iterations=1
        )
        == EXPECTED
    )


@pytest.mark.benchmark(group="required_agents-1000-erlangs")
def test_bench_required_agents(benchmark) -> None:  # type: ignore[no-untyped-def]
    assert benchmark(required_agents, RATE, AHT, TARGET, WITHIN) == EXPECTED


@pytest.mark.benchmark(group="erlang_a-1000-agents")
def test_bench_erlang_a_1000_agents(benchmark) -> None:  # type: ignore[no-untyped-def]
    m = benchmark(erlang_a, RATE, AHT, 1000, patience_s=300, within_s=WITHIN)
    assert math.isfinite(m.service_level)
    assert 0 < m.p_abandon < 1


@pytest.mark.benchmark(group="required_agents-erlang-a-1000-erlangs")
def test_bench_required_agents_erlang_a(benchmark) -> None:  # type: ignore[no-untyped-def]
    n = benchmark(required_agents, RATE, AHT, TARGET, WITHIN, patience_s=300, max_abandon=0.02)
    assert 900 < n < 1100


@pytest.mark.benchmark(group="plan-1m-households")
def test_bench_plan_metro_1m(benchmark) -> None:  # type: ignore[no-untyped-def]
    scenario = load_scenario(METRO)
    plan = benchmark.pedantic(build_plan, args=(scenario,), rounds=1, iterations=1)
    assert plan.scenario.estate.households == 1_000_000
    assert all(abs(d.balance.error) < 1e-6 * d.balance.arrivals for d in plan.days)


@pytest.mark.benchmark(group="plan-1m-households")
def test_bench_cli_plan_metro_1m(benchmark, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """``dispatch-core plan simulations/metro-1m.toml``: the command a planner runs."""
    timings: list[float] = []

    def run() -> int:
        start = time.perf_counter()
        code = main(["plan", str(METRO), "--out", str(tmp_path)])
        timings.append(time.perf_counter() - start)
        return code

    assert benchmark.pedantic(run, rounds=1, iterations=1) == 0
    assert (tmp_path / "report.html").exists()
    if benchmark.enabled:  # `make bench`: the target
        assert min(timings) <= METRO_TARGET_S, f"{min(timings):.1f} s"
