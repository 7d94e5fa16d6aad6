"""Student t quantiles and replication estimates (dispatch_core.sim.stats).

The oracle is exact, not another library's approximation: closed forms for one and two degrees
of freedom (Cauchy; ``1/2 + t / (2 sqrt(2 + t²))``) and, for the others, the regularised
incomplete beta function in ``mpmath`` at 50 significant digits,
``P(T <= t) = 1 - I_x(ν/2, 1/2) / 2`` with ``x = ν / (ν + t²)`` for ``t >= 0``. (scipy was
the oracle once, and a fresh clone failed when hypothesis drew ``t = 1e-8, df = 1``: scipy
1.17.1 says 0.500000004743, the exact value is 0.500000003183.) The oracle is itself checked
against printed t-table values and its two routes against each other.
"""

from __future__ import annotations

import math
import statistics

import mpmath as mp
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dispatch_core.errors import InvalidInputError
from dispatch_core.sim.stats import estimate, t_cdf, t_quantile

DIGITS = 50


def beta_cdf(t: float, df: int) -> mp.mpf:
    """Exact P(T <= t) through the regularised incomplete beta function (any df >= 1)."""
    with mp.workdps(DIGITS):
        x = mp.mpf(df) / (df + mp.mpf(t) ** 2)
        tail = mp.betainc(mp.mpf(df) / 2, mp.mpf(1) / 2, 0, x, regularized=True) / 2
        return +(1 - tail if t >= 0 else tail)


def closed_form_cdf(t: float, df: int) -> mp.mpf:
    """Exact P(T <= t) in closed form, for df 1 (Cauchy) and 2."""
    with mp.workdps(DIGITS):
        x = mp.mpf(t)
        if df == 1:
            return +(mp.mpf(1) / 2 + mp.atan(x) / mp.pi)
        if df == 2:
            return +(mp.mpf(1) / 2 + x / (2 * mp.sqrt(2 + x**2)))
    raise ValueError(f"no closed form for df={df}")


def exact_cdf(t: float, df: int) -> float:
    """The oracle's P(T <= t), rounded once to a float."""
    return float(closed_form_cdf(t, df) if df <= 2 else beta_cdf(t, df))


def exact_pdf(t: mp.mpf, df: int) -> mp.mpf:
    """The t density at ``t`` (call inside ``mp.workdps``)."""
    nu = mp.mpf(df)
    scale = mp.gamma((nu + 1) / 2) / (mp.sqrt(nu * mp.pi) * mp.gamma(nu / 2))
    return scale * (1 + t**2 / nu) ** (-(nu + 1) / 2)


def exact_quantile(p: float, df: int) -> float:
    """The oracle's ``p`` quantile: closed forms for df 1 and 2, else Newton on the exact CDF.

    Newton starts at 0 on the upper half: there the CDF is increasing and concave, so every
    step stays below the root and the iterates rise to it monotonically.
    """
    with mp.workdps(DIGITS):
        q = mp.mpf(p)
        if df == 1:
            return float(mp.tan(mp.pi * (q - mp.mpf(1) / 2)))
        if df == 2:
            return float((2 * q - 1) / mp.sqrt(2 * q * (1 - q)))
        target = max(q, 1 - q)  # solve on the upper half, by symmetry
        x = mp.mpf(0)
        for _ in range(500):
            step = (target - beta_cdf(x, df)) / exact_pdf(x, df)
            x += step
            if abs(step) <= mp.mpf(10) ** (10 - DIGITS) * max(1, x):
                return float(x if p >= 0.5 else -x)
    raise AssertionError(f"Newton did not converge for p={p}, df={df}")


# -- the oracle itself ------------------------------------------------------------------------

# Upper quantiles as printed in t tables (six decimals): (p, df, t_p).
T_TABLE = [
    (0.975, 1, 12.706205),
    (0.975, 2, 4.302653),
    (0.95, 3, 2.353363),
    (0.95, 4, 2.131847),
    (0.975, 9, 2.262157),
    (0.99, 10, 2.763769),
    (0.995, 30, 2.749996),
    (0.975, 120, 1.979930),
]


@pytest.mark.parametrize(("p", "df", "table_t"), T_TABLE)
def test_oracle_reproduces_the_t_table(p: float, df: int, table_t: float) -> None:
    assert round(exact_quantile(p, df), 6) == table_t
    assert exact_cdf(table_t, df) == pytest.approx(p, abs=5e-7)  # the table's rounding
    assert exact_cdf(-table_t, df) == pytest.approx(1.0 - p, abs=5e-7)


@given(st.floats(-1e6, 1e6), st.sampled_from([1, 2]))
@example(1e-8, 1)
def test_oracle_closed_forms_agree_with_the_beta_route(t: float, df: int) -> None:
    assert float(closed_form_cdf(t, df)) == pytest.approx(float(beta_cdf(t, df)), abs=1e-15)


def test_oracle_knows_the_value_scipy_got_wrong() -> None:
    assert exact_cdf(1e-8, 1) == pytest.approx(0.500000003183, abs=1e-12)
    assert exact_cdf(1e-8, 1) != pytest.approx(0.500000004743, abs=1e-12)


