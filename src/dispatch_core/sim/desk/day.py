"""One simulated day: search, fresh verification and optional re-check, queue by queue.

How each figure of a :class:`SimDay` is obtained (the report repeats it):

1. **Search** (:func:`~dispatch_core.sim.search.search_desk_staffing`, polished) from the
   Erlang requirement, on the queue's *search* seed ``derived_seed(seed, day, queue)``:
   ``replications`` per staffing level, common random numbers. It only chooses staffing.
2. **Verification** (:func:`~dispatch_core.sim.desk.verify.verify_staffing`) of the chosen
   staffing on fresh seeds, ``verify_replications`` in the first round, adding an agent where
   a point estimate misses a target and doubling the replications while an interval is
   undecided (at most :data:`~dispatch_core.sim.desk.verify.ROUNDS` rounds). Every
   figure shown (service level, ASA, abandonment) and every verdict comes from the last
   round. Intervals are pooled (Wilson interval on the effective contacts, never zero width).
3. **Re-check** (``recheck_replications > 0``, ``--verify N``): ``N`` more replications on a
   third seed, printed beside the claim and used for nothing else.

The rostered agents are simulated on the verification's first seed.

Examples
--------
>>> from dispatch_core.planning.scenario import default_scenario
>>> day = simulate_day(default_scenario(), "sun", interval_minutes=60, replications=3, seed=1)
>>> all(iv.required >= 1 for iv in day.intervals if iv.desk != "closed")
True
>>> {iv.verdict.value for iv in day.intervals if iv.desk == "closed"}  # nothing offered
{'met'}
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dispatch_core.errors import InvalidInputError
from dispatch_core.planning.plan import DayPlan, IntervalPlan, headcount
from dispatch_core.planning.scenario import Scenario
from dispatch_core.sim.desk.judge import DeskTargets, Verdict
from dispatch_core.sim.desk.model import DeskRun, simulate_desk
from dispatch_core.sim.desk.scenario import ScenarioDesk, scenario_desk
from dispatch_core.sim.desk.summary import DeskSummary, replicate_desk
from dispatch_core.sim.desk.verify import Verified, recheck, verify_staffing
from dispatch_core.sim.replicate import InlineExecutor
from dispatch_core.sim.search import search_desk_staffing
from dispatch_core.sim.stats import Estimate
from dispatch_core.sim.streams import derived_seed

__all__ = [
    "Figures",
    "QUEUES",
    "SimDay",
    "SimInterval",
    "queue_targets",
    "simulate_day",
]

#: The desk's queues, in the order they are planned.
QUEUES = ("phone", "digital")

#: Replications inside a day task run in that worker.
_INLINE = InlineExecutor()


@dataclass(frozen=True, slots=True)
class SimInterval:
    """One interval: Erlang and simulated requirements, verified figures, verdicts.

    ``service_level``, ``asa_s`` and ``abandon_rate`` are phone estimates at the simulated
    requirement from the fresh verification replications; ``digital_service_level`` the
    digital queue's; ``rostered_*`` the phone queue with the rostered agents. ``verdict`` /
    ``digital_verdict`` judge the requirement on those replications; ``searched_*`` is what
    the search chose before verification added agents; ``recheck_*`` the independent re-check
    (``None`` without one). Estimates are ``None`` where nothing was offered.
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
    verdict: Verdict = Verdict.MET
    digital_verdict: Verdict = Verdict.MET
    searched_phone: int = 0
    searched_digital: int = 0
    recheck_service_level: Estimate | None = None
    recheck_abandon_rate: Estimate | None = None
    recheck_digital_service_level: Estimate | None = None

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
    ``abandon_rate`` and ``asa_s`` are the day's phone figures at the simulated requirement
    (verification replications), ``rostered_service_level`` with the rostered agents.
    ``capped`` lists intervals whose targets were not met even at the search's maximum;
    ``evaluations`` counts staffing levels simulated (search, verification rounds, roster,
    re-check). ``blended``: one pool answered both queues (interval ``phone`` is the pool,
    ``digital`` 0).
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
    verify_replications: int = 0
    verify_rounds: int = 0
    added_by_verification: int = 0
    recheck_replications: int = 0
    replications_run: int = 0
    blended: bool = False


def queue_targets(scenario: Scenario, queue: str, confidence: float) -> DeskTargets:
    """Return a queue's targets: phone SL (+ abandonment cap with Erlang A), or digital SL.

    Examples
    --------
    >>> from dispatch_core.planning.scenario import default_scenario
    >>> queue_targets(default_scenario(), "phone", 0.95)
    DeskTargets(service_level=0.8, max_abandon_rate=0.05, confidence=0.95)
    """
    sla = scenario.sla
    if queue == "phone":
        cap = sla.max_abandon if sla.model == "erlang_a" else None
        return DeskTargets(sla.phone_target, cap, confidence)
    if queue == "digital":
        return DeskTargets(sla.digital_target, None, confidence)
    raise InvalidInputError("queue", queue, "must be 'phone' or 'digital'")


