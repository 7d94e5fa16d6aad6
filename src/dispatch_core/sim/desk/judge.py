"""Whether a simulated desk meets its targets, interval by interval, and how sure that is.

One judge serves both the staffing search and the fresh verification of its answer, so the
two cannot drift apart. Per interval it gives a :class:`Verdict`:

* ``MET``: the pooled interval (:func:`~dispatch_core.sim.stats.proportion`, two-sided at
  ``2c − 1``, i.e. one-sided at ``c``) lies on the right side of every target: the service
  level's lower end ≥ its target and, with a cap, the abandonment's upper end ≤ the cap;
* ``THIN``: the interval had too few contacts for any outcome to prove a target at this
  confidence (:func:`min_contacts`: even if every one of them were answered in time); the
  point estimates meet the targets, which is all the evidence there is. A planner reads
  this as "not confirmed: too little traffic", never as a claim at confidence ``c``;
* ``UNSURE``: enough contacts could prove it, the point estimates meet the targets, but the
  interval still reaches across a target: more replications would decide;
* ``NOT_MET``: a point estimate misses a target.

Only ``MET`` is a claim at confidence ``c``. A search stops only on ``MET`` or ``THIN``
(:attr:`Verdict.passes`).

Intervals with nothing offered in any replication are ``MET`` (nothing to serve).

Examples
--------
>>> min_contacts(0.8, 0.95, 10)  # all answered within T: 14 contacts prove 80 %
14
>>> targets = DeskTargets(service_level=0.8, max_abandon_rate=None, confidence=0.95)
>>> from dispatch_core.sim.stats import proportion
>>> targets.verdict(proportion([95] * 10, [100] * 10, confidence=0.9), None).value
'met'
>>> targets.verdict(proportion([1] * 3, [1] * 3, confidence=0.9), None).value
'thin'
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from enum import StrEnum

from dispatch_core.errors import InvalidInputError
from dispatch_core.sim.desk.summary import DeskSummary
from dispatch_core.sim.stats import Estimate, t_quantile

__all__ = ["DeskTargets", "Verdict", "at_least", "at_most", "min_contacts", "worst"]


class Verdict(StrEnum):
    """An interval's verdict against its targets (see the module docstring)."""

    MET = "met"
    THIN = "thin"
    UNSURE = "unsure"
    NOT_MET = "not_met"

    @property
    def passes(self) -> bool:
        """Whether a search may stop here (met, or as good as thin evidence can show)."""
        return self in (Verdict.MET, Verdict.THIN)

    @property
    def short(self) -> str:
        """A short label for terminal tables."""
        return _SHORT[self]


def min_contacts(target: float, confidence: float, replications: int) -> int:
    """Fewest pooled contacts whose best outcome proves ``share ≥ target`` one-sidedly.

    The Wilson lower end when every contact succeeds is ``n / (n + z²)``; it reaches
    ``target`` from ``n = z² · target / (1 − target)``. ``z`` is the t quantile that
    :func:`~dispatch_core.sim.stats.proportion` uses (one-sided ``confidence``, ``R − 1`` df).
    For a cap (``share ≤ cap``, nobody failing) pass ``1 − cap``.
    """
    if target <= 0.0:
        return 0
    if target >= 1.0:
        return sys.maxsize  # nothing short of every contact ever proves 100 %
    if not 0.5 < confidence < 1.0:
        raise InvalidInputError("confidence", confidence, "must be in (0.5, 1)")
    z = t_quantile(confidence, max(1, replications - 1))
    return math.ceil(z * z * target / (1.0 - target) - 1e-9)


_SHORT = {Verdict.MET: "ok", Verdict.THIN: "thin", Verdict.UNSURE: "?", Verdict.NOT_MET: "NO"}
_RANK = {Verdict.MET: 0, Verdict.THIN: 1, Verdict.UNSURE: 2, Verdict.NOT_MET: 3}


def worst(first: Verdict, *others: Verdict) -> Verdict:
    """Return the worst of some verdicts (met < thin < unsure < not met).

    Examples
    --------
    >>> worst(Verdict.MET, Verdict.THIN).value
    'thin'
    """
    return max((first, *others), key=_RANK.__getitem__)


def at_least(est: Estimate | None, target: float, confidence: float) -> Verdict:
    """Judge ``share ≥ target`` from a pooled proportion (one-sided ``confidence``).

    Examples
    --------
    >>> from dispatch_core.sim.stats import proportion
    >>> at_least(proportion([9] * 10, [10] * 10, confidence=0.9), 0.8, 0.95).value
    'met'
    """
    if est is None:
        return Verdict.MET
    if est.low >= target:
        return Verdict.MET
    if est.mean < target:
        return Verdict.NOT_MET
    return Verdict.THIN if est.pooled < min_contacts(target, confidence, est.n) else Verdict.UNSURE


def at_most(est: Estimate | None, cap: float, confidence: float) -> Verdict:
    """Judge ``share ≤ cap`` from a pooled proportion (one-sided ``confidence``)."""
    if est is None:
        return Verdict.MET
    if est.high <= cap:
        return Verdict.MET
    if est.mean > cap:
        return Verdict.NOT_MET
    thin = est.pooled < min_contacts(1.0 - cap, confidence, est.n)
    return Verdict.THIN if thin else Verdict.UNSURE


@dataclass(frozen=True, slots=True)
class DeskTargets:
    """A queue's targets and the one-sided confidence they are judged at.

    Parameters
    ----------
    service_level : float
        Answered within T ÷ offered must be at least this, in (0, 1].
    max_abandon_rate : float or None
        Abandoned ÷ offered must be at most this (``None``: no cap).
    confidence : float
        One-sided confidence in (0.5, 1); estimates are read at ``2 · confidence − 1``.
    """

    service_level: float
    max_abandon_rate: float | None
    confidence: float

    def __post_init__(self) -> None:
        if not 0.0 < self.service_level <= 1.0:
            raise InvalidInputError("service_level", self.service_level, "must be in (0, 1]")
        if not 0.5 < self.confidence < 1.0:
            raise InvalidInputError("confidence", self.confidence, "must be in (0.5, 1)")

    @property
    def two_sided(self) -> float:
        """The two-sided level of the estimates whose end is the one-sided bound."""
        return 2.0 * self.confidence - 1.0

    def verdict(self, sl: Estimate | None, abandon: Estimate | None) -> Verdict:
        """Judge one interval from its pooled service level and abandonment (the worse)."""
        found = at_least(sl, self.service_level, self.confidence)
        if sl is None or self.max_abandon_rate is None:
            return found
        return worst(found, at_most(abandon, self.max_abandon_rate, self.confidence))

    def verdicts(self, summary: DeskSummary) -> tuple[Verdict, ...]:
        """Judge every interval of a replicated desk (estimated at :attr:`two_sided`)."""
        sl = summary.interval_kpi("service_level")
        if self.max_abandon_rate is None:
            return tuple(self.verdict(s, None) for s in sl)
        ab = summary.interval_kpi("abandon_rate")
        return tuple(self.verdict(s, a) for s, a in zip(sl, ab, strict=True))

    def meets(self, sl: Estimate | None, abandon: Estimate | None) -> bool:
        """Whether point estimates meet the targets (a re-check's question)."""
        if sl is None:
            return True
        ok = sl.mean >= self.service_level
        if self.max_abandon_rate is not None and abandon is not None:
            ok = ok and abandon.mean <= self.max_abandon_rate
        return ok
