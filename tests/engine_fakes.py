"""Small test doubles for the engine's ports (tests only; the engine ships with the real parts).

FakeDispatcher applies the hard rules and picks the least-loaded member (ties by id);
FakeSla keeps per-ticket clocks on a heap, one live entry per running clock, 24×7 time.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from dispatch_core import commands as c
from dispatch_core.engine import Engine, EngineConfig
from dispatch_core.errors import DuplicateEntityError, UnknownTicketError
from dispatch_core.model import (
    DEFAULT_TARGETS,
    Category,
    DispatchAction,
    EscalationAction,
    Outcome,
    Role,
    SlaLevel,
    SlaMetric,
    SlaTarget,
    StaffMember,
    Ticket,
)

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


@dataclass(frozen=True)
class FakeExplanation:
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"reason": self.reason}


@dataclass(frozen=True)
class FakeDecision:
    staff_id: str | None
    score: float
    explanation: FakeExplanation
    action: DispatchAction = DispatchAction.ASSIGN


class FakeDispatcher:
    def __init__(self, *, rogue: bool = False) -> None:
        self.members: dict[str, StaffMember] = {}
        self.load: dict[str, int] = {}
        self.loc: dict[str, str] = {}
        self.avail: dict[str, bool] = {}
        self.rogue = rogue  # propose anyone, ignoring the hard rules (engine must refuse)

    def upsert(self, member: StaffMember) -> None:
        self.members[member.id] = member
        self.load.setdefault(member.id, 0)
        self.loc.setdefault(member.id, member.home)

    def remove(self, staff_id: str) -> None:
        self.members.pop(staff_id, None)

    def set_load(self, staff_id: str, load: int) -> None:
        self.load[staff_id] = load

    def set_location(self, staff_id: str, node: str) -> None:
        self.loc[staff_id] = node

    def set_available(self, staff_id: str, available: bool) -> None:
        self.avail[staff_id] = available

    def choose(self, ticket: Ticket, *, at: datetime, exclude: Iterable[str] = ()) -> FakeDecision:
        skip = set(exclude)
        best: tuple[tuple[float, int, str], str] | None = None
        for sid in sorted(self.members):
            m = self.members[sid]
            if sid in skip:
                continue
            if not self.rogue:
                if ticket.property_id not in m.properties:
                    continue
                if any(m.skill_level(r.skill) < r.min_level for r in ticket.required_skills):
                    continue
                if not self.avail.get(sid, True) or not m.on_shift(at):
                    continue
                if self.load[sid] >= m.capacity:
                    continue
            key = (self.load[sid] / m.capacity, int(self.loc[sid] != ticket.location), sid)
            if best is None or key < best[0]:
                best = (key, sid)
        if best is None:
            reason = FakeExplanation("no eligible staff member")
            return FakeDecision(None, 0.0, reason, DispatchAction.NONE)
        return FakeDecision(best[1], best[0][0], FakeExplanation(f"load ratio {best[0][0]:.2f}"))

    def reallocate(self, ticket: Ticket, *, at: datetime, current: str | None) -> FakeDecision:
        d = self.choose(ticket, at=at, exclude=(current,) if current else ())
        action = DispatchAction.REASSIGN if d.staff_id is not None else DispatchAction.NONE
        return FakeDecision(d.staff_id, d.score, d.explanation, action)


@dataclass(frozen=True)
class FakeLevelChange:
    ticket_id: str
    metric: SlaMetric
    level: SlaLevel
    at: datetime
    action: EscalationAction
    notify: Role | None


@dataclass
class _Clock:
    target: timedelta
    running_since: datetime | None
    elapsed: timedelta = timedelta(0)
    level: int = 0
    version: int = 0
    stopped: bool = False


THRESHOLDS = (
    (0.75, SlaLevel.YELLOW, EscalationAction.REALLOCATE, Role.AGENT),
    (1.0, SlaLevel.RED, EscalationAction.ESCALATE, Role.SUPERVISOR),
    (1.5, SlaLevel.RED, EscalationAction.ESCALATE, Role.MANAGER),
)


@dataclass
class FakeSla:
    targets: Mapping[Category, tuple[SlaTarget, ...]] = field(
        default_factory=lambda: dict(DEFAULT_TARGETS)
    )
    thresholds: tuple[tuple[float, SlaLevel, EscalationAction, Role], ...] = THRESHOLDS
    clocks: dict[str, dict[SlaMetric, _Clock]] = field(default_factory=dict)
    heap: list[tuple[datetime, int, str, SlaMetric, int]] = field(default_factory=list)
    counter: itertools.count[int] = field(default_factory=itertools.count)

    def _arm(self, tid: str, metric: SlaMetric) -> None:
        clk = self.clocks[tid][metric]
        clk.version = next(self.counter)  # globally unique: old heap entries never match
        if clk.stopped or clk.running_since is None or clk.level >= len(self.thresholds):
            return
        due = clk.running_since + clk.target * self.thresholds[clk.level][0] - clk.elapsed
        heapq.heappush(self.heap, (due, next(self.counter), tid, metric, clk.version))

    def start_ticket(self, ticket: Ticket, *, at: datetime) -> tuple[SlaMetric, ...]:
        if ticket.id in self.clocks:
            raise DuplicateEntityError("sla clock", ticket.id)
        self.clocks[ticket.id] = {
            t.metric: _Clock(target=t.target, running_since=at)
            for t in self.targets.get(ticket.category, ())
        }
        for metric in self.clocks[ticket.id]:
            self._arm(ticket.id, metric)
        return tuple(self.clocks[ticket.id])

    def _get(self, tid: str) -> dict[SlaMetric, _Clock]:
        if tid not in self.clocks:
            raise UnknownTicketError(tid)
        return self.clocks[tid]

    def pause(self, ticket_id: str, *, at: datetime) -> None:
        for metric, clk in self._get(ticket_id).items():
            if clk.running_since is not None and not clk.stopped:
                clk.elapsed += at - clk.running_since
                clk.running_since = None
                self._arm(ticket_id, metric)

    def resume(self, ticket_id: str, *, at: datetime) -> None:
        for metric, clk in self._get(ticket_id).items():
            if clk.running_since is None and not clk.stopped:
                clk.running_since = at
                self._arm(ticket_id, metric)

    def stop(self, ticket_id: str, metric: SlaMetric, *, at: datetime) -> Outcome:
        clk = self._get(ticket_id)[metric]
        if clk.running_since is not None:
            clk.elapsed += at - clk.running_since
        clk.stopped = True
        self._arm(ticket_id, metric)
        return Outcome.MET if clk.elapsed <= clk.target else Outcome.BREACHED

    def cancel_ticket(self, ticket_id: str) -> None:
        self._get(ticket_id)
        del self.clocks[ticket_id]

    def _live(self, entry: tuple[datetime, int, str, SlaMetric, int]) -> bool:
        _, _, tid, metric, version = entry
        clk = self.clocks.get(tid, {}).get(metric)
        return clk is not None and clk.version == version

    def advance(self, now: datetime) -> list[FakeLevelChange]:
        out = []
        while self.heap and self.heap[0][0] <= now:
            entry = heapq.heappop(self.heap)
            if not self._live(entry):
                continue
            due, _, tid, metric, _ = entry
            clk = self.clocks[tid][metric]
            _, level, action, notify = self.thresholds[clk.level]
            out.append(FakeLevelChange(tid, metric, level, due, action, notify))
            clk.level += 1
            self._arm(tid, metric)
        return out

    def next_deadline(self) -> datetime | None:
        while self.heap and not self._live(self.heap[0]):
            heapq.heappop(self.heap)
        return self.heap[0][0] if self.heap else None

    def live_entries(self, ticket_id: str) -> dict[SlaMetric, int]:
        counts = dict.fromkeys(self.clocks.get(ticket_id, {}), 0)
        for entry in self.heap:
            if entry[2] == ticket_id and self._live(entry):
                counts[entry[3]] += 1
        return counts


def fake_parts() -> dict[str, object]:
    return {"dispatcher": FakeDispatcher(), "sla": FakeSla()}


T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def make_engine(config: EngineConfig | None = None, **kw: object) -> Engine:
    parts: dict[str, object] = {**fake_parts(), **kw}
    return Engine(config or EngineConfig(), **parts)  # type: ignore[arg-type]


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


def real_sla(config: EngineConfig | None = None) -> object:
    """The package's SLA tracker, as the engine builds it by default."""
    from dispatch_core.engine.wiring import default_sla

    return default_sla(config or EngineConfig())


#: The nodes the helpers above use, as a real site graph.
def small_site() -> object:
    from dispatch_core.site import SiteGraph

    return SiteGraph.from_edges([("B1", "B2", 60.0), ("B2", "depot", 90.0)])


def real_dispatcher() -> object:
    """The package's online dispatcher on :func:`small_site`."""
    from dispatch_core.engine.wiring import default_dispatcher

    return default_dispatcher(small_site())  # type: ignore[arg-type]
