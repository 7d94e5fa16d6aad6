"""Analytic staffing: Erlang B, Erlang C (M/M/c), Erlang A (M/M/c+M) and square-root staffing.

Every figure that carries a service level uses one definition, :data:`SL_DEFINITION`:
*contacts answered within T ÷ contacts offered* (abandoned contacts count as not answered).
Results that carry a service level are :class:`QueueMetrics` values whose ``definition`` field
says so.

All formulas are numerically stable for thousands of agents: Erlang B by its recurrence,
Erlang A in log space (no factorials, no overflow), incomplete-beta sums by recurrence.

Units: arrival rates per hour, times in seconds, load in Erlangs (rate × AHT).

Examples
--------
The reference case (DESIGN.md): 100 calls per 30 minutes, AHT 3 min, 80 % within 20 s.

>>> required_agents(200, 180, 0.80, 20)
14
>>> round(service_level(200, 180, 14, 20), 6)
0.88835
>>> round(erlang_c(10.0, 14), 6)
0.174132
>>> required_agents(200, 180, 0.80, 20, max_occupancy=0.70)
15
>>> m = erlang_a(200, 180, 14, patience_s=300, within_s=20)
>>> round(m.p_abandon, 6), round(m.service_level, 6)
(0.013984, 0.916792)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dispatch_core.errors import InvalidInputError
from dispatch_core.planning._checks import (
    MAX_AGENTS,
    MODEL,
    check_agents,
    check_fraction,
    check_nonneg,
    check_positive,
)
from dispatch_core.planning.sqrt_staffing import halfin_whitt_beta, square_root_staffing

__all__ = [
    "QueueMetrics",
    "SL_DEFINITION",
    "asa",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "evaluate",
    "halfin_whitt_beta",
    "occupancy",
    "offered_load",
    "required_agents",
    "scheduled_headcount",
    "service_level",
    "smallest_agents",
    "square_root_staffing",
]

#: The one service-level definition used throughout dispatch_core.
SL_DEFINITION = "answered within T ÷ offered (abandoned contacts count as not answered)"


def offered_load(rate_per_hour: float, aht_s: float) -> float:
    """Offered load in Erlangs: arrivals per hour × handling time in hours.

    Examples
    --------
    >>> offered_load(200, 180)
    10.0
    """
    rate = check_nonneg("rate_per_hour", rate_per_hour)
    aht = check_positive("aht_s", aht_s)
    return rate * aht / 3600.0


def erlang_b(load_erlangs: float, agents: int) -> float:
    """Blocking probability of an M/M/c/c loss system (Erlang B), by the stable recurrence.

    ``B(0) = 1``, ``B(k) = A·B(k-1) / (k + A·B(k-1))``.

    Parameters
    ----------
    load_erlangs : float
        Offered load ``A`` (≥ 0).
    agents : int
        Number of servers ``c`` (≥ 0).

    Returns
    -------
    float
        ``B(c, A)`` in [0, 1].

    Examples
    --------
    >>> round(erlang_b(10.0, 14), 6)
    0.056819
    >>> erlang_b(2000.0, 2000) < 0.02
    True
    """
    load = check_nonneg("load_erlangs", load_erlangs)
    c = check_agents(agents)
    b = 1.0
    for k in range(1, c + 1):
        ab = load * b
        b = ab / (k + ab)
    return b


def _log_inv_erlang_b(load: float, c: int) -> float:
    """``log(1 / B(c, A))`` without underflow (``1/B`` can exceed the float range)."""
    if load <= 0:
        return math.inf if c > 0 else 0.0
    # 1/B(c, A) = Σ_{n=0..c} c!/n! · A^(n-c): a log-sum-exp of log(c!/n!) + (n - c)·log A.
    n = np.arange(c + 1, dtype=float)
    log_ratio = np.concatenate((np.cumsum(np.log(n[:0:-1]))[::-1], [0.0]))  # log(c!/n!)
    return float(np.logaddexp.reduce(log_ratio + (n - c) * math.log(load)))


def erlang_c(load_erlangs: float, agents: int) -> float:
    """Probability that a contact waits (Erlang C, M/M/c), ``P(wait > 0)``.

    Returns 1.0 when the system is unstable (``load ≥ agents``).

    Examples
    --------
    >>> round(erlang_c(10.0, 14), 6)
    0.174132
    >>> erlang_c(10.0, 10)
    1.0
    """
    load = check_nonneg("load_erlangs", load_erlangs)
    c = check_agents(agents)
    if load >= c:
        return 1.0
    b = erlang_b(load, c)
    return min(1.0, c * b / (c - load * (1.0 - b)))


def service_level(rate_per_hour: float, aht_s: float, agents: int, within_s: float) -> float:
    """Erlang C service level: ``1 - C·exp(-(c - A)·T / AHT)`` (see :data:`SL_DEFINITION`).

    Examples
    --------
    >>> round(service_level(200, 180, 14, 20), 6)
    0.88835
    """
    load = offered_load(rate_per_hour, aht_s)
    c = check_agents(agents)
    t = check_nonneg("within_s", within_s)
    if load >= c:
        return 0.0
    if load == 0:
        return 1.0
    return 1.0 - erlang_c(load, c) * math.exp(-(c - load) * t / aht_s)


def asa(rate_per_hour: float, aht_s: float, agents: int) -> float:
    """Erlang C average speed of answer in seconds, ``C·AHT / (c - A)`` (inf if unstable).

    Examples
    --------
    >>> round(asa(200, 180, 14), 3)
    7.836
    """
    load = offered_load(rate_per_hour, aht_s)
    c = check_agents(agents)
    if load >= c:
        return math.inf
    return erlang_c(load, c) * aht_s / (c - load)


def occupancy(rate_per_hour: float, aht_s: float, agents: int) -> float:
    """Agent occupancy ``A / c`` of an Erlang C system (capped at 1).

    Examples
    --------
    >>> round(occupancy(200, 180, 14), 3)
    0.714
    """
    load = offered_load(rate_per_hour, aht_s)
    c = check_agents(agents)
    if c == 0:
        return 1.0 if load > 0 else 0.0
    return min(1.0, load / c)


@dataclass(frozen=True, slots=True)
class QueueMetrics:
    """Steady-state figures of one queue (one interval, one staffing level).

    Attributes
    ----------
    model : str
        ``"erlang_c"`` (M/M/c, no abandonment) or ``"erlang_a"`` (M/M/c+M).
    rate_per_hour, aht_s, agents, within_s : float, float, int, float
        The inputs.
    patience_s : float
        Mean patience (``inf`` for Erlang C).
    load_erlangs : float
        Offered load ``A``.
    p_wait : float
        ``P(wait > 0)`` for an arriving contact.
    service_level : float
        Answered within ``within_s`` ÷ offered (:data:`SL_DEFINITION`).
    asa_s : float
        Average speed of answer of *answered* contacts, seconds.
    mean_wait_s : float
        Mean time in queue over *all offered* contacts (abandoners included), seconds.
    p_abandon : float
        Fraction of offered contacts that abandon (0 for Erlang C).
    occupancy : float
        Fraction of agent time busy: carried load ÷ agents.
    definition : str
        Always :data:`SL_DEFINITION`.
    """

    model: str
    rate_per_hour: float
    aht_s: float
    agents: int
    within_s: float
    patience_s: float
    load_erlangs: float
    p_wait: float
    service_level: float
    asa_s: float
    mean_wait_s: float
    p_abandon: float
    occupancy: float
    definition: str = SL_DEFINITION


def _erlang_c_metrics(rate: float, aht: float, c: int, within: float) -> QueueMetrics:
    load = rate * aht / 3600.0
    if load == 0:
        p_wait, sl, wait, occ = 0.0, 1.0, 0.0, 0.0
    elif load >= c:
        p_wait, sl, wait, occ = 1.0, 0.0, math.inf, 1.0 if c > 0 else 0.0
    else:
        p_wait = erlang_c(load, c)
        sl = 1.0 - p_wait * math.exp(-(c - load) * within / aht)
        wait = p_wait * aht / (c - load)
        occ = load / c
    return QueueMetrics(
        model="erlang_c",
        rate_per_hour=rate,
        aht_s=aht,
        agents=c,
        within_s=within,
        patience_s=math.inf,
        load_erlangs=load,
        p_wait=p_wait,
        service_level=sl,
        asa_s=wait,
        mean_wait_s=wait,
        p_abandon=0.0,
        occupancy=occ,
    )


def _queue_log_terms(lam: float, c_mu: float, theta: float) -> np.ndarray:
    """``log(π_{c+k} / π_c)`` for k = 0..K, K large enough that the tail is negligible."""
    peak = max(0.0, (lam - c_mu) / theta)
    size = int(peak + 30.0 * math.sqrt(lam / theta + 1.0) + 64)
    while True:
        j = np.arange(1, size + 1, dtype=float)
        logs = np.concatenate(([0.0], np.cumsum(math.log(lam) - np.log(c_mu + j * theta))))
        if logs[-1] < logs.max() - 50.0:
            return logs
        size *= 2


def erlang_a(
    rate_per_hour: float,
    aht_s: float,
    agents: int,
    *,
    patience_s: float,
    within_s: float,
) -> QueueMetrics:
    """Exact M/M/c+M (Erlang A, Palm's queue with exponential patience).

    Stationary law: ``π_n ∝ A^n / n!`` for ``n ≤ c`` and
    ``π_{c+k} = π_c Π_{j=1..k} λ / (cμ + jθ)``. A contact that finds ``k`` waiting ahead is
    answered within ``T`` with probability ``x/(x+k+1) · I_U(k+1, x+1)`` where ``x = cμ/θ``,
    ``U = 1 - exp(-θT)`` and ``I`` is the regularised incomplete beta function (computed by
    its recurrence in ``k``). ``P(abandon) = θ·E[queue] / λ``.

    Parameters
    ----------
    rate_per_hour : float
        Arrivals per hour.
    aht_s : float
        Mean handling time in seconds (exponential).
    agents : int
        Agents on the phones.
    patience_s : float
        Mean patience in seconds (exponential); ``inf`` gives Erlang C.
    within_s : float
        Service-level threshold ``T`` in seconds.

    Returns
    -------
    QueueMetrics
        With ``model="erlang_a"``.

    Examples
    --------
    >>> m = erlang_a(200, 180, 14, patience_s=300, within_s=20)
    >>> round(m.p_abandon, 6), round(m.service_level, 6), m.definition.split(" (")[0]
    (0.013984, 0.916792, 'answered within T ÷ offered')
    """
    rate = check_nonneg("rate_per_hour", rate_per_hour)
    aht = check_positive("aht_s", aht_s)
    c = check_agents(agents)
    within = check_nonneg("within_s", within_s)
    patience = check_positive("patience_s", patience_s) if patience_s != math.inf else math.inf
    if patience == math.inf:
        return _erlang_c_metrics(rate, aht, c, within)
    lam, mu, theta = rate / 3600.0, 1.0 / aht, 1.0 / patience
    load = rate * aht / 3600.0
    if lam == 0:
        return _erlang_c_metrics(rate, aht, c, within)  # nothing offered: nobody waits
    c_mu = c * mu
    logs = _queue_log_terms(lam, c_mu, theta)
    k = np.arange(logs.size, dtype=float)
    # Normalise relative to π_c: Σ_{n<c} π_n/π_c = 1/B(c, A) - 1, kept in log space.
    log_low = _log_inv_erlang_b(load, c)  # log Σ_{n≤c} π_n/π_c
    log_top = float(np.logaddexp.reduce(logs[1:]))  # log Σ_{k≥1} π_{c+k}/π_c
    log_total = float(np.logaddexp(log_low, log_top))
    queue = np.exp(logs - log_total)  # π_{c+k}
    p_wait = float(queue.sum())
    p_immediate = 1.0 - p_wait
    mean_queue = float((k * queue).sum())
    p_abandon = min(1.0, theta * mean_queue / lam)
    if c == 0:
        answered_within = 0.0
        served_wait = 0.0
    else:
        x = c_mu / theta
        u = -math.expm1(-theta * within)
        # I_U(k+1, x+1) by the downward recurrence I(a+1) = I(a) - U^a (1-U)^b / (a·B(a, b)).
        b = x + 1.0
        a = k + 1.0
        if u >= 1.0:
            ibeta = np.ones_like(a)
        elif u <= 0.0:
            ibeta = np.zeros_like(a)
        else:
            # lgamma(a + b) - lgamma(a + 1) for a = 1, 2, …: one lgamma, then its log steps
            steps = np.log(a[:-1] + b) - np.log(a[:-1] + 1.0)
            gammas = math.lgamma(1.0 + b) + np.concatenate(([0.0], np.cumsum(steps)))
            log_terms = a * math.log(u) + b * math.log1p(-u) + gammas - math.lgamma(b)
            first = -math.expm1(b * math.log1p(-u))  # I_U(1, b) = 1 - (1-U)^b
            drops = np.concatenate(([0.0], np.cumsum(np.exp(log_terms[:-1]))))
            ibeta = np.clip(first - drops, 0.0, 1.0)
        p_served = x / (x + k + 1.0)
        answered_within = float((queue * p_served * ibeta).sum())
        # Given it is served, a contact with k ahead waits Σ_{j=0..k} 1/(cμ + (j+1)θ).
        served_wait = float((queue * p_served * np.cumsum(1.0 / (c_mu + (k + 1.0) * theta))).sum())
    sl = min(1.0, max(0.0, p_immediate + answered_within))
    p_answered = 1.0 - p_abandon
    asa_s = served_wait / p_answered if p_answered > 0 else math.inf
    carried = load * p_answered
    return QueueMetrics(
        model="erlang_a",
        rate_per_hour=rate,
        aht_s=aht,
        agents=c,
        within_s=within,
        patience_s=patience,
        load_erlangs=load,
        p_wait=min(1.0, p_wait),
        service_level=sl,
        asa_s=asa_s,
        mean_wait_s=mean_queue / lam,
        p_abandon=p_abandon,
        occupancy=min(1.0, carried / c) if c > 0 else 0.0,
    )


def evaluate(
    rate_per_hour: float,
    aht_s: float,
    agents: int,
    *,
    within_s: float,
    patience_s: float | None = None,
) -> QueueMetrics:
    """Figures for one staffing level: Erlang C, or Erlang A when ``patience_s`` is given.

    Examples
    --------
    >>> m = evaluate(200, 180, 14, within_s=20)
    >>> m.model, round(m.service_level, 6), round(m.asa_s, 3), round(m.occupancy, 3)
    ('erlang_c', 0.88835, 7.836, 0.714)
    """
    if patience_s is None or patience_s == math.inf:
        rate = check_nonneg("rate_per_hour", rate_per_hour)
        aht = check_positive("aht_s", aht_s)
        within = check_nonneg("within_s", within_s)
        return _erlang_c_metrics(rate, aht, check_agents(agents), within)
    return erlang_a(rate_per_hour, aht_s, agents, patience_s=patience_s, within_s=within_s)


def smallest_agents(ok: Callable[[int], bool], lo: int) -> int:
    """Smallest ``c >= lo`` with ``ok(c)``, for a monotone predicate (gallop, then bisect).

    Raises
    ------
    InvalidInputError
        If no ``c`` up to a million agents passes.

    Examples
    --------
    >>> smallest_agents(lambda c: c * c >= 50, 1)
    8
    """
    if ok(lo):
        return lo
    step = 1
    hi = lo + step
    while not ok(hi):
        lo = hi
        step *= 2
        hi = lo + step
        if hi > MAX_AGENTS:
            raise InvalidInputError("target_sl", None, "not reachable", model=MODEL)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def required_agents(
    rate_per_hour: float,
    aht_s: float,
    target_sl: float,
    within_s: float,
    max_occupancy: float = 1.0,
    *,
    patience_s: float | None = None,
    max_abandon: float | None = None,
    shrinkage: float = 0.0,
) -> int:
    """Fewest agents meeting the service-level target (and the optional caps).

    Parameters
    ----------
    rate_per_hour, aht_s : float
        Arrivals per hour and mean handling time (seconds).
    target_sl : float
        Target fraction answered within ``within_s`` ÷ offered, in (0, 1).
    within_s : float
        Threshold ``T`` in seconds.
    max_occupancy : float, default 1.0
        Upper bound on ``A / c`` (Erlang C) or carried load ÷ agents (Erlang A).
    patience_s : float, optional
        Mean patience: switches from Erlang C to Erlang A.
    max_abandon : float, optional
        Upper bound on ``P(abandon)``; needs ``patience_s``.
    shrinkage : float, default 0.0
        Fraction of paid time not on the phones (breaks, training, absence); the result is then
        the *scheduled* headcount ``ceil(agents / (1 - shrinkage))``.

    Returns
    -------
    int
        Number of agents (0 if nothing is offered).

    Examples
    --------
    >>> required_agents(200, 180, 0.80, 20)
    14
    >>> required_agents(200, 180, 0.80, 20, shrinkage=0.3)
    20
    >>> required_agents(200, 180, 0.80, 20, patience_s=300, max_abandon=0.005)
    16
    """
    rate = check_nonneg("rate_per_hour", rate_per_hour)
    aht = check_positive("aht_s", aht_s)
    target = check_fraction("target_sl", target_sl, open_upper=True)
    within = check_nonneg("within_s", within_s)
    max_occ = check_positive("max_occupancy", max_occupancy)
    if max_occ > 1:
        raise InvalidInputError("max_occupancy", max_occupancy, "must be ≤ 1", model=MODEL)
    shrink = check_fraction("shrinkage", shrinkage, open_upper=True)
    if max_abandon is not None:
        if check_fraction("max_abandon", max_abandon) <= 0:
            raise InvalidInputError("max_abandon", max_abandon, "must be > 0", model=MODEL)
        if patience_s is None:
            raise InvalidInputError(
                "max_abandon", max_abandon, "needs patience_s (Erlang A)", model=MODEL
            )
    if rate == 0:
        return 0
    load = rate * aht / 3600.0

    def ok(c: int) -> bool:
        m = evaluate(rate, aht, c, within_s=within, patience_s=patience_s)
        if m.service_level < target or m.occupancy > max_occ + 1e-12:
            return False
        return max_abandon is None or m.p_abandon <= max_abandon

    lo = max(1, math.floor(load) + 1) if patience_s is None else 1
    agents = smallest_agents(ok, lo)
    return scheduled_headcount(agents, shrink) if shrink > 0 else agents


def scheduled_headcount(agents: float, shrinkage: float) -> int:
    """Agents to schedule so that ``agents`` remain after ``shrinkage``: ``ceil(n/(1-s))``.

    Examples
    --------
    >>> scheduled_headcount(14, 0.3)
    20
    """
    n = check_nonneg("agents", agents)
    s = check_fraction("shrinkage", shrinkage, open_upper=True)
    return math.ceil(n / (1.0 - s) - 1e-9)
