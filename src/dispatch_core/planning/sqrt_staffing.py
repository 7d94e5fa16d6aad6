"""Square-root safety staffing (Halfin–Whitt): ``c = ⌈A + β√A⌉``.

Re-exported by :mod:`dispatch_core.planning.erlang` and :mod:`dispatch_core.staffing`.
"""

from __future__ import annotations

import math

from dispatch_core.errors import InvalidInputError
from dispatch_core.planning._checks import MODEL, check_fraction, check_nonneg

__all__ = ["halfin_whitt_beta", "square_root_staffing"]


def _phi(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _big_phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def halfin_whitt_beta(p_wait: float) -> float:
    """Safety factor ``β`` with Halfin–Whitt delay probability ``[1 + βΦ(β)/φ(β)]⁻¹ = p_wait``.

    Examples
    --------
    >>> round(halfin_whitt_beta(0.2), 4)
    1.0615
    """
    p = check_fraction("p_wait", p_wait, open_upper=True)
    if p <= 0:
        raise InvalidInputError("p_wait", p_wait, "must be > 0", model=MODEL)
    lo, hi = 0.0, 10.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if 1.0 / (1.0 + mid * _big_phi(mid) / _phi(mid)) > p:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def square_root_staffing(
    load_erlangs: float, *, p_wait: float | None = None, beta: float | None = None
) -> int:
    """Square-root safety staffing ``c = ⌈A + β√A⌉`` (Halfin–Whitt QED regime).

    Give either ``beta`` directly or the target delay probability ``p_wait`` (``β`` from
    :func:`halfin_whitt_beta`). Within one agent of the exact Erlang C answer for loads 1–1000.

    Examples
    --------
    >>> square_root_staffing(100.0, p_wait=0.2)
    111
    >>> square_root_staffing(100.0, beta=1.0)
    110
    """
    load = check_nonneg("load_erlangs", load_erlangs)
    if (p_wait is None) == (beta is None):
        raise InvalidInputError("beta", beta, "give exactly one of p_wait and beta", model=MODEL)
    b = halfin_whitt_beta(p_wait) if p_wait is not None else check_nonneg("beta", float(beta or 0))
    return max(1 if load > 0 else 0, math.ceil(load + b * math.sqrt(load) - 1e-9))
