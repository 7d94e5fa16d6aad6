"""The analytic staffing plan: per interval and per day, from a :class:`Scenario`.

For every day and every interval (15, 30 or 60 minutes) the planner takes the demand of
:mod:`~dispatch_core.planning.demand` (arrivals the desk takes live, plus work carried to this
opening from closed hours), splits it into the live **phone** queue and the **digital** queue
(app and online, answered within a longer target) — or one **blended** pool, phone first — and
finds the *productive* agents required by Erlang A (or C). It then projects what the rostered
agents deliver: **productive agents = rostered × (1 − shrinkage)** (rounded down), the phone
queue staffed first (:func:`split_agents`), with the service level, ASA,
abandonment and occupancy of both queues, and grades the interval by its worst figure against
its target (:mod:`~dispatch_core.planning.status`). Work a queue cannot keep up with waits for
the next interval (and, at the end of the day, the next day), so every day balances:

    arrivals + carried in (the night before) = answered + abandoned + carried over + lost

A daily roll-up turns agent-hours into FTE after shrinkage (:mod:`~dispatch_core.planning.rollup`)
and sets the result beside the households-per-agent rule of thumb. Technician jobs are the
``1 − FCR`` share of the field contacts answered
(:meth:`~dispatch_core.planning.scenario.Resolution.field_job_share`), as in the field
simulation.

Service levels follow :data:`~dispatch_core.planning.erlang.SL_DEFINITION` (answered within T ÷
offered); :attr:`Plan.definition` says so for every report.

Examples
--------
>>> from dispatch_core.planning.scenario import default_scenario
>>> plan = build_plan(default_scenario(), interval_minutes=60)
>>> len(plan.days), len(plan.days[0].intervals)
(8, 24)
>>> plan.rule.rule_agents
20
>>> b = plan.day("mon").balance
>>> round(b.arrivals), round(b.lost), abs(b.error) < 1e-9
(577, 31, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from dispatch_core.errors import InvalidInputError
from dispatch_core.model import Category
from dispatch_core.planning.demand import (
    INTERVALS,
    IntervalDemand,
    check_interval,
    day_demand,
    interval_demand,
)
from dispatch_core.planning.erlang import (
    QueueMetrics,
    evaluate,
    required_agents,
    scheduled_headcount,
    smallest_agents,
)
from dispatch_core.planning.hours import DeskState
from dispatch_core.planning.priority import blended
from dispatch_core.planning.results import (
    DayBalance,
    DayPlan,
    IntervalPlan,
    Plan,
    QueueAgents,
    QueueWork,
)
from dispatch_core.planning.rollup import (
    Headcount,
    RolledUpDay,
    RuleComparison,
    compare_with_rule,
    headcount,
)
from dispatch_core.planning.scenario import Channel, Day, Scenario
from dispatch_core.planning.status import Approximation, Grade, Status, grade_interval

__all__ = [
    "DayBalance",
    "DayPlan",
    "Headcount",
    "INTERVALS",
    "IntervalDemand",
    "IntervalPlan",
    "Plan",
    "RolledUpDay",
    "RuleComparison",
    "Status",
    "build_plan",
    "compare_with_rule",
    "headcount",
    "interval_demand",
    "plan_day",
    "productive_agents",
    "split_agents",
]

#: Projected phone abandonment from which a blended pool's approximation is flagged.
BLENDED_ABANDON_FLAG = 0.01


def productive_agents(rostered: int, shrinkage: float) -> int:
    """Agents answering out of ``rostered`` on shift: ``⌊rostered × (1 − shrinkage)⌋``.

    The inverse of :func:`~dispatch_core.planning.erlang.scheduled_headcount`: ``n`` productive
    agents need ``scheduled_headcount(n, shrinkage)`` rostered ones.

    Examples
    --------
    >>> productive_agents(14, 0.3), productive_agents(20, 0.3)
    (9, 14)
    """
    return math.floor(rostered * (1.0 - shrinkage) + 1e-9)


def _weighted(pairs: list[tuple[float, float]], default: float) -> float:
    total = sum(w for w, _ in pairs)
    return sum(w * v for w, v in pairs) / total if total > 0 else default


@dataclass(frozen=True, slots=True)
class _Queues:
    """One interval's work as rates per hour, and the targets it is judged by."""

    phone_rate: float
    digital_rate: float
    aht: float
    patience: float | None


@dataclass(frozen=True, slots=True)
class _Verdict:
    """Whether a blended pool meets the phone targets, and every target."""

    phone: bool
    pool: bool


