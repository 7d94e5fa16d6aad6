"""A SimPy model of the service desk: contacts, agents on shifts, FIFO queue, abandonment.

Contacts arrive as a Poisson process whose rate is constant within each planning interval
(piecewise-constant profile). One pool of agents answers them first come, first served; the
number of agents on duty follows the staffing of each interval (an agent whose shift ends
finishes the current contact first). A waiting contact abandons when its patience runs out.
Handling times depend on the contact type.

Service level is **"answered within T ÷ offered"**: abandoned contacts count as not answered.
KPIs are attributed to the interval in which the contact *arrived*; occupancy is busy
agent-seconds ÷ scheduled agent-seconds of the interval.

Opening hours: with ``accepts`` the desk takes a contact type only in some intervals. A
contact arriving while the desk is closed for it is, per ``after_hours``, **carried over**
(queued from the next interval that takes its type, ahead of later arrivals, never abandoning;
not measured in the service level, but its handling takes agent time) or **lost** (counted on
its own line, never served). The run's ``extra`` then balances the day: ``arrivals`` =
answered + abandoned + ``unserved`` + ``carried_over`` + ``lost`` (``carried_to_next_day`` of
the carried ones found no opening the same day; ``unserved`` were offered but still waiting
when the day's staffing ran out).

Warm-up: the model starts empty ``warmup_s`` seconds before the first interval, with the first
interval's rate and staffing; contacts arriving during the warm-up are served but not measured.
After the last interval arrivals stop and the desk drains, so every measured contact has an
outcome.

Randomness comes from :class:`~dispatch_core.sim.streams.Streams` (streams ``"arrivals"``,
``"contact_type"``, ``"handling:<type>"`` and ``"patience"``), all drawn before the run, so the
n-th contact is the same caller whatever the staffing (common random numbers).

Examples
--------
>>> spec = DeskSpec.stationary(200.0, aht_s=180.0, agents=14, hours=2.0)
>>> run = simulate_desk(spec, seed=1)
>>> run.offered == sum(run.offered_by_interval)
True
>>> 0.0 <= run.service_level <= 1.0
True
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import simpy

from dispatch_core.planning.scenario import AfterHours
from dispatch_core.sim.desk.contacts import Contacts, draw_contacts, drawn
from dispatch_core.sim.desk.spec import ContactType, DeskSpec

__all__ = [
    "ContactType",
    "Contacts",
    "DeskModel",
    "DeskRun",
    "DeskSpec",
    "draw_contacts",
    "simulate_desk",
]

_WAITING, _SERVED, _ABANDONED = 0, 1, 2


@dataclass(frozen=True, slots=True)
class DeskRun:
    """KPIs of one replication, per interval (tuples indexed by interval).

    ``answered_within`` counts answered contacts whose wait was ≤ T; ``delayed`` counts
    offered contacts that had to queue (answered or not); ``wait_s`` is the total wait of the
    answered ones; ``busy_s``/``staffed_s`` are busy and scheduled agent-seconds.
    """

    answer_within_s: float
    offered_by_interval: tuple[int, ...]
    answered_by_interval: tuple[int, ...]
    answered_within_by_interval: tuple[int, ...]
    abandoned_by_interval: tuple[int, ...]
    delayed_by_interval: tuple[int, ...]
    wait_s_by_interval: tuple[float, ...]
    busy_s_by_interval: tuple[float, ...]
    staffed_s_by_interval: tuple[float, ...]
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def offered(self) -> int:
        """Measured contacts offered."""
        return sum(self.offered_by_interval)

    @property
    def service_level(self) -> float:
        """Answered within T ÷ offered (1.0 when nothing was offered)."""
        offered = self.offered
        return sum(self.answered_within_by_interval) / offered if offered else 1.0

    @property
    def abandon_rate(self) -> float:
        """Abandoned ÷ offered."""
        offered = self.offered
        return sum(self.abandoned_by_interval) / offered if offered else 0.0

    @property
    def wait_probability(self) -> float:
        """Delayed (had to queue) ÷ offered."""
        offered = self.offered
        return sum(self.delayed_by_interval) / offered if offered else 0.0

    @property
    def asa_s(self) -> float:
        """Average speed of answer: mean wait of the answered contacts, seconds."""
        answered = sum(self.answered_by_interval)
        return math.fsum(self.wait_s_by_interval) / answered if answered else 0.0

    @property
    def occupancy(self) -> float:
        """Busy agent-seconds ÷ scheduled agent-seconds."""
        staffed = math.fsum(self.staffed_s_by_interval)
        return math.fsum(self.busy_s_by_interval) / staffed if staffed else 0.0

    def kpis(self) -> dict[str, float]:
        """Return the headline KPIs of the replication, by name."""
        return {
            "abandon_rate": self.abandon_rate,
            "asa_s": self.asa_s,
            "occupancy": self.occupancy,
            "service_level": self.service_level,
            "wait_probability": self.wait_probability,
            **self.extra,
        }


class AgentPool:
    """Agents on duty, shared by the desks that draw on them (earlier desks served first).

    A desk builds its own pool unless it is given one: two desks on one pool are a
    **blended** desk (the first one, e.g. the phone queue, has priority whenever an agent
    frees up; the first desk's staffing sets the pool's size).

    Examples
    --------
    >>> pool = AgentPool()
    >>> pool.idle, pool.busy, pool.target
    (0, 0, 0)
    """

    __slots__ = ("busy", "desks", "idle", "target")

    def __init__(self) -> None:
        self.idle = 0
        self.busy = 0
        self.target = 0
        self.desks: list[DeskModel] = []

    def set_target(self, target: int) -> None:
        """Agents on duty from now on (one whose shift ends finishes the current contact)."""
        self.target = target
        present = self.idle + self.busy
        if present < target:
            self.idle += target - present
            self.serve()
        elif present > target:
            self.idle -= min(self.idle, present - target)

    def serve(self) -> None:
        """Give idle agents to waiting contacts, desk by desk in priority order."""
        for desk in self.desks:
            if self.idle <= 0:
                return
            desk.serve_waiting()

    def free(self) -> None:
        """Take back an agent who finished a contact (unless their shift is over)."""
        if self.idle + self.busy + 1 > self.target:
            return  # the agent's shift is over: they go home after this contact
        self.idle += 1
        self.serve()


class DeskModel:
    """The desk inside a SimPy environment: agents, FIFO queue, abandonment, KPIs.

    Internal SimPy time is ``offset_s`` + seconds from the first interval. Subclasses (the
    engine driver) override :meth:`on_answered` and :meth:`on_handled` to hook in; contact
    ``n``'s type is ``spec.contact_types[contacts.kind[n]]`` (for a scenario desk its name is
    the ticket :class:`~dispatch_core.model.Category`).

    Parameters
    ----------
    env : simpy.Environment
        The environment (its time must be 0 when the model is built).
    spec : DeskSpec
        The desk.
    contacts : Contacts
        The pre-drawn callers.
    pool : AgentPool, optional
        Agents shared with other desks (a blended desk); default a pool of its own. The
        first desk of a pool sets its size from its ``spec.agents``.
    """

    def __init__(
        self,
        env: simpy.Environment,
        spec: DeskSpec,
        contacts: Contacts,
        *,
        pool: AgentPool | None = None,
    ) -> None:
        self.env = env
        self.spec = spec
        self.contacts = contacts
        self.offset_s = spec.warmup_s
        arrival = contacts.arrival + spec.warmup_s
        self._arrival = arrival.tolist()
        # Each contact's measured interval (-1 in the warm-up), as _interval computes it.
        rel = arrival - self.offset_s
        slot = np.floor_divide(rel, spec.interval_s)
        outside = (rel < 0) | (slot >= spec.intervals)
        self._slot: list[int] = np.where(outside, -1, slot).astype(np.int64).tolist()
        self._handling = contacts.handling.tolist()
        self._patience = contacts.patience.tolist()
        self._state = [_WAITING] * len(self._arrival)
        self._queue: deque[int] = deque()
        self._waiting = 0
        self._pool = pool if pool is not None else AgentPool()
        self._pool.desks.append(self)
        self._next = 0
        m = spec.intervals
        self._offered = [0] * m
        self._answered = [0] * m
        self._within = [0] * m
        self._abandoned = [0] * m
        self._delayed = [0] * m
        self._wait = [0.0] * m
        self._busy_s = [0.0] * m
        # The spec's figures read once per contact, kept at hand (the spec is frozen).
        self._within_s = spec.answer_within_s
        self._width = spec.interval_s
        self._horizon = spec.horizon_s
        # Opening hours: which contacts arrive while the desk is closed for them.
        self._closed: list[bool] | None = None
        self._held: list[int] = []  # carried over, waiting for an opening, in arrival order
        self._lost = self._carried = 0
        if spec.accepts is not None:
            where = np.asarray(self._slot, dtype=np.int64)
            measured = where >= 0
            closed = np.zeros(len(self._arrival), dtype=bool)
            table = np.asarray(spec.accepts, dtype=bool)
            closed[measured] = ~table[where[measured], contacts.kind[measured]]
            self._closed = closed.tolist()
            self._kind: list[int] = contacts.kind.tolist()

    # -- set-up ---------------------------------------------------------------------------
    def start(self) -> None:
        """Schedule the first arrival and every shift change."""
        if self._pool.desks[0] is self:
            self._pool.set_target(self.spec.agents[0])
        for i in range(1, self.spec.intervals):
            ev = self.env.timeout(self.offset_s + i * self.spec.interval_s, i)
            ev.callbacks.append(self._shift_change)
        self._schedule_next_arrival()

    def _schedule_next_arrival(self) -> None:
        n = self._next
        if n < len(self._arrival):
            self._next = n + 1
            ev = self.env.timeout(self._arrival[n] - self.env.now, n)
            ev.callbacks.append(self._arrive)

    # -- agents ---------------------------------------------------------------------------
    def _shift_change(self, event: simpy.Event) -> None:
        i = cast(int, event.value)
        if self._pool.desks[0] is self:
            self._pool.set_target(self.spec.agents[i])
        if self._held:
            self._release(i)

    def _release(self, i: int) -> None:
        """Queue the carried-over contacts whose type interval ``i`` takes (arrival order)."""
        accepts = cast(tuple[tuple[bool, ...], ...], self.spec.accepts)[i]
        kind = self._kind
        ready = [n for n in self._held if accepts[kind[n]]]
        if not ready:
            return
        self._held = [n for n in self._held if not accepts[kind[n]]]
        self._queue.extend(ready)
        self._waiting += len(ready)
        self._pool.serve()

    def _after_hours(self, n: int, i: int) -> None:
        """Contact ``n`` arrived in interval ``i`` while the desk is closed for its type."""
        if self.spec.after_hours == AfterHours.LOST:
            self._lost += 1
            self._slot[n] = -1  # never offered, never measured
            return
        self._carried += 1
        self._slot[n] = -1  # served later, not measured in the service level
        self._held.append(n)

    # -- contacts -------------------------------------------------------------------------
    def _arrive(self, event: simpy.Event) -> None:
        n = cast(int, event.value)
        self._schedule_next_arrival()
        i = self._slot[n]
        if self._closed is not None and self._closed[n]:
            self._after_hours(n, i)
            return
        if i >= 0:
            self._offered[i] += 1
        if self._pool.idle > 0:
            self._start_service(n)
            return
        if i >= 0:
            self._delayed[i] += 1
        self._queue.append(n)
        self._waiting += 1
        patience = self._patience[n]
        if patience != math.inf:
            ev = self.env.timeout(patience, n)
            ev.callbacks.append(self._abandon)

    def _abandon(self, event: simpy.Event) -> None:
        n = cast(int, event.value)
        if self._state[n] != _WAITING:
            return
        self._state[n] = _ABANDONED
        self._waiting -= 1
        i = self._slot[n]
        if i >= 0:
            self._abandoned[i] += 1

    def serve_waiting(self) -> None:
        """Answer waiting contacts, first come first served, while the pool has idle agents."""
        queue = self._queue
        pool = self._pool
        while pool.idle > 0 and self._waiting > 0:
            n = queue.popleft()
            if self._state[n] == _WAITING:
                self._waiting -= 1
                self._start_service(n)

    def _start_service(self, n: int) -> None:
        now = self.env.now
        self._state[n] = _SERVED
        pool = self._pool
        pool.idle -= 1
        pool.busy += 1
        i = self._slot[n]
        if i >= 0:
            wait = now - self._arrival[n]
            self._answered[i] += 1
            self._wait[i] += wait
            if wait <= self._within_s:
                self._within[i] += 1
        handling = self.on_answered(n, now)
        self._add_busy(now, now + handling)
        ev = self.env.timeout(handling, n)
        ev.callbacks.append(self._done)

    def _add_busy(self, start: float, end: float) -> None:
        width = self._width
        rel_start = max(start - self.offset_s, 0.0)
        rel_end = min(end - self.offset_s, self._horizon)
        i = int(rel_start // width)
        if rel_start < rel_end <= (i + 1) * width:  # within one interval: the usual case
            self._busy_s[i] += rel_end - rel_start
            return
        while rel_start < rel_end:
            stop = min(rel_end, (i + 1) * width)
            self._busy_s[i] += stop - rel_start
            rel_start = stop
            i += 1

    def _done(self, event: simpy.Event) -> None:
        self._pool.busy -= 1
        self.on_handled(cast(int, event.value), self.env.now)
        self._pool.free()

    # -- hooks ----------------------------------------------------------------------------
    def on_answered(self, n: int, now: float) -> float:
        """Contact ``n`` is answered at internal time ``now``; return its handling time."""
        handling: float = self._handling[n]
        return handling

    def on_handled(self, n: int, now: float) -> None:
        """Contact ``n`` has been handled (the agent is released right after)."""

    # -- results --------------------------------------------------------------------------
    def result(self, *, extra: dict[str, float] | None = None) -> DeskRun:
        """Return the KPIs collected so far (with opening hours: the day's balance in extra)."""
        spec = self.spec
        extra = dict(extra or {})
        if spec.accepts is not None:
            state, slot = self._state, self._slot
            # Offered in an open interval, still waiting when the staffing ran out (no agent
            # after it, e.g. a last open hour staffed with nobody): no outcome that day.
            unserved = sum(1 for n, st in enumerate(state) if st == _WAITING and slot[n] >= 0)
            extra |= {
                "arrivals": float(sum(self._offered) + self._lost + self._carried),
                "unserved": float(unserved),
                "carried_over": float(self._carried),
                "carried_to_next_day": float(len(self._held)),
                "lost": float(self._lost),
            }
        return DeskRun(
            answer_within_s=spec.answer_within_s,
            offered_by_interval=tuple(self._offered),
            answered_by_interval=tuple(self._answered),
            answered_within_by_interval=tuple(self._within),
            abandoned_by_interval=tuple(self._abandoned),
            delayed_by_interval=tuple(self._delayed),
            wait_s_by_interval=tuple(self._wait),
            busy_s_by_interval=tuple(self._busy_s),
            staffed_s_by_interval=tuple(a * spec.interval_s for a in spec.agents),
            extra=extra,
        )


def simulate_desk(
    spec: DeskSpec, *, seed: int, replication: int = 0, model: type[DeskModel] = DeskModel
) -> DeskRun:
    """Run one replication of the desk and return its KPIs.

    Parameters
    ----------
    spec : DeskSpec
        The desk.
    seed : int
        The experiment's master seed.
    replication : int
        Replication index; the streams are keyed by ``(seed, replication, name)``.
    model : type of DeskModel
        The model class (a subclass hooks :meth:`DeskModel.on_handled`, e.g. to raise tickets).
    """
    contacts = drawn(spec, seed=seed, replication=replication)
    env = simpy.Environment()
    desk = model(env, spec, contacts)
    desk.start()
    env.run()
    return desk.result()
