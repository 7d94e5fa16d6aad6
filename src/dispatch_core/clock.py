"""Injected time.

Nothing in dispatch_core reads the wall clock except :class:`SystemClock`. Everything else is
handed a :class:`Clock`, and tests hand it a :class:`ManualClock`.

Examples
--------
>>> from datetime import UTC, datetime, timedelta
>>> clock = ManualClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
>>> clock.advance_by(timedelta(minutes=5))
datetime.datetime(2026, 1, 5, 9, 5, tzinfo=datetime.timezone.utc)
>>> clock.advance_to(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
Traceback (most recent call last):
...
dispatch_core.errors.ClockError: invalid ManualClock: at=...: is before the clock's current time ...
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from dispatch_core.errors import ClockError, InvalidInputError

__all__ = ["Clock", "ManualClock", "SystemClock", "require_aware"]


def require_aware(value: datetime, *, field: str) -> datetime:
    """Return ``value`` if it is timezone-aware, else raise :class:`InvalidInputError`.

    Parameters
    ----------
    value : datetime
        The datetime to check.
    field : str
        The parameter name, for the error message.

    Examples
    --------
    >>> require_aware(datetime(2026, 1, 1), field="opened_at")
    Traceback (most recent call last):
    ...
    dispatch_core.errors.InvalidInputError: invalid input: opened_at=...: naive datetime...
    """
    if not isinstance(value, datetime):
        raise InvalidInputError(field, value, "expected a datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInputError(
            field, value, "naive datetime; pass a timezone-aware datetime (e.g. tzinfo=UTC)"
        )
    return value


@runtime_checkable
class Clock(Protocol):
    """Source of the current time. ``now()`` returns a timezone-aware datetime."""

    def now(self) -> datetime:
        """Return the current time (timezone-aware)."""
        ...


class SystemClock:
    """The wall clock, in UTC. The only place dispatch_core reads real time."""

    def now(self) -> datetime:
        """Return the current UTC time."""
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that moves only when told to, and never backwards.

    Parameters
    ----------
    start : datetime
        The initial time; must be timezone-aware.
    """

    def __init__(self, start: datetime) -> None:
        self._now = require_aware(start, field="start")

    def now(self) -> datetime:
        """Return the clock's current time."""
        return self._now

    def advance_to(self, at: datetime) -> datetime:
        """Move the clock to the absolute time ``at`` (equal to now is allowed).

        Raises
        ------
        ClockError
            If ``at`` is before the current time.
        """
        require_aware(at, field="at")
        if at < self._now:
            raise ClockError(
                "at",
                at,
                f"is before the clock's current time {self._now.isoformat()}",
                model="ManualClock",
            )
        self._now = at
        return self._now

    def advance_by(self, delta: timedelta) -> datetime:
        """Move the clock forward by the duration ``delta`` (must not be negative)."""
        if delta < timedelta(0):
            raise ClockError("delta", delta, "must not be negative", model="ManualClock")
        return self.advance_to(self._now + delta)

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()})"
