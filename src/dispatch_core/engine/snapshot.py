"""The engine state as a deterministic, JSON-ready dict, and back (snapshots and recovery).

:meth:`EngineState.to_dict <dispatch_core.engine.state.EngineState.to_dict>` and
:meth:`EngineState.from_dict <dispatch_core.engine.state.EngineState.from_dict>` call these;
they live apart from the state's transitions so that each module stays one concern.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import SerializeAsAny, TypeAdapter

from dispatch_core.engine import commands as c
from dispatch_core.engine import events as e
from dispatch_core.engine.kpis import KpiTracker
from dispatch_core.engine.records import StaffRecord, TicketRecord

if TYPE_CHECKING:
    from dispatch_core.engine.state import EngineState

__all__ = ["state_from_dict", "state_to_dict"]

#: The idempotency table as snapshots store it: ``[key, command, [events]]`` rows, each value
#: written by its runtime type (``SerializeAsAny``), the events as ``event_to_dict`` writes them
#: (a test compares the two). The Event union itself is not named here: a ``TypeAdapter`` over
#: it builds the schema of every event dataclass again (~50 ms at import).
_RESULTS: TypeAdapter[list[tuple[str, c.CommandBase, tuple[e.EventBase, ...]]]] = TypeAdapter(
    list[tuple[str, SerializeAsAny[c.CommandBase], tuple[SerializeAsAny[e.EventBase], ...]]]
)


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
    if full:
        # One serializer call for the whole table (same JSON as model_dump per object).
        out["results"] = _RESULTS.dump_python(
            [(k, cmd, evs) for k, (cmd, evs) in st.results.items()], mode="json"
        )
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
    for key, cmd, evs in data["results"]:
        st.results[key] = (c.parse_command(cmd), tuple(e.parse_event(ev) for ev in evs))
    st.complaints.load({"alarms": data["alarms"], "windows": data["complaints"]})
    st.kpis = KpiTracker.from_dict(data["kpi_state"])
