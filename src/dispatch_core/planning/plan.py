"""The analytic staffing plan: per interval and per day, from a :class:`Scenario`.

For every day of the scenario and every interval (15, 30 or 60 minutes) the planner works out
the contacts offered (hourly and weekday profiles, category mix, events, callbacks from
unresolved contacts), splits them into the live **phone** queue and the **digital** queue (app
and online, answered within a longer target), finds the agents required by Erlang A (or C),
compares them with the agents rostered by the scenario's shifts, and projects what the rostered
agents would deliver. A daily roll-up turns agent-hours into FTE after shrinkage, adds
supervisors and reserve, and sets the result beside the households-per-agent rule of thumb.

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
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from dispatch_core.errors import InvalidInputError
from dispatch_core.model import Category
from dispatch_core.planning.erlang import SL_DEFINITION, QueueMetrics, evaluate, required_agents
from dispatch_core.planning.scenario import Channel, Day, Scenario, clock_minutes

__all__ = [
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
]

#: Interval lengths the planner accepts, in minutes.
INTERVALS = (15, 30, 60)


class Status(StrEnum):
    """Rostered versus required agents in an interval, in the red/yellow/green language."""

    GREEN = "green"  # enough agents, not wastefully many
    YELLOW = "yellow"  # short by at most 10 % (or one agent), or idle (over by > 50 % and > 3)
    RED = "red"  # short by more than 10 % and more than one agent


def _status(required: int, scheduled: int) -> Status:
    gap = scheduled - required
    if gap < 0:
        return Status.YELLOW if -gap <= max(1.0, 0.10 * required) else Status.RED
    if gap > max(3.0, 0.50 * required):
        return Status.YELLOW
    return Status.GREEN


@dataclass(frozen=True, slots=True)
class IntervalPlan:
    """One interval of one day.

    Attributes
    ----------
    start_minute, minutes : int
        Start (minutes after midnight) and length.
    desk : str
        ``"open"`` (all categories), ``"evening"`` (evening categories only) or ``"closed"``.
    contacts : float
        Contacts offered to the desk in the interval (phone + digital).
    phone_contacts, digital_contacts : float
        The split by channel.
    deferred_contacts : float
        Contacts arriving while the desk is closed for their category (handled later).
    aht_s : float
        Mean handling time of the contacts offered.
    load_erlangs : float
        Offered load of phone + digital contacts.
    required_phone, required_digital, required : int
        Agents required for each queue and in total.
    scheduled : int
        Agents rostered (desk agents + part-timers on shift).
    technicians : int
        Technicians rostered.
    phone : QueueMetrics
        What the rostered agents would deliver on the phone queue (after the digital queue
        takes what it needs): service level, ASA, occupancy, abandonment.
    status : Status
        Red/yellow/green of rostered versus required.
    """

    start_minute: int
    minutes: int
    desk: str
    contacts: float
    phone_contacts: float
    digital_contacts: float
    deferred_contacts: float
    aht_s: float
    load_erlangs: float
    required_phone: int
    required_digital: int
    required: int
    scheduled: int
    technicians: int
    phone: QueueMetrics
    status: Status

    @property
    def label(self) -> str:
        """``"HH:MM"`` of the interval start."""
        return f"{self.start_minute // 60:02d}:{self.start_minute % 60:02d}"

    @property
    def gap(self) -> int:
        """Rostered minus required agents (negative: short)."""
        return self.scheduled - self.required


@dataclass(frozen=True, slots=True)
class DayPlan:
    """One day: its intervals and the roll-up.

    Attributes
    ----------
    name, weekday : str
        The day's name and weekday.
    events : tuple of str
        Events that apply (named, weekday or seasonal).
    intervals : tuple of IntervalPlan
        The day, interval by interval.
    contacts, deferred_contacts : float
        Contacts offered to the desk, and those arriving while it is closed for them.
    required_agent_hours, scheduled_agent_hours : float
        Sum over intervals of agents × hours.
    peak_required : int
        Most agents required in one interval.
    required_fte : float
        Agents on duty needed that day: agent-hours ÷ shift hours ÷ (1 - shrinkage).
    headcount : int
        Staff to employ if every day were like this one: FTE × 7 ÷ workdays per week, rounded
        up, plus reserve; supervisors and managers in their own fields.
    reserve, supervisors : int
        Reserve headcount (``reserve`` share) and supervisors (1 per ``agents_per_supervisor``).
    service_level, p_abandon, asa_s : float
        Phone figures with the rostered agents, weighted by phone contacts.
    repair_jobs, technician_hours, technician_utilisation : float
        Field work: repair and emergency jobs, rostered technician-hours, their utilisation.
    """

    name: str
    weekday: str
    events: tuple[str, ...]
    intervals: tuple[IntervalPlan, ...]
    contacts: float
    deferred_contacts: float
    required_agent_hours: float
    scheduled_agent_hours: float
    peak_required: int
    required_fte: float
    headcount: int
    reserve: int
    supervisors: int
    service_level: float
    p_abandon: float
    asa_s: float
    repair_jobs: float
    technician_hours: float
    technician_utilisation: float


@dataclass(frozen=True, slots=True)
class RuleComparison:
    """The rule of thumb (1 agent per N households) beside the Erlang plan.

    ``erlang_*`` figures are for the normal week (days without named events); ``peak_day_*``
    for the day that needs the most staff, as if every day were like it.
    """

    households: int
    households_per_agent: int
    rule_agents: int
    rule_supervisors: int
    rule_reserve: int
    erlang_agents: int
    erlang_supervisors: int
    erlang_reserve: int
    peak_day: str
    peak_day_agents: int
    peak_day_supervisors: int
    peak_day_reserve: int
    managers: int


@dataclass(frozen=True, slots=True)
class Plan:
    """A whole plan: every day, the rule comparison and the service-level definition."""

    scenario: Scenario
    interval_minutes: int
    days: tuple[DayPlan, ...]
    rule: RuleComparison
    definition: str = SL_DEFINITION

    def day(self, name: str) -> DayPlan:
        """Return the plan of the day called ``name``."""
        for day in self.days:
            if day.name == name:
                return day
        raise InvalidInputError("day", name, f"no such day; known: {[d.name for d in self.days]}")

    @property
    def busiest_day(self) -> DayPlan:
        """The day with the highest peak requirement (then the most agent-hours)."""
        return max(self.days, key=lambda d: (d.peak_required, d.required_agent_hours))


def _weighted(pairs: list[tuple[float, float]], default: float) -> float:
    total = sum(w for w, _ in pairs)
    return sum(w * v for w, v in pairs) / total if total > 0 else default


@dataclass(frozen=True, slots=True)
class IntervalDemand:
    """What arrives at the desk in one interval, and who is rostered: the planner's inputs.

    Shared by the analytic planner (:func:`plan_day`) and the SimPy replay
    (:mod:`dispatch_core.sim.desk.scenario`), so both see the same demand.

    Attributes
    ----------
    start_minute, minutes : int
        Start (minutes after midnight) and length.
    desk : str
        ``"open"``, ``"evening"`` or ``"closed"``.
    offered : dict of Category to float
        Contacts offered to the desk by category (only the categories the desk takes then).
    deferred : float
        Contacts arriving while the desk is closed for their category.
    field_jobs : float
        Repair and emergency contacts arriving (taken or not), before callbacks are removed.
    rostered, part_timers, technicians : int
        Desk agents (part-timers included), the part-timers among them, and technicians on
        shift at the interval start.
    """

    start_minute: int
    minutes: int
    desk: str
    offered: dict[Category, float]
    deferred: float
    field_jobs: float
    rostered: int
    part_timers: int
    technicians: int

    @property
    def contacts(self) -> float:
        """Contacts offered to the desk (all channels)."""
        return math.fsum(self.offered.values())

    def aht_s(self, scenario: Scenario) -> float:
        """Mean handling time of the contacts offered (inquiry's mean when none are)."""
        total = self.contacts
        if total <= 0:
            return scenario.handling[Category.INQUIRY].mean_s
        return math.fsum(n * scenario.handling[c].mean_s for c, n in self.offered.items()) / total


def _check_interval(interval_minutes: int) -> None:
    if interval_minutes not in INTERVALS:
        raise InvalidInputError(
            "interval_minutes", interval_minutes, f"must be one of {INTERVALS}", model="plan"
        )


def interval_demand(
    scenario: Scenario, day: Day, *, interval_minutes: int = 30
) -> tuple[IntervalDemand, ...]:
    """Contacts offered per interval and category, and the roster, for one day.

    Daily contacts (:meth:`Scenario.daily_contacts`) × hourly profile × category mix × the
    events of the day; categories the desk does not take at that time are *deferred*.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    day : Day
        One of ``scenario.days``.
    interval_minutes : {15, 30, 60}
        Interval length.

    Examples
    --------
    >>> from dispatch_core.planning.scenario import default_scenario
    >>> s = default_scenario()
    >>> rows = interval_demand(s, s.day("mon"), interval_minutes=60)
    >>> len(rows), rows[9].desk, rows[9].rostered
    (24, 'open', 11)
    """
    _check_interval(interval_minutes)
    s = scenario
    desk = s.desk
    events = s.events_on(day)
    daily = s.daily_contacts(day)
    open_at, close_at = clock_minutes(desk.open), clock_minutes(desk.close)
    evening_at = clock_minutes(desk.evening_close)
    shifts = [sh for sh in s.shifts if not sh.days or day.name in sh.days]
    hours = interval_minutes / 60.0
    rows: list[IntervalDemand] = []
    for start in range(0, 24 * 60, interval_minutes):
        if open_at <= start < close_at:
            state, taken = "open", set(Category)
        elif close_at <= start < evening_at:
            state, taken = "evening", set(desk.evening_categories)
        else:
            state, taken = "closed", set()
        base = daily * s.demand.hourly_profile[start // 60] * hours
        offered: dict[Category, float] = {}
        deferred = jobs = 0.0
        for category, share in s.demand.category_mix.items():
            n = base * share * math.prod(e.factor(category, start) for e in events.values())
            if category in (Category.REPAIR, Category.EMERGENCY):
                jobs += n
            if category in taken:
                offered[category] = n
            else:
                deferred += n
        rows.append(
            IntervalDemand(
                start_minute=start,
                minutes=interval_minutes,
                desk=state,
                offered=offered,
                deferred=deferred,
                field_jobs=jobs,
                rostered=sum(sh.desk_agents + sh.part_timers for sh in shifts if sh.covers(start)),
                part_timers=sum(sh.part_timers for sh in shifts if sh.covers(start)),
                technicians=sum(sh.technicians for sh in shifts if sh.covers(start)),
            )
        )
    return tuple(rows)


def plan_day(scenario: Scenario, day: Day, *, interval_minutes: int = 30) -> DayPlan:
    """Plan one day of ``scenario`` interval by interval.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    day : Day
        One of ``scenario.days``.
    interval_minutes : {15, 30, 60}
        Interval length.

    Returns
    -------
    DayPlan
    """
    _check_interval(interval_minutes)
    s = scenario
    sla = s.sla
    phone_share = s.demand.channel_mix.get(Channel.PHONE, 0.0)
    digital_share = 1.0 - phone_share
    patience = s.patience.mean_s if sla.model == "erlang_a" else None
    max_abandon = sla.max_abandon if sla.model == "erlang_a" else None
    hours = interval_minutes / 60.0
    intervals: list[IntervalPlan] = []
    repair_contacts = 0.0
    for demand in interval_demand(s, day, interval_minutes=interval_minutes):
        start = demand.start_minute
        repair_contacts += demand.field_jobs
        offered = demand.contacts
        aht = demand.aht_s(s)
        phone_rate = offered * phone_share / hours
        digital_rate = offered * digital_share / hours
        need_phone = required_agents(
            phone_rate,
            aht,
            sla.phone_target,
            sla.phone_within_s,
            sla.max_occupancy,
            patience_s=patience,
            max_abandon=max_abandon,
        )
        need_digital = required_agents(
            digital_rate, aht, sla.digital_target, sla.digital_within_s, sla.max_occupancy
        )
        rostered = demand.rostered
        on_phone = rostered - min(rostered, need_digital)
        projected = evaluate(
            phone_rate, aht, on_phone, within_s=sla.phone_within_s, patience_s=patience
        )
        required = need_phone + need_digital
        intervals.append(
            IntervalPlan(
                start_minute=start,
                minutes=interval_minutes,
                desk=demand.desk,
                contacts=offered,
                phone_contacts=offered * phone_share,
                digital_contacts=offered * digital_share,
                deferred_contacts=demand.deferred,
                aht_s=aht,
                load_erlangs=(phone_rate + digital_rate) * aht / 3600.0,
                required_phone=need_phone,
                required_digital=need_digital,
                required=required,
                scheduled=rostered,
                technicians=demand.technicians,
                phone=projected,
                status=_status(required, rostered),
            )
        )
    return _roll_up(scenario, day, tuple(intervals), list(s.events_on(day)), repair_contacts)


@dataclass(frozen=True, slots=True)
class Headcount:
    """Staff to employ for a day's agent-hours, by the scenario's roll-up rules.

    Attributes
    ----------
    fte : float
        Agents on duty: agent-hours ÷ shift hours ÷ (1 - shrinkage).
    agents : int
        Agents to employ if every day were like this one: FTE × 7 ÷ workdays, rounded up.
    reserve : int
        Reserve headcount on top (``reserve`` share of ``agents``).
    supervisors : int
        One per ``agents_per_supervisor`` agents.
    """

    fte: float
    agents: int
    reserve: int
    supervisors: int

    @property
    def total(self) -> int:
        """Agents plus reserve."""
        return self.agents + self.reserve


def headcount(scenario: Scenario, agent_hours: float) -> Headcount:
    """Roll a day's required agent-hours up into FTE, agents, reserve and supervisors.

    Examples
    --------
    >>> from dispatch_core.planning.scenario import default_scenario
    >>> h = headcount(default_scenario(), 112.0)  # 8-h shifts, 30 % shrinkage, 5 days a week
    >>> round(h.fte, 1), h.agents, h.reserve, h.supervisors, h.total
    (20.0, 28, 3, 6, 31)
    """
    staff = scenario.staffing
    fte = agent_hours / staff.shift_hours / (1.0 - staff.shrinkage)
    agents = math.ceil(fte * 7 / staff.workdays_per_week - 1e-9)
    return Headcount(
        fte=fte,
        agents=agents,
        reserve=math.ceil(agents * staff.reserve - 1e-9),
        supervisors=math.ceil(agents / staff.agents_per_supervisor - 1e-9),
    )


def _roll_up(
    s: Scenario,
    day: Day,
    intervals: tuple[IntervalPlan, ...],
    event_names: list[str],
    repair_contacts: float,
) -> DayPlan:
    staff = s.staffing
    hours = intervals[0].minutes / 60.0
    agent_hours = sum(iv.required for iv in intervals) * hours
    heads = headcount(s, agent_hours)
    phone = [(iv.phone_contacts, iv.phone) for iv in intervals if iv.phone_contacts > 0]
    jobs = repair_contacts / s.resolution.demand_multiplier
    tech_hours = sum(iv.technicians for iv in intervals) * hours
    return DayPlan(
        name=day.name,
        weekday=day.weekday.value,
        events=tuple(event_names),
        intervals=intervals,
        contacts=sum(iv.contacts for iv in intervals),
        deferred_contacts=sum(iv.deferred_contacts for iv in intervals),
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
            jobs * staff.repair_work_minutes / 60.0 / tech_hours if tech_hours else math.inf
        ),
    )


class RolledUpDay(Protocol):
    """What the rule comparison needs of a day (a :class:`DayPlan` or a simulated day)."""

    @property
    def name(self) -> str:
        """The day's name."""
        ...

    @property
    def required_fte(self) -> float:
        """Agents on duty needed that day."""
        ...

    @property
    def headcount(self) -> int:
        """Agents plus reserve to employ if every day were like this one."""
        ...

    @property
    def reserve(self) -> int:
        """The reserve part of ``headcount``."""
        ...


def compare_with_rule(s: Scenario, days: Sequence[RolledUpDay]) -> RuleComparison:
    """Set the households rule of thumb beside the staffing required by ``days``.

    The "normal week" is the days without named events (all days if every day has one);
    the peak day is the one with the largest headcount.
    """
    staff = s.staffing
    rule_agents = math.ceil(s.estate.households / staff.households_per_agent)
    week = [d for d in days if not s.day(d.name).events] or list(days)
    weekly_fte = sum(d.required_fte for d in week) * 7 / len(week) / staff.workdays_per_week
    erlang = math.ceil(weekly_fte - 1e-9)
    peak = max(days, key=lambda d: d.headcount)
    peak_agents = peak.headcount - peak.reserve
    per_sup = staff.agents_per_supervisor
    return RuleComparison(
        households=s.estate.households,
        households_per_agent=staff.households_per_agent,
        rule_agents=rule_agents,
        rule_supervisors=math.ceil(rule_agents / per_sup),
        rule_reserve=math.ceil(rule_agents * staff.reserve - 1e-9),
        erlang_agents=erlang,
        erlang_supervisors=math.ceil(erlang / per_sup),
        erlang_reserve=math.ceil(erlang * staff.reserve - 1e-9),
        peak_day=peak.name,
        peak_day_agents=peak_agents,
        peak_day_supervisors=math.ceil(peak_agents / per_sup),
        peak_day_reserve=peak.reserve,
        managers=staff.managers,
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
