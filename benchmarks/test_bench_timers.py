"""pytest-benchmark: TimerWheel vs the compacting heapq baseline on the seeded SLA workload.

Each benchmark replays the same pre-generated window (prefill is in the untimed setup).
The 10^6-live-timer cases use a single pedantic round: one replay takes seconds.
``benchmarks/run_timers.py`` prints the same figures (and memory) as JSON.
"""

from __future__ import annotations

import importlib.util
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from dispatch_core.timers import HeapTimers, TimerWheel

IMPLS = {"heap": HeapTimers, "wheel": TimerWheel}


def _load_workload_module() -> ModuleType:
    path = Path(__file__).with_name("timer_workload.py")
    spec = importlib.util.spec_from_file_location("timer_workload", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("timer_workload", module)
    spec.loader.exec_module(module)
    return module


tw = _load_workload_module()


@cache
def workload(live: int) -> Any:
    return tw.make_workload(live, window_s=4 * 3600, seed=1)


@pytest.mark.parametrize("impl", ["heap", "wheel"])
@pytest.mark.parametrize("mode", ["ticks", "events"])
@pytest.mark.parametrize(
    ("live", "rounds"),
    [(100_000, 5), (300_000, 3), pytest.param(1_000_000, 1, marks=pytest.mark.slow)],
)
def test_sla_workload(benchmark: Any, impl: str, mode: str, live: int, rounds: int) -> None:
    wl = workload(live)
    replay = tw.REPLAYS[mode]
    results: list[tuple[int, list[int]]] = []

    def setup() -> tuple[tuple[Any, ...], dict[str, Any]]:
        timers, handles = tw.prefill(IMPLS[impl], wl)
        return (timers, handles, wl), {}

    def run(timers: Any, handles: list[Any], wl: Any) -> None:
        results.append(replay(timers, handles, wl))

    benchmark.group = f"timers-{mode}-{live}"
    benchmark.pedantic(run, setup=setup, rounds=rounds, iterations=1)
    fired, latencies = results[-1]
    latencies.sort()
    ops = wl.n_schedule + wl.n_cancel + len(latencies)
    benchmark.extra_info.update(
        live=wl.n_live,
        ops=ops,
        fired=fired,
        p99_advance_us=latencies[int(0.99 * (len(latencies) - 1))] / 1000,
    )
    assert fired > 0


@pytest.mark.parametrize(
    "live", [100_000, 300_000, pytest.param(1_000_000, marks=pytest.mark.slow)]
)
def test_wheel_over_heap_ratio(benchmark: Any, live: int) -> None:
    """Both implementations in the same test, interleaved; the ratios go to extra_info.

    Throughput: wheel over heap (above 1: the wheel is faster). p99 ``advance``: wheel over
    heap (below 1: the wheel's tail is shorter), the median of three interleaved runs.
    """
    wl = workload(live)
    ratios: dict[str, float] = {}

    def compare() -> None:
        for mode in ("ticks", "events"):
            runs = [(tw.measure(HeapTimers, wl, mode), tw.measure(TimerWheel, wl, mode))]
            runs += [(tw.measure(HeapTimers, wl, mode), tw.measure(TimerWheel, wl, mode))]
            runs += [(tw.measure(HeapTimers, wl, mode), tw.measure(TimerWheel, wl, mode))]
            assert all(heap["fired"] == wheel["fired"] for heap, wheel in runs)
            heap_s = min(heap["replay_s"] for heap, _ in runs)
            wheel_s = min(wheel["replay_s"] for _, wheel in runs)
            ratios[f"throughput_{mode}"] = heap_s / wheel_s
            p99 = sorted(wheel["p99_advance_us"] / heap["p99_advance_us"] for heap, wheel in runs)
            ratios[f"p99_advance_{mode}"] = p99[1]

    benchmark.group = f"timers-ratio-{live}"
    benchmark.pedantic(compare, rounds=1, iterations=1)
    benchmark.extra_info.update({name: round(r, 2) for name, r in ratios.items()})
    print(f"wheel/heap at {live} live timers: {ratios}")
