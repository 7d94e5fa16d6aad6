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
from dispatch_core.model import SlaMetric
from dispatch_core.sla.policy import SlaLevel, Threshold
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

    def __init__(self, ticket_id: str, plan: _Plan, at: int) -> None:
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
        self.due_at: int | None = None
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
            return self.acc + self.cal._between_us(self.running_since, at)
        return self.acc

    def paused(self, at: int) -> int:
        if self.state is ClockState.PAUSED and at > self.paused_since:
            return self.paused_us + self.cal._between_us(self.paused_since, at)
        return self.paused_us

    def refresh_due(self) -> None:
        """On (re)starting to run: project when the target is reached (kept once reached)."""
        left = self.target_us - self.acc
        if left > 0:
            self.due_at = self.cal._add_us(self.running_since, left)

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
