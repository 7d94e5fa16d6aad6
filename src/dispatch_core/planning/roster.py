"""Rosters, not only requirements: shift starts and lengths that cover a day at least cost.

:func:`propose_rosters` turns each day's per-interval requirement (agents to roster after
shrinkage, :attr:`~dispatch_core.planning.plan.IntervalPlan.required_heads`) into shifts with
CP-SAT (OR-Tools), the set-covering formulation of pyworkforce's ``MinRequiredResources``: one
integer variable per **shift pattern** (start, length, full- or part-time, where its break
falls), every interval covered by the agents on duty and not on a break, part-timer hours
capped, and the cost of the paid hours minimised (:func:`~dispatch_core.planning.cost.
hourly_rates`). Patterns start every ``[roster] start_every_minutes``, last one of the allowed
lengths, may cross midnight (rosters repeat daily), carry the break of the ``[[roster.breaks]]``
rule for their length at every allowed position, and include the scenario's own
``[[shifts]]``.

Each proposal is **evaluated**: the day is planned again with the roster's agents on duty
(:func:`~dispatch_core.planning.plan.plan_day` with ``rostered=``), so "covers every interval"
is checked by the same projection that grades the scenario's roster. Beside it stands the
**baseline**: the scenario's own shifts, scaled by the one smallest factor that covers every
interval (the rule-of-thumb roster made to meet the same targets; it is a feasible point of
the model and its hint, so the proposal never costs more), and the rule of thumb's headcount.

Examples
--------
>>> from dispatch_core.planning.plan import build_plan
>>> from dispatch_core.planning.scenario import default_scenario
>>> plan = build_plan(default_scenario(), interval_minutes=60, days=["sun"])
>>> rosters = propose_rosters(plan)
>>> day = rosters.day("sun")
>>> day.covered, day.meets_targets, rosters.cost.total <= rosters.baseline_cost.total
(True, True, True)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from dispatch_core.errors import InvalidInputError, SolverError
from dispatch_core.planning.cost import MonthlyCost, hourly_rates, monthly_cost, rule_of_thumb_cost
from dispatch_core.planning.hours import DeskState, clock_minutes
from dispatch_core.planning.plan import DayPlan, Plan, plan_day
from dispatch_core.planning.scenario import Day, Scenario
from dispatch_core.planning.status import Check

__all__ = [
    "DayRoster",
    "OPTIMALITY_GAP",
    "RosterPlan",
    "RosterShift",
    "ShiftPattern",
    "propose_rosters",
    "scaled_roster",
    "schedule_day",
    "shift_patterns",
]

_DAY = 24 * 60

#: Relative gap to the proven lower bound at which the scheduler stops (0.1 %).
OPTIMALITY_GAP = 1e-3
_DESK_CHECKS = frozenset({Check.SERVICE_LEVEL, Check.ABANDONMENT, Check.OCCUPANCY, Check.DIGITAL})


def _hhmm(minute: int) -> str:
    minute %= _DAY
    return f"{minute // 60:02d}:{minute % 60:02d}"


@dataclass(frozen=True, slots=True)
class ShiftPattern:
    """One kind of shift: when it starts, how long, who works it and where its break falls.

    Attributes
    ----------
    name : str
        The scenario shift it comes from, or ``"full-time"`` / ``"part-time"``.
    start_minute, span_minutes : int
        Start (minutes after midnight) and length; the end may be the next day.
    part_time : bool
        Worked by part-timers (paid by the hour) rather than full-time agents.
    break_offset, break_minutes : int
        Break start after the shift start, and its length (0: no break).
    paid_hours : float
        Paid hours (unpaid breaks excluded).
    """

    name: str
    start_minute: int
    span_minutes: int
    part_time: bool
    break_offset: int
    break_minutes: int
    paid_hours: float

    def on_duty(self, minute: int) -> bool:
        """Whether an agent of this shift answers at minute-of-day ``minute`` (cyclic)."""
        offset = (minute - self.start_minute) % _DAY
        if offset >= self.span_minutes:
            return False
        return not self.break_offset <= offset < self.break_offset + self.break_minutes

    @property
    def key(self) -> tuple[int, int, bool, int, int]:
        """What makes two patterns the same shift (the name aside)."""
        return (
            self.start_minute,
            self.span_minutes,
            self.part_time,
            self.break_offset,
            self.break_minutes,
        )

    @property
    def label(self) -> str:
        """``"08:00–16:00, break 11:00–12:00"``."""
        end = self.start_minute + self.span_minutes
        text = f"{_hhmm(self.start_minute)}–{_hhmm(end)}"
        if self.break_minutes:
            b = self.start_minute + self.break_offset
            text += f", break {_hhmm(b)}–{_hhmm(b + self.break_minutes)}"
        return text


@dataclass(frozen=True, slots=True)
class RosterShift:
    """Agents working one shift pattern."""

    pattern: ShiftPattern
    agents: int


@dataclass(frozen=True, slots=True)
class DayRoster:
    """A roster of one day and what it delivers.

    Attributes
    ----------
    day : str
        The day's name.
    shifts : tuple of RosterShift
        Patterns worked (agents > 0), in start order.
    required, on_duty : tuple of int
        Agents to roster per interval (after shrinkage) and agents on duty (breaks out).
    optimal : bool
        Whether CP-SAT proved the roster within :data:`OPTIMALITY_GAP` of the cheapest (always
        ``True`` for a scaled roster: it is the cheapest of its kind).
    evaluation : DayPlan
        The day planned with ``on_duty`` agents: projections and grades.
    """

    day: str
    shifts: tuple[RosterShift, ...]
    required: tuple[int, ...]
    on_duty: tuple[int, ...]
    optimal: bool
    evaluation: DayPlan

    @property
    def full_time_hours(self) -> float:
        """Full-time paid hours of the day."""
        return math.fsum(
            r.agents * r.pattern.paid_hours for r in self.shifts if not r.pattern.part_time
        )

    @property
    def part_time_hours(self) -> float:
        """Part-timer paid hours of the day."""
        return math.fsum(
            r.agents * r.pattern.paid_hours for r in self.shifts if r.pattern.part_time
        )

    @property
    def covered(self) -> bool:
        """Whether every interval has at least its required agents on duty."""
        return all(o >= r for o, r in zip(self.on_duty, self.required, strict=True))

    @property
    def meets_targets(self) -> bool:
        """Whether the evaluation meets every desk target while the desk is open.

        The desk targets are SL, abandonment, occupancy and digital SL (technicians are not
        rostered here).
        """
        return not any(
            set(iv.checks) & _DESK_CHECKS
            for iv in self.evaluation.intervals
            if iv.desk is not DeskState.CLOSED
        )


@dataclass(frozen=True, slots=True)
class RosterPlan:
    """Proposed rosters of every planned day, the baseline and the monthly costs.

    ``cost`` and ``baseline_cost`` are for the normal week (days without named events);
    ``rule_cost`` is the rule of thumb's headcount. ``baseline`` holds ``None`` for a day the
    scenario's shifts cannot cover at any scale.
    """

    interval_minutes: int
    days: tuple[DayRoster, ...]
    baseline: tuple[DayRoster | None, ...]
    cost: MonthlyCost
    baseline_cost: MonthlyCost | None
    rule_cost: MonthlyCost

    def day(self, name: str) -> DayRoster:
        """Return the proposed roster of the day called ``name``."""
        for day in self.days:
            if day.day == name:
                return day
        raise InvalidInputError("day", name, f"no such day; known: {[d.day for d in self.days]}")


@dataclass(frozen=True, slots=True)
class _Break:
    """One allowed break position: minutes after the shift start, length, paid or not."""

    offset: int
    minutes: int
    paid: bool


def _break_options(s: Scenario, span: int, interval: int) -> list[_Break]:
    """Each allowed break position for a shift of ``span`` minutes (the rule for its length).

    The rule with the largest ``min_shift_hours`` the shift reaches applies; breaks start and
    last whole intervals.
    """
    rules = [b for b in s.roster.breaks if b.min_shift_hours * 60 <= span + 1e-9]
    if not rules:
        return [_Break(0, 0, paid=True)]
    rule = max(rules, key=lambda b: b.min_shift_hours)
    length = math.ceil(rule.minutes / interval) * interval
    first = math.ceil(rule.earliest_after_hours * 60 / interval - 1e-9) * interval
    last = max(first, math.floor(rule.latest_after_hours * 60 / interval + 1e-9) * interval)
    offsets = [o for o in range(first, last + 1, interval) if o + length <= span] or [first]
    return [_Break(o, length, paid=rule.paid) for o in offsets]


def _patterns(
    s: Scenario, name: str, start: int, span: int, *, part_time: bool, interval: int
) -> list[ShiftPattern]:
    out = []
    for b in _break_options(s, span, interval):
        paid_minutes = span if b.paid else span - b.minutes
        out.append(
            ShiftPattern(name, start, span, part_time, b.offset, b.minutes, paid_minutes / 60.0)
        )
    return out


@dataclass(frozen=True, slots=True)
class _OwnShift:
    """A scenario shift of the day, for its desk agents or for its part-timers."""

    name: str
    start: int
    span: int
    part_time: bool
    agents: int


def _own_shifts(s: Scenario, day: Day) -> list[_OwnShift]:
    """Return the scenario's desk shifts of ``day``: for desk agents, then for part-timers."""
    out = []
    for sh in s.shifts:
        if sh.days and day.name not in sh.days:
            continue
        start, span = clock_minutes(sh.start) % _DAY, round(sh.hours * 60)
        if sh.desk_agents:
            out.append(_OwnShift(sh.name, start, span, part_time=False, agents=sh.desk_agents))
        if sh.part_timers:
            out.append(_OwnShift(sh.name, start, span, part_time=True, agents=sh.part_timers))
    return out


