"""The small interfaces through which the engine talks to its parts.

The engine is orchestration only: it never imports the dispatcher's solvers, the site graph or
the SLA machinery directly, it calls them through these Protocols. Any object with the right
methods fits (structural typing), so the real parts, adapters and test doubles are
interchangeable.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from dispatch_core.model import (
    DispatchAction,
    EscalationAction,
    Outcome,
    Role,
    SlaLevel,
    SlaMetric,
    StaffMember,
    Ticket,
)

__all__ = [
    "DecisionLike",
    "DispatchPort",
    "ExplanationLike",
    "LevelChangeLike",
    "NodeCatalog",
    "SlaPort",
]


class ExplanationLike(Protocol):
    """Why a dispatcher decided what it did."""

    def as_dict(self) -> Mapping[str, Any]:
        """Return the explanation as a JSON-ready mapping (it goes into the event)."""
        ...


class DecisionLike(Protocol):
    """A dispatch decision: what it asks for, who (``None`` when nobody fits), how good, why."""

    @property
    def action(self) -> DispatchAction:
        """What the engine is asked to do (``ASSIGN``, ``REASSIGN``, ``ASSIST``, ``NONE``)."""
        ...

    @property
    def staff_id(self) -> str | None:
        """The chosen staff member, or ``None``."""
        ...

    @property
    def score(self) -> float | None:
        """The decision's score (``None`` when nobody fits)."""
        ...

    @property
    def explanation(self) -> ExplanationLike:
        """Why: its ``as_dict()`` goes into the event."""
        ...


class DispatchPort(Protocol):
    """What the engine needs from an online dispatcher."""

    def upsert(self, member: StaffMember) -> None:
        """Add or replace a staff member."""
        ...

    def remove(self, staff_id: str) -> None:
        """Forget a staff member."""
        ...

    def set_load(self, staff_id: str, load: int) -> None:
        """Set the member's current number of work orders."""
        ...

    def set_location(self, staff_id: str, node: str) -> None:
        """Set where the member is now."""
        ...

    def set_available(self, staff_id: str, available: bool) -> None:
        """Whether the member takes new work."""
        ...

    def choose(
        self, ticket: Ticket, *, at: datetime, exclude: Collection[str] = ()
    ) -> DecisionLike:
        """Pick the best member for ``ticket`` (hard rules, then score).

        The decision's action is ``ASSIGN`` with a ``staff_id``, or ``NONE`` without one.
        """
        ...

    def reallocate(self, ticket: Ticket, *, at: datetime, current: str) -> DecisionLike:
        """Find a better member for an SLA-threatened ticket.

        Only a decision whose action is ``REASSIGN`` moves the ticket; ``ASSIST`` (an extra
        hand) and ``NONE`` leave it with its owner.
        """
        ...


class LevelChangeLike(Protocol):
    """An SLA clock crossing a threshold."""

    @property
    def ticket_id(self) -> str:
        """The ticket."""
        ...

    @property
    def metric(self) -> SlaMetric:
        """Which clock."""
        ...

    @property
    def level(self) -> SlaLevel:
        """The new level."""
        ...

    @property
    def at(self) -> datetime:
        """When the threshold was crossed."""
        ...

    @property
    def action(self) -> EscalationAction:
        """What it asks for: notify, reallocate or escalate."""
        ...

    @property
    def notify(self) -> Role | None:
        """Who is told (the escalation role)."""
        ...


class SlaPort(Protocol):
    """What the engine needs from an SLA tracker (per-ticket clocks on a timer wheel)."""

    def start_ticket(self, ticket: Ticket, *, at: datetime) -> Sequence[SlaMetric]:
        """Arm the ticket's clocks; return the metrics started."""
        ...

    def pause(self, ticket_id: str, *, at: datetime) -> Sequence[SlaMetric]:
        """Pause every running clock of the ticket; return the metrics paused."""
        ...

    def resume(self, ticket_id: str, *, at: datetime) -> Sequence[SlaMetric]:
        """Resume the ticket's paused clocks; return the metrics resumed."""
        ...

    def stop(self, ticket_id: str, metric: SlaMetric, *, at: datetime) -> Outcome:
        """Stop one clock (the milestone was reached); return whether it met its target."""
        ...

    def cancel_ticket(self, ticket_id: str) -> Sequence[SlaMetric]:
        """Disarm every clock of the ticket; return the metrics that were still running."""
        ...

    def advance(self, now: datetime) -> Sequence[LevelChangeLike]:
        """Fire every threshold due at or before ``now``, in time order."""
        ...

    def next_deadline(self) -> datetime | None:
        """Return the next instant at which :meth:`advance` would report something."""
        ...


class NodeCatalog(Protocol):
    """Anything that can say whether a site-graph node exists (e.g. a ``SiteGraph``)."""

    def __contains__(self, node: object, /) -> bool:
        """Whether ``node`` is a known node."""
        ...
