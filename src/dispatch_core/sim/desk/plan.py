"""Simulated staffing plan: the analytic plan re-checked and re-sized by SimPy replications.

For every day of an analytic :class:`~dispatch_core.planning.plan.Plan` the phone and digital
queues of :func:`~dispatch_core.sim.desk.scenario.scenario_desk` are searched
(:func:`~dispatch_core.sim.search.search_desk_staffing`, polished) for the **fewest agents per
interval** meeting the scenario's targets with a stated **one-sided confidence**, and the answer
is then **verified on fresh replications** (:mod:`dispatch_core.sim.desk.day`: every figure
shown comes from replications the search never saw; ``recheck_replications`` adds an
independent re-check, tallied by :meth:`SimPlan.recheck_tally`):

* phone: service level (answered within ``phone_within_s`` ÷ offered) ≥ ``phone_target`` and,
  with ``model = "erlang_a"``, abandonment ≤ ``max_abandon``;
* digital: service level ≥ ``digital_target`` (within ``digital_within_s``).

The search starts from the Erlang requirement. It judges the SLA targets only (the analytic
plan also caps occupancy at ``max_occupancy``). Also simulated: the phone queue with the
**rostered** agents (split as the planner does), to set beside the Erlang projection, and an
**attainment curve** at the peak interval of one day (agents there varied, the rest of the day
at the simulated requirement).

Reproducibility: each (day, queue) gets its own seed derived from the master seed and the
names, every staffing level of a search reuses it (common random numbers), verification and
re-check derive their own from it, and the results are identical whichever executor runs the
days (a process pool, a dask cluster, inline).

Phase 2b (the field simulation through the engine) plugs in with ``simulate=``: a picklable
``simulate(spec, seed=…, replication=…) -> DeskRun`` whose model hooks ``on_handled``.

Examples
--------
>>> from dispatch_core.planning.plan import build_plan
>>> from dispatch_core.planning.scenario import default_scenario
>>> from dispatch_core.sim.replicate import InlineExecutor
>>> plan = build_plan(default_scenario(), interval_minutes=60, days=["sun"])
>>> sim = simulate_plan(plan, replications=3, seed=1, executor=InlineExecutor())
>>> day = sim.day("sun")
>>> all(iv.required >= 1 for iv in day.intervals if iv.desk != "closed")
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Executor, as_completed
from contextlib import ExitStack
from dataclasses import dataclass

from dispatch_core.errors import InvalidInputError
from dispatch_core.planning.erlang import QueueMetrics, evaluate
from dispatch_core.planning.plan import DayPlan, Plan, RuleComparison, compare_with_rule
from dispatch_core.planning.scenario import Scenario
from dispatch_core.sim.desk.day import SimDay, SimInterval, queue_targets, simulate_day
from dispatch_core.sim.desk.judge import Verdict
from dispatch_core.sim.desk.model import DeskRun, simulate_desk
from dispatch_core.sim.desk.scenario import scenario_desk
from dispatch_core.sim.desk.summary import replicate_desk
from dispatch_core.sim.replicate import executor_for, relay_calls
from dispatch_core.sim.stats import Estimate
from dispatch_core.sim.streams import derived_seed

__all__ = [
    "AttainmentCurve",
    "CurvePoint",
    "PartTimerNeed",
    "RECHECK_TOLERANCE",
    "RecheckTally",
    "SimDay",
    "SimInterval",
    "SimPlan",
    "derived_seed",
    "simulate_day",
    "simulate_plan",
]

#: A plan's claims at confidence ``C`` hold when at least ``C − RECHECK_TOLERANCE`` of them
#: meet their targets on an independent re-check (the re-check's own noise, and intervals
#: whose true figure sits right at the target, take the rest).
RECHECK_TOLERANCE = 0.05


@dataclass(frozen=True, slots=True)
class RecheckTally:
    """How a plan's claims fared on the independent re-check (``--verify N``).

    ``claims`` counts (interval, queue) pairs whose verdict is ``MET`` (a claim at the plan's
    confidence) and that the re-check saw traffic in; ``held`` how many of them meet their
    targets on the re-check's point estimates; ``thin`` the pairs too thin to claim and
    ``not_met`` those the verification itself found short (neither is a claim).
    """

    replications: int
    claims: int
    held: int
    thin: int
    not_met: int
    confidence: float

    @property
    def share(self) -> float:
        """Share of claims that held (1.0 with no claims)."""
        return self.held / self.claims if self.claims else 1.0

    @property
    def holds(self) -> bool:
        """Whether at least ``confidence − RECHECK_TOLERANCE`` of the claims held."""
        return self.share >= self.confidence - RECHECK_TOLERANCE

    def __str__(self) -> str:
        return (
            f"re-check ({self.replications} fresh replications): {self.held} of {self.claims} "
            f"claims meet their targets ({self.share:.1%}; needed "
            f"{self.confidence - RECHECK_TOLERANCE:.0%} = {self.confidence:.0%} − "
            f"{RECHECK_TOLERANCE:.0%} tolerance); {self.thin} thin, {self.not_met} not met"
        )


@dataclass(frozen=True, slots=True)
class PartTimerNeed:
    """Part-timers a peak day needs on top of its full-time desk agents.

    ``peak`` is the most part-timers needed on duty at once, ``hours`` the part-timer hours,
    ``headcount`` the part-timers to call in (at least ``peak``, and enough to cover
    ``hours`` at ``shift_hours × part_timer_fte`` each); ``analytic_*`` the same from Erlang;
    ``rostered_*`` what the scenario rosters.
    """

    day: str
    peak: int
    hours: float
    headcount: int
    analytic_peak: int
    analytic_hours: float
    analytic_headcount: int
    rostered_peak: int
    rostered_hours: float


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """Phone figures at one staffing level of the curve interval (simulated and Erlang)."""

    agents: int
    service_level: Estimate | None
    abandon_rate: Estimate | None
    asa_s: Estimate | None
    analytic: QueueMetrics


@dataclass(frozen=True, slots=True)
class AttainmentCurve:
    """SLA attainment against phone agents at one interval of one day."""

    day: str
    start_minute: int
    rate_per_hour: float
    aht_s: float
    target: float
    within_s: float
    max_abandon: float | None
    analytic_required: int
    simulated_required: int
    points: tuple[CurvePoint, ...]

    @property
    def label(self) -> str:
        """``"HH:MM"`` of the interval."""
        return f"{self.start_minute // 60:02d}:{self.start_minute % 60:02d}"


@dataclass(frozen=True, slots=True)
class SimPlan:
    """The simulated plan beside the analytic one.

    ``confidence`` is the one-sided level at which targets are judged; the estimates carry
    two-sided intervals at ``2·confidence − 1`` (their lower/upper end is that bound).
    """

    plan: Plan
    days: tuple[SimDay, ...]
    rule: RuleComparison
    part_timers: tuple[PartTimerNeed, ...]
    curve: AttainmentCurve | None
    replications: int
    seed: int
    confidence: float
    verify_replications: int = 0
    recheck_replications: int = 0

    def day(self, name: str) -> SimDay:
        """Return the simulated day called ``name``."""
        for day in self.days:
            if day.name == name:
                return day
        raise InvalidInputError("day", name, f"no such day; known: {[d.name for d in self.days]}")

    @property
    def replications_run(self) -> int:
        """Desk-days simulated in all (search levels, verification rounds, roster, re-check)."""
        curve = len(self.curve.points) * self.verify_replications if self.curve else 0
        return sum(d.replications_run for d in self.days) + curve

    def _rechecked(self, iv: SimInterval) -> tuple[tuple[Verdict, bool], ...]:
        """``(verdict, re-check meets)`` of each queue of ``iv`` the re-check saw traffic in."""
        scenario = self.plan.scenario
        phone = queue_targets(scenario, "phone", self.confidence)
        digital = queue_targets(scenario, "digital", self.confidence)
        out = []
        if iv.service_level is not None and iv.recheck_service_level is not None:
            ok = phone.meets(iv.recheck_service_level, iv.recheck_abandon_rate)
            out.append((iv.verdict, ok))
        if iv.digital_service_level is not None and iv.recheck_digital_service_level is not None:
            out.append((iv.digital_verdict, digital.meets(iv.recheck_digital_service_level, None)))
        return tuple(out)

    def recheck_misses(self, day: str) -> tuple[bool, ...]:
        """Per interval of ``day``: whether the independent re-check misses a target there.

        A queue of the interval misses when the re-check's point estimates do not meet its
        targets, whatever its verdict was (a claim that failed, or an interval already unsure
        or short). All ``False`` without a re-check. The report shows these rows red.
        """
        return tuple(any(not ok for _, ok in self._rechecked(iv)) for iv in self.day(day).intervals)

    def recheck_tally(self) -> RecheckTally | None:
        """Tally the re-check against the claims (``None`` without a re-check)."""
        if not self.recheck_replications:
            return None
        claims = held = thin = short = 0
        for day in self.days:
            for iv in day.intervals:
                for verdict, ok in self._rechecked(iv):
                    if verdict == Verdict.THIN:
                        thin += 1
                    elif verdict == Verdict.NOT_MET:
                        short += 1
                    else:
                        claims += 1
                        held += ok
        return RecheckTally(self.recheck_replications, claims, held, thin, short, self.confidence)


def _part_timers(scenario: Scenario, day: SimDay, analytic: DayPlan) -> PartTimerNeed:
    desk = scenario_desk(scenario, day.name, interval_minutes=analytic.intervals[0].minutes)
    hours = analytic.intervals[0].minutes / 60.0
    full = [r - p for r, p in zip(desk.rostered, desk.part_timers, strict=True)]
    need = [max(0, iv.required - f) for iv, f in zip(day.intervals, full, strict=True)]
    need_a = [max(0, iv.required - f) for iv, f in zip(analytic.intervals, full, strict=True)]
    per_head = scenario.staffing.shift_hours * scenario.staffing.part_timer_fte

    def heads(peak: int, total: float) -> int:
        return max(peak, math.ceil(total / per_head - 1e-9))

    return PartTimerNeed(
        day=day.name,
        peak=max(need),
        hours=sum(need) * hours,
        headcount=heads(max(need), sum(need) * hours),
        analytic_peak=max(need_a),
        analytic_hours=sum(need_a) * hours,
        analytic_headcount=heads(max(need_a), sum(need_a) * hours),
        rostered_peak=max(desk.part_timers),
        rostered_hours=sum(desk.part_timers) * hours,
    )


def _curve(
    scenario: Scenario,
    day: SimDay,
    analytic: DayPlan,
    *,
    replications: int,
    seed: int,
    confidence: float,
    executor: Executor,
    simulate: Callable[..., DeskRun],
    width: int,
) -> AttainmentCurve | None:
    rows = list(zip(analytic.intervals, day.intervals, strict=True))
    i, (peak, sim) = max(enumerate(rows), key=lambda r: (r[1][0].phone_contacts, -r[0]))
    if peak.phone_contacts <= 0:
        return None
    sla = scenario.sla
    patience = scenario.patience.mean_s if sla.model == "erlang_a" else None
    desk = scenario_desk(
        scenario,
        day.name,
        interval_minutes=peak.minutes,
        phone_agents=[iv.phone for iv in day.intervals],
    )
    rate = peak.phone_contacts * 60 / peak.minutes
    low = max(1, min(sim.phone, peak.required_phone) - width)
    high = max(sim.phone, peak.required_phone) + width
    points = []
    for c in range(low, high + 1):
        agents = list(desk.phone.agents)
        agents[i] = c
        summary = replicate_desk(
            desk.phone.with_agents(agents),
            replications=replications,
            seed=derived_seed(seed, day.name, "phone", "curve"),
            executor=executor,
            confidence=2.0 * confidence - 1.0,
            simulate=simulate,
        )
        points.append(
            CurvePoint(
                agents=c,
                service_level=summary.interval_kpi("service_level")[i],
                abandon_rate=summary.interval_kpi("abandon_rate")[i],
                asa_s=summary.interval_kpi("asa_s")[i],
                analytic=evaluate(
                    rate, peak.aht_s, c, within_s=sla.phone_within_s, patience_s=patience
                ),
            )
        )
    return AttainmentCurve(
        day=day.name,
        start_minute=peak.start_minute,
        rate_per_hour=rate,
        aht_s=peak.aht_s,
        target=sla.phone_target,
        within_s=sla.phone_within_s,
        max_abandon=sla.max_abandon if patience is not None else None,
        analytic_required=peak.required_phone,
        simulated_required=sim.phone,
        points=tuple(points),
    )


def simulate_plan(
    plan: Plan,
    *,
    replications: int,
    seed: int = 0,
    confidence: float = 0.95,
    executor: Executor | None = None,
    scheduler: str | None = None,
    curve_day: str | None = None,
    curve_width: int = 3,
    on_day: Callable[[SimDay], None] | None = None,
    simulate: Callable[..., DeskRun] = simulate_desk,
    verify_replications: int | None = None,
    recheck_replications: int = 0,
    on_evaluation: Callable[[str], None] | None = None,
    workers: int | None = None,
) -> SimPlan:
    """Simulate and re-size every day of ``plan``.

    Parameters
    ----------
    plan : Plan
        The analytic plan (its scenario, days and interval length are used).
    replications : int
        Replications per staffing level evaluated (>= 2 for a confidence interval).
    seed : int
        Master seed.
    confidence : float
        One-sided confidence in (0.5, 1) with which each interval must meet its targets.
    executor, scheduler
        Where the days run (one task per day); default a local process pool of ``workers``
        processes (every core), or the dask cluster at ``scheduler``. Results do not depend
        on it.
    curve_day : str, optional
        Day of the attainment curve (default: the analytic plan's busiest day).
    curve_width : int
        Agents either side of the requirements on the curve.
    on_day : callable, optional
        Called with each :class:`SimDay` as soon as it is done, in the order days finish
        (progress, partial results).
    simulate : callable
        One replication of a desk (see :func:`~dispatch_core.sim.desk.summary.replicate_desk`).
    verify_replications : int, optional
        Fresh replications of the first verification round (default ``2 × replications``); the
        replications of the roster and of the attainment curve.
    recheck_replications : int
        Independent re-check replications at the answer (0: none); see
        :meth:`SimPlan.recheck_tally`.
    on_evaluation : callable, optional
        Called with ``"<day> <queue>"`` after each staffing level is simulated, from a thread
        of this process (a local pool relays through a manager queue; with ``scheduler``
        only ``on_day`` reports).
    workers : int, optional
        Processes of the default local pool.

    Returns
    -------
    SimPlan
    """
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 2:
        raise InvalidInputError("replications", replications, "must be an integer >= 2")
    if not 0.5 < confidence < 1.0:
        raise InvalidInputError("confidence", confidence, "must be in (0.5, 1)")
    verify_n = verify_replications or 2 * replications
    scenario = plan.scenario
    shown = plan.day(curve_day) if curve_day else plan.busiest_day
    with ExitStack() as stack:
        if executor is None:
            executor = stack.enter_context(
                executor_for(scheduler, workers=workers, preload=(__name__,))
            )
        relay = stack.enter_context(relay_calls(executor, on_evaluation))
        futures = {
            executor.submit(
                simulate_day,
                scenario,
                d.name,
                interval_minutes=plan.interval_minutes,
                replications=replications,
                seed=seed,
                confidence=confidence,
                verify_replications=verify_n,
                recheck_replications=recheck_replications,
                simulate=simulate,
                on_evaluation=relay,
            ): d.name
            for d in plan.days
        }
        finished: dict[str, SimDay] = {}
        for future in as_completed(futures):
            finished[futures[future]] = future.result()
            if on_day is not None:
                on_day(finished[futures[future]])
        days = [finished[d.name] for d in plan.days]
        curve = _curve(
            scenario,
            finished[shown.name],
            shown,
            replications=verify_n,
            seed=seed,
            confidence=confidence,
            executor=executor,
            simulate=simulate,
            width=curve_width,
        )
    peaks = [d for d in days if scenario.day(d.name).events]
    return SimPlan(
        plan=plan,
        days=tuple(days),
        rule=compare_with_rule(scenario, days),
        part_timers=tuple(_part_timers(scenario, d, plan.day(d.name)) for d in peaks),
        curve=curve,
        replications=replications,
        seed=seed,
        confidence=confidence,
        verify_replications=verify_n,
        recheck_replications=recheck_replications,
    )
