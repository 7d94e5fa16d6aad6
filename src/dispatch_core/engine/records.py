"""Records of the engine's state: tickets, staff, and the SLA operations recovery re-arms.

Plain mutable records with a deterministic, JSON-ready ``to_dict`` (sets are sorted) and its
inverse ``from_dict``, used by snapshots and journal recovery.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dispatch_core.engine.effects import EffectKind
from dispatch_core.engine.lifecycle import Status
from dispatch_core.model import SlaMetric, StaffMember, Ticket

__all__ = ["SlaOp", "StaffRecord", "TicketRecord"]


@dataclass(frozen=True, slots=True)
class SlaOp:
    """One SLA clock operation of a ticket, kept so that recovery can re-arm the clocks.

    Parameters
    ----------
    n : int
        Its number among every ticket's operations (recovery replays them in this order).
    kind : EffectKind
        ``SLA_START``, ``SLA_PAUSE``, ``SLA_RESUME`` or ``SLA_STOP``.
    at : datetime
        When it happened.
    metric : SlaMetric, optional
        The clock an ``SLA_STOP`` stopped.
    """

    n: int
    kind: EffectKind
    at: datetime
    metric: SlaMetric | None = None

    def to_list(self) -> list[Any]:
        """JSON-ready form: ``[n, kind, at ISO text, metric or None]``."""
        return [
            self.n,
            self.kind.value,
            self.at.isoformat(),
            self.metric.value if self.metric else None,
        ]

    @classmethod
    def from_list(cls, row: list[Any]) -> SlaOp:
        """Inverse of :meth:`to_list`."""
        n, kind, at, metric = row
        return cls(
            n, EffectKind(kind), datetime.fromisoformat(at), SlaMetric(metric) if metric else None
        )


@dataclass(slots=True)
class TicketRecord:
    """One ticket and where it is in its loop."""

    ticket: Ticket
    status: Status
    opened_at: datetime
    owner: str | None = None
    held_from: Status | None = None
    acknowledged: bool = False
    rated: bool = False
    ratings: list[int] = field(default_factory=list)
    transfers: int = 0
    holds: int = 0
    reopens: int = 0
    first_resolved_at: datetime | None = None
    first_resolved_by: str | None = None
    first_contact: bool = False
    reported_unassignable: bool = False
    stopped: set[SlaMetric] = field(default_factory=set)
    metrics: tuple[SlaMetric, ...] = ()
    sla_results: list[tuple[SlaMetric, bool]] = field(default_factory=list)
    levels: dict[SlaMetric, str] = field(default_factory=dict)
    sla_log: list[SlaOp] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (sorted collections)."""
        return {
            "ticket": self.ticket.model_dump(mode="json"),
            "status": self.status.value,
            "opened_at": self.opened_at.isoformat(),
            "owner": self.owner,
            "held_from": self.held_from.value if self.held_from else None,
            "acknowledged": self.acknowledged,
            "rated": self.rated,
            "ratings": list(self.ratings),
            "transfers": self.transfers,
            "holds": self.holds,
            "reopens": self.reopens,
            "first_resolved_at": _iso(self.first_resolved_at),
            "first_resolved_by": self.first_resolved_by,
            "first_contact": self.first_contact,
            "reported_unassignable": self.reported_unassignable,
            "stopped": sorted(m.value for m in self.stopped),
            "metrics": [m.value for m in self.metrics],
            "sla_results": [[m.value, met] for m, met in self.sla_results],
            "levels": {m.value: lvl for m, lvl in sorted(self.levels.items())},
            "sla_log": [op.to_list() for op in self.sla_log],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TicketRecord:
        """Inverse of :meth:`to_dict`."""
        resolved = data["first_resolved_at"]
        return cls(
            ticket=Ticket.model_validate(data["ticket"]),
            status=Status(data["status"]),
            opened_at=datetime.fromisoformat(data["opened_at"]),
            owner=data["owner"],
            held_from=Status(data["held_from"]) if data["held_from"] else None,
            acknowledged=data["acknowledged"],
            rated=data["rated"],
            ratings=list(data["ratings"]),
            transfers=data["transfers"],
            holds=data["holds"],
            reopens=data["reopens"],
            first_resolved_at=datetime.fromisoformat(resolved) if resolved else None,
            first_resolved_by=data["first_resolved_by"],
            first_contact=data["first_contact"],
            reported_unassignable=data["reported_unassignable"],
            stopped={SlaMetric(m) for m in data["stopped"]},
            metrics=tuple(SlaMetric(m) for m in data["metrics"]),
            sla_results=[(SlaMetric(m), bool(met)) for m, met in data["sla_results"]],
            levels={SlaMetric(m): lvl for m, lvl in data["levels"].items()},
            sla_log=[SlaOp.from_list(row) for row in data["sla_log"]],
        )


@dataclass(slots=True)
class StaffRecord:
    """One staff member: where they are, whether they take work, and what they hold."""

    member: StaffMember
    location: str
    available: bool = True
    external_load: int = 0
    active: set[str] = field(default_factory=set)

    @property
    def load(self) -> int:
        """Work orders held: the engine's own plus those reported from outside."""
        return self.external_load + len(self.active)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (sorted collections)."""
        member = self.member.model_dump(mode="json")
        member["properties"] = sorted(member["properties"])  # a set: its order is arbitrary
        return {
            "member": member,
            "location": self.location,
            "available": self.available,
            "external_load": self.external_load,
            "active": sorted(self.active),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StaffRecord:
        """Inverse of :meth:`to_dict`."""
        return cls(
            member=StaffMember.model_validate(data["member"]),
            location=data["location"],
            available=data["available"],
            external_load=data["external_load"],
            active=set(data["active"]),
        )


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None