@dataclass(frozen=True, slots=True)
class _Queue:
    """One queue of one day: the search's answer, its verification, the re-check."""

    searched: tuple[int, ...]
    verified: Verified[DeskSummary]
    evaluations: int
    runs: int
    capped: tuple[int, ...]
    recheck: DeskSummary | None


def _plan_queue(
    desk: ScenarioDesk,
    queue: str,
    start: Sequence[int],
    targets: DeskTargets,
    *,
    replications: int,
    verify_replications: int,
    recheck_replications: int,
    seed: int,
    simulate: Callable[..., DeskRun],
    on_evaluation: Callable[[str], None] | None,
) -> _Queue:
    spec = desk.queue(queue)
    lo = [1 if o and r > 0 else 0 for o, r in zip(desk.open, spec.arrival_rates, strict=True)]
    hi = [max(2 * s + 10, 20) for s in start]
    base = derived_seed(seed, desk.day, queue)
    label = f"{desk.day} {queue}"

    def tick(_: int = 0) -> None:
        if on_evaluation is not None:
            on_evaluation(label)

    found = search_desk_staffing(
        spec,
        start=[max(s, m) for s, m in zip(start, lo, strict=True)],
        service_level=targets.service_level,
        max_abandon_rate=targets.max_abandon_rate,
        confidence=targets.confidence,
        replications=replications,
        seed=base,
        executor=_INLINE,
        min_agents=lo,
        max_agents=hi,
        polish=True,
        simulate=_Counted(simulate, replications, tick),
    )
    verified = verify_staffing(
        spec,
        found.agents,
        targets,
        replications=verify_replications,
        seed=base,
        max_agents=hi,
        simulate=simulate,
        on_round=tick,
    )
    checked = None
    if recheck_replications:
        checked = recheck(
            spec,
            verified.agents,
            replications=recheck_replications,
            seed=base,
            confidence=targets.two_sided,
            simulate=simulate,
        )
        tick()
    return _Queue(
        found.agents,
        verified,
        found.evaluations + verified.rounds + (1 if checked else 0),
        found.evaluations * replications + verified.runs + recheck_replications,
        found.capped,
        checked,
    )


@dataclass(frozen=True, slots=True)
class _Counted:
    """``simulate`` that calls ``tick`` once per staffing level (every ``replications`` runs)."""

    simulate: Callable[..., DeskRun]
    replications: int
    tick: Callable[[int], None]

    def __call__(self, spec: object, *, seed: int, replication: int) -> DeskRun:
        run = self.simulate(spec, seed=seed, replication=replication)
        if replication == self.replications - 1:
            self.tick(replication)
        return run


def _kpi(summary: DeskSummary | None, name: str, intervals: int) -> list[Estimate | None]:
    return [None] * intervals if summary is None else summary.interval_kpi(name)


@dataclass(frozen=True, slots=True)
class Figures:
    """What a day's queues came to: staffing, the evidence behind every figure, verdicts.

    Built by the separate-pool planner here, or by the blended one
    (:func:`~dispatch_core.sim.desk.blended_day.plan_blended`): there the pool's agents are
    ``phone_agents`` and ``digital_agents`` are 0.
    """

    phone_agents: tuple[int, ...]
    digital_agents: tuple[int, ...]
    searched_phone: tuple[int, ...]
    searched_digital: tuple[int, ...]
    phone: DeskSummary
    digital: DeskSummary
    phone_verdicts: tuple[Verdict, ...]
    digital_verdicts: tuple[Verdict, ...]
    rostered: DeskSummary
    recheck_phone: DeskSummary | None
    recheck_digital: DeskSummary | None
    evaluations: int
    runs: int
    rounds: int
    added: int
    capped: tuple[int, ...]


def _separate(
    scenario: Scenario,
    desk: ScenarioDesk,
    *,
    replications: int,
    verify_replications: int,
    recheck_replications: int,
    seed: int,
    confidence: float,
    simulate: Callable[..., DeskRun],
    on_evaluation: Callable[[str], None] | None,
) -> Figures:
    analytic = desk.analytic
    starts = {
        "phone": [iv.required_phone for iv in analytic.intervals],
        "digital": [iv.required_digital for iv in analytic.intervals],
    }
    queues = {
        q: _plan_queue(
            desk,
            q,
            starts[q],
            queue_targets(scenario, q, confidence),
            replications=replications,
            verify_replications=verify_replications,
            recheck_replications=recheck_replications,
            seed=seed,
            simulate=simulate,
            on_evaluation=on_evaluation,
        )
        for q in QUEUES
    }
    phone, digital = queues["phone"], queues["digital"]
    rostered = replicate_desk(
        desk.phone,
        replications=verify_replications,
        seed=derived_seed(derived_seed(seed, desk.day, "phone"), "verify", "0"),
        executor=_INLINE,
        confidence=2.0 * confidence - 1.0,
        simulate=simulate,
    )
    return Figures(
        phone_agents=phone.verified.agents,
        digital_agents=digital.verified.agents,
        searched_phone=phone.searched,
        searched_digital=digital.searched,
        phone=phone.verified.summary,
        digital=digital.verified.summary,
        phone_verdicts=phone.verified.verdicts,
        digital_verdicts=digital.verified.verdicts,
        rostered=rostered,
        recheck_phone=phone.recheck,
        recheck_digital=digital.recheck,
        evaluations=phone.evaluations + digital.evaluations + 1,
        runs=phone.runs + digital.runs + verify_replications,
        rounds=max(phone.verified.rounds, digital.verified.rounds),
        added=phone.verified.added + digital.verified.added,
        capped=tuple(sorted(set(phone.capped) | set(digital.capped))),
    )


