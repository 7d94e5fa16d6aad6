"""Confidence intervals over replications, without scipy.

The Student t quantile is computed exactly for integer degrees of freedom: the t CDF has a
finite closed form for integer ν (Abramowitz & Stegun 26.7.3/26.7.4), which is inverted by
bisection. Beyond 100,000 degrees of freedom the normal quantile is used (the difference is
below 1e-5).

Examples
--------
>>> round(t_quantile(0.975, 9), 6)
2.262157
>>> est = estimate([0.88, 0.90, 0.89, 0.87, 0.91])
>>> est.n, round(est.mean, 3), round(est.half_width, 4)
(5, 0.89, 0.0196)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist, fmean, stdev

from dispatch_core.errors import InvalidInputError

__all__ = ["Estimate", "estimate", "t_cdf", "t_quantile"]

_NORMAL_DF = 100_000


def _two_sided_mass(t: float, df: int) -> float:
    """Return P(|T| <= t) for t >= 0 and integer df >= 1 (A&S 26.7.3/26.7.4)."""
    theta = math.atan(t / math.sqrt(df))
    cos2 = math.cos(theta) ** 2
    sin = math.sin(theta)
    if df % 2 == 1:
        if df == 1:
            return 2.0 * theta / math.pi
        term = math.cos(theta)
        total = term
        for k in range(3, df - 1, 2):  # cos^k θ with coefficient 2·4…(k-1) / 1·3…k
            term *= cos2 * (k - 1) / k
            total += term
        return 2.0 / math.pi * (theta + sin * total)
    term = 1.0
    total = 1.0
    for k in range(2, df - 1, 2):  # cos^k θ with coefficient 1·3…(k-1) / 2·4…k
        term *= cos2 * (k - 1) / k
        total += term
    return sin * total


def t_cdf(t: float, df: int) -> float:
    """Return the Student t cumulative distribution function at ``t``.

    Parameters
    ----------
    t : float
        The quantile.
    df : int
        Degrees of freedom, an integer >= 1.

    Examples
    --------
    >>> t_cdf(0.0, 5)
    0.5
    >>> round(t_cdf(1.0, 1), 6)
    0.75
    """
    if not isinstance(df, int) or df < 1:
        raise InvalidInputError("df", df, "must be an integer >= 1")
    if df > _NORMAL_DF:
        return NormalDist().cdf(t)
    mass = _two_sided_mass(abs(t), df)
    return 0.5 + 0.5 * mass if t >= 0 else 0.5 - 0.5 * mass


def t_quantile(p: float, df: int) -> float:
    """Return the ``p`` quantile of Student's t distribution with ``df`` degrees of freedom.

    Parameters
    ----------
    p : float
        Probability in (0, 1).
    df : int
        Degrees of freedom, an integer >= 1.

    Examples
    --------
    >>> round(t_quantile(0.975, 1), 4)
    12.7062
    >>> round(t_quantile(0.025, 30), 5)
    -2.04227
    """
    if not 0.0 < p < 1.0:
        raise InvalidInputError("p", p, "must be strictly between 0 and 1")
    if not isinstance(df, int) or df < 1:
        raise InvalidInputError("df", df, "must be an integer >= 1")
    if df > _NORMAL_DF:
        return NormalDist().inv_cdf(p)
    if p == 0.5:
        return 0.0
    upper = p > 0.5
    target = 2.0 * (p - 0.5) if upper else 2.0 * (0.5 - p)  # P(|T| <= t)
    lo, hi = 0.0, 1.0
    while _two_sided_mass(hi, df) < target:
        lo, hi = hi, hi * 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _two_sided_mass(mid, df) < target:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-13 * max(1.0, hi):
            break
    t = 0.5 * (lo + hi)
    return t if upper else -t


@dataclass(frozen=True, slots=True)
class Estimate:
    """A mean over replications with a two-sided Student t confidence interval.

    Attributes
    ----------
    mean : float
        Sample mean over the replications.
    half_width : float
        Half width of the confidence interval (``inf`` with one replication, 0 if all equal).
    n : int
        Number of replications.
    confidence : float
        Confidence level of the interval, e.g. 0.95.
    """

    mean: float
    half_width: float
    n: int
    confidence: float

    @property
    def low(self) -> float:
        """Lower end of the confidence interval."""
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        """Upper end of the confidence interval."""
        return self.mean + self.half_width

    def covers(self, value: float, *, widths: float = 1.0) -> bool:
        """Whether ``value`` lies within ``widths`` half widths of the mean."""
        return abs(value - self.mean) <= widths * self.half_width

    def __str__(self) -> str:
        return f"{self.mean:.6g} ± {self.half_width:.3g} ({self.confidence:.0%}, n={self.n})"


def estimate(values: Sequence[float], *, confidence: float = 0.95) -> Estimate:
    """Summarise one value per replication as a mean with a t confidence interval.

    Parameters
    ----------
    values : sequence of float
        One observation per independent replication (NaNs are not allowed).
    confidence : float
        Two-sided confidence level in (0, 1).

    Examples
    --------
    >>> estimate([1.0, 2.0, 3.0]).half_width > 0
    True
    >>> estimate([2.0]).half_width
    inf
    """
    if not 0.0 < confidence < 1.0:
        raise InvalidInputError("confidence", confidence, "must be strictly between 0 and 1")
    data = [float(v) for v in values]
    if not data:
        raise InvalidInputError("values", values, "needs at least one replication")
    if any(math.isnan(v) for v in data):
        raise InvalidInputError("values", values, "contains NaN")
    n = len(data)
    mean = fmean(data)
    if n == 1:
        return Estimate(mean, math.inf, 1, confidence)
    spread = stdev(data, mean)
    half = t_quantile(0.5 + confidence / 2.0, n - 1) * spread / math.sqrt(n)
    return Estimate(mean, half, n, confidence)
