r"""A blended desk: phone and digital contacts in one pool of agents, phone first.

The pool is an M/M/c queue with two classes and **non-preemptive priority** for phone calls
(an agent who frees up takes a waiting call before any digital contact; nobody is interrupted).
Both classes have the interval's one mean handling time, so the number of contacts in the
system is the same as under first-come-first-served and the probability that all agents are
busy is Erlang C of the total load, ``C = C(c, A₁ + A₂)``. Then, exactly (no abandonment):

* a phone call that waits needs one departure per call ahead of it, and calls only: its wait is
  exponential with rate ``cμ − λ₁``, so ``SL₁ = 1 − C·exp(−(cμ − λ₁)·T₁)``;
* a digital contact that waits is overtaken by every call arriving meanwhile: it needs ``K``
  "delay busy periods" of an M/M/1 queue with arrival rate ``λ₁`` and service rate ``cμ``,
  ``K − 1`` being the contacts waiting ahead (geometric with ratio ``ρ = A/c``). Its wait has
  the Laplace transform ``(1 − ρ)β(s) / (1 − ρβ(s))``, ``β`` the M/M/1 busy-period transform,
  inverted numerically (fixed Talbot, 32 nodes); the mean is Cobham's
  ``C / (cμ(1 − σ₁)(1 − ρ))``.

With callers who abandon (``patience_s``) no closed form is known. The phone figures are then
a **pessimistic approximation**: the same all-busy probability and the same exponential wait,
each caller abandoning when their patience runs out first (so ``P(abandon) = C·θ/(cμ − λ₁ + θ)``)
but without the queue getting shorter when others abandon; the digital figures ignore the
capacity that abandoning callers free. :attr:`BlendedMetrics.exact` says which case applies.

Examples
--------
>>> m = blended(120, 60, 240, 16, phone_within_s=20, digital_within_s=900)
>>> m.exact, round(m.phone.service_level, 4), round(m.digital.service_level, 4)
(True, 0.895, 0.9994)
>>> round(m.occupancy, 3), round(m.phone.p_wait, 4)
(0.75, 0.2046)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from dispatch_core.errors import InvalidInputError
from dispatch_core.planning.erlang import QueueMetrics, erlang_a, erlang_c

__all__ = ["BlendedMetrics", "blended", "busy_period_wait_cdf"]

_MODEL = "blended"
_TALBOT_NODES = 32


@dataclass(frozen=True, slots=True)
class BlendedMetrics:
    """One blended pool at one staffing level.

    Attributes
    ----------
    phone, digital : QueueMetrics
        Each class's figures (``model="blended"``; ``agents`` is the whole pool).
    occupancy : float
        Carried load of both classes ÷ agents.
    exact : bool
        Whether the figures are exact (no abandonment) or the pessimistic approximation.
    """

    phone: QueueMetrics
    digital: QueueMetrics
    occupancy: float
    exact: bool


def busy_period_wait_cdf(
    t_s: float, *, arrival_rate: float, service_rate: float, rho: float
) -> float:
    """``P(W <= t)`` for the wait of a digital contact that finds every agent busy.

    ``W`` is a sum of ``K`` busy periods of an M/M/1 queue (``arrival_rate`` λ₁ = calls per
    second, ``service_rate`` = cμ per second), ``K`` geometric on 1, 2, … with
    ``P(K = k) = (1 − ρ)ρ^(k−1)``.

    Examples
    --------
    With no calls a busy period is one exponential service, and the wait is exponential:

    >>> got = busy_period_wait_cdf(10.0, arrival_rate=0.0, service_rate=0.5, rho=0.6)
    >>> round(got, 9) == round(1 - math.exp(-0.5 * 0.4 * 10.0), 9)
    True
    """
    if t_s <= 0:
        return 0.0
    lam, mu, p = arrival_rate, service_rate, rho
    if not (0 <= p < 1 and mu > 0 and 0 <= lam < mu):
        raise InvalidInputError("rho", p, "needs 0 <= rho < 1 and arrival < service rate")
    m = _TALBOT_NODES
    r = 2.0 * m / (5.0 * t_s)
    theta = np.arange(1, m) * math.pi / m
    cot = 1.0 / np.tan(theta)
    s = np.concatenate(([complex(r, 0.0)], r * theta * (cot + 1j)))
    a = lam + mu + s
    beta = 2.0 * mu / (a + a * np.sqrt(1.0 - 4.0 * lam * mu / (a * a)))
    transform = (1.0 - p) * beta / (1.0 - p * beta) / s
    weights = np.concatenate(([0.5], 1.0 + 1j * (theta + (theta * cot - 1.0) * cot)))
    terms = np.exp(t_s * s) * transform * weights
    value = float(np.real(terms).sum()) * r / m
    return min(1.0, max(0.0, value))


def _metrics(
    rate: float,
    aht: float,
    c: int,
    within: float,
    patience: float,
    *,
    load: float,
    p_wait: float,
    sl: float,
    asa: float,
    mean_wait: float,
    p_abandon: float,
    occupancy: float,
) -> QueueMetrics:
    return QueueMetrics(
        model=_MODEL,
        rate_per_hour=rate,
        aht_s=aht,
        agents=c,
        within_s=within,
        patience_s=patience,
        load_erlangs=load,
        p_wait=p_wait,
        service_level=sl,
        asa_s=asa,
        mean_wait_s=mean_wait,
        p_abandon=p_abandon,
        occupancy=occupancy,
    )


@dataclass(frozen=True, slots=True)
class _CallWait:
    """The phone class: service level, ASA of answered calls, mean wait of all, abandonment."""

    service_level: float
    asa_s: float
    mean_wait_s: float
    p_abandon: float


def _phone(lam1: float, cmu: float, big_c: float, within: float, theta: float) -> _CallWait:
    r1 = cmu - lam1
    if theta == 0.0:
        wait = big_c / r1
        return _CallWait(1.0 - big_c * math.exp(-r1 * within), wait, wait, 0.0)
    total = r1 + theta
    p_abandon = big_c * theta / total
    sl = 1.0 - big_c + big_c * r1 / total * -math.expm1(-total * within)
    answered_wait = big_c * r1 / (total * total)
    return _CallWait(sl, answered_wait / (1.0 - p_abandon), big_c / total, p_abandon)


def blended(
    phone_rate: float,
    digital_rate: float,
    aht_s: float,
    agents: int,
    *,
    phone_within_s: float,
    digital_within_s: float,
    patience_s: float | None = None,
) -> BlendedMetrics:
    """Figures of a phone-first pool of ``agents`` (see the module docstring).

    Parameters
    ----------
    phone_rate, digital_rate : float
        Arrivals per hour of each class.
    aht_s : float
        Mean handling time of both classes, seconds.
    agents : int
        Agents in the pool.
    phone_within_s, digital_within_s : float
        Service-level thresholds.
    patience_s : float, optional
        Callers' mean patience (abandonment; makes the figures approximate).

    Returns
    -------
    BlendedMetrics
    """
    if min(phone_rate, digital_rate) < 0 or aht_s <= 0 or agents < 0:
        raise InvalidInputError(
            "agents", (phone_rate, digital_rate, aht_s, agents), "rates, AHT, agents >= 0"
        )
    c = int(agents)
    patience = math.inf if patience_s is None else float(patience_s)
    theta = 0.0 if patience == math.inf else 1.0 / patience
    lam1, lam2 = phone_rate / 3600.0, digital_rate / 3600.0
    a1, a2 = lam1 * aht_s, lam2 * aht_s
    load = a1 + a2
    cmu = c / aht_s
    exact = theta == 0.0
    if c == 0 or a1 >= c:
        if theta > 0 and c > 0:  # calls take every agent; Erlang A of the calls alone
            alone = erlang_a(phone_rate, aht_s, c, patience_s=patience, within_s=phone_within_s)
            phone = replace(alone, model=_MODEL)
        else:
            phone = _metrics(
                phone_rate, aht_s, c, phone_within_s, patience,
                load=a1, p_wait=1.0, sl=0.0 if lam1 > 0 else 1.0, asa=math.inf,
                mean_wait=math.inf, p_abandon=1.0 if theta > 0 and lam1 > 0 else 0.0,
                occupancy=1.0 if c > 0 else 0.0,
            )  # fmt: skip
        digital = _metrics(
            digital_rate, aht_s, c, digital_within_s, math.inf,
            load=a2, p_wait=1.0, sl=0.0 if lam2 > 0 else 1.0, asa=math.inf, mean_wait=math.inf,
            p_abandon=0.0, occupancy=phone.occupancy,
        )  # fmt: skip
        return BlendedMetrics(phone, digital, phone.occupancy, exact=False)
    big_c = erlang_c(load, c) if load < c else 1.0
    calls = _phone(lam1, cmu, big_c, phone_within_s, theta)
    if load < c:
        rho = load / c
        wait2 = big_c / (cmu * (1.0 - lam1 / cmu) * (1.0 - rho))
        tail = 1.0 - busy_period_wait_cdf(
            digital_within_s, arrival_rate=lam1, service_rate=cmu, rho=rho
        )
        sl2 = 1.0 - big_c * tail if digital_within_s > 0 else 1.0 - big_c
        occupancy = min(1.0, (a1 * (1.0 - calls.p_abandon) + a2) / c)
    else:  # digital contacts pile up: the pool never catches up with them
        wait2, sl2, occupancy, exact = math.inf, 0.0 if lam2 > 0 else 1.0, 1.0, False
    phone = _metrics(
        phone_rate, aht_s, c, phone_within_s, patience,
        load=a1, p_wait=big_c, sl=min(1.0, max(0.0, calls.service_level)), asa=calls.asa_s,
        mean_wait=calls.mean_wait_s, p_abandon=calls.p_abandon, occupancy=occupancy,
    )  # fmt: skip
    digital = _metrics(
        digital_rate, aht_s, c, digital_within_s, math.inf,
        load=a2, p_wait=big_c, sl=min(1.0, max(0.0, sl2)), asa=wait2, mean_wait=wait2,
        p_abandon=0.0, occupancy=occupancy,
    )  # fmt: skip
    return BlendedMetrics(phone, digital, occupancy, exact=exact)
