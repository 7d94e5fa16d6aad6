"""Replicated desk runs summarised as estimates with confidence intervals.

Every KPI is **pooled** over the replications: the service level of an interval is the
contacts answered within T in every replication ÷ the contacts offered in every replication.
Proportions (service level, abandonment, probability of waiting) carry a Wilson interval on
the effective contacts (:func:`~dispatch_core.sim.stats.proportion`: the design effect
across independent replications accounts for contacts of one run being correlated), so an
interval never collapses to zero width; ASA and occupancy carry the pooled ratio's t interval
(:func:`~dispatch_core.sim.stats.ratio`). Extra KPIs of a run (``DeskRun.extra``) are averaged
over replications with a t interval.

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
from dispatch_core.sim.stats import Estimate, estimate, proportion, ratio

__all__ = ["DeskSummary", "replicate_desk"]

_PROPORTIONS = ("abandon_rate", "service_level", "wait_probability")
_RATIOS = ("asa_s", "occupancy")
_INTERVAL_KPIS = tuple(sorted(_PROPORTIONS + _RATIOS))


def _parts(run: DeskRun, name: str) -> tuple[Sequence[float], Sequence[float]]:
    """Numerator and denominator of KPI ``name``, per interval."""
    if name == "service_level":
        return run.answered_within_by_interval, run.offered_by_interval
    if name == "abandon_rate":
        return run.abandoned_by_interval, run.offered_by_interval
    if name == "wait_probability":
        return run.delayed_by_interval, run.offered_by_interval
    if name == "asa_s":
        return run.wait_s_by_interval, run.answered_by_interval
    return run.busy_s_by_interval, run.staffed_s_by_interval


def _pooled(
    name: str, nums: Sequence[float], dens: Sequence[float], confidence: float
) -> Estimate | None:
    if name in _PROPORTIONS:
        return proportion([int(x) for x in nums], [int(d) for d in dens], confidence=confidence)
    return ratio(nums, dens, confidence=confidence)


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
        """Day-wide estimate of a headline KPI (``service_level``, ``asa_s``…), pooled.

        Where nothing was offered in any replication the run's own convention holds
        (service level 1, abandonment 0, ASA 0), as a t estimate.
        """
        if name in _INTERVAL_KPIS:
            parts = [_parts(r, name) for r in self.runs]
            found = _pooled(
                name,
                [math.fsum(n) for n, _ in parts],
                [math.fsum(d) for _, d in parts],
                self.confidence,
            )
            if found is not None:
                return found
        values = [r.kpis().get(name) for r in self.runs]
        if any(v is None for v in values):
            raise InvalidInputError("name", name, "is not a KPI of these runs")
        return estimate([float(v) for v in values if v is not None], confidence=self.confidence)

    def interval_kpi(self, name: str) -> list[Estimate | None]:
        """Per-interval pooled estimates (``None`` where no replication had a denominator)."""
        if name not in _INTERVAL_KPIS:
            raise InvalidInputError("name", name, f"must be one of {', '.join(_INTERVAL_KPIS)}")
        parts = [_parts(r, name) for r in self.runs]
        return [
            _pooled(name, [n[i] for n, _ in parts], [d[i] for _, d in parts], self.confidence)
            for i in range(self.spec.intervals)
        ]

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
