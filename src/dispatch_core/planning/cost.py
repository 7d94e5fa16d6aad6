"""What a plan costs per month, from the salaries per role of the scenario's ``[costs]``.

A week of rosters costs: full-time agents to employ (weekly full-time paid hours ÷ the
contract week, ``shift_hours × workdays_per_week``, rounded up) plus the reserve share, at
``agent_monthly``; supervisors (one per ``agents_per_supervisor`` agents, part-timers counted
by their hours) at ``supervisor_monthly``; the managers; part-timer hours at
``part_timer_hourly`` (a month is 52/12 weeks); and the technicians of the scenario's roster
at ``technician_monthly``. The rule of thumb is costed the same way from its headcount.

Examples
--------
>>> from dispatch_core.planning.scenario import default_scenario
>>> s = default_scenario()
>>> rule = rule_of_thumb_cost(s)
>>> [(line.role, line.heads) for line in rule.lines][:4]
[('agents', 20.0), ('reserve', 2.0), ('supervisors', 4.0), ('managers', 1.0)]
>>> week = monthly_cost(s, full_time_hours=[112.0] * 7, part_time_hours=[16.0] * 7)
>>> week.agents, round(week.part_time_hours)
(20, 485)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from dispatch_core.planning.scenario import Scenario

__all__ = [
    "CostLine",
    "MonthlyCost",
    "WEEKS_PER_MONTH",
    "hourly_rates",
    "monthly_cost",
    "rule_of_thumb_cost",
]

#: Weeks in a month (52 / 12).
WEEKS_PER_MONTH = 52.0 / 12.0


@dataclass(frozen=True, slots=True)
class CostLine:
    """One role: heads (or hours for part-timers), the rate and the monthly total."""

    role: str
    heads: float
    rate: float
    total: float


@dataclass(frozen=True, slots=True)
class MonthlyCost:
    """A plan's staff cost per month.

    Attributes
    ----------
    agents : int
        Full-time agents to employ (reserve not included).
    part_time_hours : float
        Part-timer hours per month.
    lines : tuple of CostLine
        Agents, reserve, supervisors, managers, part-timers, technicians.
    currency : str
        From ``[costs]``.
    """

    agents: int
    part_time_hours: float
    lines: tuple[CostLine, ...]
    currency: str

    @property
    def total(self) -> float:
        """Sum of the lines."""
        return math.fsum(line.total for line in self.lines)


def _technician_heads(s: Scenario) -> float:
    """Technicians to employ for the scenario's roster on a normal day (FTE × 7 ÷ workdays)."""
    staff = s.staffing
    normal = [d for d in s.days if not d.events] or list(s.days)
    hours = []
    for day in normal:
        shifts = [sh for sh in s.shifts if not sh.days or day.name in sh.days]
        hours.append(sum(sh.technicians * sh.hours for sh in shifts))
    weekly = sum(hours) * 7 / len(hours)
    return math.ceil(weekly / (staff.shift_hours * staff.workdays_per_week) - 1e-9)


def _lines(s: Scenario, agents: int, pt_hours_week: float) -> MonthlyCost:
    staff, costs = s.staffing, s.costs
    contract = staff.shift_hours * staff.workdays_per_week
    reserve = math.ceil(agents * staff.reserve - 1e-9)
    supervisors = math.ceil(
        (agents + pt_hours_week / contract) / staff.agents_per_supervisor - 1e-9
    )
    pt_month = pt_hours_week * WEEKS_PER_MONTH
    technicians = _technician_heads(s)
    rows = [
        ("agents", float(agents), costs.agent_monthly),
        ("reserve", float(reserve), costs.agent_monthly),
        ("supervisors", float(supervisors), costs.supervisor_monthly),
        ("managers", float(staff.managers), costs.manager_monthly),
        ("part-timer hours", pt_month, costs.part_timer_hourly),
        ("technicians (as rostered)", float(technicians), costs.technician_monthly),
    ]
    return MonthlyCost(
        agents=agents,
        part_time_hours=pt_month,
        lines=tuple(CostLine(role, n, rate, n * rate) for role, n, rate in rows),
        currency=costs.currency,
    )


def monthly_cost(
    s: Scenario, *, full_time_hours: Sequence[float], part_time_hours: Sequence[float]
) -> MonthlyCost:
    """Cost per month of rosters with these paid hours per day (a normal week's days).

    Fewer than seven days stand for the week on average (× 7 ÷ days).
    """
    days = len(full_time_hours)
    week_ft = math.fsum(full_time_hours) * 7 / days
    week_pt = math.fsum(part_time_hours) * 7 / days
    contract = s.staffing.shift_hours * s.staffing.workdays_per_week
    return _lines(s, math.ceil(week_ft / contract - 1e-9), week_pt)


def rule_of_thumb_cost(s: Scenario) -> MonthlyCost:
    """Cost per month of the households rule of thumb (1 agent per N households)."""
    return _lines(s, math.ceil(s.estate.households / s.staffing.households_per_agent), 0.0)


def hourly_rates(s: Scenario) -> tuple[float, float]:
    """Cost of one paid hour (full-time, part-time), reserve and supervision included.

    The linear cost the shift scheduler minimises; :func:`monthly_cost` rounds heads up.
    """
    staff, costs = s.staffing, s.costs
    month_hours = staff.shift_hours * staff.workdays_per_week * WEEKS_PER_MONTH
    supervision = costs.supervisor_monthly / staff.agents_per_supervisor / month_hours
    full = costs.agent_monthly * (1.0 + staff.reserve) / month_hours + supervision
    return full, costs.part_timer_hourly + supervision