def shift_patterns(s: Scenario, day: Day, interval_minutes: int) -> tuple[ShiftPattern, ...]:
    """Every pattern the scheduler may use on ``day``: generated and the scenario's own."""
    interval = interval_minutes
    rules = s.roster
    step = rules.start_every_minutes
    step = step if step % interval == 0 else interval
    found: dict[tuple[int, int, bool, int, int], ShiftPattern] = {}
    for part_time, lengths in ((False, rules.full_time_hours), (True, rules.part_time_hours)):
        name = "part-time" if part_time else "full-time"
        for hours in lengths:
            span = math.ceil(hours * 60 / interval - 1e-9) * interval
            for start in range(0, _DAY, step):
                for p in _patterns(s, name, start, span, part_time=part_time, interval=interval):
                    found.setdefault(p.key, p)
    for own in _own_shifts(s, day):
        for p in _patterns(
            s, own.name, own.start, own.span, part_time=own.part_time, interval=interval
        ):
            found[p.key] = p  # the scenario's name wins
    return tuple(found[k] for k in sorted(found))


def _duty(patterns: Sequence[ShiftPattern], interval: int) -> np.ndarray:
    """``duty[k, i]``: 1 if pattern ``k`` is on duty at interval ``i``'s start."""
    starts = range(0, _DAY, interval)
    return np.array([[p.on_duty(m) for m in starts] for p in patterns], dtype=np.int64).reshape(
        len(patterns), len(starts)
    )


