"""A :class:`~dispatch_core.clock.Clock` bound to a SimPy environment's time.

Simulated seconds since ``epoch`` become timezone-aware datetimes, so the real engine (which
only ever asks its injected clock for the time) runs on simulated time.

Examples
--------
>>> from datetime import UTC, datetime
>>> import simpy
>>> env = simpy.Environment()
>>> clock = SimClock(env, datetime(2026, 7, 6, 8, 0, tzinfo=UTC))
>>> env.run(until=90)
>>> clock.now()
datetime.datetime(2026, 7, 6, 8, 1, 30, tzinfo=datetime.timezone.utc)
>>> clock.seconds_at(datetime(2026, 7, 6, 9, 0, tzinfo=UTC))
3600.0
"""

from __future__ import annotations

from datetime import datetime, timedelta

import simpy

from dispatch_core.clock import require_aware

__all__ = ["SimClock"]


class SimClock:
    """The time of a SimPy environment, as datetimes from ``epoch``.

    Parameters
    ----------
    env : simpy.Environment
        The environment whose ``now`` (seconds) drives the clock.
    epoch : datetime
        The datetime of simulated time 0 (timezone-aware).
    """

    __slots__ = ("_env", "_epoch", "_last")

    def __init__(self, env: simpy.Environment, epoch: datetime) -> None:
        self._env = env
        self._epoch = require_aware(epoch, field="epoch")
        self._last: tuple[float, datetime] = (0.0, self._epoch)

    @property
    def epoch(self) -> datetime:
        """The datetime of simulated time 0."""
        return self._epoch

    def now(self) -> datetime:
        """Return the simulated current time (timezone-aware)."""
        seconds: float = self._env.now
        last = self._last
        if last[0] != seconds:  # many calls share one instant: keep its datetime
            last = self._last = (seconds, self._epoch + timedelta(0, seconds))  # (days, s)
        return last[1]

    def seconds_at(self, at: datetime) -> float:
        """Return the simulated time (seconds since the epoch) of the datetime ``at``."""
        return (require_aware(at, field="at") - self._epoch).total_seconds()

    def __repr__(self) -> str:
        return f"SimClock(epoch={self._epoch.isoformat()}, now={self._env.now!r})"
