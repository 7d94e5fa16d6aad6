"""The pre-drawn callers of one replication (common random numbers).

Examples
--------
>>> from dispatch_core.sim.desk.spec import DeskSpec
>>> spec = DeskSpec.stationary(200.0, aht_s=180.0, agents=14, hours=1.0, warmup_s=0.0)
>>> len(drawn(spec, seed=3, replication=0)) == len(draw_contacts(spec, Streams(3)))
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from dispatch_core.sim.desk.spec import DeskSpec
from dispatch_core.sim.streams import Streams

__all__ = ["Contacts", "draw_contacts", "drawn"]


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
class _DrawKey:
    """A spec compared on what :func:`draw_contacts` reads (not the staffing)."""

    spec: DeskSpec

    def _demand(self) -> tuple[object, ...]:
        s = self.spec
        return (s.interval_s, s.arrival_rates, s.contact_types, s.patience, s.warmup_s, s.mix)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _DrawKey) and self._demand() == other._demand()

    def __hash__(self) -> int:
        return hash(self._demand())


@lru_cache(maxsize=64)
def _drawn(key: _DrawKey, seed: int, replication: int) -> Contacts:
    """Draw the callers of one replication once per process, shared read-only.

    A staffing search simulates the same replications at every staffing level (common random
    numbers): drawing them once saves the draws, which cost about a fifth of a desk run.
    """
    contacts = draw_contacts(key.spec, Streams(seed, replication=replication))
    for array in (contacts.arrival, contacts.kind, contacts.handling, contacts.patience):
        array.setflags(write=False)
    return contacts


def drawn(spec: DeskSpec, *, seed: int, replication: int) -> Contacts:
    """Return the callers of one replication, drawn once per process (read-only arrays)."""
    return _drawn(_DrawKey(spec), seed, replication)
