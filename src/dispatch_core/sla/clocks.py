"""The records behind :class:`~dispatch_core.sla.tracker.SlaTracker`: clocks, arms, resolved rules.

Not part of the stable API: the tracker's own building blocks, public within the ``sla``
package so that the tracker reaches them by name. Instants are integer microseconds since the
Unix epoch (UTC); durations are integer microseconds of business time on a clock's calendar,
computed with :meth:`BusinessCalendar.add_us <dispatch_core.calendar.BusinessCalendar.add_us>`
and :meth:`~dispatch_core.calendar.BusinessCalendar.between_us`.

Examples
--------
>>> from datetime import UTC, datetime
>>> u = to_us(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
>>> u, from_us(u + 15 * 60 * SECOND_US).isoformat()
(1772442000000000, '2026-03-02T09:15:00+00:00')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any, NamedTuple

from dispatch_core.calendar import BusinessCalendar
from dispatch_core.clock import require_aware
from dispatch_core.errors import InvalidInputError
from dispatch_core.model import Category, Priority, SlaMetric
from dispatch_core.sla.policy import SlaLevel, SlaPolicy, Threshold
from dispatch_core.sla.records import ClockState, LevelChange, LevelChanged, Outcome, SlaRecord

__all__ = [
    "Arm",
    "Clock",
    "Fired",
    "Plan",
    "Rules",
    "SECOND_US",
    "StartOffsets",
    "Terms",
    "TicketRule",
    "aware_us",
    "from_us",
    "parse_metric",
    "policy_calendars",
    "to_us",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
#: Microseconds in a second: timer stores take seconds, clocks keep microseconds.
SECOND_US = 1_000_000
_RUNNING = ClockState.RUNNING
_PAUSED = ClockState.PAUSED


def to_us(value: datetime) -> int:
    """Return an aware datetime as microseconds since the epoch."""
    return (value - _EPOCH) // _US


def aware_us(value: datetime, field: str) -> int:
    """``to_us(require_aware(value))``, with the common case (an aware datetime) first."""
    if type(value) is datetime and value.tzinfo is not None and value.utcoffset() is not None:
        return (value - _EPOCH) // _US
    return to_us(require_aware(value, field=field))


def from_us(u: int) -> datetime:
    """Return microseconds since the epoch as a UTC datetime."""
    return _EPOCH + timedelta(0, 0, u)  # positional: faster than microseconds=u


def parse_metric(value: SlaMetric | str) -> SlaMetric:
    """Return ``value`` as an :class:`SlaMetric`, or raise naming the known ones."""
    if type(value) is SlaMetric:
        return value
    try:
        return SlaMetric(value)
    except ValueError:
        known = ", ".join(m.value for m in SlaMetric)
        raise InvalidInputError("metric", value, f"expected one of: {known}") from None


@dataclass(frozen=True, slots=True)
class Plan:
    """What every clock of one metric under one rule shares, resolved once.

    ``target == timedelta(microseconds=target_us)``; ``offsets[i]`` is the business time
    (µs) at which ``thresholds[i]`` is reached.
    """

    metric: SlaMetric
    calendar_name: str
    calendar: BusinessCalendar
    target_us: int
    target: timedelta
    thresholds: tuple[Threshold, ...]
    offsets: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class StartOffsets:
    """A plan on a 24×7 calendar: its due time and first threshold as offsets from the start."""

    plan: Plan
    due_us: int
    first_us: int | None  # None: the chain is empty


@dataclass(frozen=True, slots=True)
class TicketRule:
    """What :meth:`SlaTracker.start_ticket` needs for a (category, priority).

    ``always`` is set when every calendar of the plans is 24×7 (offsets in plain µs).
    """

    plans: tuple[Plan, ...]
    metrics: tuple[SlaMetric, ...]
    always: tuple[StartOffsets, ...] | None


@dataclass(frozen=True, slots=True)
class Terms:
    """A metric's target, calendar name and chain, from the policy or the caller."""

    target: timedelta
    calendar_name: str
    thresholds: tuple[Threshold, ...]


class Fired(NamedTuple):
    """A threshold reached: its instant and arm order (the sort key), and its event."""

    when: int
    seq: int
    event: LevelChanged


class Arm:
    """Timer payload: the next threshold of one clock, with its exact instant.

    ``at`` is the deadline given to the timer store (seconds): ``when``, or the tracker's
    time when it was armed if that is later.
    """

    __slots__ = ("at", "clock", "index", "seq", "when")

    def __init__(self, clock: Clock, index: int, when: int, seq: int, at: float) -> None:
        self.clock = clock
        self.index = index
        self.when = when
        self.seq = seq
        self.at = at


