"""Technician staffing per shift: the analytic estimate re-sized by the field simulation.

For one scenario day, :func:`scenario_field` builds a
:class:`~dispatch_core.sim.field.spec.FieldSpec`
(the day's phone and digital desks with their rostered agents, the technician shifts of the
day, the scenario's first-contact resolution and repair work time). :func:`simulate_field_day`
then searches (:func:`~dispatch_core.sim.search.search_staffing`) the **fewest technicians per
shift** such that, for the tickets opened during each shift, every judged SLA target

* repair: technician on site within 1 h (``on_site/repair``),
* repair: result fed back within 24 h (``feedback/repair``, stopped when the job is resolved),
* emergency: on site within 2 h (``on_site/emergency``),
* complaint: resolved within 48 h (``resolution/complaint``),

is met by at least ``attainment`` of the clocks, judged by a one-sided lower confidence bound
of the clocks pooled over replications (a Wilson interval; a shift with too few clocks to
prove it is judged on the point estimate, "thin"). The search itself stops where the point
estimates meet the targets; the answer is then **verified** on fresh
replications (:func:`~dispatch_core.sim.desk.verify.verify_with`: a shift short there gets a
technician more) and every figure reported comes from the verification.
The targets' durations are the engine's SLA policy. A shift is judged on the
tickets opened during it while some technician is still on duty an hour later
(:func:`judged_intervals`): a repair reported at 21:45 when the last shift ends at 22:00 cannot
be reached within the hour by any number of technicians on that shift: that is a roster
question (add a night shift), reported in the day-wide curves, not a staffing level.

**Analytic estimate** (the search's start): each interval's field jobs (repair + emergency
tickets: contacts × (1 − first-contact resolution)) form an Erlang C queue whose servers are
technicians, whose handling time is the repair work plus the site's mean travel time, and whose
"answer within" is one hour minus that travel, at service level ``attainment``; a shift gets its
share of the peak requirement among the shifts covering each interval.

Also produced: **attainment curves** per judged metric against the day's technicians (every
shift ± k from the simulated answer) and the technician **roll-up**: technician-hours,
FTE and headcount with shrinkage and reserve (the desk's rules), beside the roster.

Examples
--------
>>> from dispatch_core.planning.scenario import default_scenario
>>> spec = scenario_field(default_scenario(), "sun", interval_minutes=60)
>>> [s.name for s in spec.shifts], spec.technicians
(['early', 'late', 'evening-emergency-desk'], (8, 6, 2))
>>> analytic_technicians(default_scenario(), "sun", spec)
(6, 5, 3)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial

from dispatch_core.errors import InvalidInputError
from dispatch_core.model import DEFAULT_TARGETS, Category
from dispatch_core.planning.erlang import required_agents
from dispatch_core.planning.plan import headcount, interval_demand
from dispatch_core.planning.scenario import Scenario, clock_minutes
from dispatch_core.sim.desk.judge import Verdict, at_least, worst
from dispatch_core.sim.desk.scenario import scenario_desk
from dispatch_core.sim.desk.verify import verify_with
from dispatch_core.sim.distributions import Distribution
from dispatch_core.sim.field.driver import simulate_field
from dispatch_core.sim.field.spec import DAY_S, JUDGED, FieldRun, FieldSpec, TechShift
from dispatch_core.sim.gcpause import gc_paused
from dispatch_core.sim.replicate import InlineExecutor, replicate
from dispatch_core.sim.search import Evaluation, search_staffing
from dispatch_core.sim.stats import Estimate, estimate, proportion
from dispatch_core.sim.streams import derived_seed
from dispatch_core.site import SiteGraph
from dispatch_core.sla.policy import SlaPolicy

__all__ = [
    "FIELD_ROUNDS",
    "FieldDay",
    "FieldShift",
    "TechCurvePoint",
    "analytic_technicians",
    "judge_runs",
    "judged_intervals",
    "scenario_field",
    "search_limit",
    "shift_verdict",
    "simulate_field_day",
    "ticket_policy",
]


#: Verification rounds of a field answer (a field replication costs ~20 desk replications).
FIELD_ROUNDS = 2


def ticket_policy(scenario: Scenario) -> SlaPolicy:
    """Return the engine's SLA policy for a scenario: ``[sla.ticket_targets]`` over the seeds.

    Every category keeps the seed metrics of ``DEFAULT_TARGETS`` (emergency on site 2 h); a
    metric named in the scenario's ``[sla.ticket_targets.<category>]`` takes its minutes, and a
    metric the seed targets do not list is added. The escalation chain is the default (``warn``).

    Examples
    --------
    >>> from dispatch_core.planning.scenario import default_scenario
    >>> s = default_scenario()
    >>> policy = ticket_policy(s)
    >>> [m.target for m in policy.rule_for("repair", None).metrics if m.metric == "on_site"]
    [datetime.timedelta(seconds=3600)]
    >>> from dispatch_core.model import SlaMetric
    >>> slow = s.model_copy(update={"sla": s.sla.model_copy(
    ...     update={"ticket_targets": {Category.REPAIR: {SlaMetric.ON_SITE: 240.0}}})})
    >>> [m.target for m in ticket_policy(slow).rule_for("repair", None).metrics
    ...  if m.metric == "on_site"]
    [datetime.timedelta(seconds=14400)]
    """
    chosen = scenario.sla.ticket_targets
    rules = []
    for category, seeds in DEFAULT_TARGETS.items():
        minutes = {t.metric: t.target.total_seconds() / 60.0 for t in seeds}
        minutes.update(chosen.get(category, {}))
        metrics = [
            {"metric": m, "target": f"{round(v * 60)}s", "calendar": "always"}
            for m, v in minutes.items()
        ]
        rules.append({"category": category, "metrics": metrics})
    return SlaPolicy.model_validate({"thresholds": "warn", "rules": rules})


def search_limit(start: int) -> int:
    """Return the most technicians per shift the field search tries: max(40, 2 × start + 10).

    The search grows from the analytic estimate ``start`` and never stops silently below it:
    a shift still failing at this limit is reported as such.

    Examples
    --------
    >>> search_limit(3), search_limit(147)
    (40, 304)
    """
    return max(40, 2 * start + 10)


def scenario_field(
    scenario: Scenario,
    day: str,
    *,
    interval_minutes: int = 30,
    technicians: Sequence[int] | None = None,
) -> FieldSpec:
    """Build the field simulation of one scenario day.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    day : str
        The day's name.
    interval_minutes : {15, 30, 60}
        KPI interval.
    technicians : sequence of int, optional
        Technicians per shift (default: the roster). Only shifts of the day with technicians
        in the roster are simulated.
    """
    chosen = scenario.day(day)
    desk = scenario_desk(scenario, chosen, interval_minutes=interval_minutes)
    shifts = tuple(
        TechShift(s.name, clock_minutes(s.start) * 60.0, clock_minutes(s.end) * 60.0, s.technicians)
        for s in scenario.shifts
        if s.technicians > 0 and (not s.days or chosen.name in s.days)
    )
    staffing = scenario.staffing
    rostered = max(desk.rostered) if desk.rostered else 0
    spec = FieldSpec(
        desks=(("phone", desk.phone), ("digital", desk.digital)),
        shifts=shifts,
        first_contact=scenario.resolution.first_contact,
        work=Distribution.lognormal(staffing.repair_work_minutes * 60.0, cv=0.5),
        followup_hours=(
            clock_minutes(scenario.desk.open) * 60.0,
            clock_minutes(scenario.desk.close) * 60.0,
        ),
        case_officers=max(1, math.ceil(rostered / staffing.agents_per_supervisor)),
        communities=min(scenario.estate.communities, 10),
        sla_policy=ticket_policy(scenario),
    )
    return spec if technicians is None else spec.with_technicians(technicians)


def _covered(spec: FieldSpec, shift: TechShift) -> list[int]:
    return [i for i in range(spec.intervals) if shift.covers(i * spec.interval_s)]


def judged_intervals(spec: FieldSpec, shift: TechShift) -> list[int]:
    """Intervals that judge ``shift``.

    The shift is on duty at their start, and some technician still is an hour after their end
    (so a ticket opened then can be reached in time).

    Examples
    --------
    >>> from dispatch_core.planning.scenario import default_scenario
    >>> spec = scenario_field(default_scenario(), "sun", interval_minutes=60)
    >>> judged_intervals(spec, spec.shifts[-1])  # 20:00–22:00: only 20:00 is reachable in time
    [20]
    """
    out = []
    for i in _covered(spec, shift):
        later = ((i + 1) * spec.interval_s + 3600.0 - 1.0) % DAY_S
        if any(s.covers(later) for s in spec.shifts):
            out.append(i)
    return out


def analytic_technicians(
    scenario: Scenario, day: str, spec: FieldSpec, *, attainment: float = 0.9
) -> tuple[int, ...]:
    """Erlang C estimate of the technicians per shift of ``spec`` (see the module docstring)."""
    demand = interval_demand(
        scenario, scenario.day(day), interval_minutes=round(spec.interval_s / 60)
    )
    site = SiteGraph.grid(spec.site_rows, spec.site_cols, seed=spec.site_seed)
    travel = float(site.matrix.mean())
    job_s = spec.work.mean + travel
    within = max(3600.0 - travel, 60.0)
    hours = spec.interval_s / 3600.0
    need = []
    for d in demand:
        jobs = d.offered.get(Category.REPAIR, 0.0) + d.offered.get(Category.EMERGENCY, 0.0)
        rate = jobs * (1.0 - spec.first_contact) / hours
        need.append(required_agents(rate, job_s, attainment, within) if rate > 0 else 0)
    out = []
    for shift in spec.shifts:
        rows = _covered(spec, shift)
        share = [
            math.ceil(need[i] / sum(1 for s in spec.shifts if s.covers(i * spec.interval_s)))
            for i in rows
        ]
        out.append(max(share, default=0))
    return tuple(out)


def judge_runs(
    runs: Sequence[FieldRun], intervals: Sequence[int], *, confidence: float
) -> dict[str, Estimate | None]:
    """Attainment per judged key over ``intervals``, pooled over runs (``None``: no clock).

    Clocks met ÷ clocks started over every replication, with the Wilson interval on the
    effective clocks (:func:`~dispatch_core.sim.stats.proportion`): never zero width.
    """
    out: dict[str, Estimate | None] = {}
    for key in JUDGED:
        met = [sum(r.sla_met[key][i] for i in intervals) if key in r.sla_met else 0 for r in runs]
        total = [
            sum(r.sla_total[key][i] for i in intervals) if key in r.sla_total else 0 for r in runs
        ]
        out[key] = proportion(met, total, confidence=confidence)
    return out


def shift_verdict(
    attainment: dict[str, Estimate | None], target: float, confidence: float
) -> Verdict:
    """Return the worst verdict of a shift's judged keys against ``target``.

    Each key is judged as a desk interval is (:func:`~dispatch_core.sim.desk.judge.at_least`):
    met, thin (too few clocks to prove it), unsure or not met.
    """
    return worst(Verdict.MET, *(at_least(e, target, confidence) for e in attainment.values()))


@dataclass(frozen=True, slots=True)
class FieldShift:
    """One technician shift: rostered, analytic and simulated technicians, attainment there."""

    name: str
    start_s: float
    end_s: float
    rostered: int
    analytic: int
    simulated: int
    attainment: dict[str, Estimate | None]
    searched: int = 0
    verdict: Verdict = Verdict.MET

    @property
    def label(self) -> str:
        """``"HH:MM–HH:MM"``."""
        a, b = int(self.start_s // 60), int(self.end_s // 60)
        return f"{a // 60:02d}:{a % 60:02d}–{b // 60:02d}:{b % 60:02d}"


@dataclass(frozen=True, slots=True)
class TechCurvePoint:
    """Day-wide attainment per judged key with ``technicians`` on the day's shifts."""

    technicians: int
    per_shift: tuple[int, ...]
    attainment: dict[str, Estimate | None]


