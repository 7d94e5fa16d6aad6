"""Test doubles for the engine's ports: build an :class:`~dispatch_core.engine.Engine` in tests.

The engine talks to its dispatcher and its SLA tracker through the Protocols of
:mod:`dispatch_core.engine.ports`. The package's own parts (``OnlineDispatcher`` on a site
graph, ``SlaTracker`` on a policy and calendars) are what production uses; these fakes implement
the same ports with rules small enough to predict by hand, so an embedding platform can test its
own code around the engine (as ``httpx`` ships ``MockTransport``):

* :class:`FakeDispatcher` applies the engine's hard rules (property, skills, shift, capacity)
  and picks the least-loaded member relative to capacity, then one already at the ticket's
  location, then the smallest id. ``rogue=True`` proposes anyone, ignoring the hard rules, to
  test that the engine refuses such proposals.
* :class:`FakeSla` runs each ticket's clocks in plain 24×7 time on a heap: the targets of
  :data:`~dispatch_core.model.DEFAULT_TARGETS` by category and the thresholds of
  :data:`DEFAULT_THRESHOLDS` (yellow at 75 % reallocates, red at 100 % and 150 % escalate).

Examples
--------
>>> from datetime import UTC, datetime, timedelta
>>> from dispatch_core import Engine
>>> from dispatch_core.commands import AddStaff, OpenTicket
>>> from dispatch_core.model import StaffMember, Ticket
>>> eng = Engine(dispatcher=FakeDispatcher(), sla=FakeSla())
>>> at = datetime(2026, 3, 2, 9, tzinfo=UTC)
>>> tech = StaffMember(id="tech-1", home="B1", properties={"P1"}, capacity=2)
>>> [ev.type for ev in eng.handle(AddStaff(key="k1", at=at, member=tech))]
['staff_changed']
>>> t = Ticket(id="T-1", property_id="P1", category="repair", location="B2", opened_at=at)
>>> [(ev.type, ev.seq) for ev in eng.handle(OpenTicket(key="k2", at=at, ticket=t))]
[('ticket_opened', 2), ('ticket_assigned', 3)]
>>> eng.next_deadline() - at  # first response: 75 % of 15 min
datetime.timedelta(seconds=675)
>>> [ev.type for ev in eng.advance(at + timedelta(minutes=15))]
['sla_level_changed', 'sla_level_changed', 'escalation_raised']
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from dispatch_core.errors import (
    DuplicateEntityError,
    IllegalTransitionError,
    UnknownEntityError,
    UnknownStaffError,
    UnknownTicketError,
)
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

if TYPE_CHECKING:  # pragma: no cover - for the check at the end of the module
    from dispatch_core.engine.ports import DispatchPort, SlaPort

__all__ = [
    "DEFAULT_THRESHOLDS",
    "FakeClock",
    "FakeDecision",
    "FakeDispatcher",
    "FakeExplanation",
    "FakeLevelChange",
    "FakeSla",
    "FakeThreshold",
]


# ---------------------------------------------------------------------- dispatcher
@dataclass(frozen=True, slots=True)
class FakeExplanation:
    """Why :class:`FakeDispatcher` decided what it did: one sentence.

    Examples
    --------
    >>> FakeExplanation("load ratio 0.50").as_dict()
    {'reason': 'load ratio 0.50'}
    """

    reason: str

    def as_dict(self) -> dict[str, str]:
        """Return ``{"reason": ...}`` (what the engine puts into its event)."""
        return {"reason": self.reason}


@dataclass(frozen=True, slots=True)
class FakeDecision:
    """A decision of :class:`FakeDispatcher` (the engine reads it as a ``DecisionLike``).

    Parameters
    ----------
    action : DispatchAction
        ``ASSIGN`` or ``REASSIGN`` with a ``staff_id``; ``NONE`` without one.
    staff_id : str, optional
        The member chosen.
    score : float
        The chosen member's load ÷ capacity (``0.0`` when nobody fits).
    explanation : FakeExplanation
        Why.
    """

    action: DispatchAction
    staff_id: str | None
    score: float
    explanation: FakeExplanation


class FakeDispatcher:
    """A predictable dispatcher: the hard rules, then the lowest load ÷ capacity.

    Parameters
    ----------
    rogue : bool, default False
        Propose the best member ignoring the hard rules (the engine must refuse the proposal).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from dispatch_core.model import StaffMember, Ticket
    >>> at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    >>> d = FakeDispatcher()
    >>> for sid in ("a", "b"):
    ...     d.upsert(StaffMember(id=sid, home="B1", properties={"P1"}, capacity=2))
    >>> d.set_load("a", 1)
    >>> t = Ticket(id="T-1", property_id="P1", category="repair", location="B1", opened_at=at)
    >>> d.choose(t, at=at).staff_id
    'b'
    >>> d.reallocate(t, at=at, current="b").action.value, d.load("a")
    ('reassign', 1)
    """

    def __init__(self, *, rogue: bool = False) -> None:
        self.rogue = rogue
        self._members: dict[str, StaffMember] = {}
        self._load: dict[str, int] = {}
        self._location: dict[str, str] = {}
        self._available: dict[str, bool] = {}

    # the port
    def upsert(self, member: StaffMember) -> None:
        """Add or replace a member (a new one is idle, at home, available)."""
        self._members[member.id] = member
        self._load.setdefault(member.id, 0)
        self._location.setdefault(member.id, member.home)

    def remove(self, staff_id: str) -> None:
        """Forget a member (an unknown id is ignored)."""
        self._members.pop(staff_id, None)

    def set_load(self, staff_id: str, load: int) -> None:
        """Set the member's number of work orders."""
        self._load[staff_id] = load

    def set_location(self, staff_id: str, node: str) -> None:
        """Set where the member is."""
        self._location[staff_id] = node

    def set_available(self, staff_id: str, available: bool) -> None:
        """Set whether the member takes new work."""
        self._available[staff_id] = available

    def choose(
        self, ticket: Ticket, *, at: datetime, exclude: Collection[str] = ()
    ) -> FakeDecision:
        """Return ``ASSIGN`` to the best member for ``ticket``, or ``NONE`` when nobody fits."""
        best: tuple[float, bool, str] | None = None
        for sid in sorted(self._members):
            member = self._members[sid]
            if sid in exclude or not (self.rogue or self._fits(member, ticket, at)):
                continue
            key = (self._load[sid] / member.capacity, self._location[sid] != ticket.location, sid)
            if best is None or key < best:
                best = key
        if best is None:
            why = FakeExplanation("no eligible staff member")
            return FakeDecision(DispatchAction.NONE, None, 0.0, why)
        ratio, _, sid = best
        return FakeDecision(
            DispatchAction.ASSIGN, sid, ratio, FakeExplanation(f"load ratio {ratio:.2f}")
        )

    def reallocate(self, ticket: Ticket, *, at: datetime, current: str) -> FakeDecision:
        """Return ``REASSIGN`` to the best member other than ``current``, or ``NONE``."""
        d = self.choose(ticket, at=at, exclude=(current,))
        action = DispatchAction.NONE if d.staff_id is None else DispatchAction.REASSIGN
        return FakeDecision(action, d.staff_id, d.score, d.explanation)

    # what the engine told it
    def load(self, staff_id: str) -> int:
        """Return the load last set for ``staff_id``.

        Raises
        ------
        UnknownStaffError
            If the member was never upserted.
        """
        return self._load[self._known(staff_id)]

    def location(self, staff_id: str) -> str:
        """Return where ``staff_id`` was last said to be (:class:`UnknownStaffError` if unknown)."""
        return self._location[self._known(staff_id)]

    def is_available(self, staff_id: str) -> bool:
        """Return whether ``staff_id`` takes work (:class:`UnknownStaffError` if unknown)."""
        return self._available.get(self._known(staff_id), True)

    def _known(self, staff_id: str) -> str:
        if staff_id not in self._members:
            raise UnknownStaffError(staff_id, field="staff_id")
        return staff_id

    def _fits(self, member: StaffMember, ticket: Ticket, at: datetime) -> bool:
        return (
            ticket.property_id in member.properties
            and all(member.skill_level(r.skill) >= r.min_level for r in ticket.required_skills)
            and self._available.get(member.id, True)
            and member.on_shift(at)
            and self._load[member.id] < member.capacity
        )