class Clock:
    """One (ticket, metric) clock: its totals, state, level and history, in µs."""

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

    def __init__(self, ticket_id: str, plan: Plan, at: int, due_at: int | None = None) -> None:
        self.ticket_id = ticket_id
        self.metric = plan.metric
        self.calendar = plan.calendar_name
        self.cal = plan.calendar
        self.target_us = plan.target_us
        self.target = plan.target  # shared by every clock of the plan
        self.thresholds = plan.thresholds
        self.offsets = plan.offsets
        self.changes: tuple[LevelChange, ...] = ()  # tuples: no per-clock list to allocate
        self.restarts: tuple[int, ...] = ()
        self.handle: Any = None
        self.arm: Arm | None = None
        self.due_at = due_at
        self.reset(at)

    def reset(self, at: int) -> None:
        """Start afresh at ``at``: running, nothing elapsed, level green (history kept)."""
        self.started = self.last = self.running_since = at
        self.state = _RUNNING
        self.paused_since = self.acc = self.paused_us = 0
        self.stopped: int | None = None
        self.outcome: Outcome | None = None
        self.level = SlaLevel.GREEN
        self.next_index = 0

    def elapsed(self, at: int) -> int:
        """Return the business time counted by ``at`` (µs)."""
        if self.state is _RUNNING and at > self.running_since:
            return self.acc + self.cal.between_us(self.running_since, at)
        return self.acc

    def paused(self, at: int) -> int:
        """Return the business time spent paused by ``at`` (µs)."""
        if self.state is _PAUSED and at > self.paused_since:
            return self.paused_us + self.cal.between_us(self.paused_since, at)
        return self.paused_us

    def fold(self, at: int) -> None:
        """Add the time since the last change, up to ``at``, to the running or paused total."""
        state = self.state
        if state is _RUNNING:
            self.acc = self.elapsed(at)
        elif state is _PAUSED:
            self.paused_us = self.paused(at)

    def refresh_due(self) -> None:
        """On (re)starting to run: project when the target is reached (kept once reached)."""
        left = self.target_us - self.acc
        if left > 0:
            self.due_at = self.cal.add_us(self.running_since, left)

    def plan(self) -> int | None:
        """Return the instant the next threshold is reached if the clock keeps running."""
        if self.state is not _RUNNING or self.next_index >= len(self.offsets):
            return None
        need = self.offsets[self.next_index] - self.acc
        return self.running_since if need <= 0 else self.cal.add_us(self.running_since, need)

    def shown_due(self) -> int | None:
        """Return the due time shown in records: None while paused short of the target."""
        if self.state is _PAUSED and self.acc < self.target_us:
            return None  # not reached, and unknown until resumed
        return self.due_at

    def fire(self, arm: Arm) -> Fired:
        """Move to the level of ``arm``'s threshold; return its event, keyed for sorting."""
        th = self.thresholds[arm.index]
        at = from_us(arm.when)
        fraction = self.offsets[arm.index] / self.target_us
        change = LevelChange(at, th.level, self.level, fraction, th.action, th.notify)
        self.changes += (change,)
        self.level = th.level
        self.next_index = arm.index + 1
        event = LevelChanged(
            ticket_id=self.ticket_id,
            metric=self.metric,
            level=th.level,
            previous=change.previous,
            at=at,
            fraction=fraction,
            action=th.action,
            notify=th.notify,
            target=self.target,
            due_at=from_us(self.due_at if self.due_at is not None else arm.when),
        )
        return Fired(arm.when, arm.seq, event)

    def record(self, u: int) -> SlaRecord:
        """Return the clock's audit record as of ``u`` (µs)."""
        due = self.shown_due()
        as_of = from_us(u)
        stopped = self.stopped
        return SlaRecord(  # positional, in field order (the hot path: every stop)
            self.ticket_id,
            self.metric,
            self.calendar,
            self.target,
            self.state,
            from_us(self.started),
            None if due is None else from_us(due),
            None if stopped is None else as_of if stopped == u else from_us(stopped),
            timedelta(0, 0, self.elapsed(u)),
            timedelta(0, 0, self.paused(u)),
            self.outcome,
            self.level,
            self.changes,
            tuple(from_us(r) for r in self.restarts) if self.restarts else (),
            as_of,
        )


