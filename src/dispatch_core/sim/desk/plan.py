"""Simulated staffing plan: the analytic plan re-checked and re-sized by SimPy replications.

For every day of an analytic :class:`~dispatch_core.planning.plan.Plan` the phone and digital
queues of :func:`~dispatch_core.sim.desk.scenario.scenario_desk` are simulated and searched
(:func:`~dispatch_core.sim.search.search_desk_staffing`, polished, so that one agent fewer in
any interval fails a target) for the **fewest agents per interval** meeting the scenario's
targets with a stated **one-sided confidence**:

* phone: service level (answered within ``phone_within_s`` ÷ offered) ≥ ``phone_target`` and,
  with ``model = "erlang_a"``, abandonment ≤ ``max_abandon``;
* digital: service level ≥ ``digital_target`` (within ``digital_within_s``).

The search starts from the Erlang requirement. It judges the SLA targets only (the analytic
plan also caps occupancy at ``max_occupancy``). Also simulated: the phone queue with the
**rostered** agents (split as the planner does), to set beside the Erlang projection, and an
**attainment curve** at the peak interval of one day (agents there varied, the rest of the day
at the simulated requirement).

Reproducibility: each (day, queue) gets its own seed derived from the master seed and the
names, every staffing level of a search reuses it (common random numbers), and the results are
identical whichever executor runs the days (a process pool, a dask cluster, inline).

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
import zlib
from collections.abc import Callable
from concurrent.futures import Executor
from contextlib import ExitStack
from dataclasses import dataclass

import numpy as np

from dispatch_core.errors import InvalidInputError
from dispatch_core.planning.erlang import QueueMetrics, evaluate
from dispatch_core.planning.plan import (
    DayPlan,
    IntervalPlan,
    Plan,
    RuleComparison,
    compare_with_rule,
    headcount,
)
from dispatch_core.planning.scenario import Scenario
from dispatch_core.sim.desk.model import DeskRun, simulate_desk
from dispatch_core.sim.desk.scenario import ScenarioDesk, scenario_desk
from dispatch_core.sim.desk.summary import DeskSummary, replicate_desk
from dispatch_core.sim.replicate import InlineExecutor, executor_for
from dispatch_core.sim.search import SearchResult, search_desk_staffing
from dispatch_core.sim.stats import Estimate

__all__ = [
    "AttainmentCurve",
    "CurvePoint",
    "PartTimerNeed",
    "SimDay",
    "SimInterval",
    "SimPlan",
    "derived_seed",
    "simulate_day",
    "simulate_plan",
]


def derived_seed(seed: int, *names: str) -> int:
    """Return a 64-bit seed for one part of an experiment, stable across runs and machines.

    Examples
    --------
    >>> derived_seed(1, "storm", "phone") == derived_seed(1, "storm", "phone")
    True
    >>> derived_seed(1, "storm", "phone") != derived_seed(1, "storm", "digital")
    True
    """
    keys = tuple(zlib.crc32(n.encode("utf-8")) for n in names)
    state = np.random.SeedSequence(seed, spawn_key=keys).generate_state(2, dtype=np.uint32)
    return int(state[0]) << 32 | int(state[1])


@dataclass(frozen=True, slots=True)
class SimInterval:
    """One interval: Erlang and simulated requirements, simulated phone figures.

    ``service_level``, ``asa_s`` and ``abandon_rate`` are phone estimates at the simulated
    requirement; ``rostered_*`` the same with the rostered agents. ``None``: nothing offered.
    """

    start_minute: int
    minutes: int
    desk: str
    analytic_phone: int
    analytic_digital: int
    phone: int
    digital: int
    rostered: int
    service_level: Estimate | None
    asa_s: Estimate | None
    abandon_rate: Estimate | None
    digital_service_level: Estimate | None
    rostered_service_level: Estimate | None
    rostered_asa_s: Estimate | None
    rostered_abandon_rate: Estimate | None

    @property
    def label(self) -> str:
        """``"HH:MM"`` of the interval start."""
        return f"{self.start_minute // 60:02d}:{self.start_minute % 60:02d}"

    @property
    def required(self) -> int:
        """Simulated agents required (phone + digital)."""
        return self.phone + self.digital

    @property
    def analytic_required(self) -> int:
        """Erlang agents required (phone + digital)."""
        return self.analytic_phone + self.analytic_digital


@dataclass(frozen=True, slots=True)
class SimDay:
    """One simulated day: intervals, the simulated roll-up and the searches behind it.

    ``required_fte``, ``headcount``, ``reserve`` and ``supervisors`` roll the simulated
    agent-hours up with :func:`~dispatch_core.planning.plan.headcount`; ``service_level``,
    ``abandon_rate`` and ``asa_s`` are the day's phone figures at the simulated requirement,
    ``rostered_service_level`` with the rostered agents. ``capped`` lists intervals whose
    targets were not met even at the search's maximum.
    """

    name: str
    events: tuple[str, ...]
    intervals: tuple[SimInterval, ...]
    required_agent_hours: float
    analytic_agent_hours: float
    required_fte: float
    headcount: int
    reserve: int
    supervisors: int
    peak_required: int
    service_level: Estimate
    abandon_rate: Estimate
    asa_s: Estimate
    rostered_service_level: Estimate
    evaluations: int
    capped: tuple[int, ...]


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

    def day(self, name: str) -> SimDay:
        """Return the simulated day called ``name``."""
        for day in self.days:
            if day.name == name:
                return day
        raise InvalidInputError("day", name, f"no such day; known: {[d.name for d in self.days]}")

    @property
    def replications_run(self) -> int:
        """Desk replications simulated in all (every search evaluation counts)."""
        curve = len(self.curve.points) if self.curve else 0
        return self.replications * (sum(d.evaluations for d in self.days) + curve)


def _bounds(desk: ScenarioDesk, queue: str) -> list[int]:
    spec = desk.queue(queue)
    return [1 if o and r > 0 else 0 for o, r in zip(desk.open, spec.arrival_rates, strict=True)]


def _search(
    desk: ScenarioDesk,
    queue: str,
    start: list[int],
    scenario: Scenario,
    *,
    replications: int,
    seed: int,
    confidence: float,
    simulate: Callable[..., DeskRun],
) -> SearchResult[DeskSummary]:
    sla = scenario.sla
    phone = queue == "phone"
    lo = _bounds(desk, queue)
    return search_desk_staffing(
        desk.queue(queue),
        start=[max(s, m) for s, m in zip(start, lo, strict=True)],
        service_level=sla.phone_target if phone else sla.digital_target,
        max_abandon_rate=sla.max_abandon if phone and sla.model == "erlang_a" else None,
        confidence=confidence,
        replications=replications,
        seed=derived_seed(seed, desk.day, queue),
        executor=_INLINE,
        min_agents=lo,
        max_agents=[max(2 * s + 10, 20) for s in start],
        polish=True,
        simulate=simulate,
    )


#: Replications inside a day task run in that worker.
_INLINE = InlineExecutor()


def _interval(
    iv: IntervalPlan,
    phone: int,
    digital: int,
    est: dict[str, list[Estimate | None]],
    i: int,
) -> SimInterval:
    return SimInterval(
        start_minute=iv.start_minute,
        minutes=iv.minutes,
        desk=iv.desk,
        analytic_phone=iv.required_phone,
        analytic_digital=iv.required_digital,
        phone=phone,
        digital=digital,
        rostered=iv.scheduled,
        service_level=est["sl"][i],
        asa_s=est["asa"][i],
        abandon_rate=est["ab"][i],
        digital_service_level=est["dsl"][i],
        rostered_service_level=est["rsl"][i],
        rostered_asa_s=est["rasa"][i],
        rostered_abandon_rate=est["rab"][i],
    )


def simulate_day(
    scenario: Scenario,
    day: str,
    *,
    interval_minutes: int,
    replications: int,
    seed: int,
    confidence: float = 0.95,
    simulate: Callable[..., DeskRun] = simulate_desk,
) -> SimDay:
    """Search the phone and digital staffing of one day and simulate its roster.

    Parameters are those of :func:`simulate_plan`; replications run inline (this function
    is the unit of work that :func:`simulate_plan` spreads over an executor).
    """
    desk = scenario_desk(scenario, day, interval_minutes=interval_minutes)
    analytic: DayPlan = desk.analytic
    phone, digital = (
        _search(
            desk,
            queue,
            start,
            scenario,
            replications=replications,
            seed=seed,
            confidence=confidence,
            simulate=simulate,
        )
        for queue, start in (
            ("phone", [iv.required_phone for iv in analytic.intervals]),
            ("digital", [iv.required_digital for iv in analytic.intervals]),
        )
    )
    rostered = replicate_desk(
        desk.phone,
        replications=replications,
        seed=derived_seed(seed, desk.day, "phone"),
        executor=_INLINE,
        confidence=2.0 * confidence - 1.0,
        simulate=simulate,
    )
    found, dfound = phone.final.evidence, digital.final.evidence
    est = {
        "sl": found.interval_kpi("service_level"),
        "asa": found.interval_kpi("asa_s"),
        "ab": found.interval_kpi("abandon_rate"),
        "dsl": dfound.interval_kpi("service_level"),
        "rsl": rostered.interval_kpi("service_level"),
        "rasa": rostered.interval_kpi("asa_s"),
        "rab": rostered.interval_kpi("abandon_rate"),
    }
    intervals = tuple(
        _interval(iv, p, d, est, i)
        for i, (iv, p, d) in enumerate(
            zip(analytic.intervals, phone.agents, digital.agents, strict=True)
        )
    )
    hours = interval_minutes / 60.0
    agent_hours = sum(iv.required for iv in intervals) * hours
    heads = headcount(scenario, agent_hours)
    return SimDay(
        name=day,
        events=analytic.events,
        intervals=intervals,
        required_agent_hours=agent_hours,
        analytic_agent_hours=analytic.required_agent_hours,
        required_fte=heads.fte,
        headcount=heads.total,
        reserve=heads.reserve,
        supervisors=heads.supervisors,
        peak_required=max(iv.required for iv in intervals),
        service_level=found.kpi("service_level"),
        abandon_rate=found.kpi("abandon_rate"),
        asa_s=found.kpi("asa_s"),
        rostered_service_level=rostered.kpi("service_level"),
        evaluations=phone.evaluations + digital.evaluations + 1,
        capped=tuple(sorted(set(phone.capped) | set(digital.capped))),
    )


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
            seed=derived_seed(seed, day.name, "phone"),
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
        Where the days run (one task per day); default a local process pool, or the dask
        cluster at ``scheduler``. Results do not depend on it.
    curve_day : str, optional
        Day of the attainment curve (default: the analytic plan's busiest day).
    curve_width : int
        Agents either side of the requirements on the curve.
    on_day : callable, optional
        Called with each :class:`SimDay` when it is done (progress).
    simulate : callable
        One replication of a desk (see :func:`~dispatch_core.sim.desk.summary.replicate_desk`).

    Returns
    -------
    SimPlan
    """
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 2:
        raise InvalidInputError("replications", replications, "must be an integer >= 2")
    if not 0.5 < confidence < 1.0:
        raise InvalidInputError("confidence", confidence, "must be in (0.5, 1)")
    scenario = plan.scenario
    shown = plan.day(curve_day) if curve_day else plan.busiest_day
    with ExitStack() as stack:
        if executor is None:
            executor = stack.enter_context(executor_for(scheduler))
        futures = {
            d.name: executor.submit(
                simulate_day,
                scenario,
                d.name,
                interval_minutes=plan.interval_minutes,
                replications=replications,
                seed=seed,
                confidence=confidence,
                simulate=simulate,
            )
            for d in plan.days
        }
        days = []
        for future in futures.values():
            days.append(future.result())
            if on_day is not None:
                on_day(days[-1])
        by_name = {d.name: d for d in days}
        curve = _curve(
            scenario,
            by_name[shown.name],
            shown,
            replications=replications,
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
    )