@dataclass(frozen=True, slots=True)
class FieldDay:
    """The technician side of one day (see the module docstring).

    ``limits`` is the most technicians the search tried per shift (:func:`search_limit`);
    ``capped`` names the shifts still missing a target there, and :attr:`verdict` says so in
    a sentence. ``targets`` is the minutes of each judged target in the engine's policy.
    """

    day: str
    target: float
    confidence: float
    replications: int
    shifts: tuple[FieldShift, ...]
    curve: tuple[TechCurvePoint, ...]
    evaluations: int
    capped: tuple[str, ...]
    limits: tuple[int, ...]
    targets: dict[str, float]
    rostered_hours: float
    analytic_hours: float
    simulated_hours: float
    simulated_headcount: int
    simulated_reserve: int
    rostered_headcount: int
    escalations: Estimate
    reassigned: Estimate
    contacts: Estimate
    verify_replications: int = 0
    verify_rounds: int = 0

    @property
    def verdict(self) -> str:
        """One line for the screen: every target met, or which shifts hit the search limit."""
        if not self.capped:
            return (
                f"{self.day}: every judged target met on every shift "
                f"({self.evaluations} staffing levels simulated)"
            )
        parts = []
        for shift, limit in zip(self.shifts, self.limits, strict=True):
            if shift.name in self.capped:
                missed = [
                    k
                    for k, e in shift.attainment.items()
                    if not at_least(e, self.target, self.confidence).passes
                ]
                missing = ", ".join(missed)
                parts.append(f"{shift.name} at {limit} technicians still misses {missing}")
        return (
            f"{self.day}: NOT MET at the search limit: {'; '.join(parts)} "
            "(more technicians on that shift do not reach the target: a roster question)"
        )


