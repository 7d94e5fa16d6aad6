"""Daily roll-ups: agent-hours to FTE and headcount, and the households rule of thumb beside it.

Shared by the analytic plan and the simulated one (:mod:`dispatch_core.sim.desk.plan`), so both
roll up with the same rules: agent-hours ÷ shift hours ÷ (1 − shrinkage) is the FTE on duty;
× 7 ÷ workdays per week the agents to employ; plus the reserve share, one supervisor per
``agents_per_supervisor`` agents and the managers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from dispatch_core.planning.scenario import Scenario

__all__ = ["Headcount", "RolledUpDay", "RuleComparison", "compare_with_rule", "headcount"]


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
