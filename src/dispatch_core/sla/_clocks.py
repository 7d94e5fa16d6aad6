"""Internals of :mod:`dispatch_core.sla.tracker`: one clock, its timer payload, time helpers.

Instants are integer microseconds since the Unix epoch (UTC); durations are integer
microseconds of business time on the clock's calendar.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

from dispatch_core.calendar import BusinessCalendar
from dispatch_core.clock import require_aware
from dispatch_core.errors import InvalidInputError
from dispatch_core.model import Category, Priority, SlaMetric
from dispatch_core.sla.policy import SlaLevel, SlaPolicy, Threshold
from dispatch_core.sla.records import ClockState, LevelChange, LevelChanged, Outcome, SlaRecord

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_SECOND_US = 1_000_000


def _to_us(value: datetime) -> int:
    return (value - _EPOCH) // _US


def _aware_us(value: datetime, field: str) -> int:
    """``_to_us(require_aware(value))``, with the common case (an aware datetime) inlined."""
    if type(value) is datetime and value.tzinfo is not None and value.utcoffset() is not None:
        return (value - _EPOCH) // _US
    return _to_us(require_aware(value, field=field))


def _dt(u: int) -> datetime:
    return _EPOCH + timedelta(0, 0, u)  # positional: faster than microseconds=u


_Plan = tuple[
    SlaMetric, str, BusinessCalendar, int, timedelta, tuple[Threshold, ...], tuple[int, ...]
]


class _Arm:
    """Timer payload: the next threshold of one clock, with its exact instant.

    ``at`` is the deadline given to the timer store (seconds): ``when``, or the tracker's
    time when it was armed if that is later.
    """

    __slots__ = ("at", "clock", "index", "seq", "when")

    def __init__(self, clock: _Clock, index: int, when: int, seq: int, at: float) -> None:
        self.clock = clock
        self.index = index
        self.when = when
        self.seq = seq
        self.at = at


class _Clock:
    __slots__ = (
        "acc",
        "arm",
        "cal",
        "calendar",
        "changes",
        "due_at",
        "handle",
        "last",
        "level",
        "metric",
        "next_index",
        "offsets",
        "outcome",
        "paused_since",
        "paused_us",
        "restarts",
        "running_since",
        "started",
        "state",
        "stopped",
        "target",
        "target_us",
        "thresholds",
        "ticket_id",
    )

    def __init__(self, ticket_id: str, plan: _Plan, at: int, due_at: int | None = None) -> None:
        self.ticket_id = ticket_id
        # target == timedelta(microseconds=target_us), shared by every clock of the plan
        (
            self.metric,
            self.calendar,
            self.cal,
            self.target_us,
            self.target,
            self.thresholds,
            self.offsets,
        ) = plan
        self.changes: tuple[LevelChange, ...] = ()  # tuples: no per-clock list to allocate
        self.restarts: tuple[int, ...] = ()
        self.handle: Any = None
        self.arm: _Arm | None = None
        self.due_at = due_at
        # reset(at), inlined: a clock is made for every metric of every ticket
        self.started = self.last = self.running_since = at
        self.state = ClockState.RUNNING
        self.paused_since = self.acc = self.paused_us = 0
        self.stopped: int | None = None
        self.outcome: Outcome | None = None
        self.level = SlaLevel.GREEN
        self.next_index = 0

    def reset(self, at: int) -> None:
        self.started = at
        self.last = at
        self.state = ClockState.RUNNING
        self.running_since = at
        self.paused_since = 0
        self.acc = 0
        self.paused_us = 0
        self.stopped = None
        self.outcome = None
        self.level = SlaLevel.GREEN
        self.next_index = 0

    def elapsed(self, at: int) -> int:
        if self.state is ClockState.RUNNING and at > self.running_since:
            return self.acc + self.cal.between_us(self.running_since, at)
        return self.acc

    def paused(self, at: int) -> int:
        if self.state is ClockState.PAUSED and at > self.paused_since:
            return self.paused_us + self.cal.between_us(self.paused_since, at)
        return self.paused_us

    def refresh_due(self) -> None:
        """On (re)starting to run: project when the target is reached (kept once reached)."""
        left = self.target_us - self.acc
        if left > 0:
            self.due_at = self.cal.add_us(self.running_since, left)

    def plan(self) -> int | None:
        """Return the instant the next threshold is reached if the clock keeps running."""
        if self.state is not ClockState.RUNNING or self.next_index >= len(self.offsets):
            return None
        need = self.offsets[self.next_index] - self.acc
        return self.running_since if need <= 0 else self.cal.add_us(self.running_since, need)

    def shown_due(self) -> int | None:
        if self.state is ClockState.PAUSED and self.acc < self.target_us:
            return None  # not reached, and unknown until resumed
        return self.due_at


def _offset(threshold: Threshold, target_us: int) -> int:
    exact = Fraction(repr(threshold.fraction)) * target_us
    offset = -(-exact.numerator // exact.denominator)  # ceil
    return offset + _SECOND_US if threshold.strict else offset


def _metric(value: SlaMetric | str) -> SlaMetric:
    if type(value) is SlaMetric:
        return value
    try:
        return SlaMetric(value)
    except ValueError:
        known = ", ".join(m.value for m in SlaMetric)
        raise InvalidInputError("metric", value, f"expected one of: {known}") from None


def _fire(c: _Clock, arm: _Arm) -> tuple[int, int, LevelChanged]:
    """Move the clock to the level of ``arm``'s threshold; return its event, keyed for sorting."""
    th = c.thresholds[arm.index]
    at = _dt(arm.when)
    fraction = c.offsets[arm.index] / c.target_us
    change = LevelChange(at, th.level, c.level, fraction, th.action, th.notify)
    c.changes += (change,)
    c.level = th.level
    c.next_index = arm.index + 1
    event = LevelChanged(
        ticket_id=c.ticket_id,
        metric=c.metric,
        level=th.level,
        previous=change.previous,
        at=at,
        fraction=fraction,
        action=th.action,
        notify=th.notify,
        target=c.target,
        due_at=_dt(c.due_at if c.due_at is not None else arm.when),
    )
    return arm.when, arm.seq, event


