"""What an analytic plan says: intervals, days, their balance, the whole plan.

Plain frozen records built by :mod:`dispatch_core.planning.plan`; the reports and the
simulation read them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dispatch_core.errors import InvalidInputError
from dispatch_core.planning.erlang import SL_DEFINITION, QueueMetrics
from dispatch_core.planning.hours import DeskState
from dispatch_core.planning.rollup import RuleComparison
from dispatch_core.planning.scenario import Scenario
from dispatch_core.planning.status import Approximation, Check, Grade, Status

__all__ = ["DayBalance", "DayPlan", "IntervalPlan", "Plan", "QueueAgents", "QueueWork"]


@dataclass(frozen=True, slots=True)
class QueueAgents:
    """Agents of the phone queue and of the digital queue."""

    phone: int
    digital: int

    @property
    def total(self) -> int:
        """Both queues."""
        return self.phone + self.digital


@dataclass(frozen=True, slots=True)
class QueueWork:
    """Contacts of the phone queue and of the digital queue."""

    phone: float
    digital: float

    @property
    def total(self) -> float:
        """Both queues."""
        return self.phone + self.digital


@dataclass(frozen=True, slots=True)
class IntervalPlan:
    """One interval of one day.

    Attributes
    ----------
    start_minute, minutes : int
        Start (minutes after midnight) and length.
    desk : DeskState
        Open (all categories), evening desk (evening categories only) or closed.
    contacts : float
        Contacts arriving that the desk takes live (phone + digital).
    phone_contacts, digital_contacts : float
        The split by channel.
    backlog : float
        Contacts carried to this opening from closed hours (deferred work, digital queue).
    deferred_contacts, lost, carried : float
        Contacts arriving while the desk is closed for them; of those, lost and carried.
    aht_s : float
        Mean handling time of the work (offered and carried in).
    load_erlangs : float
        Offered load of all the work.
    blended : bool
        Phone and digital in one pool (``required_phone`` is then the pool the phone targets
        alone need, ``required_digital`` what the digital target adds).
    required_phone, required_digital, required : int
        *Productive* agents required by each queue and in total (at least ``min_agents``
        while the desk is open).
    required_heads : int
        Agents to roster for ``required`` after shrinkage.
    scheduled : int
        Agents rostered (desk agents + part-timers on shift).
    productive : int
        ``scheduled × (1 − shrinkage)``, rounded down.
    phone_agents, digital_agents : int
        How the productive agents are split (blended: all on ``phone_agents``).
    technicians : int
        Technicians rostered.
    phone, digital : QueueMetrics
        What the productive agents would deliver on each queue (blended: each class).
    occupancy : float
        Desk occupancy: work answered ÷ productive agent time.
    answered, abandoned : float
        Projected contacts answered and abandoned in the interval.
    field_jobs : float
        Technician jobs from the contacts answered (``1 − FCR`` share of field categories).
    technician_load : float or None
        Field work ÷ technician time on shift (``inf``: work and no technician; ``None``:
        neither).
    grade : Grade
        Status and the checks that set it.
    approximations : tuple of Approximation
        Why the Erlang figures are not exact here (empty: they are).
    """

    start_minute: int
    minutes: int
    desk: DeskState
    contacts: float
    phone_contacts: float
    digital_contacts: float
    backlog: float
    deferred_contacts: float
    lost: float
    carried: float
    aht_s: float
    load_erlangs: float
    blended: bool
    required_phone: int
    required_digital: int
    required: int
    required_heads: int
    scheduled: int
    productive: int
    phone_agents: int
    digital_agents: int
    technicians: int
    phone: QueueMetrics
    digital: QueueMetrics
    occupancy: float
    answered: float
    abandoned: float
    field_jobs: float
    technician_load: float | None
    grade: Grade
    approximations: tuple[Approximation, ...]

    @property
    def label(self) -> str:
        """``"HH:MM"`` of the interval start."""
        return f"{self.start_minute // 60:02d}:{self.start_minute % 60:02d}"

    @property
    def gap(self) -> int:
        """Rostered minus required agents, both before shrinkage (negative: short)."""
        return self.scheduled - self.required_heads

    @property
    def status(self) -> Status:
        """The grade's status."""
        return self.grade.status

    @property
    def checks(self) -> tuple[Check, ...]:
        """The checks that set the status."""
        return self.grade.checks

    @property
    def erlang_holds(self) -> bool:
        """Whether the Erlang figures are exact here (no approximation flagged)."""
        return not self.approximations


@dataclass(frozen=True, slots=True)
class DayBalance:
    """Where every contact of a day went (projected with the rostered agents).

    ``arrivals + carried_in == answered + abandoned + carried_over + lost`` (to rounding).

    Attributes
    ----------
    arrivals : float
        Contacts arriving during the day (all channels and categories, callbacks in).
    carried_in : float
        Carried over from the night before, worked at today's openings.
    answered, abandoned : float
        Answered by the desk; calls abandoned in the queue.
    carried_over : float
        Left for the next day (arrived after the last opening for them, or waiting when the
        desk closed).
    lost : float
        Arrived while the desk was closed for them and not kept (phone calls by default).
    """

    arrivals: float
    carried_in: float
    answered: float
    abandoned: float
    carried_over: float
    lost: float

    @property
    def error(self) -> float:
        """``arrivals + carried_in - (answered + abandoned + carried_over + lost)``."""
        out = (self.answered, self.abandoned, self.carried_over, self.lost)
        return math.fsum((self.arrivals, self.carried_in, *(-x for x in out)))


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
        Contacts the desk takes live, and those arriving while it is closed for them.
    balance : DayBalance
        Where the day's contacts went.
    required_agent_hours, scheduled_agent_hours : float
        Sum over intervals of productive agents required × hours, and of rostered agents ×
        hours.
    peak_required : int
        Most productive agents required in one interval.
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
        Field work: technician jobs (repair and emergency contacts answered × (1 − FCR)),
        rostered technician-hours, and their load (above 1: more work than technician time).
    """

    name: str
    weekday: str
    events: tuple[str, ...]
    intervals: tuple[IntervalPlan, ...]
    contacts: float
    deferred_contacts: float
    balance: DayBalance
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

    @property
    def technician_status(self) -> Status:
        """Red when the day's field work exceeds the technicians' time on shift."""
        return Status.RED if self.technician_utilisation > 1.0 else Status.GREEN

    @property
    def status(self) -> Status:
        """The worst interval status (and the technician status)."""
        found = {iv.status for iv in self.intervals} | {self.technician_status}
        return next(s for s in (Status.RED, Status.YELLOW, Status.GREEN) if s in found)


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
