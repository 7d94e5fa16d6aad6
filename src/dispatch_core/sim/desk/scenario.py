"""A scenario day as SimPy desks: the phone queue and the digital queue, interval by interval.

The demand is the analytic planner's own (:func:`~dispatch_core.planning.plan.interval_demand`):
daily contacts × hourly profile × category mix × the day's events. **Every** contact arrives,
at any hour; the desk takes a category only while it is open for it (the evening desk takes
emergencies and repairs), as ``DeskSpec.accepts`` says. What arrives while it is closed
follows the scenario's ``desk.after_hours_phone`` / ``desk.after_hours_digital``: carried over
to the next opening (queued then, its handling taking agent time) or lost (counted on its own
line). Each interval's contacts are split by the channel mix into

* the **phone** queue: a live queue, answered within ``sla.phone_within_s``; callers abandon
  with the scenario's ``[patience]`` when ``sla.model`` is ``"erlang_a"``;
* the **digital** queue (app and online): nobody abandons, answered within
  ``sla.digital_within_s``.

Within an interval arrivals are Poisson at a constant rate; the category of each contact is
drawn from that interval's mix, and its handling time from ``[handling.<category>]`` (an
exponential handling time has cv = 1 whatever the file says). Contact types are named after
the :class:`~dispatch_core.model.Category`, so a model hooked on ``on_handled`` (the engine
driver) knows what ticket to raise.

Agents: by default the rostered desk agents and part-timers of each interval, split as the
planner does (the digital queue takes the agents it needs first, the rest answer the phone);
or explicit vectors.

Examples
--------
>>> from dispatch_core.planning.scenario import default_scenario
>>> desk = scenario_desk(default_scenario(), "storm", interval_minutes=60)
>>> desk.phone.intervals, desk.phone.answer_within_s, desk.digital.answer_within_s
(24, 20.0, 900.0)
>>> [t.name for t in desk.phone.contact_types][:3]
['inquiry', 'repair', 'complaint']
>>> desk.rostered[9], desk.phone.agents[9] + desk.digital.agents[9]
(15, 15)
>>> desk.phone.arrival_rates[3] > 0, desk.phone.accepts[3][0], desk.phone.after_hours.value
(True, False, 'lost')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from dispatch_core.errors import InvalidInputError
from dispatch_core.model import Category
from dispatch_core.planning.plan import DayPlan, IntervalDemand, interval_demand, plan_day
from dispatch_core.planning.scenario import (
    AfterHours,
    Channel,
    Day,
    HandlingTime,
    Patience,
    Scenario,
)
from dispatch_core.sim.desk.model import ContactType, DeskSpec
from dispatch_core.sim.distributions import Distribution

__all__ = ["ScenarioDesk", "distribution_of", "scenario_desk"]


def distribution_of(value: HandlingTime | Patience) -> Distribution:
    """Return the simulation distribution of a scenario handling time or patience.

    Examples
    --------
    >>> from dispatch_core.planning.scenario import HandlingTime
    >>> str(distribution_of(HandlingTime(distribution="exponential", mean_s=240, cv=0.5)))
    'exponential(mean=240s)'
    """
    if value.distribution == "exponential":
        return Distribution.exponential(value.mean_s)
    if value.distribution == "gamma":
        return Distribution.gamma(value.mean_s, cv=value.cv)
    return Distribution.lognormal(value.mean_s, cv=value.cv)


@dataclass(frozen=True, slots=True)
class ScenarioDesk:
    """One day of a scenario, ready to simulate.

    Attributes
    ----------
    day : str
        The day's name.
    interval_minutes : int
        Interval length.
    phone, digital : DeskSpec
        The two queues (same intervals; contact types named after categories).
    rostered : tuple of int
        Desk agents and part-timers on shift, per interval.
    part_timers : tuple of int
        The part-timers among them.
    open : tuple of bool
        Whether the desk is open (fully or as the evening desk) in each interval.
    analytic : DayPlan
        The analytic plan of the same day (required agents per queue, projections).
    """

    day: str
    interval_minutes: int
    phone: DeskSpec
    digital: DeskSpec
    rostered: tuple[int, ...]
    part_timers: tuple[int, ...]
    open: tuple[bool, ...]
    analytic: DayPlan

    def queue(self, name: str) -> DeskSpec:
        """Return the ``"phone"`` or ``"digital"`` desk."""
        if name == "phone":
            return self.phone
        if name == "digital":
            return self.digital
        raise InvalidInputError("queue", name, "must be 'phone' or 'digital'")


def _contact_types(
    scenario: Scenario, demand: Sequence[IntervalDemand]
) -> tuple[tuple[ContactType, ...], tuple[tuple[float, ...], ...]]:
    """Contact types (categories offered at some time of the day) and each interval's mix."""
    totals = {c: math.fsum(d.offered.get(c, 0.0) for d in demand) for c in Category}
    day_total = math.fsum(totals.values())
    used = [c for c in Category if totals[c] > 0]
    if not used:  # nothing offered all day: one placeholder type, never drawn
        used = [Category.INQUIRY]
        totals, day_total = {Category.INQUIRY: 1.0}, 1.0
    types = tuple(
        ContactType(c.value, totals[c] / day_total, distribution_of(scenario.handling[c]))
        for c in used
    )
    mix = []
    for d in demand:
        total = d.contacts
        mix.append(tuple(d.offered.get(c, 0.0) / total if total > 0 else 0.0 for c in used))
    return types, tuple(mix)


