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