def _requirement(s: Scenario, q: _Queues) -> QueueAgents:
    """Productive agents the targets need; blended: the phone targets alone, then the rest."""
    sla = s.sla
    max_abandon = sla.max_abandon if q.patience is not None else None
    if not s.desk.blended:
        phone = required_agents(
            q.phone_rate, q.aht, sla.phone_target, sla.phone_within_s, sla.max_occupancy,
            patience_s=q.patience, max_abandon=max_abandon,
        )  # fmt: skip
        digital = required_agents(
            q.digital_rate, q.aht, sla.digital_target, sla.digital_within_s, sla.max_occupancy
        )
        return QueueAgents(phone, digital)
    if q.phone_rate + q.digital_rate <= 0:
        return QueueAgents(0, 0)
    memo: dict[int, _Verdict] = {}

    def judge(c: int) -> _Verdict:
        if c not in memo:
            m = blended(
                q.phone_rate, q.digital_rate, q.aht, c,
                phone_within_s=sla.phone_within_s, digital_within_s=sla.digital_within_s,
                patience_s=q.patience,
            )  # fmt: skip
            phone_ok = m.phone.service_level >= sla.phone_target and (
                max_abandon is None or m.phone.p_abandon <= max_abandon
            )
            rest_ok = (
                m.digital.service_level >= sla.digital_target
                and m.occupancy <= sla.max_occupancy + 1e-12
            )
            memo[c] = _Verdict(phone=phone_ok, pool=phone_ok and rest_ok)
        return memo[c]

    load = (q.phone_rate + q.digital_rate) * q.aht / 3600.0
    # Digital contacts are never answered unless the pool outgrows the whole load.
    stable = q.digital_rate > 0 or q.patience is None
    pool = smallest_agents(lambda c: judge(c).pool, max(1, math.floor(load) + 1) if stable else 1)
    phone = _smallest_below(lambda c: judge(c).phone, pool) if q.phone_rate > 0 else 0
    return QueueAgents(phone, pool - phone)


def _smallest_below(ok: Callable[[int], bool], hi: int) -> int:
    """Smallest ``c`` in 1..hi with ``ok(c)``, given ``ok(hi)``: gallop down, then bisect.

    Near ``hi`` first, so that the search rarely evaluates hopeless staffing levels.
    """
    step, lo = 1, hi
    while lo > 1:
        lo = max(1, hi - step)
        if not ok(lo):
            break
        hi, step = lo, step * 2
    else:  # every level down to one agent passes
        return 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


@dataclass(frozen=True, slots=True)
class _Flow:
    """What the productive agents of one interval answer, and what waits for the next one."""

    phone: QueueMetrics
    digital: QueueMetrics
    answered: float
    abandoned: float
    waiting: QueueWork


def _project(
    s: Scenario,
    q: _Queues,
    agents: QueueAgents,
    work: QueueWork,
    interval_s: float,
) -> _Flow:
    """Project ``work`` on ``agents``; what they cannot answer waits."""
    sla = s.sla
    if s.desk.blended:
        m = blended(
            q.phone_rate, q.digital_rate, q.aht, agents.total,
            phone_within_s=sla.phone_within_s, digital_within_s=sla.digital_within_s,
            patience_s=q.patience,
        )  # fmt: skip
        phone_m, digital_m = m.phone, m.digital
        phone_cap = digital_cap = agents.total * interval_s / q.aht
    else:
        phone_m = evaluate(
            q.phone_rate, q.aht, agents.phone, within_s=sla.phone_within_s, patience_s=q.patience
        )
        digital_m = evaluate(q.digital_rate, q.aht, agents.digital, within_s=sla.digital_within_s)
        phone_cap = agents.phone * interval_s / q.aht
        digital_cap = agents.digital * interval_s / q.aht
    abandoned = work.phone * phone_m.p_abandon if q.patience is not None else 0.0
    answered_phone = min(work.phone - abandoned, phone_cap)
    if s.desk.blended:  # the pool's time left after the calls
        digital_cap = max(0.0, digital_cap - answered_phone)
    answered_digital = min(work.digital, digital_cap)
    return _Flow(
        phone=phone_m,
        digital=digital_m,
        answered=answered_phone + answered_digital,
        abandoned=abandoned,
        waiting=QueueWork(work.phone - abandoned - answered_phone, work.digital - answered_digital),
    )