def _record(c: _Clock, u: int) -> SlaRecord:
    """Return the clock's audit record as of ``u`` (µs)."""
    due = c.shown_due()
    as_of = _dt(u)
    stopped = c.stopped
    return SlaRecord(  # positional, in field order (the hot path: every stop)
        c.ticket_id,
        c.metric,
        c.calendar,
        c.target,
        c.state,
        _dt(c.started),
        None if due is None else _dt(due),
        None if stopped is None else as_of if stopped == u else _dt(stopped),
        timedelta(0, 0, c.elapsed(u)),
        timedelta(0, 0, c.paused(u)),
        c.outcome,
        c.level,
        c.changes,
        tuple(_dt(r) for r in c.restarts) if c.restarts else (),
        as_of,
    )


_Rule = tuple[
    tuple[_Plan, ...], tuple[SlaMetric, ...], tuple[tuple[_Plan, int, int | None], ...] | None
]


class _Rules:
    """What new clocks need from the policy, resolved once (the policy is immutable).

    ``by_ticket`` maps (category, priority) to the rule :meth:`SlaTracker.start_ticket` uses:
    the plans, their metrics, and when every calendar is 24x7, (plan, target, first
    threshold) as offsets in µs from the start.
    """

    __slots__ = ("by_ticket", "calendars", "lookups", "offsets", "policy")

    def __init__(self, policy: SlaPolicy, calendars: dict[str, BusinessCalendar]) -> None:
        self.policy = policy
        self.calendars = calendars
        self.lookups: dict[tuple[Any, Any, SlaMetric], tuple[timedelta, str, Any]] = {}
        self.offsets: dict[tuple[int, int], tuple[int, ...]] = {}
        self.by_ticket: dict[tuple[Category, Priority | None], _Rule] = {}

    def rule(self, category: Category, priority: Priority | None) -> _Rule:
        """Resolve and memoise the rule of a category/priority."""
        plans = tuple(
            (m.metric, *self.template(m.metric, None, category, priority, None))
            for m in self.policy.metrics_for(category, priority)
        )
        always = None
        if all(plan[2].always_open for plan in plans):  # offsets from the start, in plain µs
            always = tuple(
                (plan, plan[3], (max(plan[6][0], 0) if plan[6] else None)) for plan in plans
            )
        rule = self.by_ticket[category, priority] = plans, tuple(p[0] for p in plans), always
        return rule

    def template(
        self,
        which: SlaMetric,
        target: timedelta | None,
        category: Category | str | None,
        priority: Priority | str | None,
        calendar: str | None,
    ) -> tuple[str, BusinessCalendar, int, timedelta, tuple[Threshold, ...], tuple[int, ...]]:
        """Resolve what a new clock needs: calendar (name and object), target, chain, offsets."""
        target, cal_name, thresholds = self.resolve(which, target, category, priority)
        if calendar is not None:
            cal_name = calendar
        cal = self.calendars.get(cal_name)
        if cal is None:
            raise InvalidInputError("calendar", cal_name, "unknown calendar name")
        target_us = target // _US
        if target_us <= 0:
            raise InvalidInputError("target", target, "must be at least a microsecond")
        offsets_key = (id(thresholds), target_us)  # thresholds are owned by the policy
        offsets = self.offsets.get(offsets_key)
        if offsets is None:
            offsets = tuple(_offset(t, target_us) for t in thresholds)
            self.offsets[offsets_key] = offsets
        return cal_name, cal, target_us, timedelta(0, 0, target_us), thresholds, offsets

    def resolve(
        self,
        which: SlaMetric,
        target: timedelta | None,
        category: Category | str | None,
        priority: Priority | str | None,
    ) -> tuple[timedelta, str, tuple[Threshold, ...]]:
        """Return target, calendar name and chain for a clock, from the policy or overrides."""
        thresholds = self.policy.thresholds
        cal_name = "always"
        if target is None:
            if category is None:
                raise InvalidInputError("category", None, "needed when no target is given")
            key = (category, priority, which)
            found = self.lookups.get(key)
            if found is None:
                spec = self.policy.metric_for(category, priority, which)
                found = spec.target, spec.calendar, self.policy.thresholds_for(spec)
                self.lookups[key] = found
            target, cal_name, thresholds = found
        elif not isinstance(target, timedelta) or target <= timedelta(0):
            raise InvalidInputError("target", target, "expected a positive timedelta")
        elif category is not None:
            rule = self.policy.rule_for(category, priority)
            for m in rule.metrics:
                if m.metric is which:
                    cal_name, thresholds = m.calendar, self.policy.thresholds_for(m)
        return target, cal_name, thresholds
