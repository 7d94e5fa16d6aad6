"""The engine state as a deterministic, JSON-ready dict, and back (snapshots and recovery).

:meth:`EngineState.to_dict <dispatch_core.engine.state.EngineState.to_dict>` and
:meth:`EngineState.from_dict <dispatch_core.engine.state.EngineState.from_dict>` call these;
they live apart from the state's transitions so that each module stays one concern.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from dispatch_core.engine.kpis import KpiTracker
from dispatch_core.engine.records import StaffRecord, TicketRecord

if TYPE_CHECKING:
    from dispatch_core.engine.state import EngineState

__all__ = ["state_from_dict", "state_to_dict"]


def state_to_dict(
    st: EngineState, *, property_id: str | None = None, full: bool = False
) -> dict[str, Any]:
    """Return ``st`` as a deterministic JSON-ready dict (see ``EngineState.to_dict``)."""
    tickets = {
        tid: r.to_dict()
        for tid, r in sorted(st.tickets.items())
        if property_id is None or r.ticket.property_id == property_id
    }
    staff = {
        sid: s.to_dict()
        for sid, s in sorted(st.staff.items())
        if property_id is None or property_id in s.member.properties
    }
    out: dict[str, Any] = {
        "now": st.now.isoformat() if st.now else None,
        "last_seq": st.last_seq,
        "records": st.records,
        "tickets": tickets,
        "staff": staff,
        "pending": sorted(t for t in st.pending if t in tickets),
        "alarms": [a for a in st.complaints.alarms() if property_id in (None, a)],
        "kpis": st.kpis.report(property_id=property_id, now=st.now),
    }
    if full:  # the idempotency table is not here: recovery rebuilds it from the journal
        out["complaints"] = st.complaints.to_dict()["windows"]
        out["kpi_state"] = st.kpis.to_dict()
        out["sla_ops"] = st.sla_ops
    return out


def state_from_dict(st: EngineState, data: dict[str, Any]) -> None:
    """Load ``to_dict(full=True)`` output into the fresh state ``st``."""
    st.now = datetime.fromisoformat(data["now"]) if data["now"] else None
    st.last_seq, st.records, st.sla_ops = data["last_seq"], data["records"], data["sla_ops"]
    st.tickets = {k: TicketRecord.from_dict(v) for k, v in data["tickets"].items()}
    st.staff = {k: StaffRecord.from_dict(v) for k, v in data["staff"].items()}
    st.pending = set(data["pending"])
    st.complaints.load({"alarms": data["alarms"], "windows": data["complaints"]})
    st.kpis = KpiTracker.from_dict(data["kpi_state"])
