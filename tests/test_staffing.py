from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch_core.errors import InvalidInputError
from dispatch_core.staffing import (
    SL_DEFINITION,
    QueueMetrics,
    asa,
    erlang_a,
    erlang_b,
    erlang_c,
    evaluate,
    halfin_whitt_beta,
    occupancy,
    offered_load,
    required_agents,
    scheduled_headcount,
    service_level,
    square_root_staffing,
)

loads = st.floats(min_value=0.01, max_value=500, allow_nan=False)
agent_counts = st.integers(min_value=1, max_value=600)


# --- acceptance (DESIGN.md reference case), to 1e-6 -------------------------------------------


def test_reference_case_erlang_c() -> None:
    rate, aht = 100 * 2, 180  # 100 calls per 30 min
    assert offered_load(rate, aht) == pytest.approx(10.0)
    assert required_agents(rate, aht, 0.80, 20) == 14
    assert service_level(rate, aht, 14, 20) == pytest.approx(0.888350, abs=1e-6)
    assert erlang_c(10.0, 14) == pytest.approx(0.174132, abs=1e-6)
    assert asa(rate, aht, 14) == pytest.approx(7.836, abs=1e-3)
    assert occupancy(rate, aht, 14) == pytest.approx(0.714, abs=1e-3)
    assert required_agents(rate, aht, 0.80, 20, max_occupancy=0.70) == 15


def test_reference_case_erlang_a() -> None:
    m = erlang_a(200, 180, 14, patience_s=300, within_s=20)
    assert m.p_abandon == pytest.approx(0.013984, abs=1e-6)
    assert m.service_level == pytest.approx(0.916792, abs=1e-6)
    assert m.definition == SL_DEFINITION
    assert "answered within T ÷ offered" in m.definition


def test_metrics_are_frozen_and_named() -> None:
    m = evaluate(200, 180, 14, within_s=20)
    assert isinstance(m, QueueMetrics)
    assert m.model == "erlang_c"
    with pytest.raises(AttributeError):
        m.agents = 3  # type: ignore[misc]


# --- Erlang A against a brute-force birth-death chain (scipy is a dev dependency) ---------------


def _brute_erlang_a(
    rate: float, aht: float, c: int, patience: float, t: float
) -> tuple[float, ...]:
    special = pytest.importorskip("scipy.special")
    lam, mu, th = rate / 3600, 1 / aht, 1 / patience
    n_max = c + 2000
    logp = np.zeros(n_max)
    for n in range(1, n_max):
        logp[n] = logp[n - 1] + math.log(lam / (min(n, c) * mu + max(0, n - c) * th))
    p = np.exp(logp - logp.max())
    p /= p.sum()
    k = np.arange(n_max - c)
    x = c * mu / th
    u = 1 - math.exp(-th * t)
    sl = p[:c].sum() + (p[c:] * x / (x + k + 1) * special.betainc(k + 1, x + 1, u)).sum()
    pab = th * (k * p[c:]).sum() / lam
    return float(sl), float(pab), float(p[c:].sum())


@pytest.mark.parametrize(
    ("rate", "aht", "c", "patience", "t"),
    [(200, 180, 14, 300, 20), (144, 204, 7, 406, 20), (600, 240, 30, 60, 30), (50, 300, 2, 120, 0)],
)
def test_erlang_a_matches_brute_force(
    rate: float, aht: float, c: int, patience: float, t: float
) -> None:
    sl, pab, pwait = _brute_erlang_a(rate, aht, c, patience, t)
    m = erlang_a(rate, aht, c, patience_s=patience, within_s=t)
    assert m.service_level == pytest.approx(sl, abs=1e-9)
    assert m.p_abandon == pytest.approx(pab, abs=1e-9)
    assert m.p_wait == pytest.approx(pwait, abs=1e-9)
    # Little: P(abandon) = θ · E[wait over all offered]
    assert m.p_abandon == pytest.approx(m.mean_wait_s / patience, rel=1e-9)


def test_erlang_a_tends_to_erlang_c_with_infinite_patience() -> None:
    c_metrics = evaluate(200, 180, 14, within_s=20)
    a_metrics = erlang_a(200, 180, 14, patience_s=1e9, within_s=20)
    assert a_metrics.service_level == pytest.approx(c_metrics.service_level, abs=1e-6)
    assert a_metrics.asa_s == pytest.approx(c_metrics.asa_s, abs=1e-4)
    assert a_metrics.p_wait == pytest.approx(c_metrics.p_wait, abs=1e-6)
    assert erlang_a(200, 180, 14, patience_s=math.inf, within_s=20) == c_metrics


def test_large_systems_are_stable() -> None:
    # 1,500 Erlangs on 1,400 agents (overloaded) and on 1,600 agents: no overflow, no nan.
    for c in (1400, 1600):
        m = erlang_a(30_000, 180, c, patience_s=300, within_s=20)
        for value in (m.service_level, m.p_abandon, m.p_wait, m.occupancy, m.asa_s):
            assert math.isfinite(value)
            assert value >= 0
    assert 0 <= erlang_c(1500.0, 1600) < 1
    n = required_agents(30_000, 180, 0.8, 20)
    assert 1500 < n < 1600
    assert service_level(30_000, 180, n, 20) >= 0.8 > service_level(30_000, 180, n - 1, 20)
    assert erlang_b(5000.0, 5000) > 0


# --- square-root staffing ---------------------------------------------------------------------