def split_agents(productive: int, required: QueueAgents, *, blended: bool) -> QueueAgents:
    """Split productive agents between the queues: the phone queue is staffed first.

    The phone queue gets up to its requirement, the digital queue the rest (surplus agents
    work the deferred queue and its backlog); a blended pool is all on the phone side (it
    answers both).

    Examples
    --------
    >>> split_agents(12, QueueAgents(6, 4), blended=False)
    QueueAgents(phone=6, digital=6)
    >>> split_agents(7, QueueAgents(6, 4), blended=False).digital
    1
    >>> split_agents(7, QueueAgents(6, 4), blended=True)
    QueueAgents(phone=7, digital=0)
    """
    if blended:
        return QueueAgents(productive, 0)
    phone = min(productive, required.phone)
    return QueueAgents(phone, productive - phone)


def _field_jobs(s: Scenario, d: IntervalDemand, answered: float) -> float:
    """Technician jobs from ``answered`` contacts with the mix of the interval's work."""
    work = {c: d.offered.get(c, 0.0) + d.carried_in.get(c, 0.0) for c in Category}
    total = math.fsum(work.values())
    if total <= 0:
        return 0.0
    share = s.resolution.field_job_share
    return answered * math.fsum(n * share(c) for c, n in work.items()) / total


def plan_day(
    scenario: Scenario,
    day: Day,
    *,
    interval_minutes: int = 30,
    rostered: Sequence[int] | None = None,
) -> DayPlan:
    """Plan one day of ``scenario`` interval by interval.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    day : Day
        One of ``scenario.days``.
    interval_minutes : {15, 30, 60}
        Interval length.
    rostered : sequence of int, optional
        Agents on shift per interval, instead of the scenario's ``[[shifts]]`` (to evaluate
        another roster, e.g. a proposed one).

    Returns
    -------
    DayPlan
    """
    check_interval(interval_minutes)
    s = scenario
    sla = s.sla
    demand = day_demand(s, day, interval_minutes=interval_minutes)
    rows = demand.intervals
    if rostered is not None and len(rostered) != len(rows):
        raise InvalidInputError("rostered", list(rostered), f"needs {len(rows)} values")
    phone_share = s.demand.channel_mix.get(Channel.PHONE, 0.0)
    patience = s.patience.mean_s if sla.model == "erlang_a" else None
    shrinkage = s.staffing.shrinkage
    hours = interval_minutes / 60.0
    interval_s = interval_minutes * 60.0
    waiting = QueueWork(0.0, 0.0)  # contacts still waiting from the previous interval
    intervals: list[IntervalPlan] = []
    for i, d in enumerate(rows):
        phone_c, digital_c = d.contacts * phone_share, d.contacts * (1.0 - phone_share)
        aht = d.workload_aht_s(s)
        need = _requirement(
            s, _Queues(phone_c / hours, (digital_c + d.backlog) / hours, aht, patience)
        )
        if d.desk is not DeskState.CLOSED and need.total < s.desk.min_agents:
            need = QueueAgents(need.phone + s.desk.min_agents - need.total, need.digital)
        heads = rostered[i] if rostered is not None else d.rostered
        productive = productive_agents(heads, shrinkage) if d.desk is not DeskState.CLOSED else 0
        work = QueueWork(phone_c + waiting.phone, digital_c + d.backlog + waiting.digital)
        split = split_agents(productive, need, blended=s.desk.blended)
        q = _Queues(work.phone / hours, work.digital / hours, aht, patience)
        flow = _project(s, q, split, work, interval_s)
        waiting = flow.waiting
        total = work.total
        jobs = _field_jobs(s, d, flow.answered)
        tech_load = (
            jobs * s.staffing.repair_work_minutes / (d.technicians * interval_minutes)
            if d.technicians
            else (math.inf if jobs > 0 else None)
        )
        occupancy = (
            flow.answered * aht / (productive * interval_s) if productive else float(total > 0)
        )
        open_ = d.desk is not DeskState.CLOSED
        grade = (
            grade_interval(
                service_level=(flow.phone.service_level, sla.phone_target)
                if work.phone > 0
                else None,
                abandon=(flow.phone.p_abandon, sla.max_abandon)
                if work.phone > 0 and patience is not None and sla.max_abandon is not None
                else None,
                occupancy=(occupancy, sla.max_occupancy) if total > 0 else None,
                digital_service_level=(flow.digital.service_level, sla.digital_target)
                if work.digital > 0
                else None,
                technician_load=tech_load,
            )
            if open_
            else Grade(Status.GREEN)
        )
        flags = []
        if d.backlog > 0:
            flags.append(Approximation.BACKLOG)
        if s.desk.blended and patience is not None and flow.phone.p_abandon >= BLENDED_ABANDON_FLAG:
            flags.append(Approximation.BLENDED_ABANDONMENT)
        if open_ and (flow.waiting.phone > 1e-9 or flow.waiting.digital > 1e-9):
            flags.append(Approximation.OVERLOAD)
        intervals.append(
            IntervalPlan(
                start_minute=d.start_minute,
                minutes=interval_minutes,
                desk=d.desk,
                contacts=d.contacts,
                phone_contacts=phone_c,
                digital_contacts=digital_c,
                backlog=d.backlog,
                deferred_contacts=d.deferred,
                lost=d.lost,
                carried=d.carried,
                aht_s=aht,
                load_erlangs=total * aht / interval_s,
                blended=s.desk.blended,
                required_phone=need.phone,
                required_digital=need.digital,
                required=need.total,
                required_heads=scheduled_headcount(need.total, shrinkage),
                scheduled=heads,
                productive=productive,
                phone_agents=split.phone,
                digital_agents=split.digital,
                technicians=d.technicians,
                phone=flow.phone,
                digital=flow.digital,
                occupancy=min(1.0, occupancy),
                answered=flow.answered,
                abandoned=flow.abandoned,
                field_jobs=jobs,
                technician_load=tech_load,
                grade=grade,
                approximations=tuple(flags),
            )
        )
    balance = DayBalance(
        arrivals=demand.arrivals,
        carried_in=demand.carried_in,
        answered=math.fsum(iv.answered for iv in intervals),
        abandoned=math.fsum(iv.abandoned for iv in intervals),
        carried_over=demand.carried_over + waiting.total,
        lost=demand.lost,
    )
    return _roll_up(s, day, tuple(intervals), balance)


