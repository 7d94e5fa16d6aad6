"""What the SLA tracker reports: clock states, outcomes, level-change events, audit records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from dispatch_core.model import EscalationAction, Outcome, Role, SlaMetric
from dispatch_core.sla.policy import SlaLevel

__all__ = ["ClockState", "LevelChange", "LevelChanged", "Outcome", "SlaRecord"]


class ClockState(StrEnum):
    """Lifecycle of one SLA clock."""

    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class LevelChange:
    """One threshold crossing in a clock's history (audit)."""

    at: datetime
    level: SlaLevel
    previous: SlaLevel
    fraction: float
    action: EscalationAction
    notify: Role | None


@dataclass(frozen=True, slots=True)
class LevelChanged:
    """Event: a clock crossed a threshold (``level`` may equal ``previous``: 150 % → manager).

    ``fraction`` is the elapsed business time over the target at ``at`` (the threshold's);
    ``action`` and ``notify`` are the escalation step to take.
    """

    ticket_id: str
    metric: SlaMetric
    level: SlaLevel
    previous: SlaLevel
    at: datetime
    fraction: float
    action: EscalationAction
    notify: Role | None
    target: timedelta
    due_at: datetime


@dataclass(frozen=True, slots=True)
class SlaRecord:
    """Audit view of one clock, as of ``as_of``.

    ``elapsed`` and ``paused`` are business time; ``due_at`` is when the target is reached if
    the clock keeps running (None while paused); ``outcome`` is set once stopped.
    """

    ticket_id: str
    metric: SlaMetric
    calendar: str
    target: timedelta
    state: ClockState
    started_at: datetime
    due_at: datetime | None
    stopped_at: datetime | None
    elapsed: timedelta
    paused: timedelta
    outcome: Outcome | None
    level: SlaLevel
    changes: tuple[LevelChange, ...]
    restarts: tuple[datetime, ...]
    as_of: datetime

    def as_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict (ISO instants, seconds as floats)."""

        def iso(value: datetime | None) -> str | None:
            return None if value is None else value.isoformat()

        return {
            "ticket_id": self.ticket_id,
            "metric": self.metric.value,
            "calendar": self.calendar,
            "target_s": self.target.total_seconds(),
            "state": self.state.value,
            "started_at": iso(self.started_at),
            "due_at": iso(self.due_at),
            "stopped_at": iso(self.stopped_at),
            "elapsed_s": self.elapsed.total_seconds(),
            "paused_s": self.paused.total_seconds(),
            "outcome": None if self.outcome is None else self.outcome.value,
            "level": self.level.value,
            "changes": [
                {
                    "at": c.at.isoformat(),
                    "level": c.level.value,
                    "previous": c.previous.value,
                    "fraction": c.fraction,
                    "action": c.action.value,
                    "notify": None if c.notify is None else c.notify.value,
                }
                for c in self.changes
            ],
            "restarts": [r.isoformat() for r in self.restarts],
            "as_of": self.as_of.isoformat(),
        }
