"""Confidence intervals over replications, without scipy.

Three kinds of interval, each named by :class:`Method` on the :class:`Estimate`:

* ``t``: a Student t interval over one value per replication (:func:`estimate`);
* ``wilson``: a proportion pooled over every replication's contacts (answered within T ÷
  offered), with a Wilson score interval on the *effective* number of contacts, i.e. the
  pooled count divided by the design effect measured across replications (contacts of one run
  are correlated: a busy spell delays many of them). It never has zero width, even when every
  contact of every replication was answered in time (:func:`proportion`);
* ``ratio``: a pooled ratio (total wait ÷ answered) with a t interval from the replications'
  spread of the linearised ratio (:func:`ratio`).

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
from enum import StrEnum
from functools import lru_cache
from statistics import NormalDist, fmean, stdev

from dispatch_core.errors import InvalidInputError

__all__ = ["Estimate", "Method", "estimate", "proportion", "ratio", "t_cdf", "t_quantile"]

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


@lru_cache(maxsize=1024)
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


class Method(StrEnum):
    """How an :class:`Estimate`'s interval was obtained."""

    T = "t"  # Student t over one value per replication
    WILSON = "wilson"  # Wilson score over pooled contacts, design-effect adjusted
    RATIO = "ratio"  # pooled ratio, t interval of the linearised ratio


@dataclass(frozen=True, slots=True)
class Estimate:
    """A point estimate with a two-sided confidence interval.

    Attributes
    ----------
    mean : float
        The estimate: the mean over replications (``t``) or the pooled value (``wilson``,
        ``ratio``).
    half_width : float
        Half width of the interval (``inf`` with one replication); for an asymmetric
        interval the larger side.
    n : int
        Number of replications.
    confidence : float
        Confidence level of the interval, e.g. 0.95.
    method : Method
        How the interval was obtained.
    lower, upper : float, optional
        The ends of an asymmetric interval (Wilson); ``None``: ``mean ∓ half_width``.
    pooled : int
        Contacts (or other units) pooled over the replications; 0 for ``t``.
    """

    mean: float
    half_width: float
    n: int
    confidence: float
    method: Method = Method.T
    lower: float | None = None
    upper: float | None = None
    pooled: int = 0

    @property
    def low(self) -> float:
        """Lower end of the confidence interval."""
        return self.mean - self.half_width if self.lower is None else self.lower

    @property
    def high(self) -> float:
        """Upper end of the confidence interval."""
        return self.mean + self.half_width if self.upper is None else self.upper

    def covers(self, value: float, *, widths: float = 1.0) -> bool:
        """Whether ``value`` lies within ``widths`` half widths of the mean.

        With ``widths=1`` and an asymmetric interval: whether it lies between its ends.
        """
        if widths == 1.0:
            return self.low <= value <= self.high
        return abs(value - self.mean) <= widths * self.half_width

    def __str__(self) -> str:
        if self.lower is not None and self.upper is not None:
            return (
                f"{self.mean:.6g} [{self.lower:.4g}, {self.upper:.4g}] "
                f"({self.confidence:.0%} {self.method.value}, n={self.n}, pooled {self.pooled})"
            )
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


def _quantile(confidence: float, replications: int) -> float:
    """Two-sided quantile: Student t with ``replications − 1`` df (normal for one run)."""
    p = 0.5 + confidence / 2.0
    return NormalDist().inv_cdf(p) if replications < 2 else t_quantile(p, replications - 1)


def _check_pairs(
    name: str, nums: Sequence[float], dens: Sequence[float], confidence: float
) -> None:
    if not 0.0 < confidence < 1.0:
        raise InvalidInputError("confidence", confidence, "must be strictly between 0 and 1")
    if len(nums) != len(dens) or not nums:
        raise InvalidInputError(name, (len(nums), len(dens)), "needs one pair per replication")
    if any(not (d >= 0 and math.isfinite(d)) for d in dens):
        raise InvalidInputError(name, dens, "denominators must be finite and >= 0")
    if any(not math.isfinite(x) for x in nums):
        raise InvalidInputError(name, nums, "numerators must be finite")


def proportion(
    hits: Sequence[int], trials: Sequence[int], *, confidence: float = 0.95
) -> Estimate | None:
    """Pool a proportion over replications: Wilson score on the effective contacts.

    ``hits[r]`` of ``trials[r]`` contacts of replication ``r`` succeeded (e.g. answered within
    T). The estimate is ``Σ hits ÷ Σ trials``. Its variance across replications (the ratio
    estimator's, from the replications' spread) divided by the binomial variance is the
    design effect ``deff`` (at least 1); the Wilson interval is then taken on
    ``Σ trials ÷ deff`` contacts with the t quantile of ``replications − 1`` degrees of
    freedom. The interval never has zero width.

    Returns ``None`` when no replication had a trial.

    Examples
    --------
    >>> est = proportion([10, 10, 10], [10, 10, 10])  # every contact in time: still a width
    >>> est.mean, round(est.low, 3), est.high
    (1.0, 0.618, 1.0)
    >>> print(proportion([90, 95, 100, 92], [100, 100, 100, 100]))
    0.9425 [0.8311, 0.982] (95% wilson, n=4, pooled 400)
    >>> proportion([0], [0]) is None
    True
    """
    _check_pairs("trials", hits, trials, confidence)
    if any(h < 0 or h > n for h, n in zip(hits, trials, strict=True)):
        raise InvalidInputError("hits", hits, "must be between 0 and the trials")
    total = sum(trials)
    if total <= 0:
        return None
    r = len(trials)
    p = sum(hits) / total
    deff = 1.0
    if r >= 2 and 0.0 < p < 1.0:
        spread = math.fsum((h - p * n) ** 2 for h, n in zip(hits, trials, strict=True))
        cluster = r / (r - 1) * spread / total**2
        deff = max(1.0, cluster / (p * (1.0 - p) / total))
    n = total / deff
    z = _quantile(confidence, r)
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    low, high = max(0.0, min(p, centre - half)), min(1.0, max(p, centre + half))
    return Estimate(
        p, max(p - low, high - p), r, confidence, Method.WILSON, low, high, pooled=total
    )


def ratio(
    nums: Sequence[float], dens: Sequence[float], *, confidence: float = 0.95
) -> Estimate | None:
    """Pool a ratio over replications (e.g. total wait ÷ answered) with a t interval.

    The half width is the t quantile times the ratio estimator's standard error from the
    replications' spread of ``num − ratio × den``; ``inf`` with one replication. ``None``
    when every denominator is 0.

    Examples
    --------
    >>> est = ratio([10.0, 30.0], [1, 1])
    >>> est.mean, est.n, est.method.value
    (20.0, 2, 'ratio')
    """
    _check_pairs("dens", nums, dens, confidence)
    total = math.fsum(dens)
    if total <= 0:
        return None
    r = len(dens)
    value = math.fsum(nums) / total
    if r < 2:
        return Estimate(value, math.inf, 1, confidence, Method.RATIO, pooled=round(total))
    spread = math.fsum((x - value * d) ** 2 for x, d in zip(nums, dens, strict=True))
    se = math.sqrt(r / (r - 1) * spread) / total
    half = _quantile(confidence, r) * se
    return Estimate(value, half, r, confidence, Method.RATIO, pooled=round(total))