def _roll_up(
    s: Scenario, day: Day, intervals: tuple[IntervalPlan, ...], balance: DayBalance
) -> DayPlan:
    staff = s.staffing
    hours = intervals[0].minutes / 60.0
    agent_hours = sum(iv.required for iv in intervals) * hours
    heads = headcount(s, agent_hours)
    phone = [(iv.phone_contacts, iv.phone) for iv in intervals if iv.phone_contacts > 0]
    jobs = math.fsum(iv.field_jobs for iv in intervals)
    tech_hours = sum(iv.technicians for iv in intervals) * hours
    return DayPlan(
        name=day.name,
        weekday=day.weekday.value,
        events=tuple(s.events_on(day)),
        intervals=intervals,
        contacts=sum(iv.contacts for iv in intervals),
        deferred_contacts=sum(iv.deferred_contacts for iv in intervals),
        balance=balance,
        required_agent_hours=agent_hours,
        scheduled_agent_hours=sum(iv.scheduled for iv in intervals) * hours,
        peak_required=max(iv.required for iv in intervals),
        required_fte=heads.fte,
        headcount=heads.total,
        reserve=heads.reserve,
        supervisors=heads.supervisors,
        service_level=_weighted([(w, m.service_level) for w, m in phone], 1.0),
        p_abandon=_weighted([(w, m.p_abandon) for w, m in phone], 0.0),
        asa_s=_weighted([(w, m.asa_s) for w, m in phone], 0.0),
        repair_jobs=jobs,
        technician_hours=tech_hours,
        technician_utilisation=(
            jobs * staff.repair_work_minutes / 60.0 / tech_hours
            if tech_hours
            else (math.inf if jobs > 0 else 0.0)
        ),
    )


def build_plan(
    scenario: Scenario,
    *,
    interval_minutes: int = 30,
    days: list[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Plan:
    """Plan every day of ``scenario`` (or the named ``days``).

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    interval_minutes : {15, 30, 60}, default 30
        Interval length.
    days : list of str, optional
        Day names to plan (default: all, in file order).
    progress : callable, optional
        Called with each day's name after it is planned (for progress bars).

    Returns
    -------
    Plan
    """
    chosen = [scenario.day(n) for n in days] if days else list(scenario.days)
    planned = []
    for day in chosen:
        planned.append(plan_day(scenario, day, interval_minutes=interval_minutes))
        if progress is not None:
            progress(day.name)
    result = tuple(planned)
    return Plan(scenario, interval_minutes, result, compare_with_rule(scenario, result))