def _exact_for_p_wait(load: float, p: float) -> int:
    c = math.floor(load) + 1
    while erlang_c(load, c) > p:
        c += 1
    return c


@pytest.mark.parametrize("p", [0.5, 0.2, 0.05])
def test_square_root_staffing_within_one_agent(p: float) -> None:
    for load in [*range(1, 50), *range(50, 1001, 7), 1000]:
        exact = _exact_for_p_wait(float(load), p)
        assert abs(square_root_staffing(float(load), p_wait=p) - exact) <= 1, load


@pytest.mark.slow
def test_square_root_staffing_full_table() -> None:
    for load in range(1, 1001):
        exact = _exact_for_p_wait(float(load), 0.2)
        assert abs(square_root_staffing(float(load), p_wait=0.2) - exact) <= 1, load


def test_halfin_whitt_beta_solves_its_equation() -> None:
    for p in (0.8, 0.5, 0.2, 0.01):
        b = halfin_whitt_beta(p)
        phi = math.exp(-b * b / 2) / math.sqrt(2 * math.pi)
        big_phi = 0.5 * (1 + math.erf(b / math.sqrt(2)))
        assert 1 / (1 + b * big_phi / phi) == pytest.approx(p, abs=1e-9)


# --- properties -------------------------------------------------------------------------------


@given(loads, agent_counts)
def test_erlang_b_recursion_identity(load: float, c: int) -> None:
    prev, cur = erlang_b(load, c - 1), erlang_b(load, c)
    assert cur == pytest.approx(load * prev / (c + load * prev), rel=1e-12, abs=1e-300)


@given(loads, agent_counts)
def test_bounds_and_c_at_least_b(load: float, c: int) -> None:
    b, cc = erlang_b(load, c), erlang_c(load, c)
    assert 0 <= b <= 1
    assert 0 <= cc <= 1
    assert cc >= b - 1e-15


@given(loads, st.integers(min_value=1, max_value=300))
def test_monotone_in_agents(load: float, c: int) -> None:
    assert erlang_b(load, c + 1) <= erlang_b(load, c)
    assert erlang_c(load, c + 1) <= erlang_c(load, c)
    rate = load * 3600 / 180
    assert service_level(rate, 180, c + 1, 20) >= service_level(rate, 180, c, 20) - 1e-12


@settings(max_examples=40, deadline=None)
@given(
    st.floats(min_value=1, max_value=2000),
    st.floats(min_value=30, max_value=900),
    st.integers(min_value=1, max_value=120),
    st.floats(min_value=10, max_value=3600),
    st.floats(min_value=0, max_value=300),
)
def test_erlang_a_bounds_and_monotone(
    rate: float, aht: float, c: int, patience: float, t: float
) -> None:
    m1 = erlang_a(rate, aht, c, patience_s=patience, within_s=t)
    m2 = erlang_a(rate, aht, c + 1, patience_s=patience, within_s=t)
    for m in (m1, m2):
        for value in (m.service_level, m.p_abandon, m.p_wait, m.occupancy):
            assert 0 <= value <= 1
        assert m.service_level <= 1 - m.p_abandon + 1e-9
    assert m2.service_level >= m1.service_level - 1e-9
    assert m2.p_abandon <= m1.p_abandon + 1e-12
    assert m2.p_wait <= m1.p_wait + 1e-12


@settings(max_examples=30, deadline=None)
@given(
    st.floats(min_value=1, max_value=3000),
    st.floats(min_value=30, max_value=600),
    st.floats(min_value=0.5, max_value=0.95),
    st.floats(min_value=5, max_value=120),
)
def test_required_agents_is_the_smallest(rate: float, aht: float, target: float, t: float) -> None:
    n = required_agents(rate, aht, target, t)
    assert service_level(rate, aht, n, t) >= target
    if n > 1:
        assert service_level(rate, aht, n - 1, t) < target


def test_shrinkage_and_headcount() -> None:
    assert required_agents(200, 180, 0.8, 20, shrinkage=0.3) == scheduled_headcount(14, 0.3) == 20
    assert scheduled_headcount(14, 0.0) == 14
    assert required_agents(0, 180, 0.8, 20) == 0


def test_max_abandon_uses_erlang_a() -> None:
    n = required_agents(200, 180, 0.5, 20, patience_s=300, max_abandon=0.005)
    assert erlang_a(200, 180, n, patience_s=300, within_s=20).p_abandon <= 0.005
    assert erlang_a(200, 180, n - 1, patience_s=300, within_s=20).p_abandon > 0.005


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: erlang_c(-1.0, 3), "load_erlangs"),
        (lambda: erlang_b(1.0, -3), "agents"),
        (lambda: erlang_b(1.0, 2.5), "agents"),
        (lambda: service_level(math.nan, 180, 3, 20), "rate_per_hour"),
        (lambda: required_agents(100, 180, 1.0, 20), "target_sl"),
        (lambda: required_agents(100, 180, 0.8, 20, max_occupancy=1.5), "max_occupancy"),
        (lambda: required_agents(100, 180, 0.8, 20, max_abandon=0.1), "max_abandon"),
        (lambda: required_agents(100, 180, 0.8, 20, patience_s=60, max_abandon=0), "max_abandon"),
        (lambda: erlang_a(100, 0, 3, patience_s=60, within_s=20), "aht_s"),
        (lambda: square_root_staffing(10.0), "beta"),
    ],
)
def test_bad_input_names_the_field(call: object, field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        call()  # type: ignore[operator]
    assert info.value.field == field
