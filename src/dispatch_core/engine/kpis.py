"""KPIs from the plans, kept up to date incrementally as the engine applies commands.

Definitions (every report names them in its ``definitions`` entry):

- **SLA attainment** per ``metric/category``: clocks stopped before reaching a breach level
  ÷ clocks stopped.
- **Average handling time**: mean of first resolution − intake, in seconds.
- **First-contact resolution**: first resolutions with no transfer and no hold ÷ first
  resolutions.
- **Complaint rate**: complaint tickets ÷ tickets opened.
- **Reopen rate**: reopens ÷ first resolutions.
- **Technician utilisation**: on-shift time weighted by load ÷ capacity, ÷ on-shift time,
  over technicians.
- **Tickets per agent per day**: first resolutions by agents ÷ agent on-shift time in 8-hour
  days.
- **Satisfaction**: mean resident rating (1–5) and the share of ratings ≥ 4.

:class:`KpiTracker` updates counters in O(1) per event; :func:`recompute` derives the ticket
KPIs from the ticket records from scratch (tests compare the two).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from dispatch_core.model import Category, Role, SlaMetric, Ticket

if TYPE_CHECKING:  # pragma: no cover - import for annotations only
    from dispatch_core.engine.records import TicketRecord

__all__ = ["DEFINITIONS", "KpiTracker", "TicketCounts", "recompute", "ticket_kpis"]

_WORKDAY_S = 8 * 3600

#: The definition of every KPI in a report.
DEFINITIONS: dict[str, str] = {
    "sla_attainment": "clocks stopped before a breach level / clocks stopped, per metric/category",
    "avg_handling_s": "mean(first resolution - intake) in seconds",
    "first_contact_resolution": "first resolutions without transfer or hold / first resolutions",
    "complaint_rate": "complaint tickets / tickets opened",
    "reopen_rate": "reopens / first resolutions",
    "technician_utilisation": "on-shift time x load/capacity / on-shift time (technicians)",
    "tickets_per_agent_day": "first resolutions by agents / (agent on-shift time / 8 h)",
    "satisfaction": "mean rating 1-5; satisfied_share = ratings >= 4 / ratings",
}


@dataclass(slots=True)
class TicketCounts:
    """Additive ticket counters for one property."""

    opened: int = 0
    complaints: int = 0
    first_resolutions: int = 0
    handling_us: int = 0
    first_contact: int = 0
    by_agents: int = 0
    reopened: int = 0
    cancelled: int = 0
    ratings: int = 0
    rating_sum: int = 0
    satisfied: int = 0
    sla: dict[str, list[int]] = field(default_factory=dict)

    def add(self, other: TicketCounts) -> None:
        """Add ``other`` into these counters."""
        self.opened += other.opened
        self.complaints += other.complaints
        self.first_resolutions += other.first_resolutions
        self.handling_us += other.handling_us
        self.first_contact += other.first_contact
        self.by_agents += other.by_agents
        self.reopened += other.reopened
        self.cancelled += other.cancelled
        self.ratings += other.ratings
        self.rating_sum += other.rating_sum
        self.satisfied += other.satisfied
        for key, (met, total) in other.sla.items():
            cell = self.sla.setdefault(key, [0, 0])
            cell[0] += met
            cell[1] += total

    def sla_hit(self, category: Category, metric: SlaMetric, *, met: bool) -> None:
        """Count one stopped clock."""
        key = _SLA_KEYS.get((metric, category))
        if key is None:
            key = _SLA_KEYS[metric, category] = f"{metric.value}/{category.value}"
        cell = self.sla.get(key)
        if cell is None:
            cell = self.sla[key] = [0, 0]
        cell[0] += met
        cell[1] += 1


#: ``metric/category`` keys of the SLA attainment counters, built once.
_SLA_KEYS: dict[tuple[SlaMetric, Category], str] = {}


@dataclass(slots=True)
class _StaffClock:
    role: Role
    properties: tuple[str, ...]
    last_at: datetime
    load: int
    capacity: int
    on: bool
    busy_s: float = 0.0
    shift_s: float = 0.0

    def advance(self, at: datetime) -> None:
        last = self.last_at
        if at > last:
            if self.on:
                dt = (at - last).total_seconds()
                self.shift_s += dt
                self.busy_s += dt * min(self.load, self.capacity) / self.capacity
            self.last_at = at


_US = timedelta(microseconds=1)


def _micros(delta: timedelta) -> int:
    return delta // _US


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 6) if den else None


class KpiTracker:
    """Incremental KPI counters, per property, plus staff time accumulators.

    Examples
    --------
    >>> k = KpiTracker()
    >>> k.report()["complaint_rate"] is None
    True
    """

    def __init__(self) -> None:
        self.counts: dict[str, TicketCounts] = {}
        self.staff: dict[str, _StaffClock] = {}

    def _c(self, ticket: Ticket) -> TicketCounts:
        found = self.counts.get(ticket.property_id)
        if found is None:
            found = self.counts[ticket.property_id] = TicketCounts()
        return found

    def opened(self, ticket: Ticket) -> None:
        """Count a ticket entering intake."""
        cnt = self._c(ticket)
        cnt.opened += 1
        cnt.complaints += ticket.category is Category.COMPLAINT

    def resolved(
        self,
        ticket: Ticket,
        opened_at: datetime,
        at: datetime,
        *,
        first_contact: bool,
        by: Role | None,
    ) -> None:
        """Count a ticket's first resolution."""
        cnt = self._c(ticket)
        cnt.first_resolutions += 1
        cnt.handling_us += _micros(at - opened_at)
        cnt.first_contact += first_contact
        cnt.by_agents += by is Role.AGENT

    def reopened(self, ticket: Ticket) -> None:
        """Count a reopen."""
        self._c(ticket).reopened += 1

    def cancelled(self, ticket: Ticket) -> None:
        """Count a cancellation."""
        self._c(ticket).cancelled += 1

    def rated(self, ticket: Ticket, rating: int) -> None:
        """Count a resident's rating."""
        cnt = self._c(ticket)
        cnt.ratings += 1
        cnt.rating_sum += rating
        cnt.satisfied += rating >= 4

    def sla_closed(self, ticket: Ticket, metric: SlaMetric, met: bool) -> None:
        """Count an SLA clock that stopped, ``met`` or breached."""
        self._c(ticket).sla_hit(ticket.category, metric, met=met)

    def staff_changed(
        self,
        staff_id: str,
        at: datetime,
        *,
        role: Role,
        properties: Iterable[str],
        load: int,
        capacity: int,
        on: bool,
    ) -> None:
        """Record a change of a staff member's load or availability at ``at``."""
        if not self.staff_update(staff_id, at, load, capacity, on):
            self.staff[staff_id] = _StaffClock(
                role, tuple(sorted(properties)), at, load, capacity, on
            )

    def staff_update(self, staff_id: str, at: datetime, load: int, capacity: int, on: bool) -> bool:
        """:meth:`staff_changed` for a member already known; ``False`` (nothing done) if not.

        The engine's hot path (every assignment and release): no keyword packing, and no
        role and properties, which :meth:`staff_changed` keeps from a member's first call.
        """
        clock = self.staff.get(staff_id)
        if clock is None:
            return False
        clock.advance(at)
        clock.load, clock.capacity, clock.on = load, capacity, on
        return True

    def totals(self, property_id: str | None = None) -> TicketCounts:
        """Counters for one property, or summed over all of them."""
        if property_id is not None:
            return _copy(self.counts.get(property_id, TicketCounts()))
        total = TicketCounts()
        for _, cnt in sorted(self.counts.items()):
            total.add(cnt)
        return total

    def report(
        self, *, property_id: str | None = None, now: datetime | None = None
    ) -> dict[str, Any]:
        """Return the KPIs, JSON-ready, for one property or for everything.

        Parameters
        ----------
        property_id : str, optional
            Keep one property's tickets and the staff serving it.
        now : datetime, optional
            Count staff time up to ``now`` (default: up to each member's last change).
        """
        t = self.totals(property_id)
        tech_busy = tech_shift = agent_shift = 0.0
        for _, clock in sorted(self.staff.items()):
            if property_id is not None and property_id not in clock.properties:
                continue
            busy, shift = clock.busy_s, clock.shift_s
            if now is not None and now > clock.last_at and clock.on:
                dt = (now - clock.last_at).total_seconds()
                shift += dt
                busy += dt * min(clock.load, clock.capacity) / clock.capacity
            if clock.role is Role.TECHNICIAN:
                tech_busy, tech_shift = tech_busy + busy, tech_shift + shift
            elif clock.role is Role.AGENT:
                agent_shift += shift
        return {
            **ticket_kpis(t),
            "technician_utilisation": _ratio(tech_busy, tech_shift),
            "tickets_per_agent_day": _ratio(t.by_agents, agent_shift / _WORKDAY_S),
        }

    def to_dict(self) -> dict[str, Any]:
        """Accumulators, for journal snapshots."""
        return {
            "counts": {p: asdict(cnt) for p, cnt in sorted(self.counts.items())},
            "staff": {
                s: {
                    **{k: v for k, v in asdict(clk).items() if k != "last_at"},
                    "properties": list(clk.properties),
                    "last_at": clk.last_at.isoformat(),
                }
                for s, clk in sorted(self.staff.items())
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KpiTracker:
        """Inverse of :meth:`to_dict`."""
        k = cls()
        k.counts = {p: TicketCounts(**cnt) for p, cnt in data["counts"].items()}
        for s, clk in data["staff"].items():
            k.staff[s] = _StaffClock(
                role=Role(clk["role"]),
                properties=tuple(clk["properties"]),
                last_at=datetime.fromisoformat(clk["last_at"]),
                load=clk["load"],
                capacity=clk["capacity"],
                on=clk["on"],
                busy_s=clk["busy_s"],
                shift_s=clk["shift_s"],
            )
        return k


def _copy(cnt: TicketCounts) -> TicketCounts:
    out = TicketCounts()
    out.add(cnt)
    return out


def ticket_kpis(t: TicketCounts) -> dict[str, Any]:
    """Return the ticket KPIs from additive counters."""
    return {
        "tickets_opened": t.opened,
        "complaint_rate": _ratio(t.complaints, t.opened),
        "first_resolutions": t.first_resolutions,
        "avg_handling_s": _ratio(t.handling_us / 1e6, t.first_resolutions),
        "first_contact_resolution": _ratio(t.first_contact, t.first_resolutions),
        "reopen_rate": _ratio(t.reopened, t.first_resolutions),
        "cancelled": t.cancelled,
        "satisfaction": _ratio(t.rating_sum, t.ratings),
        "satisfied_share": _ratio(t.satisfied, t.ratings),
        "sla_attainment": {k: _ratio(met, total) for k, (met, total) in sorted(t.sla.items())},
        "definitions": DEFINITIONS,
    }


def recompute(
    records: Iterable[TicketRecord], roles: dict[str, Role], *, property_id: str | None = None
) -> dict[str, Any]:
    """Derive the ticket KPIs from scratch from ticket records (the test oracle).

    Parameters
    ----------
    records : iterable of TicketRecord
        Every ticket the engine knows.
    roles : dict
        Staff id → role, for resolutions by agents.
    property_id : str, optional
        Keep one property's tickets.
    """
    t = TicketCounts()
    for rec in records:
        ticket = rec.ticket
        if property_id is not None and ticket.property_id != property_id:
            continue
        t.opened += 1
        t.complaints += ticket.category is Category.COMPLAINT
        if rec.first_resolved_at is not None:
            t.first_resolutions += 1
            t.handling_us += _micros(rec.first_resolved_at - rec.opened_at)
            t.first_contact += rec.first_contact
            t.by_agents += (
                rec.first_resolved_by is not None and roles.get(rec.first_resolved_by) is Role.AGENT
            )
        t.reopened += rec.reopens
        t.cancelled += rec.status.value == "cancelled"
        t.ratings += len(rec.ratings)
        t.rating_sum += sum(rec.ratings)
        t.satisfied += sum(1 for r in rec.ratings if r >= 4)
        for metric, met in rec.sla_results:
            t.sla_hit(ticket.category, metric, met=met)
    return ticket_kpis(t)
