"""The simulated planner's unit of work: one day searched, verified and (optionally) re-checked.

``plan --simulate --quick`` runs eight of these (default estate, 30-minute intervals, 10
replications per staffing level) spread over a process pool, beside the field searches. The
benchmark times the default Monday inline with fixed seeds and records how many staffing
levels and desk-days it took (`make bench`; once as a smoke test under `make test`).
"""

from __future__ import annotations

from dispatch_core.planning.scenario import default_scenario
from dispatch_core.sim.desk.day import simulate_day


def _monday() -> int:
    day = simulate_day(default_scenario(), "mon", interval_minutes=30, replications=10, seed=0)
    return day.replications_run


def test_bench_simulated_day(benchmark) -> None:  # type: ignore[no-untyped-def]
    runs = benchmark.pedantic(_monday, rounds=1, iterations=1)
    benchmark.extra_info.update({"desk_days": runs})
    assert runs > 0
