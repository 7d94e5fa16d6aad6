"""A bare SimPy M/M/c(+M) desk: the textbook model, used as the benchmark baseline.

One process per caller, a :class:`simpy.Resource` with ``c`` agents, and (with patience) the
usual ``request | timeout`` race. No profiles, shifts, contact types or per-interval KPIs: it
is what someone would write in twenty lines, and it answers the same stationary question as
:class:`~dispatch_core.sim.desk.model.DeskModel` with one interval.

Examples
--------
>>> r = simulate_bare(200.0, aht_s=180.0, agents=14, hours=2.0, seed=1)
>>> r.offered > 0 and 0.0 <= r.service_level <= 1.0
True
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import simpy

from dispatch_core.errors import InvalidInputError
from dispatch_core.sim.streams import Streams

__all__ = ["BareRun", "simulate_bare"]


@dataclass(frozen=True, slots=True)
class BareRun:
    """Totals of one bare run (contacts arriving after the warm-up)."""

    offered: int
    answered: int
    answered_within: int
    abandoned: int
    wait_s: float

    @property
    def service_level(self) -> float:
        """Answered within T ÷ offered."""
        return self.answered_within / self.offered if self.offered else 1.0

    @property
    def abandon_rate(self) -> float:
        """Abandoned ÷ offered."""
        return self.abandoned / self.offered if self.offered else 0.0

    @property
    def asa_s(self) -> float:
        """Mean wait of the answered contacts, seconds."""
        return self.wait_s / self.answered if self.answered else 0.0


def simulate_bare(
    rate_per_hour: float,
    *,
    aht_s: float,
    agents: int,
    hours: float,
    seed: int,
    patience_s: float | None = None,
    answer_within_s: float = 20.0,
    warmup_s: float = 3600.0,
) -> BareRun:
    """Simulate an M/M/c (or M/M/c+M) desk the textbook SimPy way.

    Parameters
    ----------
    rate_per_hour : float
        Offered contacts per hour.
    aht_s : float
        Mean handling time, seconds (exponential).
    agents : int
        Number of agents ``c``.
    hours : float
        Measured hours after the warm-up.
    seed : int
        Seed of the streams ``"bare:arrivals"``, ``"bare:handling"`` and ``"bare:patience"``.
    patience_s : float, optional
        Mean patience (exponential); ``None`` means nobody abandons.
    answer_within_s : float
        Service-level threshold, seconds.
    warmup_s : float
        Unmeasured warm-up, seconds.
    """
    if rate_per_hour <= 0 or aht_s <= 0 or hours <= 0:
        raise InvalidInputError("rate_per_hour", rate_per_hour, "rate, aht_s and hours must be > 0")
    if agents < 1:
        raise InvalidInputError("agents", agents, "must be >= 1")
    streams = Streams(seed)
    arrivals = streams.random("bare:arrivals")
    handling = streams.random("bare:handling")
    patience = streams.random("bare:patience")
    env = simpy.Environment()
    desk = simpy.Resource(env, capacity=agents)
    end = warmup_s + hours * 3600.0
    totals = {"offered": 0, "answered": 0, "within": 0, "abandoned": 0}
    waits = [0.0]
    lam = rate_per_hour / 3600.0
    mu = 1.0 / aht_s
    theta = None if patience_s is None else 1.0 / patience_s

    def caller(measured: bool) -> Generator[simpy.Event, Any, None]:
        arrived = env.now
        with desk.request() as req:
            if theta is None:
                yield req
            else:
                result = yield req | env.timeout(patience.expovariate(theta))
                if req not in result:
                    if measured:
                        totals["abandoned"] += 1
                    return
            if measured:
                wait = env.now - arrived
                totals["answered"] += 1
                totals["within"] += wait <= answer_within_s
                waits[0] += wait
            yield env.timeout(handling.expovariate(mu))

    def source() -> Generator[simpy.Event, Any, None]:
        while True:
            yield env.timeout(arrivals.expovariate(lam))
            if env.now >= end:
                return
            measured = env.now >= warmup_s
            totals["offered"] += measured
            env.process(caller(measured))

    env.process(source())
    env.run()
    return BareRun(
        offered=totals["offered"],
        answered=totals["answered"],
        answered_within=totals["within"],
        abandoned=totals["abandoned"],
        wait_s=math.fsum(waits),
    )