def _agents(name: str, agents: Sequence[int] | None, default: list[int]) -> tuple[int, ...]:
    if agents is None:
        return tuple(default)
    if len(agents) != len(default):
        raise InvalidInputError(name, agents, f"needs {len(default)} values, one per interval")
    return tuple(agents)


def _arrivals(scenario: Scenario, day: Day, interval_minutes: int) -> tuple[IntervalDemand, ...]:
    """Every contact arriving per interval and category, whether or not the desk takes it.

    The planner's demand of the same scenario with the desk open all day long: the arrivals
    do not depend on the opening hours, only what the desk takes does.
    """
    always = scenario.desk.model_copy(
        update={"open": "00:00", "close": "24:00", "evening_close": "24:00"}
    )
    return interval_demand(
        scenario.model_copy(update={"desk": always}), day, interval_minutes=interval_minutes
    )


def scenario_desk(
    scenario: Scenario,
    day: Day | str,
    *,
    interval_minutes: int = 30,
    phone_agents: Sequence[int] | None = None,
    digital_agents: Sequence[int] | None = None,
    warmup_s: float = 0.0,
) -> ScenarioDesk:
    """Build the phone and digital desks of one scenario day.

    Parameters
    ----------
    scenario : Scenario
        The validated scenario.
    day : Day or str
        The day (or its name).
    interval_minutes : {15, 30, 60}
        Interval length.
    phone_agents, digital_agents : sequence of int, optional
        Agents per interval on each queue; default: the rostered agents, split as the planner
        does (the digital queue first takes what Erlang C says it needs).
    warmup_s : float
        Warm-up before midnight, seconds (the desk is usually closed then: 0 is fine).

    Returns
    -------
    ScenarioDesk
    """
    chosen = scenario.day(day) if isinstance(day, str) else day
    demand = interval_demand(scenario, chosen, interval_minutes=interval_minutes)
    arrivals = _arrivals(scenario, chosen, interval_minutes)
    analytic = plan_day(scenario, chosen, interval_minutes=interval_minutes)
    hours = interval_minutes / 60.0
    phone_share = scenario.demand.channel_mix.get(Channel.PHONE, 0.0)
    types, mix = _contact_types(scenario, arrivals)
    accepts = tuple(
        tuple(d.desk != "closed" and Category(t.name) in d.offered for t in types) for d in demand
    )
    rostered = [d.rostered for d in demand]
    to_digital = [
        min(r, iv.required_digital) for r, iv in zip(rostered, analytic.intervals, strict=True)
    ]
    sla = scenario.sla
    patience = distribution_of(scenario.patience) if sla.model == "erlang_a" else None

    def spec(
        share: float, agents: tuple[int, ...], within: float, after: AfterHours, *, abandon: bool
    ) -> DeskSpec:
        return DeskSpec(
            interval_s=interval_minutes * 60.0,
            arrival_rates=tuple(d.contacts * share / hours for d in arrivals),
            agents=agents,
            contact_types=types,
            patience=patience if abandon else None,
            answer_within_s=within,
            warmup_s=warmup_s,
            mix=mix,
            accepts=accepts,
            after_hours=after,
        )

    phone = _agents(
        "phone_agents", phone_agents, [r - g for r, g in zip(rostered, to_digital, strict=True)]
    )
    digital = _agents("digital_agents", digital_agents, to_digital)
    return ScenarioDesk(
        day=chosen.name,
        interval_minutes=interval_minutes,
        phone=spec(
            phone_share, phone, sla.phone_within_s, scenario.desk.after_hours_phone, abandon=True
        ),
        digital=spec(
            1.0 - phone_share,
            digital,
            sla.digital_within_s,
            scenario.desk.after_hours_digital,
            abandon=False,
        ),
        rostered=tuple(rostered),
        part_timers=tuple(d.part_timers for d in demand),
        open=tuple(d.desk != "closed" for d in demand),
        analytic=analytic,
    )