def _coverage(duty: np.ndarray, counts: Sequence[int]) -> tuple[int, ...]:
    return tuple(int(v) for v in np.asarray(counts, dtype=np.int64) @ duty)


def _day_roster(
    s: Scenario,
    plan: DayPlan,
    patterns: Sequence[ShiftPattern],
    counts: Sequence[int],
    *,
    optimal: bool,
    interval: int,
) -> DayRoster:
    on_duty = _coverage(_duty(patterns, interval), counts)
    shifts = tuple(RosterShift(p, n) for p, n in zip(patterns, counts, strict=True) if n > 0)
    evaluation = plan_day(s, s.day(plan.name), interval_minutes=interval, rostered=on_duty)
    return DayRoster(
        day=plan.name,
        shifts=shifts,
        required=tuple(iv.required_heads for iv in plan.intervals),
        on_duty=on_duty,
        optimal=optimal,
        evaluation=evaluation,
    )


def _spread(n: int, options: int) -> list[int]:
    """``n`` agents over ``options`` break positions, as evenly as possible (first ones first)."""
    return [n // options + (1 if k < n % options else 0) for k in range(options)]


@dataclass(frozen=True, slots=True)
class _Group:
    """The patterns (one per break position) of a scenario shift, and its agents."""

    members: tuple[int, ...]
    agents: int


def scaled_roster(s: Scenario, plan: DayPlan) -> DayRoster | None:
    """Scale the scenario's own shifts of the day by the least factor covering every interval.

    Agents of a shift are spread evenly over its break positions. ``None`` if no factor
    covers the day (an interval no scenario shift reaches).
    """
    interval = plan.intervals[0].minutes
    day = s.day(plan.name)
    patterns = shift_patterns(s, day, interval)
    groups = []
    for own in _own_shifts(s, day):
        wanted = _patterns(
            s, own.name, own.start, own.span, part_time=own.part_time, interval=interval
        )
        keys = {p.key for p in wanted}
        members = tuple(k for k, p in enumerate(patterns) if p.key in keys)
        groups.append(_Group(members, own.agents))
    required = np.array([iv.required_heads for iv in plan.intervals])
    duty = _duty(patterns, interval)

    def counts(factor: float) -> list[int]:
        out = [0] * len(patterns)
        for g in groups:
            spread = _spread(math.ceil(factor * g.agents - 1e-9), len(g.members))
            for k, n in zip(g.members, spread, strict=True):
                out[k] += n
        return out

    def covers(factor: float) -> bool:
        return bool((np.asarray(counts(factor)) @ duty >= required).all())

    if not groups:
        return None
    hi = 1.0
    while not covers(hi):
        hi *= 2.0
        if hi > 1e5:
            return None
    lo = 0.0
    for _ in range(40):
        mid = (lo + hi) / 2.0
        if covers(mid):
            hi = mid
        else:
            lo = mid
    return _day_roster(s, plan, patterns, counts(hi), optimal=True, interval=interval)


def schedule_day(s: Scenario, plan: DayPlan, *, hint: DayRoster | None = None) -> DayRoster:
    """Cheapest roster covering every interval of ``plan`` (CP-SAT over :func:`shift_patterns`).

    Parameters
    ----------
    s : Scenario
        The scenario (``[roster]`` rules, ``[costs]``).
    plan : DayPlan
        The day's plan (its ``required_heads``).
    hint : DayRoster, optional
        A roster of the same day built from the same patterns (e.g. :func:`scaled_roster`'s):
        the result never costs more.

    Raises
    ------
    SolverError
        If CP-SAT finds no roster in the time limit and no hint is given.
    """
    interval = plan.intervals[0].minutes
    patterns = shift_patterns(s, s.day(plan.name), interval)
    given = {r.pattern.key: r.agents for r in hint.shifts} if hint else {}
    counts_hint = [given.get(p.key, 0) for p in patterns] if hint else []
    required = [iv.required_heads for iv in plan.intervals]
    matrix = _duty(patterns, interval)
    duty = [np.flatnonzero(matrix[:, i]).tolist() for i in range(matrix.shape[1])]
    useful = {k for i, ks in enumerate(duty) if required[i] > 0 for k in ks}
    top = max(required, default=0)
    full, part = hourly_rates(s)
    model = cp_model.CpModel()
    x = [model.new_int_var(0, top if k in useful else 0, f"x{k}") for k in range(len(patterns))]
    for i, ks in enumerate(duty):
        if required[i] > 0:
            model.add(sum(x[k] for k in ks) >= required[i])
    quarter = [round(p.paid_hours * 4) for p in patterns]
    share = s.roster.max_part_time_share
    if counts_hint:
        hinted_pt = sum(
            h * q for h, q, p in zip(counts_hint, quarter, patterns, strict=True) if p.part_time
        )
        hinted_all = sum(h * q for h, q in zip(counts_hint, quarter, strict=True))
        share = max(share, hinted_pt / hinted_all if hinted_all else 0.0)  # never forbid the hint
    cap = round(share * 10_000)
    pt = sum(x[k] * quarter[k] for k, p in enumerate(patterns) if p.part_time)
    model.add(10_000 * pt <= cap * sum(x[k] * quarter[k] for k in range(len(patterns))))
    price = [round(p.paid_hours * (part if p.part_time else full) * 100) for p in patterns]
    model.minimize(sum(x[k] * price[k] for k in range(len(patterns))))
    for k, h in enumerate(counts_hint):
        model.add_hint(x[k], h)
    solver = cp_model.CpSolver()
    solver.parameters.max_deterministic_time = s.roster.time_limit_s
    solver.parameters.max_time_in_seconds = 2.0 * s.roster.time_limit_s
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.relative_gap_limit = OPTIMALITY_GAP
    solver.parameters.linearization_level = 2  # the LP relaxation of set covering is tight
    status = solver.solve(model)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    if not found and not counts_hint:
        raise SolverError(f"no roster found for {plan.name}: {solver.status_name(status)}")
    counts = [int(solver.value(v)) for v in x] if found else counts_hint

    def cost(of: Sequence[int]) -> int:
        return sum(n * c for n, c in zip(of, price, strict=True))

    if counts_hint and cost(counts_hint) < cost(counts):
        counts = counts_hint
    return _day_roster(
        s, plan, patterns, counts, optimal=status == cp_model.OPTIMAL, interval=interval
    )


def propose_rosters(plan: Plan) -> RosterPlan:
    """Propose a roster for every day of ``plan``; cost them beside the baseline and the rule.

    The monthly costs are those of the normal week (days without named events; all days if
    every day has one), by :func:`~dispatch_core.planning.cost.monthly_cost`.
    """
    s = plan.scenario
    proposed, baseline = [], []
    for day in plan.days:
        scaled = scaled_roster(s, day)
        baseline.append(scaled)
        proposed.append(schedule_day(s, day, hint=scaled))
    normal = [i for i, d in enumerate(plan.days) if not s.day(d.name).events] or list(
        range(len(plan.days))
    )

    def cost(rosters: Sequence[DayRoster]) -> MonthlyCost:
        return monthly_cost(
            s,
            full_time_hours=[r.full_time_hours for r in rosters],
            part_time_hours=[r.part_time_hours for r in rosters],
        )

    base_week = [baseline[i] for i in normal]
    base_cost = None if any(r is None for r in base_week) else cost([r for r in base_week if r])
    mine = cost([proposed[i] for i in normal])
    if base_cost is not None and base_cost.total < mine.total:  # heads round up per week
        proposed = [b if b is not None else p for p, b in zip(proposed, baseline, strict=True)]
        mine = base_cost
    return RosterPlan(
        interval_minutes=plan.interval_minutes,
        days=tuple(proposed),
        baseline=tuple(baseline),
        cost=mine,
        baseline_cost=base_cost,
        rule_cost=rule_of_thumb_cost(s),
    )
