"""Dispatch benchmarks: online latency vs fleet size, batch min-cost flow vs SciPy.

Fixed seeds. Run with ``make bench`` (or ``python -m pytest benchmarks/test_bench_dispatch.py
--benchmark-enable -s`` to see the p50/p99 lines). Figures are machine-dependent; ratios in
the same run are the claim.
"""

from __future__ import annotations

import gc
import time
from datetime import UTC, datetime
from functools import cache

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment

from dispatch_core.dispatch import OnlineDispatcher, assign_unit
from dispatch_core.model import Skill, SkillRequirement, StaffMember, Ticket
from dispatch_core.site import SiteGraph

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
SKILLS = ("plumbing", "electrical", "hvac", "elevator", "locksmith", "cleaning")
SITE = SiteGraph.grid(20, 25, seed=42)  # 500 nodes


@cache
def fleet(n: int) -> OnlineDispatcher:
    rng = np.random.default_rng(n)
    d = OnlineDispatcher(SITE)
    for i in range(n):
        names = rng.choice(SKILLS, size=int(rng.integers(1, 4)), replace=False)
        member = StaffMember(
            id=f"s{i:05d}",
            home=SITE.nodes[int(rng.integers(len(SITE)))],
            properties={"P1"},
            capacity=3,
            skills=tuple(Skill(name=str(s), level=int(rng.integers(1, 6))) for s in names),
        )
        d.upsert(member)
        d.set_load(member.id, int(rng.integers(0, 3)))
    return d


def tickets(count: int, seed: int) -> list[Ticket]:
    rng = np.random.default_rng(seed)
    return [
        Ticket(
            id=f"T{j}",
            property_id="P1",
            category="repair",
            location=SITE.nodes[int(rng.integers(len(SITE)))],
            required_skills=[
                SkillRequirement(skill=str(rng.choice(SKILLS)), min_level=int(rng.integers(1, 4)))
            ],
            opened_at=AT,
        )
        for j in range(count)
    ]


TICKETS = tickets(2000, seed=7)


def latencies(n: int, reps: int = 5) -> tuple[float, float]:
    """(p50, p99) in ms over 2,000 decisions; best of ``reps`` runs, GC paused while timing.

    The machine is shared and noisy: a single run's p99 is dominated by preemption, so each
    percentile is the minimum over the repetitions.
    """
    d = fleet(n)
    for t in TICKETS[:200]:  # warm-up
        d.choose(t, at=AT)
    p50s, p99s = [], []
    for _ in range(reps):
        samples = []
        gc.disable()
        try:
            for t in TICKETS:
                start = time.perf_counter_ns()
                d.choose(t, at=AT)
                samples.append(time.perf_counter_ns() - start)
        finally:
            gc.enable()
        p50, p99 = np.percentile(samples, [50, 99]) / 1e6
        p50s.append(float(p50))
        p99s.append(float(p99))
    return min(p50s), min(p99s)


@pytest.mark.parametrize("n", [100, 1_000, 10_000])
def test_online_choose_latency(benchmark, n: int) -> None:  # type: ignore[no-untyped-def]
    d = fleet(n)
    it = iter(TICKETS * 1000)
    benchmark(lambda: d.choose(next(it), at=AT))
    p50, p99 = latencies(n)
    benchmark.extra_info.update({"p50_ms": p50, "p99_ms": p99})
    print(f"\nonline n={n}: p50 {p50:.3f} ms, p99 {p99:.3f} ms")


def test_online_scaling_ratio(benchmark) -> None:  # type: ignore[no-untyped-def]
    small = benchmark.pedantic(latencies, args=(100,), rounds=1, iterations=1)
    large = latencies(10_000)
    ratio = large[1] / small[1]
    benchmark.extra_info.update({"p99_100_ms": small[1], "p99_10000_ms": large[1], "ratio": ratio})
    print(f"\np99(10,000)/p99(100) = {ratio:.2f} (p99 {large[1]:.3f} ms vs {small[1]:.3f} ms)")


def batch_instance(seed: int = 5, tickets_n: int = 1000, staff_n: int = 100, k: int = 20):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    costs = {}
    for j in range(tickets_n):
        staff = rng.choice(staff_n, size=k, replace=False)
        costs[f"t{j:04d}"] = {f"s{int(s):03d}": int(rng.integers(1, 1000)) for s in staff}
    caps = {f"s{i:03d}": 12 for i in range(staff_n)}
    return costs, caps


def scipy_baseline(costs, caps):  # type: ignore[no-untyped-def]
    """Same instance for SciPy: each technician expanded into ``cap`` unit columns."""
    staff = sorted(caps)
    cols = [s for s in staff for _ in range(caps[s])]
    big = 10**6
    matrix = np.full((len(costs), len(cols)), big, dtype=np.int64)
    col_of = {}
    for c, s in enumerate(cols):
        col_of.setdefault(s, []).append(c)
    for r, t in enumerate(sorted(costs)):
        for s, c in costs[t].items():
            matrix[r, col_of[s]] = c
    rows, picked = linear_sum_assignment(matrix)
    return int(matrix[rows, picked].sum())


def test_batch_unit_min_cost_flow(benchmark) -> None:  # type: ignore[no-untyped-def]
    costs, caps = batch_instance()
    plan = benchmark(assign_unit, costs, caps)
    assert not plan.unserved
    assert plan.cost == scipy_baseline(costs, caps)


def test_batch_scipy_baseline(benchmark) -> None:  # type: ignore[no-untyped-def]
    costs, caps = batch_instance()
    benchmark(scipy_baseline, costs, caps)
