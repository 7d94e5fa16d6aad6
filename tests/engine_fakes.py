"""Test helpers around the engine: builders, keys, and engines on the port doubles.

The doubles themselves (``FakeDispatcher``, ``FakeSla``) are public, in
:mod:`dispatch_core.testing`; what is here only the tests need.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from dispatch_core import commands as c
from dispatch_core.engine import Engine, EngineConfig
from dispatch_core.engine.ports import DispatchPort, NodeCatalog, SlaPort
from dispatch_core.engine.wiring import default_dispatcher, default_sla
from dispatch_core.model import StaffMember, Ticket
from dispatch_core.site import SiteGraph
from dispatch_core.testing import FakeDispatcher, FakeSla
from dispatch_core.timers import TimerWheel

#: The ticket-level commands the stateful and crash tests draw from.
TICKET_CMDS = [
    c.Acknowledge,
    c.Accept,
    c.ArriveOnSite,
    c.PutOnHold,
    c.Resume,
    c.Resolve,
    c.Close,
    c.Reopen,
    c.Cancel,
]


T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def make_engine(
    config: EngineConfig | None = None,
    *,
    dispatcher: DispatchPort | None = None,
    sla: SlaPort | None = None,
    site: NodeCatalog | None = None,
) -> Engine:
    """An in-memory engine on the fakes, unless other parts are given."""
    return Engine(
        config or EngineConfig(),
        dispatcher=FakeDispatcher() if dispatcher is None else dispatcher,
        sla=FakeSla() if sla is None else sla,
        site=site,
    )


def tech(
    sid: str,
    *,
    props: Iterable[str] = ("P1",),
    skills: Mapping[str, int] | None = None,
    capacity: int = 2,
    role: str = "technician",
    home: str = "B1",
) -> StaffMember:
    sk = skills if skills is not None else {"plumbing": 3}
    return StaffMember(
        id=sid,
        role=role,
        home=home,
        properties=frozenset(props),
        capacity=capacity,
        skills=[{"name": n, "level": lv} for n, lv in sk.items()],
    )


def ticket(
    tid: str,
    *,
    prop: str = "P1",
    category: str = "repair",
    skills: Mapping[str, int] | None = None,
    at: datetime = T0,
    location: str = "B1",
) -> Ticket:
    sk = skills if skills is not None else {"plumbing": 1}
    return Ticket(
        id=tid,
        property_id=prop,
        category=category,
        location=location,
        required_skills=[{"skill": n, "min_level": lv} for n, lv in sk.items()],
        opened_at=at,
    )


class Keys:
    """Hands out fresh idempotency keys."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self) -> str:
        self.n += 1
        return f"k{self.n}"


def real_sla(
    config: EngineConfig | None = None, *, timers: TimerWheel[Any] | None = None
) -> SlaPort:
    """The package's SLA tracker, as the engine builds it by default (on ``timers``, if given)."""
    return default_sla(config or EngineConfig(), timers=timers)


def small_site() -> SiteGraph:
    """The nodes the helpers above use, as a real site graph."""
    return SiteGraph.from_edges([("B1", "B2", 60.0), ("B2", "depot", 90.0)])


def real_dispatcher() -> DispatchPort:
    """The package's online dispatcher on :func:`small_site`."""
    return default_dispatcher(small_site())
