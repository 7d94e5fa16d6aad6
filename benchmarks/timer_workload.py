"""Seeded SLA timer workload shared by ``test_bench_timers.py`` and ``run_timers.py``.

Tickets arrive as a Poisson process. Each ticket arms 2-3 SLA deadlines (3 min .. 14 days,
after the seed targets in DESIGN.md); 90 % of deadlines are cancelled before they fire, at a
uniformly random point of their horizon (the ticket was answered or resolved in time). The
timer set starts in steady state (``n_live`` pending timers, built from the same process run
over the past 14 days) and is then driven over a window of ``window_s`` seconds either by 1 s
real-time ticks or by event-driven jumps to ``next_deadline()``.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# (ticket kind, share of arrivals, deadline horizons in seconds)
TICKET_KINDS: tuple[tuple[str, float, tuple[float, ...]], ...] = (
    ("inquiry", 0.35, (180.0, 86_400.0)),  # answered in 3 min, closed in 24 h
    ("repair", 0.30, (900.0, 3_600.0, 86_400.0)),  # respond 15 min, on site 1 h, feedback 24 h
    ("complaint", 0.10, (900.0, 172_800.0)),  # respond 15 min, solution in 48 h
    ("emergency", 0.05, (900.0, 7_200.0, 86_400.0)),  # respond, on site in 2 h, close 24 h
    ("value_added", 0.20, (900.0, 1_209_600.0)),  # respond, deliver within 14 days
)
CANCEL_FRACTION = 0.9


def _mean_live_seconds_per_ticket() -> float:
    # A cancelled timer lives U*h (mean h/2), a fired one h.
    life = CANCEL_FRACTION * 0.5 + (1.0 - CANCEL_FRACTION)
    return sum(w * sum(h * life for h in hs) for _, w, hs in TICKET_KINDS)


@dataclass
class Workload:
    """Pre-generated operations; keys index ``handles`` in the replay."""

    n_live: int
    window_s: int
    seed: int
    prefill_at: list[float]  # key i (i < len(prefill_at)) is scheduled at time 0 for this deadline
    ops: list[tuple[float, int, float | None]]  # (time, key, at) ; at None means cancel
    n_keys: int
    ops_by_second: list[list[tuple[int, float | None]]] = field(default_factory=list)

    @property
    def n_schedule(self) -> int:
        return sum(1 for op in self.ops if op[2] is not None)

    @property
    def n_cancel(self) -> int:
        return sum(1 for op in self.ops if op[2] is None)


def make_workload(n_live: int, *, window_s: int = 4 * 3600, seed: int = 0) -> Workload:
    """Build the seeded workload with about ``n_live`` pending timers at time 0."""
    rng = np.random.default_rng(seed)
    rate = n_live / _mean_live_seconds_per_ticket()  # tickets per second (Little's law)
    pre_arrival: list[np.ndarray] = []
    pre_deadline: list[np.ndarray] = []
    pre_cancel: list[np.ndarray] = []
    # Steady state at time 0: each deadline class as its own Poisson stream over [-h, 0).
    for _, share, horizons in TICKET_KINDS:
        for h in horizons:
            count = rng.poisson(rate * share * h)
            arrival = rng.uniform(-h, 0.0, count)
            cancel = np.where(
                rng.random(count) < CANCEL_FRACTION, arrival + rng.random(count) * h, np.inf
            )
            live = cancel > 0.0
            pre_arrival.append(arrival[live])
            pre_deadline.append(arrival[live] + h)
            pre_cancel.append(cancel[live])
    arrival = np.concatenate(pre_arrival)
    order = np.argsort(arrival, kind="stable")
    prefill_at = np.concatenate(pre_deadline)[order]
    prefill_cancel = np.concatenate(pre_cancel)[order]
    n_pre = len(prefill_at)
    ops: list[tuple[float, int, float | None]] = [
        (float(c), i, None) for i, c in enumerate(prefill_cancel.tolist()) if c <= window_s
    ]
    # New tickets during the window.
    n_tickets = rng.poisson(rate * window_s)
    t_arr = np.sort(rng.uniform(0.0, window_s, n_tickets))
    kinds = rng.choice(
        len(TICKET_KINDS), size=n_tickets, p=[w for _, w, _ in TICKET_KINDS]
    ).tolist()
    key = n_pre
    u_cancel = rng.random(n_tickets * 3).tolist()
    u_frac = rng.random(n_tickets * 3).tolist()
    j = 0
    for t, kind in zip(t_arr.tolist(), kinds, strict=True):
        for h in TICKET_KINDS[kind][2]:
            ops.append((t, key, t + h))
            if u_cancel[j] < CANCEL_FRACTION:
                c = t + u_frac[j] * h
                if c <= window_s:
                    ops.append((c, key, None))
            key += 1
            j += 1
    ops.sort(key=lambda op: (op[0], op[2] is None, op[1]))
    by_second: list[list[tuple[int, float | None]]] = [[] for _ in range(window_s + 1)]
    for t, k, at in ops:
        by_second[min(window_s, max(1, int(np.ceil(t))))].append((k, at))
    return Workload(
        n_live=n_pre,
        window_s=window_s,
        seed=seed,
        prefill_at=prefill_at.tolist(),
        ops=ops,
        n_keys=key,
        ops_by_second=by_second,
    )


def prefill(make: Callable[[], Any], wl: Workload) -> tuple[Any, list[Any]]:
    """A fresh timer set holding the steady-state timers, and the key -> handle table."""
    timers = make()
    schedule = timers.schedule
    handles: list[Any] = [schedule(at, i) for i, at in enumerate(wl.prefill_at)]
    handles.extend([None] * (wl.n_keys - len(handles)))
    return timers, handles


def replay_ticks(timers: Any, handles: list[Any], wl: Workload) -> tuple[int, list[int]]:
    """1 s real-time ticking: apply each second's operations, then ``advance`` to it."""
    schedule = timers.schedule
    cancel = timers.cancel
    advance = timers.advance
    clock = time.perf_counter_ns
    latencies: list[int] = []
    fired_total = 0
    for second in range(1, wl.window_s + 1):
        for key, at in wl.ops_by_second[second]:
            if at is None:
                cancel(handles[key])
                handles[key] = None
            else:
                handles[key] = schedule(at, key)
        t0 = clock()
        fired = advance(float(second))
        latencies.append(clock() - t0)
        fired_total += len(fired)
        for key in fired:
            handles[key] = None
    return fired_total, latencies