def policy_calendars(
    policy: SlaPolicy, calendars: Mapping[str, BusinessCalendar] | None
) -> dict[str, BusinessCalendar]:
    """Check a tracker's policy and calendars; return the calendars, ``"always"`` added.

    Raises
    ------
    InvalidInputError
        If ``policy`` is not an :class:`SlaPolicy`, a calendar is not a
        :class:`BusinessCalendar`, or the policy names a calendar that is not given.
    """
    if not isinstance(policy, SlaPolicy):
        raise InvalidInputError("policy", policy, "expected an SlaPolicy")
    cals = dict(calendars or {})
    for name, cal in cals.items():
        if not isinstance(cal, BusinessCalendar):
            raise InvalidInputError(f"calendars.{name}", cal, "expected a BusinessCalendar")
    cals.setdefault("always", BusinessCalendar.always())
    missing = sorted(policy.calendar_names() - cals.keys())
    if missing:
        raise InvalidInputError("calendars", missing[0], "named by the policy but not given")
    return cals


def _offset(threshold: Threshold, target_us: int) -> int:
    exact = Fraction(repr(threshold.fraction)) * target_us
    offset = -(-exact.numerator // exact.denominator)  # ceil
    return offset + SECOND_US if threshold.strict else offset


class Rules:
    """What new clocks need from the policy, resolved once (the policy is immutable).

    ``by_ticket`` memoises :meth:`rule` by (category, priority).
    """

    __slots__ = ("by_ticket", "calendars", "lookups", "offsets", "policy")

    def __init__(self, policy: SlaPolicy, calendars: dict[str, BusinessCalendar]) -> None:
        self.policy = policy
        self.calendars = calendars
        self.lookups: dict[tuple[Any, Any, SlaMetric], Terms] = {}
        self.offsets: dict[tuple[int, int], tuple[int, ...]] = {}
        self.by_ticket: dict[tuple[Category, Priority | None], TicketRule] = {}

    def rule(self, category: Category, priority: Priority | None) -> TicketRule:
        """Resolve and memoise the rule of a category/priority."""
        plans = tuple(
            self.plan(m.metric, None, category, priority, None)
            for m in self.policy.metrics_for(category, priority)
        )
        always = None
        if all(plan.calendar.always_open for plan in plans):  # offsets from the start, in µs
            always = tuple(
                StartOffsets(p, p.target_us, max(p.offsets[0], 0) if p.offsets else None)
                for p in plans
            )
        rule = TicketRule(plans, tuple(p.metric for p in plans), always)
        self.by_ticket[category, priority] = rule
        return rule

    def plan(
        self,
        which: SlaMetric,
        target: timedelta | None,
        category: Category | str | None,
        priority: Priority | str | None,
        calendar: str | None,
    ) -> Plan:
        """Resolve what a new clock needs: calendar (name and object), target, chain, offsets."""
        terms = self.resolve(which, target, category, priority)
        cal_name = terms.calendar_name if calendar is None else calendar
        cal = self.calendars.get(cal_name)
        if cal is None:
            raise InvalidInputError("calendar", cal_name, "unknown calendar name")
        target_us = terms.target // _US
        if target_us <= 0:
            raise InvalidInputError("target", terms.target, "must be at least a microsecond")
        thresholds = terms.thresholds
        offsets_key = (id(thresholds), target_us)  # thresholds are owned by the policy
        offsets = self.offsets.get(offsets_key)
        if offsets is None:
            offsets = tuple(_offset(t, target_us) for t in thresholds)
            self.offsets[offsets_key] = offsets
        target_td = timedelta(0, 0, target_us)
        return Plan(which, cal_name, cal, target_us, target_td, thresholds, offsets)

    def resolve(
        self,
        which: SlaMetric,
        target: timedelta | None,
        category: Category | str | None,
        priority: Priority | str | None,
    ) -> Terms:
        """Return target, calendar name and chain for a clock, from the policy or overrides."""
        if target is None:
            if category is None:
                raise InvalidInputError("category", None, "needed when no target is given")
            key = (category, priority, which)
            found = self.lookups.get(key)
            if found is None:
                spec = self.policy.metric_for(category, priority, which)
                found = Terms(spec.target, spec.calendar, self.policy.thresholds_for(spec))
                self.lookups[key] = found
            return found
        if not isinstance(target, timedelta) or target <= timedelta(0):
            raise InvalidInputError("target", target, "expected a positive timedelta")
        cal_name, thresholds = "always", self.policy.thresholds
        if category is not None:
            rule = self.policy.rule_for(category, priority)
            for m in rule.metrics:
                if m.metric is which:
                    cal_name, thresholds = m.calendar, self.policy.thresholds_for(m)
        return Terms(target, cal_name, thresholds)
