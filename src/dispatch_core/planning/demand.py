"""What arrives at the desk in each interval of a day, and where closed-hours contacts go.

Daily contacts per category (:meth:`~dispatch_core.planning.scenario.Scenario.category_contacts`,
callbacks in) × the hourly profile × the day's events give each interval's arrivals. The desk
takes a category while it is open for it (every category while open, the evening categories
at the evening desk); a contact arriving while its desk is closed is never dropped silently:

* phone calls are **lost** (offered and lost, on their own line) when ``after_hours_phone`` is
  ``lost``; with ``carry_over`` they become call-back requests;
* digital contacts are **carried** to the next opening for their category when
  ``after_hours_digital`` is ``carry_over`` (the default), else lost.

Carried contacts join the interval of that opening as deferred work (the digital queue, or the
blended pool's digital class), their clock starting at the opening as business-hours clocks
do. Those arriving after the day's last opening for their category are **carried over** to the
next day; the day, in turn, receives the night before's (rosters repeat daily: the night
before is the previous weekday with its weekday and seasonal events, not this day's named
ones).

Shared by the analytic planner (:func:`~dispatch_core.planning.plan.plan_day`) and the SimPy
replay (:mod:`dispatch_core.sim.desk.scenario`), so both see the same demand.

Examples
--------
>>> from dispatch_core.planning.scenario import default_scenario
>>> s = default_scenario()
>>> rows = interval_demand(s, s.day("mon"), interval_minutes=60)
>>> len(rows), rows[9].desk.value, rows[9].rostered
(24, 'open', 11)
>>> round(sum(r.deferred for r in rows)), round(sum(r.lost for r in rows), 1)  # of 577
(56, 31.1)
>>> round(rows[8].backlog, 1)  # carried to 08:00: the night before's and today's early hours
21.9
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dispatch_core.errors import InvalidInputError
from dispatch_core.model import Category
from dispatch_core.planning.hours import AfterHours, DeskState, desk_state
from dispatch_core.planning.scenario import Channel, Day, Scenario

__all__ = [
    "DayDemand",
    "INTERVALS",
    "IntervalDemand",
    "check_interval",
    "day_demand",
    "interval_demand",
]

#: Interval lengths the planner accepts, in minutes.
INTERVALS = (15, 30, 60)


@dataclass(frozen=True, slots=True)
class IntervalDemand:
    """What arrives at the desk in one interval, and who is rostered: the planner's inputs.

    Attributes
    ----------
    start_minute, minutes : int
        Start (minutes after midnight) and length.
    desk : DeskState
        Open, evening desk or closed.
    offered : dict of Category to float
        Contacts arriving in the interval that the desk takes live (all channels).
    carried_in : dict of Category to float
        Contacts queued to this opening: they arrived while the desk was closed for them
        (earlier today or the night before) and are deferred work now.
    deferred : float
        Contacts arriving in the interval while the desk is closed for their category
        (``lost + carried``).
    lost : float
        Of ``deferred``: lost (phone calls by default).
    carried : float
        Of ``deferred``: carried to a later opening (today's or, see ``carried_over``, the
        next day's).
    carried_over : float
        Of ``carried``: to the next day.
    rostered, part_timers, technicians : int
        Desk agents (part-timers included), the part-timers among them, and technicians on
        shift at the interval start.
    """

    start_minute: int
    minutes: int
    desk: DeskState
    offered: dict[Category, float]
    carried_in: dict[Category, float]
    deferred: float
    lost: float
    carried: float
    carried_over: float
    rostered: int
    part_timers: int
    technicians: int

    @property
    def contacts(self) -> float:
        """Contacts arriving that the desk takes live (all channels)."""
        return math.fsum(self.offered.values())

    @property
    def backlog(self) -> float:
        """Contacts carried into this interval."""
        return math.fsum(self.carried_in.values())

    @property
    def arrivals(self) -> float:
        """Every contact arriving in the interval, taken or not."""
        return self.contacts + self.deferred

    def aht_s(self, scenario: Scenario) -> float:
        """Mean handling time of the contacts offered (inquiry's mean when none are)."""
        return _mean_aht(scenario, self.offered)

    def workload_aht_s(self, scenario: Scenario) -> float:
        """Mean handling time of the offered and carried-in contacts together."""
        both = {c: self.offered.get(c, 0.0) + self.carried_in.get(c, 0.0) for c in Category}
        return _mean_aht(scenario, both)


def _mean_aht(scenario: Scenario, counts: dict[Category, float]) -> float:
    total = math.fsum(counts.values())
    if total <= 0:
        return scenario.handling[Category.INQUIRY].mean_s
    return math.fsum(n * scenario.handling[c].mean_s for c, n in counts.items()) / total


@dataclass(frozen=True, slots=True)
class DayDemand:
    """A day's intervals and its closed-hours totals.

    ``carried_in`` is the night before's carry-over handed to this day's openings (the part
    of it for categories the desk never takes today, ``passed_on``, goes on to the next day).
    """

    intervals: tuple[IntervalDemand, ...]
    carried_in: float
    passed_on: float = 0.0

    @property
    def arrivals(self) -> float:
        """Every contact arriving during the day."""
        return math.fsum(d.arrivals for d in self.intervals)

    @property
    def lost(self) -> float:
        """Contacts lost while the desk was closed for them."""
        return math.fsum(d.lost for d in self.intervals)

    @property
    def carried_over(self) -> float:
        """Contacts left for the next day's opening (``passed_on`` included)."""
        return math.fsum(d.carried_over for d in self.intervals) + self.passed_on


def check_interval(interval_minutes: int) -> None:
    """Raise :class:`InvalidInputError` unless ``interval_minutes`` is one of :data:`INTERVALS`."""
    if interval_minutes not in INTERVALS:
        raise InvalidInputError(
            "interval_minutes", interval_minutes, f"must be one of {INTERVALS}", model="plan"
        )


def _taken(scenario: Scenario, state: DeskState) -> frozenset[Category]:
    if state is DeskState.OPEN:
        return frozenset(Category)
    if state is DeskState.EVENING:
        return frozenset(scenario.desk.evening_categories)
    return frozenset()


def _arrivals(
    scenario: Scenario, day: Day, interval_minutes: int
) -> list[tuple[int, DeskState, dict[Category, float]]]:
    """(start, desk state, arrivals by category) per interval of ``day``."""
    events = scenario.events_on(day).values()
    daily = scenario.category_contacts(day)
    hours = interval_minutes / 60.0
    out = []
    for start in range(0, 24 * 60, interval_minutes):
        base = scenario.demand.hourly_profile[start // 60] * hours
        arriving = {
            c: n * base * math.prod(e.factor(c, start) for e in events) for c, n in daily.items()
        }
        out.append((start, desk_state(scenario.desk, day.weekday, start), arriving))
    return out


def _kept_share(policy: AfterHours, share: float) -> float:
    return share if policy is AfterHours.CARRY_OVER else 0.0


def day_demand(scenario: Scenario, day: Day, *, interval_minutes: int = 30) -> DayDemand:
    """Contacts per interval and category for one day, with the closed-hours carry-over.

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
    DayDemand
    """
    check_interval(interval_minutes)
    s = scenario
    phone = s.demand.channel_mix.get(Channel.PHONE, 0.0)
    # Share of a closed-hours contact that is kept (carried), the rest is lost.
    kept = _kept_share(s.desk.after_hours_phone, phone) + _kept_share(
        s.desk.after_hours_digital, 1.0 - phone
    )
    rows = _arrivals(s, day, interval_minutes)
    takes = [_taken(s, state) for _, state, _ in rows]
    carried_in: list[dict[Category, float]] = [{} for _ in rows]
    carried_over = [0.0] * len(rows)
    first_opening = {c: next((j for j, t in enumerate(takes) if c in t), None) for c in Category}

    # The night before: what arrived after that day's last opening for its category.
    night = Day(name=day.name, weekday=day.weekday.previous)
    before = _arrivals(s, night, interval_minutes)
    before_takes = [_taken(s, state) for _, state, _ in before]
    night_total = passed_on = 0.0
    for category in Category:
        last = max((i for i, t in enumerate(before_takes) if category in t), default=-1)
        n = math.fsum(a[category] for _, _, a in before[last + 1 :]) * kept
        if n <= 0:
            continue
        night_total += n
        j = first_opening[category]
        if j is None:  # no opening for it today either: it passes on to the next day
            passed_on += n
        else:
            carried_in[j][category] = carried_in[j].get(category, 0.0) + n

    deferred = [0.0] * len(rows)
    for i, (_, _, arriving) in enumerate(rows):
        for category, n in arriving.items():
            if category in takes[i]:
                continue
            deferred[i] += n
            keep = n * kept
            if keep <= 0:
                continue
            j = next((k for k in range(i + 1, len(rows)) if category in takes[k]), None)
            if j is None:
                carried_over[i] += keep
            else:
                carried_in[j][category] = carried_in[j].get(category, 0.0) + keep

    shifts = [sh for sh in s.shifts if not sh.days or day.name in sh.days]
    out = []
    for i, (start, state, arriving) in enumerate(rows):
        on = [sh for sh in shifts if sh.covers(start)]
        carried = deferred[i] * kept
        out.append(
            IntervalDemand(
                start_minute=start,
                minutes=interval_minutes,
                desk=state,
                offered={c: n for c, n in arriving.items() if c in takes[i]},
                carried_in=carried_in[i],
                deferred=deferred[i],
                lost=deferred[i] - carried,
                carried=carried,
                carried_over=carried_over[i],
                rostered=sum(sh.desk_agents + sh.part_timers for sh in on),
                part_timers=sum(sh.part_timers for sh in on),
                technicians=sum(sh.technicians for sh in on),
            )
        )
    return DayDemand(intervals=tuple(out), carried_in=night_total, passed_on=passed_on)


def interval_demand(
    scenario: Scenario, day: Day, *, interval_minutes: int = 30
) -> tuple[IntervalDemand, ...]:
    """Return the intervals of :func:`day_demand` (contacts per category, the roster).

    Examples
    --------
    >>> from dispatch_core.planning.scenario import default_scenario
    >>> s = default_scenario()
    >>> rows = interval_demand(s, s.day("mon"), interval_minutes=60)
    >>> rows[3].desk.value, round(rows[3].deferred, 2), rows[3].contacts
    ('closed', 1.04, 0.0)
    """
    return day_demand(scenario, day, interval_minutes=interval_minutes).intervals
