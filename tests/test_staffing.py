from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch_core.errors import InvalidInputError
from dispatch_core.planning.priority import blended, busy_period_wait_cdf
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


# --- the blended pool (phone first) against a brute-force priority queue ---------------------


def _brute_priority(
    phone: float, digital: float, aht: float, c: int, *, t1: float, t2: float, q: int = 40
) -> tuple[float, float, float]:
    """(P(all busy), phone SL, digital SL) of M/M/c with non-preemptive phone priority.

    States (busy servers < c) and (all busy, calls waiting, digital waiting), truncated at
    ``q``; a call answered within T needs ``k + 1`` departures at rate cμ (k calls ahead), a
    digital contact a first passage from (everyone ahead + 1) to 0 with calls jumping ahead,
    computed by uniformisation.
    """
    sparse = pytest.importorskip("scipy.sparse")
    linalg = pytest.importorskip("scipy.sparse.linalg")
    stats = pytest.importorskip("scipy.stats")
    l1, l2, mu = phone / 3600, digital / 3600, 1 / aht
    states = [(b, 0, 0) for b in range(c)] + [(c, i, j) for i in range(q) for j in range(q)]
    index = {st_: n for n, st_ in enumerate(states)}
    rows, cols, vals = [], [], []

    def add(a: tuple[int, int, int], b: tuple[int, int, int], rate: float) -> None:
        if b in index:
            rows.append(index[a])
            cols.append(index[b])
            vals.append(rate)

    for s_ in states:
        b, i, j = s_
        if b < c:
            add(s_, (b + 1, 0, 0), l1 + l2)
        else:
            add(s_, (c, i + 1, j), l1)
            add(s_, (c, i, j + 1), l2)
        if b == c and i > 0:
            add(s_, (c, i - 1, j), c * mu)
        elif b == c and j > 0:
            add(s_, (c, i, j - 1), c * mu)
        elif b > 0:
            add(s_, (b - 1, 0, 0), b * mu)
    n = len(states)
    gen = sparse.csr_matrix((vals, (rows, cols)), shape=(n, n))
    gen = gen - sparse.diags(np.asarray(gen.sum(axis=1)).ravel())
    system = gen.T.tolil()
    system[0, :] = np.ones(n)
    rhs = np.zeros(n)
    rhs[0] = 1.0
    pi = linalg.spsolve(system.tocsr(), rhs)
    free = pi[:c].sum()
    busy = pi[c:].reshape(q, q)
    sl1 = free + sum(busy[i].sum() * stats.poisson.sf(i, c * mu * t1) for i in range(q))
    rate = l1 + c * mu
    steps = int(rate * t2 + 12 * math.sqrt(rate * t2) + 50)
    size = 2 * q + steps + 2
    done = np.zeros(size)
    done[0] = 1.0
    weights = stats.poisson.pmf(np.arange(steps + 1), rate * t2)
    acc = weights[0] * done
    down, up = c * mu / rate, l1 / rate
    for k in range(1, steps + 1):
        nxt = np.zeros(size)
        nxt[0] = 1.0
        nxt[1:-1] = down * done[:-2] + up * done[2:]
        done = nxt
        acc = acc + weights[k] * done
    sl2 = free + sum(busy[i, j] * acc[i + j + 1] for i in range(q) for j in range(q))
    return float(busy.sum()), float(sl1), float(sl2)


@pytest.mark.parametrize(
    "case", [(120, 60, 240, 16, 20, 900), (10, 50, 300, 7, 20, 300), (30, 20, 300, 6, 20, 120)]
)
def test_blended_pool_matches_brute_force(
    case: tuple[float, float, float, int, float, float],
) -> None:
    phone, digital, aht, c, t1, t2 = case
    busy, sl1, sl2 = _brute_priority(phone, digital, aht, c, t1=t1, t2=t2)
    m = blended(phone, digital, aht, c, phone_within_s=t1, digital_within_s=t2)
    assert m.exact
    assert m.phone.p_wait == pytest.approx(busy, abs=2e-4)
    assert m.phone.service_level == pytest.approx(sl1, abs=2e-4)
    assert m.digital.service_level == pytest.approx(sl2, abs=2e-4)
    assert m.occupancy == pytest.approx((phone + digital) * aht / 3600 / c)


def test_blended_pool_without_digital_is_erlang_c() -> None:
    m = blended(200, 0, 180, 14, phone_within_s=20, digital_within_s=900)
    assert m.phone.service_level == pytest.approx(service_level(200, 180, 14, 20), abs=1e-12)
    assert m.phone.asa_s == pytest.approx(asa(200, 180, 14), rel=1e-12)
    # with no calls, the digital class is the whole Erlang C queue
    d = blended(0, 200, 180, 14, phone_within_s=20, digital_within_s=20)
    assert d.digital.service_level == pytest.approx(service_level(200, 180, 14, 20), abs=1e-9)


@settings(max_examples=20, deadline=None)
@given(
    st.floats(min_value=0.0, max_value=0.9),
    st.floats(min_value=0.05, max_value=0.95),
    st.floats(min_value=1.0, max_value=3000.0),
)
def test_busy_period_wait_has_cobhams_mean(share: float, rho: float, t_scale: float) -> None:
    """The inverted transform is a distribution whose mean is Cobham's 1/(cμ(1−σ₁)(1−ρ))."""
    service = 1.0 / t_scale
    calls = share * rho * service  # λ₁ = σ₁·cμ with σ₁ ≤ ρ
    mean = 1.0 / (service * (1.0 - calls / service) * (1.0 - rho))
    grid = np.linspace(0.0, 40.0 * mean, 801)
    cdf = np.array(
        [busy_period_wait_cdf(x, arrival_rate=calls, service_rate=service, rho=rho) for x in grid]
    )
    assert cdf[0] == 0.0
    assert np.all(np.diff(cdf) >= -1e-9)
    assert cdf[-1] == pytest.approx(1.0, abs=1e-6)
    tail = 1.0 - cdf
    integral = float(((tail[1:] + tail[:-1]) / 2).sum() * (grid[1] - grid[0]))
    assert integral == pytest.approx(mean, rel=5e-3)


def test_blended_abandonment_is_flagged_pessimistic() -> None:
    exact = blended(150, 40, 240, 13, phone_within_s=20, digital_within_s=900)
    approx = blended(150, 40, 240, 13, phone_within_s=20, digital_within_s=900, patience_s=300)
    assert exact.exact
    assert not approx.exact
    assert 0 < approx.phone.p_abandon < 1
    # Little's law holds for the approximation: P(abandon) = θ · mean wait of offered calls
    assert approx.phone.p_abandon == pytest.approx(approx.phone.mean_wait_s / 300, rel=1e-12)
    # overload: calls alone exceed the pool, the digital class is never answered
    over = blended(400, 40, 240, 20, phone_within_s=20, digital_within_s=900, patience_s=300)
    assert over.digital.service_level == 0.0
    assert not over.exact
