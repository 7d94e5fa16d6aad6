"""A SimPy model of the service desk: contacts, agents on shifts, FIFO queue, abandonment.

Contacts arrive as a Poisson process whose rate is constant within each planning interval
(piecewise-constant profile). One pool of agents answers them first come, first served; the
number of agents on duty follows the staffing of each interval (an agent whose shift ends
finishes the current contact first). A waiting contact abandons when its patience runs out.
Handling times depend on the contact type.

Service level is **"answered within T ÷ offered"**: abandoned contacts count as not answered.
KPIs are attributed to the interval in which the contact *arrived*; occupancy is busy
agent-seconds ÷ scheduled agent-seconds of the interval.

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
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import cast

import numpy as np
import simpy

from dispatch_core.errors import InvalidInputError
from dispatch_core.sim.distributions import Distribution
from dispatch_core.sim.streams import Streams

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
class ContactType:
    """A kind of contact: its share of the arrivals and its handling-time distribution.

    Parameters
    ----------
    name : str
        Name (also names the random stream ``"handling:<name>"``).
    share : float
        Fraction of contacts of this type (> 0; the shares of a desk sum to 1).
    handling : Distribution
        Handling (talk + wrap-up) time, seconds.
    """

    name: str
    share: float
    handling: Distribution

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise InvalidInputError("name", self.name, "must be a non-empty string")
        if not (math.isfinite(self.share) and self.share > 0):
            raise InvalidInputError("share", self.share, "must be a finite number > 0")


def _check_float(name: str, value: float, *, positive: bool) -> None:
    ok = isinstance(value, int | float) and math.isfinite(value)
    ok = ok and (value > 0 if positive else value >= 0)
    if not ok:
        raise InvalidInputError(
            name, value, "must be a finite number " + (">" if positive else ">=") + " 0"
        )


@dataclass(frozen=True, slots=True)
class DeskSpec:
    """What to simulate: the arrival profile, the staffing and the contact mix.

    Parameters
    ----------
    interval_s : float
        Length of a planning interval, seconds (e.g. 1800).
    arrival_rates : tuple of float
        Offered contacts per hour, one per interval.
    agents : tuple of int
        Agents on duty, one per interval (same length as ``arrival_rates``).
    contact_types : tuple of ContactType
        The mix; shares must sum to 1 (within 1e-9).
    patience : Distribution or None
        Patience of a waiting caller; ``None`` means nobody abandons.
    answer_within_s : float
        The service-level threshold T, seconds.
    warmup_s : float
        Warm-up before the first interval (not measured), seconds.
    mix : tuple of tuple of float, optional
        Per-interval shares of the contact types (one row per interval, one column per type,
        each row summing to 1, or to 0 where the rate is 0), for mixes that change over the
        day (an evening desk taking only emergencies, a storm raising repairs). ``None``: the
        types' ``share`` everywhere.
    """

    interval_s: float
    arrival_rates: tuple[float, ...]
    agents: tuple[int, ...]
    contact_types: tuple[ContactType, ...]
    patience: Distribution | None = None
    answer_within_s: float = 20.0
    warmup_s: float = 0.0
    mix: tuple[tuple[float, ...], ...] | None = None

    def __post_init__(self) -> None:
        _check_float("interval_s", self.interval_s, positive=True)
        _check_float("answer_within_s", self.answer_within_s, positive=False)
        _check_float("warmup_s", self.warmup_s, positive=False)
        if not self.arrival_rates:
            raise InvalidInputError("arrival_rates", self.arrival_rates, "needs one interval")
        for i, rate in enumerate(self.arrival_rates):
            _check_float(f"arrival_rates.{i}", rate, positive=False)
        if len(self.agents) != len(self.arrival_rates):
            raise InvalidInputError(
                "agents", self.agents, f"needs {len(self.arrival_rates)} values, one per interval"
            )
        for i, count in enumerate(self.agents):
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise InvalidInputError(f"agents.{i}", count, "must be an integer >= 0")
        if not self.contact_types:
            raise InvalidInputError("contact_types", self.contact_types, "needs one type")
        names = [t.name for t in self.contact_types]
        if len(set(names)) != len(names):
            raise InvalidInputError("contact_types", names, "names must be unique")
        total = math.fsum(t.share for t in self.contact_types)
        if abs(total - 1.0) > 1e-9:
            raise InvalidInputError("contact_types", total, "shares must sum to 1")
        if self.mix is not None:
            self._check_mix(self.mix)

    def _check_mix(self, mix: tuple[tuple[float, ...], ...]) -> None:
        if len(mix) != len(self.arrival_rates):
            raise InvalidInputError("mix", len(mix), f"needs {len(self.arrival_rates)} rows")
        for i, row in enumerate(mix):
            if len(row) != len(self.contact_types):
                raise InvalidInputError(
                    f"mix.{i}", row, f"needs {len(self.contact_types)} shares, one per type"
                )
            for share in row:
                _check_float(f"mix.{i}", share, positive=False)
            total = math.fsum(row)
            if abs(total - 1.0) > 1e-9 and not (total == 0.0 and self.arrival_rates[i] == 0.0):
                raise InvalidInputError(f"mix.{i}", total, "shares must sum to 1")

    @classmethod
    def stationary(
        cls,
        rate_per_hour: float,
        *,
        aht_s: float,
        agents: int,
        hours: float,
        interval_s: float = 1800.0,
        patience_s: float | None = None,
        answer_within_s: float = 20.0,
        warmup_s: float = 3600.0,
    ) -> DeskSpec:
        """Build an M/M/c (or M/M/c+M with ``patience_s``) desk: constant rate and staffing.

        Examples
        --------
        >>> DeskSpec.stationary(200.0, aht_s=180.0, agents=14, hours=1.0).agents
        (14, 14)
        """
        _check_float("hours", hours, positive=True)
        count = max(1, round(hours * 3600.0 / interval_s))
        patience = None if patience_s is None else Distribution.exponential(patience_s)
        return cls(
            interval_s=interval_s,
            arrival_rates=(float(rate_per_hour),) * count,
            agents=(agents,) * count,
            contact_types=(ContactType("all", 1.0, Distribution.exponential(aht_s)),),
            patience=patience,
            answer_within_s=answer_within_s,
            warmup_s=warmup_s,
        )

    @property
    def intervals(self) -> int:
        """Number of planning intervals."""
        return len(self.arrival_rates)

    @property
    def horizon_s(self) -> float:
        """Measured horizon, seconds (intervals × interval length)."""
        return self.interval_s * len(self.arrival_rates)

    def with_agents(self, agents: Sequence[int]) -> DeskSpec:
        """Return a copy with another staffing (same arrivals: common random numbers)."""
        return replace(self, agents=tuple(agents))


@dataclass(frozen=True, slots=True)
class Contacts:
    """The pre-drawn callers of one replication (times in seconds from the first interval).

    Attributes
    ----------
    arrival : numpy.ndarray
        Arrival times, sorted, in ``[-warmup_s, horizon_s)``.
    kind : numpy.ndarray
        Index into ``DeskSpec.contact_types``.
    handling : numpy.ndarray
        Handling times, seconds.
    patience : numpy.ndarray
        Patience, seconds (``inf`` when nobody abandons).
    """

    arrival: np.ndarray
    kind: np.ndarray
    handling: np.ndarray
    patience: np.ndarray

    def __len__(self) -> int:
        return int(self.arrival.shape[0])


def _poisson_times(
    rng: np.random.Generator, segments: Sequence[tuple[float, float, float]]
) -> np.ndarray:
    """Piecewise-constant Poisson process: ``(start, end, rate_per_s)`` segments."""
    parts: list[np.ndarray] = []
    for start, end, rate in segments:
        count = int(rng.poisson(rate * (end - start))) if rate > 0 else 0
        parts.append(np.sort(rng.uniform(start, end, count)))
    return np.concatenate(parts) if parts else np.empty(0)


def _mixed_kinds(
    spec: DeskSpec,
    mix: tuple[tuple[float, ...], ...],
    arrival: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Contact types drawn with each interval's own shares (the warm-up uses the first row)."""
    index = np.clip((arrival // spec.interval_s).astype(np.int64), 0, spec.intervals - 1)
    kind = np.zeros(arrival.shape[0], dtype=np.int64)
    uniform: np.ndarray = rng.random(int(arrival.shape[0]))
    last = len(spec.contact_types) - 1
    for i in np.unique(index).tolist():
        row: np.ndarray = np.cumsum(np.asarray(mix[i], dtype=float))
        at = index == i
        found = row.searchsorted(uniform[at] * row[-1], side="right")
        kind[at] = np.minimum(found, last)
    return kind


def draw_contacts(spec: DeskSpec, streams: Streams) -> Contacts:
    """Draw every caller of one replication from its own streams.

    Parameters
    ----------
    spec : DeskSpec
        The desk.
    streams : Streams
        The replication's streams.

    Examples
    --------
    >>> spec = DeskSpec.stationary(200.0, aht_s=180.0, agents=14, hours=1.0, warmup_s=0.0)
    >>> c = draw_contacts(spec, Streams(3))
    >>> len(c) > 0 and bool((np.diff(c.arrival) >= 0).all())
    True
    """
    segments: list[tuple[float, float, float]] = []
    if spec.warmup_s > 0:
        segments.append((-spec.warmup_s, 0.0, spec.arrival_rates[0] / 3600.0))
    for i, rate in enumerate(spec.arrival_rates):
        segments.append((i * spec.interval_s, (i + 1) * spec.interval_s, rate / 3600.0))
    arrival = _poisson_times(streams.generator("arrivals"), segments)
    n = arrival.shape[0]
    types = spec.contact_types
    kind: np.ndarray
    if len(types) == 1:
        kind = np.zeros(n, dtype=np.int64)
    elif spec.mix is None:
        shares = np.array([t.share for t in types])
        rng = streams.generator("contact_type")
        kind = np.asarray(rng.choice(len(types), size=n, p=shares / shares.sum()), dtype=np.int64)
    else:
        kind = _mixed_kinds(spec, spec.mix, arrival, streams.generator("contact_type"))
    handling = np.empty(n)
    for k, ctype in enumerate(types):
        mask = kind == k
        handling[mask] = ctype.handling.sample(
            streams.generator(f"handling:{ctype.name}"), int(mask.sum())
        )
    if spec.patience is None:
        patience = np.full(n, math.inf)
    else:
        patience = spec.patience.sample(streams.generator("patience"), n)
    return Contacts(arrival=arrival, kind=kind, handling=handling, patience=patience)


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
    """

    def __init__(self, env: simpy.Environment, spec: DeskSpec, contacts: Contacts) -> None:
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
        self._idle = 0
        self._busy = 0
        self._target = 0
        self._next = 0
        m = spec.intervals
        self._offered = [0] * m
        self._answered = [0] * m
        self._within = [0] * m
        self._abandoned = [0] * m
        self._delayed = [0] * m
        self._wait = [0.0] * m
        self._busy_s = [0.0] * m

    # -- set-up ---------------------------------------------------------------------------
    def start(self) -> None:
        """Schedule the first arrival and every shift change."""
        self._set_target(self.spec.agents[0])
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
        self._set_target(self.spec.agents[cast(int, event.value)])

    def _set_target(self, target: int) -> None:
        self._target = target
        present = self._idle + self._busy
        if present < target:
            self._idle += target - present
            self._serve_queue()
        elif present > target:
            self._idle -= min(self._idle, present - target)

    # -- contacts -------------------------------------------------------------------------
    def _arrive(self, event: simpy.Event) -> None:
        n = cast(int, event.value)
        self._schedule_next_arrival()
        i = self._slot[n]
        if i >= 0:
            self._offered[i] += 1
        if self._idle > 0:
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

    def _serve_queue(self) -> None:
        queue = self._queue
        while self._idle > 0 and self._waiting > 0:
            n = queue.popleft()
            if self._state[n] == _WAITING:
                self._waiting -= 1
                self._start_service(n)

    def _start_service(self, n: int) -> None:
        now = self.env.now
        self._state[n] = _SERVED
        self._idle -= 1
        self._busy += 1
        i = self._slot[n]
        if i >= 0:
            wait = now - self._arrival[n]
            self._answered[i] += 1
            self._wait[i] += wait
            if wait <= self.spec.answer_within_s:
                self._within[i] += 1
        handling = self.on_answered(n, now)
        self._add_busy(now, now + handling)
        ev = self.env.timeout(handling, n)
        ev.callbacks.append(self._done)

    def _add_busy(self, start: float, end: float) -> None:
        width = self.spec.interval_s
        rel_start = max(start - self.offset_s, 0.0)
        rel_end = min(end - self.offset_s, self.spec.horizon_s)
        i = int(rel_start // width)
        while rel_start < rel_end:
            stop = min(rel_end, (i + 1) * width)
            self._busy_s[i] += stop - rel_start
            rel_start = stop
            i += 1

    def _done(self, event: simpy.Event) -> None:
        self._busy -= 1
        self.on_handled(cast(int, event.value), self.env.now)
        if self._idle + self._busy + 1 > self._target:
            return  # the agent's shift is over: they go home after this contact
        self._idle += 1
        self._serve_queue()

    # -- hooks ----------------------------------------------------------------------------
    def on_answered(self, n: int, now: float) -> float:
        """Contact ``n`` is answered at internal time ``now``; return its handling time."""
        handling: float = self._handling[n]
        return handling

    def on_handled(self, n: int, now: float) -> None:
        """Contact ``n`` has been handled (the agent is released right after)."""

    # -- results --------------------------------------------------------------------------
    def result(self, *, extra: dict[str, float] | None = None) -> DeskRun:
        """Return the KPIs collected so far."""
        spec = self.spec
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
            extra=dict(extra or {}),
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
    contacts = draw_contacts(spec, Streams(seed, replication=replication))
    env = simpy.Environment()
    desk = model(env, spec, contacts)
    desk.start()
    env.run()
    return desk.result()