# ---------------------------------------------------------------------- SLA clocks
@dataclass(frozen=True, slots=True)
class FakeThreshold:
    """A threshold of :class:`FakeSla`: at ``fraction`` of the target, go to ``level``.

    Parameters
    ----------
    fraction : float
        Of the target's time (``0.75`` = 75 %).
    level : SlaLevel
        The level reached.
    action : EscalationAction
        What the engine is asked to do.
    notify : Role
        Who is told.
    """

    fraction: float
    level: SlaLevel
    action: EscalationAction
    notify: Role


#: Yellow at 75 % (reallocate), red at 100 % (supervisor) and 150 % (manager).
DEFAULT_THRESHOLDS: tuple[FakeThreshold, ...] = (
    FakeThreshold(0.75, SlaLevel.YELLOW, EscalationAction.REALLOCATE, Role.AGENT),
    FakeThreshold(1.0, SlaLevel.RED, EscalationAction.ESCALATE, Role.SUPERVISOR),
    FakeThreshold(1.5, SlaLevel.RED, EscalationAction.ESCALATE, Role.MANAGER),
)


@dataclass(frozen=True, slots=True)
class FakeLevelChange:
    """A clock of :class:`FakeSla` crossing a threshold (the engine reads a ``LevelChangeLike``).

    Parameters
    ----------
    ticket_id : str
        The ticket.
    metric : SlaMetric
        Which clock.
    level : SlaLevel
        The level reached.
    at : datetime
        When the threshold was crossed.
    action : EscalationAction
        What it asks for.
    notify : Role, optional
        Who is told.
    """

    ticket_id: str
    metric: SlaMetric
    level: SlaLevel
    at: datetime
    action: EscalationAction
    notify: Role | None