def replay_events(timers: Any, handles: list[Any], wl: Workload) -> tuple[int, list[int]]:
    """Event-driven: before each operation, jump to every deadline that precedes it."""
    schedule = timers.schedule
    cancel = timers.cancel
    advance = timers.advance
    next_deadline = timers.next_deadline
    clock = time.perf_counter_ns
    latencies: list[int] = []
    fired_total = 0
    for t, key, at in wl.ops:
        while True:
            due = next_deadline()
            if due is None or due > t:
                break
            t0 = clock()
            fired = advance(due)
            latencies.append(clock() - t0)
            fired_total += len(fired)
            for k in fired:
                handles[k] = None
        if at is None:
            cancel(handles[key])
            handles[key] = None
        else:
            handles[key] = schedule(at, key)
    return fired_total, latencies


REPLAYS = {"ticks": replay_ticks, "events": replay_events}


def measure(
    make: Callable[[], Any], wl: Workload, mode: str, *, memory: bool = False
) -> dict[str, Any]:
    """Prefill, replay once, and report throughput, p99 advance latency and (optionally) memory."""
    replay = REPLAYS[mode]
    gc.collect()
    if memory:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
    t0 = time.perf_counter()
    timers, handles = prefill(make, wl)
    t1 = time.perf_counter()
    fired, latencies = replay(timers, handles, wl)
    t2 = time.perf_counter()
    result: dict[str, Any] = {}
    if memory:
        result["peak_mib"] = (tracemalloc.get_traced_memory()[1] - base) / 2**20
        tracemalloc.stop()
    ops = wl.n_schedule + wl.n_cancel + len(latencies)
    latencies.sort()
    result.update(
        prefill_s=t1 - t0,
        replay_s=t2 - t1,
        ops=ops,
        ops_per_s=ops / (t2 - t1),
        fired=fired,
        advances=len(latencies),
        p99_advance_us=latencies[int(0.99 * (len(latencies) - 1))] / 1000 if latencies else 0.0,
        max_advance_us=latencies[-1] / 1000 if latencies else 0.0,
        pending_end=len(timers),
    )
    del timers, handles
    return result
