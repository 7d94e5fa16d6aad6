"""Records of the engine's state: tickets, staff, and the effect requests the state makes.

Plain mutable records with a deterministic, JSON-ready ``to_dict`` (sets are sorted) and its
inverse ``from_dict``, used by snapshots and journal recovery.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, NamedTuple

from dispatch_core.engine.lifecycle import Status
from dispatch_core.model import SlaMetric, StaffMember, Ticket

__all__ = ["Effect", "EffectKind", "StaffRecord", "TicketRecord"]

EffectKind = Literal[
    "sla_start",
    "sla_pause",
    "sla_resume",
    "sla_stop",
    "sla_cancel",
    "staff_upsert",
    "staff_load",
    "staff_location",
    "staff_available",
    "dispatch",
    "dispatch_pending",
    "reallocate",
]


class Effect(NamedTuple):
    """A request from the state to the engine: call a part, then report back."""

    kind: EffectKind
    ticket_id: str = ""
    staff_id: str = ""
    metric: SlaMetric | None = None


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
    sla_log: list[tuple[int, str, datetime, SlaMetric | None]] = field(default_factory=list)

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
            "sla_log": [
                [n, kind, at.isoformat(), m.value if m else None] for n, kind, at, m in self.sla_log
            ],
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
            sla_log=[
                (n, kind, datetime.fromisoformat(at), SlaMetric(m) if m else None)
                for n, kind, at, m in data["sla_log"]
            ],
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