def simulate_day(
    scenario: Scenario,
    day: str,
    *,
    interval_minutes: int,
    replications: int,
    seed: int,
    confidence: float = 0.95,
    verify_replications: int | None = None,
    recheck_replications: int = 0,
    simulate: Callable[..., DeskRun] = simulate_desk,
    on_evaluation: Callable[[str], None] | None = None,
) -> SimDay:
    """Search, verify and (optionally) re-check the phone and digital staffing of one day.

    Parameters are those of :func:`~dispatch_core.sim.desk.plan.simulate_plan`; replications
    run inline (this function is the unit of work that ``simulate_plan`` spreads over an
    executor). ``on_evaluation`` is called with ``"<day> <queue>"`` after every staffing
    level simulated (progress). With ``scenario.desk.blended`` one pool answers both queues
    (:mod:`dispatch_core.sim.desk.blended_day`; ``simulate`` is then not used).
    """
    desk = scenario_desk(scenario, day, interval_minutes=interval_minutes)
    analytic: DayPlan = desk.analytic
    verify_n = verify_replications or 2 * replications
    if scenario.desk.blended:
        from dispatch_core.sim.desk.blended_day import plan_blended  # noqa: PLC0415 - cycle

        fig = plan_blended(
            scenario,
            desk,
            replications=replications,
            verify_replications=verify_n,
            recheck_replications=recheck_replications,
            seed=seed,
            confidence=confidence,
            on_evaluation=on_evaluation,
        )
    else:
        fig = _separate(
            scenario,
            desk,
            replications=replications,
            verify_replications=verify_n,
            recheck_replications=recheck_replications,
            seed=seed,
            confidence=confidence,
            simulate=simulate,
            on_evaluation=on_evaluation,
        )
    if on_evaluation is not None:
        on_evaluation(f"{desk.day} roster")
    est = {
        "sl": fig.phone.interval_kpi("service_level"),
        "asa": fig.phone.interval_kpi("asa_s"),
        "ab": fig.phone.interval_kpi("abandon_rate"),
        "dsl": fig.digital.interval_kpi("service_level"),
        "rsl": fig.rostered.interval_kpi("service_level"),
        "rasa": fig.rostered.interval_kpi("asa_s"),
        "rab": fig.rostered.interval_kpi("abandon_rate"),
    }
    m = len(analytic.intervals)
    check = {
        "sl": _kpi(fig.recheck_phone, "service_level", m),
        "ab": _kpi(fig.recheck_phone, "abandon_rate", m),
        "dsl": _kpi(fig.recheck_digital, "service_level", m),
    }
    intervals = tuple(
        _interval(iv, i, fig=fig, est=est, check=check) for i, iv in enumerate(analytic.intervals)
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
        service_level=fig.phone.kpi("service_level"),
        abandon_rate=fig.phone.kpi("abandon_rate"),
        asa_s=fig.phone.kpi("asa_s"),
        rostered_service_level=fig.rostered.kpi("service_level"),
        evaluations=fig.evaluations,
        capped=fig.capped,
        verify_replications=verify_n,
        verify_rounds=fig.rounds,
        added_by_verification=fig.added,
        recheck_replications=recheck_replications,
        replications_run=fig.runs,
        blended=scenario.desk.blended,
    )


def _interval(
    iv: IntervalPlan,
    i: int,
    *,
    fig: Figures,
    est: dict[str, list[Estimate | None]],
    check: dict[str, list[Estimate | None]],
) -> SimInterval:
    return SimInterval(
        start_minute=iv.start_minute,
        minutes=iv.minutes,
        desk=iv.desk,
        analytic_phone=iv.required_phone,
        analytic_digital=iv.required_digital,
        phone=fig.phone_agents[i],
        digital=fig.digital_agents[i],
        rostered=iv.scheduled,
        service_level=est["sl"][i],
        asa_s=est["asa"][i],
        abandon_rate=est["ab"][i],
        digital_service_level=est["dsl"][i],
        rostered_service_level=est["rsl"][i],
        rostered_asa_s=est["rasa"][i],
        rostered_abandon_rate=est["rab"][i],
        verdict=fig.phone_verdicts[i],
        digital_verdict=fig.digital_verdicts[i],
        searched_phone=fig.searched_phone[i],
        searched_digital=fig.searched_digital[i],
        recheck_service_level=check["sl"][i],
        recheck_abandon_rate=check["ab"][i],
        recheck_digital_service_level=check["dsl"][i],
    )