# -- the library against the oracle -----------------------------------------------------------


@pytest.mark.parametrize("df", [*range(1, 41), 60, 120, 999, 5000, 200_000])
@pytest.mark.parametrize("p", [0.0005, 0.025, 0.05, 0.3, 0.5, 0.8, 0.95, 0.975, 0.995])
def test_t_quantile_is_exact(df: int, p: float) -> None:
    # Beyond 100,000 degrees of freedom the library uses the normal quantile (documented).
    rel = 2e-5 if df > 100_000 else 1e-9
    assert t_quantile(p, df) == pytest.approx(exact_quantile(p, df), rel=rel, abs=1e-12)


@given(st.floats(-50, 50), st.integers(1, 300))
@example(1e-8, 1)  # the draw that failed against scipy's approximation
def test_t_cdf_is_exact(t: float, df: int) -> None:
    assert t_cdf(t, df) == pytest.approx(exact_cdf(t, df), abs=1e-12)


@given(st.floats(0.001, 0.999), st.integers(1, 200))
def test_quantile_inverts_cdf(p: float, df: int) -> None:
    assert t_cdf(t_quantile(p, df), df) == pytest.approx(p, abs=1e-9)


def test_estimate_half_width_is_the_t_interval() -> None:
    values = [0.2, 0.4, 0.1, 0.5, 0.3]
    est = estimate(values, confidence=0.9)
    sd = statistics.stdev(values)
    assert est.mean == pytest.approx(0.3)
    assert est.half_width == pytest.approx(exact_quantile(0.95, 4) * sd / math.sqrt(5))
    assert est.low < est.mean < est.high
    assert est.covers(0.3)
    assert not est.covers(2.0, widths=3)


def test_estimate_edge_cases() -> None:
    assert estimate([1.0, 1.0, 1.0]).half_width == 0.0
    assert math.isinf(estimate([3.0]).half_width)
    assert "n=2" in str(estimate([1.0, 2.0]))


@pytest.mark.parametrize(
    ("values", "confidence", "field"),
    [([], 0.95, "values"), ([1.0, math.nan], 0.95, "values"), ([1.0], 1.0, "confidence")],
)
def test_estimate_rejects_bad_input(values: list[float], confidence: float, field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        estimate(values, confidence=confidence)
    assert info.value.field == field


@pytest.mark.parametrize(("p", "df", "field"), [(0.0, 3, "p"), (1.5, 3, "p"), (0.5, 0, "df")])
def test_t_quantile_rejects_bad_input(p: float, df: int, field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        t_quantile(p, df)
    assert info.value.field == field


# -- pooled proportions and ratios (issue 15: intervals that never collapse) ------------------

from dispatch_core.sim.stats import Method, proportion, ratio  # noqa: E402


@given(
    st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=12),
    st.sampled_from([0.8, 0.9, 0.95]),
)
def test_proportion_interval_never_collapses(pairs, confidence) -> None:  # type: ignore[no-untyped-def]
    hits = [min(h, n) for h, n in pairs]
    trials = [n for _, n in pairs]
    est = proportion(hits, trials, confidence=confidence)
    if sum(trials) == 0:
        assert est is None
        return
    assert est is not None
    assert est.method == Method.WILSON
    assert 0.0 <= est.low <= est.mean <= est.high <= 1.0
    assert est.high - est.low > 0.0  # even when every contact agrees
    assert est.pooled == sum(trials)


def test_proportion_is_wider_when_replications_disagree() -> None:
    calm = proportion([45, 45, 45, 45], [50, 50, 50, 50])
    wild = proportion([30, 50, 50, 50], [50, 50, 50, 50])
    assert calm is not None
    assert wild is not None
    assert wild.high - wild.low > calm.high - calm.low


def test_proportion_covers_a_known_rate() -> None:
    """Correlated runs (each run's rate drawn around p): the interval still covers p."""
    import random

    rng = random.Random(5)
    p, covered, trials = 0.85, 0, 400
    for _ in range(trials):
        hits, tries = [], []
        for _ in range(10):
            q = min(1.0, max(0.0, rng.gauss(p, 0.08)))
            n = rng.randint(5, 40)
            hits.append(sum(rng.random() < q for _ in range(n)))
            tries.append(n)
        est = proportion(hits, tries, confidence=0.9)
        assert est is not None
        covered += est.low <= p <= est.high
    assert covered / trials >= 0.85


def test_ratio_pools_and_has_t_width() -> None:
    est = ratio([10.0, 30.0, 20.0], [1.0, 1.0, 2.0])
    assert est is not None
    assert est.mean == 15.0
    assert est.half_width > 0
    assert ratio([0.0], [0.0]) is None
    with pytest.raises(InvalidInputError):
        ratio([1.0], [1.0, 2.0])


def test_ratio_takes_a_rounding_negative_numerator_but_no_bad_denominator() -> None:
    """A wait of -1e-13 s (float time) is a wait of zero, not an error."""
    est = ratio([-1e-13, 4.0], [1.0, 1.0])
    assert est is not None
    with pytest.raises(InvalidInputError):
        ratio([1.0], [-1.0])
    with pytest.raises(InvalidInputError):
        proportion([3], [2])
