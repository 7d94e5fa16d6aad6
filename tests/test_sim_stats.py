"""Student t quantiles and replication estimates (dispatch_core.sim.stats)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as sps

from dispatch_core.errors import InvalidInputError
from dispatch_core.sim.stats import estimate, t_cdf, t_quantile


@pytest.mark.parametrize("df", [*range(1, 41), 60, 120, 999, 5000, 200_000])
@pytest.mark.parametrize("p", [0.0005, 0.025, 0.05, 0.3, 0.5, 0.8, 0.95, 0.975, 0.995])
def test_t_quantile_matches_scipy(df: int, p: float) -> None:
    assert t_quantile(p, df) == pytest.approx(sps.t.ppf(p, df), rel=2e-5, abs=1e-9)


@given(st.floats(-50, 50), st.integers(1, 300))
def test_t_cdf_matches_scipy(t: float, df: int) -> None:
    assert t_cdf(t, df) == pytest.approx(sps.t.cdf(t, df), abs=1e-9)


@given(st.floats(0.001, 0.999), st.integers(1, 200))
def test_quantile_inverts_cdf(p: float, df: int) -> None:
    assert t_cdf(t_quantile(p, df), df) == pytest.approx(p, abs=1e-9)


def test_estimate_half_width_is_the_t_interval() -> None:
    values = [0.2, 0.4, 0.1, 0.5, 0.3]
    est = estimate(values, confidence=0.9)
    sd = sps.tstd(values)
    assert est.mean == pytest.approx(0.3)
    assert est.half_width == pytest.approx(sps.t.ppf(0.95, 4) * sd / math.sqrt(5))
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
