"""Scenario settings for proposing rosters: shift lengths, break rules and salaries.

``[roster]`` says which shifts the scheduler (:mod:`dispatch_core.planning.roster`) may
propose and the breaks they must carry; ``[costs]`` the salaries per role used to cost a plan
per month.

Examples
--------
>>> rules = RosterRules()
>>> rules.full_time_hours, rules.part_time_hours, rules.start_every_minutes
([8.0], [4.0], 30)
>>> [(b.min_shift_hours, b.minutes) for b in rules.breaks]
[(6.0, 60)]
>>> Costs().agent_monthly
7000.0
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from dispatch_core.model import DomainModel

__all__ = ["BreakRule", "Costs", "RosterRules"]

Hours = Annotated[float, Field(gt=0, le=16, allow_inf_nan=False)]
Money = Annotated[float, Field(ge=0, le=10_000_000, allow_inf_nan=False)]


class BreakRule(DomainModel):
    """A break every shift of at least ``min_shift_hours`` must take.

    The break lasts ``minutes`` (rounded up to whole planning intervals) and starts between
    ``earliest_after_hours`` and ``latest_after_hours`` after the shift starts; the agent is
    off the queues meanwhile. ``paid`` breaks count as paid hours.
    """

    min_shift_hours: Hours
    minutes: Annotated[int, Field(gt=0, le=240)]
    earliest_after_hours: Annotated[float, Field(ge=0, le=16, allow_inf_nan=False)]
    latest_after_hours: Annotated[float, Field(ge=0, le=16, allow_inf_nan=False)]
    paid: bool = True

    @model_validator(mode="after")
    def _window(self) -> BreakRule:
        if self.latest_after_hours < self.earliest_after_hours:
            msg = "latest_after_hours must be at least earliest_after_hours"
            raise ValueError(msg)
        if self.latest_after_hours * 60 + self.minutes > self.min_shift_hours * 60:
            msg = "the break must end before the shortest shift it applies to"
            raise ValueError(msg)
        return self


def _meal_break() -> list[BreakRule]:
    return [
        BreakRule(
            min_shift_hours=6, minutes=60, earliest_after_hours=3, latest_after_hours=5, paid=True
        )
    ]


class RosterRules(DomainModel):
    """Which shifts the scheduler may propose (``[roster]``).

    Shifts start on a grid of ``start_every_minutes`` (a multiple of the planning interval is
    used as is; otherwise the interval), last one of ``full_time_hours`` (desk agents) or
    ``part_time_hours`` (part-timers; leave it empty for none) and may cross midnight.
    ``max_part_time_share`` caps part-timer hours as a share of all agent hours of a day.
    The scenario's own ``[[shifts]]`` are always allowed too.
    """

    start_every_minutes: Annotated[int, Field(ge=15, le=240)] = 30
    full_time_hours: Annotated[list[Hours], Field(min_length=1, max_length=8)] = Field(
        default_factory=lambda: [8.0]
    )
    part_time_hours: Annotated[list[Hours], Field(max_length=8)] = Field(
        default_factory=lambda: [4.0]
    )
    max_part_time_share: Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)] = 0.3
    breaks: list[BreakRule] = Field(default_factory=_meal_break)
    time_limit_s: Annotated[float, Field(gt=0, le=600, allow_inf_nan=False)] = 10.0


class Costs(DomainModel):
    """Salaries per role (``[costs]``), per month unless named hourly.

    The plans cite 6,000–8,000 yuan per agent per month. Part-timers are paid by the hour;
    a month is 52/12 weeks.
    """

    currency: Annotated[str, Field(min_length=1, max_length=8)] = "CNY"
    agent_monthly: Money = 7000.0
    supervisor_monthly: Money = 9500.0
    manager_monthly: Money = 15000.0
    technician_monthly: Money = 7500.0
    part_timer_hourly: Money = 35.0