def _judged_minutes(policy: SlaPolicy) -> dict[str, float]:
    out: dict[str, float] = {}
    for key in JUDGED:
        metric, category = key.split("/")
        for m in policy.rule_for(category, None).metrics:
            if m.metric.value == metric:
                out[key] = m.target.total_seconds() / 60.0
    return out


def _field_run(spec: FieldSpec, *, seed: int, replication: int) -> FieldRun:
    """One replication with the cyclic collector paused (it pays ~3 % on a field run)."""
    with gc_paused():
        return simulate_field(spec, seed=seed, replication=replication)


@dataclass(frozen=True, slots=True)
class _Judge:
    spec: FieldSpec
    replications: int
    seed: int
    confidence: float
    attainment: float
    executor: Executor

    def runs(
        self, counts: tuple[int, ...], *, seed: int | None = None, replications: int = 0
    ) -> list[FieldRun]:
        task = partial(_field_run, self.spec.with_technicians(counts))
        return replicate(
            task,
            replications=replications or self.replications,
            seed=self.seed if seed is None else seed,
            executor=self.executor,
        )

    def verdicts(self, runs: Sequence[FieldRun]) -> tuple[Verdict, ...]:
        out = []
        for shift in self.spec.shifts:
            rows = judged_intervals(self.spec, shift)
            est = judge_runs(runs, rows, confidence=2 * self.confidence - 1)
            out.append(shift_verdict(est, self.attainment, self.confidence))
        return tuple(out)

    def __call__(self, counts: tuple[int, ...]) -> Evaluation[list[FieldRun]]:
        # The search stops where the point estimates meet the targets (not met: grow). A
        # bound-based search would grow on noise a technician cannot fix (complaints are
        # case officers' work); the verification on fresh replications carries the
        # confidence (unsure: more replications; not met: a technician more).
        runs = self.runs(counts)
        passed = tuple(v != Verdict.NOT_MET for v in self.verdicts(runs))
        return Evaluation(counts, passed, runs)

    def verify(
        self, counts: tuple[int, ...], seed: int, replications: int
    ) -> tuple[tuple[Verdict, ...], list[FieldRun]]:
        runs = self.runs(counts, seed=seed, replications=replications)
        return self.verdicts(runs), runs


