"""Replicated desk runs summarised as estimates with confidence intervals.

Each KPI is computed per replication (e.g. that replication's service level) and the
replications are averaged, with a two-sided Student t interval (independent replications,
so the interval is honest even though contacts within a run are correlated).

Examples
--------
>>> from dispatch_core.sim.replicate import InlineExecutor
>>> spec = DeskSpec.stationary(200.0, aht_s=180.0, agents=14, hours=1.0)
>>> s = replicate_desk(spec, replications=4, seed=1, executor=InlineExecutor())
>>> s.kpi("service_level").n
4
>>> len(s.interval_kpi("service_level")) == spec.intervals
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial

from dispatch_core.errors import InvalidInputError
from dispatch_core.sim.desk.model import DeskRun, DeskSpec, simulate_desk
from dispatch_core.sim.replicate import replicate
from dispatch_core.sim.stats import Estimate, estimate

__all__ = ["DeskSummary", "replicate_desk"]

_INTERVAL_KPIS = ("abandon_rate", "asa_s", "occupancy", "service_level", "wait_probability")


def _interval_value(run: DeskRun, name: str, i: int) -> float | None:
    offered = run.offered_by_interval[i]
    if name == "service_level":
        return run.answered_within_by_interval[i] / offered if offered else None
    if name == "abandon_rate":
        return run.abandoned_by_interval[i] / offered if offered else None
    if name == "wait_probability":
        return run.delayed_by_interval[i] / offered if offered else None
    if name == "asa_s":
        answered = run.answered_by_interval[i]
        return run.wait_s_by_interval[i] / answered if answered else None
    staffed = run.staffed_s_by_interval[i]
    return run.busy_s_by_interval[i] / staffed if staffed else None


@dataclass(frozen=True, slots=True)
class DeskSummary:
    """The replications of one desk and their estimates.

    Attributes
    ----------
    spec : DeskSpec
        What was simulated.
    runs : tuple of DeskRun
        One per replication, in replication order.
    confidence : float
        Confidence level of the intervals.
    """

    spec: DeskSpec
    runs: tuple[DeskRun, ...]
    confidence: float = 0.95

    @property
    def offered(self) -> int:
        """Measured contacts over all replications."""
        return sum(r.offered for r in self.runs)

    def kpi(self, name: str) -> Estimate:
        """Estimate of a headline KPI (``service_level``, ``asa_s``, ``abandon_rate``…)."""
        values = [r.kpis().get(name) for r in self.runs]
        if any(v is None for v in values):
            raise InvalidInputError("name", name, "is not a KPI of these runs")
        return estimate([float(v) for v in values if v is not None], confidence=self.confidence)

    def interval_kpi(self, name: str) -> list[Estimate | None]:
        """Per-interval estimates (``None`` where no replication had a defined value)."""
        if name not in _INTERVAL_KPIS:
            raise InvalidInputError("name", name, f"must be one of {', '.join(_INTERVAL_KPIS)}")
        out: list[Estimate | None] = []
        for i in range(self.spec.intervals):
            values = [v for r in self.runs if (v := _interval_value(r, name, i)) is not None]
            out.append(estimate(values, confidence=self.confidence) if values else None)
        return out

    def table(self) -> dict[str, Estimate]:
        """Every headline KPI, by name."""
        names: Sequence[str] = sorted(self.runs[0].kpis()) if self.runs else ()
        return {n: self.kpi(n) for n in names}

    def __str__(self) -> str:
        parts = [f"{k}={v}" for k, v in self.table().items() if math.isfinite(v.mean)]
        return "DeskSummary(" + ", ".join(parts) + ")"


def replicate_desk(
    spec: DeskSpec,
    *,
    replications: int,
    seed: int,
    executor: Executor | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    confidence: float = 0.95,
    simulate: Callable[..., DeskRun] = simulate_desk,
    on_result: Callable[[int], None] | None = None,
) -> DeskSummary:
    """Replicate :func:`~dispatch_core.sim.desk.model.simulate_desk` and summarise.

    Parameters
    ----------
    spec : DeskSpec
        The desk.
    replications : int
        Number of replications.
    seed : int
        Master seed; replication ``i`` uses streams keyed by ``(seed, i)``.
    executor, scheduler, progress
        As in :func:`~dispatch_core.sim.replicate.replicate`.
    confidence : float
        Confidence level of the intervals.
    simulate : callable
        One replication: ``simulate(spec, seed=…, replication=…) -> DeskRun`` (picklable);
        :func:`~dispatch_core.sim.desk.model.simulate_desk` by default, the engine-driven desk in
        the field simulation.
    on_result : callable, optional
        As in :func:`~dispatch_core.sim.replicate.replicate`.
    """
    runs = replicate(
        partial(simulate, spec),
        replications=replications,
        seed=seed,
        executor=executor,
        scheduler=scheduler,
        progress=progress,
        description="desk replications",
        on_result=on_result,
    )
    return DeskSummary(spec=spec, runs=tuple(runs), confidence=confidence)