@dataclass(frozen=True, slots=True)
class FakeClock:
    """What :meth:`FakeSla.clocks` shows of one clock.

    Parameters
    ----------
    target : timedelta
        The clock's target.
    elapsed : timedelta
        Running time until the last pause or stop (the current run is not included).
    running, stopped : bool
        Whether it runs now; whether it was stopped (a stopped clock never runs again).
    crossed : int
        How many thresholds it has crossed.
    armed : int
        How many live heap entries it has: 1 while it runs with a threshold left, else 0.
    """

    target: timedelta
    elapsed: timedelta
    running: bool
    stopped: bool
    crossed: int
    armed: int


@dataclass(slots=True)
class _Clock:
    target: timedelta
    running_since: datetime | None
    elapsed: timedelta = timedelta(0)
    crossed: int = 0
    version: int = 0
    stopped: bool = False


@dataclass(frozen=True, slots=True, order=True)
class _Due:
    """A heap entry: live only while its version is the clock's."""

    at: datetime
    n: int
    ticket_id: str = field(compare=False)
    metric: SlaMetric = field(compare=False)
    version: int = field(compare=False)


class FakeSla:
    """Per-ticket SLA clocks in 24×7 time: one heap entry per running clock.

    Parameters
    ----------
    targets : mapping of Category to tuple of SlaTarget, optional
        The clocks a ticket of each category gets (default: ``DEFAULT_TARGETS``; the targets'
        business calendars are ignored: time here is plain elapsed time).
    thresholds : sequence of FakeThreshold, default DEFAULT_THRESHOLDS
        Crossed in order by every clock.

    Examples
    --------
    >>> from datetime import UTC, datetime, timedelta
    >>> from dispatch_core.model import SlaMetric, Ticket
    >>> at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    >>> sla = FakeSla()
    >>> t = Ticket(id="T-1", property_id="P1", category="inquiry", location="B1", opened_at=at)
    >>> [m.value for m in sla.start_ticket(t, at=at)]
    ['first_response', 'resolution']
    >>> [(ch.metric.value, ch.level.value) for ch in sla.advance(at + timedelta(minutes=3))]
    [('first_response', 'yellow'), ('first_response', 'red')]
    >>> sla.stop("T-1", SlaMetric.FIRST_RESPONSE, at=at + timedelta(minutes=4)).value
    'breached'
    """

    def __init__(
        self,
        *,
        targets: Mapping[Category, Sequence[SlaTarget]] | None = None,
        thresholds: Sequence[FakeThreshold] = DEFAULT_THRESHOLDS,
    ) -> None:
        self.targets: Mapping[Category, Sequence[SlaTarget]] = (
            DEFAULT_TARGETS if targets is None else targets
        )
        self.thresholds = tuple(thresholds)
        self._clocks: dict[str, dict[SlaMetric, _Clock]] = {}
        self._heap: list[_Due] = []
        self._counter = itertools.count()

    # the port
    def start_ticket(self, ticket: Ticket, *, at: datetime) -> tuple[SlaMetric, ...]:
        """Arm the clocks of ``ticket``'s category; return their metrics.

        Raises
        ------
        DuplicateEntityError
            If the ticket already has clocks.
        """
        if ticket.id in self._clocks:
            raise DuplicateEntityError("sla clock", ticket.id, field="ticket.id")
        clocks = self._clocks[ticket.id] = {
            t.metric: _Clock(target=t.target, running_since=at)
            for t in self.targets.get(ticket.category, ())
        }
        for metric in clocks:
            self._arm(ticket.id, metric)
        return tuple(clocks)

    def pause(self, ticket_id: str, *, at: datetime) -> tuple[SlaMetric, ...]:
        """Pause the ticket's running clocks; return their metrics."""
        paused = []
        for metric, clk in self._ticket(ticket_id).items():
            if clk.running_since is not None and not clk.stopped:
                clk.elapsed += at - clk.running_since
                clk.running_since = None
                self._arm(ticket_id, metric)
                paused.append(metric)
        return tuple(paused)

    def resume(self, ticket_id: str, *, at: datetime) -> tuple[SlaMetric, ...]:
        """Resume the ticket's paused clocks; return their metrics."""
        resumed = []
        for metric, clk in self._ticket(ticket_id).items():
            if clk.running_since is None and not clk.stopped:
                clk.running_since = at
                self._arm(ticket_id, metric)
                resumed.append(metric)
        return tuple(resumed)

    def stop(self, ticket_id: str, metric: SlaMetric, *, at: datetime) -> Outcome:
        """Stop one clock; ``MET`` if its running time is within the target.

        Raises
        ------
        UnknownEntityError
            If the ticket has no such clock.
        IllegalTransitionError
            If the clock was stopped already.
        """
        clk = self._ticket(ticket_id).get(metric)
        if clk is None:
            raise UnknownEntityError(f"{ticket_id}/{metric}", field="metric")
        if clk.stopped:
            raise IllegalTransitionError(f"{ticket_id}/{metric}", "stopped", "stop")
        if clk.running_since is not None:
            clk.elapsed += at - clk.running_since
            clk.running_since = None
        clk.stopped = True
        self._arm(ticket_id, metric)
        return Outcome.MET if clk.elapsed <= clk.target else Outcome.BREACHED

    def cancel_ticket(self, ticket_id: str) -> tuple[SlaMetric, ...]:
        """Forget the ticket's clocks; return the metrics that were not stopped."""
        clocks = self._clocks.pop(self._known(ticket_id))
        return tuple(m for m, clk in clocks.items() if not clk.stopped)

    def advance(self, now: datetime) -> list[FakeLevelChange]:
        """Cross every threshold due at or before ``now``, in time order."""
        out = []
        while self._heap and self._heap[0].at <= now:
            due = heapq.heappop(self._heap)
            if not self._live(due):
                continue
            clk = self._clocks[due.ticket_id][due.metric]
            th = self.thresholds[clk.crossed]
            out.append(
                FakeLevelChange(due.ticket_id, due.metric, th.level, due.at, th.action, th.notify)
            )
            clk.crossed += 1
            self._arm(due.ticket_id, due.metric)
        return out

    def next_deadline(self) -> datetime | None:
        """Return when the next threshold is due, if any."""
        while self._heap and not self._live(self._heap[0]):
            heapq.heappop(self._heap)
        return self._heap[0].at if self._heap else None

    # what the engine did with it
    def tickets(self) -> tuple[str, ...]:
        """Return the ids of the tickets with clocks, in the order they were started."""
        return tuple(self._clocks)

    def clocks(self, ticket_id: str) -> dict[SlaMetric, FakeClock]:
        """Return the ticket's clocks (:class:`UnknownTicketError` if it has none)."""
        armed = dict.fromkeys(self._ticket(ticket_id), 0)
        for due in self._heap:
            if due.ticket_id == ticket_id and self._live(due):
                armed[due.metric] += 1
        return {
            m: FakeClock(
                target=clk.target,
                elapsed=clk.elapsed,
                running=clk.running_since is not None,
                stopped=clk.stopped,
                crossed=clk.crossed,
                armed=armed[m],
            )
            for m, clk in self._clocks[ticket_id].items()
        }

    # internals
    def _known(self, ticket_id: str) -> str:
        if ticket_id not in self._clocks:
            raise UnknownTicketError(ticket_id, field="ticket_id")
        return ticket_id

    def _ticket(self, ticket_id: str) -> dict[SlaMetric, _Clock]:
        return self._clocks[self._known(ticket_id)]

    def _arm(self, ticket_id: str, metric: SlaMetric) -> None:
        """Re-arm a clock after any change: a new version makes its old heap entry dead."""
        clk = self._clocks[ticket_id][metric]
        clk.version = next(self._counter)
        if clk.stopped or clk.running_since is None or clk.crossed >= len(self.thresholds):
            return
        fraction = self.thresholds[clk.crossed].fraction
        at = clk.running_since + clk.target * fraction - clk.elapsed
        heapq.heappush(self._heap, _Due(at, next(self._counter), ticket_id, metric, clk.version))

    def _live(self, due: _Due) -> bool:
        clk = self._clocks.get(due.ticket_id, {}).get(due.metric)
        return clk is not None and clk.version == due.version


if TYPE_CHECKING:  # pragma: no cover - mypy checks that the fakes implement the ports exactly
    _PORTS: tuple[DispatchPort, SlaPort] = (FakeDispatcher(), FakeSla())