def simulate_field_day(
    scenario: Scenario,
    day: str,
    *,
    interval_minutes: int = 30,
    replications: int = 10,
    seed: int = 0,
    confidence: float = 0.9,
    attainment: float = 0.9,
    executor: Executor | None = None,
    curve: Sequence[int] = (-2, -1, 0, 1, 2),
    max_technicians: int | None = None,
    on_evaluation: Callable[[tuple[int, ...]], None] | None = None,
    verify_replications: int | None = None,
) -> FieldDay:
    """Search the technicians per shift of one day and trace the attainment curves.

    Parameters
    ----------
    scenario, day, interval_minutes
        The day to simulate.
    replications : int
        Replications per staffing vector (>= 2).
    seed : int
        Master seed (the day's field seed is derived from it: common random numbers).
    confidence : float
        One-sided confidence in (0.5, 1).
    attainment : float
        Share of clocks that must meet each judged target, in (0, 1].
    executor : Executor, optional
        Where replications run (default inline).
    curve : sequence of int
        Offsets added to every shift's simulated requirement for the attainment curves.
    max_technicians : int, optional
        Limit per shift for the search; default :func:`search_limit` of the analytic start,
        so the search never stops silently below its own estimate.
    on_evaluation : callable, optional
        Called with each staffing vector simulated (progress).
    verify_replications : int, optional
        Fresh replications of the answer's first verification round (default
        ``2 × replications``): every figure reported (attainment, escalations, the curve at
        the answer) comes from the verification, never from the search's own replications.
    """
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 2:
        raise InvalidInputError("replications", replications, "must be an integer >= 2")
    if not 0.5 < confidence < 1.0:
        raise InvalidInputError("confidence", confidence, "must be in (0.5, 1)")
    if not 0.0 < attainment <= 1.0:
        raise InvalidInputError("attainment", attainment, "must be in (0, 1]")
    spec = scenario_field(scenario, day, interval_minutes=interval_minutes)
    if not spec.shifts:
        raise InvalidInputError("day", day, "has no technician shift to size")
    start = analytic_technicians(scenario, day, spec, attainment=attainment)
    judge = _Judge(
        spec,
        replications,
        derived_seed(seed, day, "field"),
        confidence,
        attainment,
        executor if executor is not None else InlineExecutor(),
    )

    def evaluate(counts: tuple[int, ...]) -> Evaluation[list[FieldRun]]:
        if on_evaluation is not None:
            on_evaluation(counts)
        return judge(counts)

    limits = tuple(search_limit(n) if max_technicians is None else max_technicians for n in start)
    found = search_staffing(evaluate, start, min_staff=0, max_staff=list(limits))
    two_sided = 2 * confidence - 1
    verified = verify_with(
        judge.verify,
        found.staffing,
        replications=verify_replications or 2 * replications,
        seed=judge.seed,
        rounds=FIELD_ROUNDS,
        max_agents=limits,
        on_round=None if on_evaluation is None else lambda: on_evaluation(found.staffing),
    )
    runs = verified.summary
    staffing = verified.agents
    shifts = tuple(
        FieldShift(
            name=s.name,
            start_s=s.start_s,
            end_s=s.end_s,
            rostered=s.technicians,
            analytic=a,
            simulated=n,
            attainment=judge_runs(runs, judged_intervals(spec, s), confidence=two_sided),
            searched=f,
            verdict=v,
        )
        for s, a, n, f, v in zip(
            spec.shifts, start, staffing, found.staffing, verified.verdicts, strict=True
        )
    )
    points = []
    for offset in curve:
        counts = tuple(max(0, n + offset) for n in staffing)
        if offset == 0:
            at = runs
        else:
            if on_evaluation is not None:
                on_evaluation(counts)
            at = judge.runs(counts, seed=derived_seed(judge.seed, "curve"))
        every = list(range(spec.intervals))
        points.append(
            TechCurvePoint(sum(counts), counts, judge_runs(at, every, confidence=two_sided))
        )

    def tech_hours(counts: Sequence[int]) -> float:
        return sum(n * s.hours for n, s in zip(counts, spec.shifts, strict=True))

    sim_hours = tech_hours(staffing)
    heads = headcount(scenario, sim_hours)
    rostered = headcount(scenario, tech_hours(spec.technicians))
    return FieldDay(
        day=day,
        target=attainment,
        confidence=confidence,
        replications=replications,
        shifts=shifts,
        curve=tuple(points),
        evaluations=found.evaluations + verified.rounds + sum(1 for o in curve if o),
        capped=tuple(
            s.name
            for i, s in enumerate(spec.shifts)
            if i in found.capped or verified.verdicts[i] == Verdict.NOT_MET
        ),
        limits=limits,
        targets=_judged_minutes(spec.sla_policy or ticket_policy(scenario)),
        rostered_hours=tech_hours(spec.technicians),
        analytic_hours=tech_hours(start),
        simulated_hours=sim_hours,
        simulated_headcount=heads.agents,
        simulated_reserve=heads.reserve,
        rostered_headcount=rostered.agents,
        escalations=estimate([r.escalations for r in runs], confidence=two_sided),
        reassigned=estimate([r.reassigned for r in runs], confidence=two_sided),
        contacts=estimate([r.contacts for r in runs], confidence=two_sided),
        verify_replications=len(runs),
        verify_rounds=verified.rounds,
    )
