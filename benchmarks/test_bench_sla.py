"""Benchmarks: business-calendar arithmetic and SLA clock arming (fixed inputs, no randomness).

Each figure is reported with a ratio against a baseline measured in the same run
(``extra_info["speedup_vs_*"]``), since the machine is shared and noisy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dispatch_core.calendar import BusinessCalendar
from dispatch_core.model import SlaMetric, Ticket
from dispatch_core.sla import SlaPolicy, SlaTracker
from dispatch_core.timers import HeapTimers, Timers, TimerWheel

SH = ZoneInfo("Asia/Shanghai")
WINDOWS = {d: [("09:00", "12:00"), ("13:00", "18:00")] for d in range(5)}
# A month of holidays: every day of February 2026.
FEBRUARY = [date(2026, 2, 1) + timedelta(days=i) for i in range(28)]
CAL = BusinessCalendar(WINDOWS, tz="Asia/Shanghai", holidays=FEBRUARY)
START = datetime(2026, 1, 29, 10, 0, tzinfo=SH)  # Thursday before the month off
TARGET = timedelta(hours=72)
CLOCKS = 100_000


def naive_add(start: datetime, duration: timedelta) -> datetime:
    """Baseline: step minute by minute, testing each minute against the windows."""
    holidays = set(FEBRUARY)
    t = start.astimezone(SH)
    left = int(duration.total_seconds() // 60)
    while left:
        minute = t.hour * 60 + t.minute
        if (
            t.weekday() < 5
            and t.date() not in holidays
            and (9 * 60 <= minute < 12 * 60 or 13 * 60 <= minute < 18 * 60)
        ):
            left -= 1
        t = (t.astimezone(UTC) + timedelta(minutes=1)).astimezone(SH)
    return t


def naive_between(start: datetime, end: datetime) -> timedelta:
    holidays = set(FEBRUARY)
    t, minutes = start.astimezone(SH), 0
    while t < end:
        minute = t.hour * 60 + t.minute
        if (
            t.weekday() < 5
            and t.date() not in holidays
            and (9 * 60 <= minute < 12 * 60 or 13 * 60 <= minute < 18 * 60)
        ):
            minutes += 1
        t = (t.astimezone(UTC) + timedelta(minutes=1)).astimezone(SH)
    return timedelta(minutes=minutes)


def _mean_seconds(fn: Callable[[], Any], repeat: int) -> float:
    best = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best.append(time.perf_counter() - t0)
    return sum(best) / len(best)


def _ratio(benchmark: Any, baseline_s: float, name: str) -> None:
    stats = getattr(benchmark, "stats", None)
    if stats is not None:  # None when run with --benchmark-disable
        benchmark.extra_info[f"baseline_{name}_s"] = baseline_s
        benchmark.extra_info[f"speedup_vs_{name}"] = baseline_s / stats.stats.mean


def test_bench_add_72h_across_a_month_of_holidays(benchmark: Any) -> None:
    due = CAL.add(START, TARGET)  # also warms the per-year cache
    assert due == naive_add(START, TARGET) == datetime(2026, 3, 11, 10, 0, tzinfo=SH)
    baseline = _mean_seconds(lambda: naive_add(START, TARGET), repeat=3)
    assert benchmark(CAL.add, START, TARGET) == due
    _ratio(benchmark, baseline, "minute_stepping")


def test_bench_between_across_a_month_of_holidays(benchmark: Any) -> None:
    end = datetime(2026, 3, 11, 10, 0, tzinfo=SH)
    assert CAL.between(START, end) == naive_between(START, end) == TARGET
    baseline = _mean_seconds(lambda: naive_between(START, end), repeat=3)
    assert benchmark(CAL.between, START, end) == TARGET
    _ratio(benchmark, baseline, "minute_stepping")


def test_bench_cold_calendar_year_build(benchmark: Any) -> None:
    """Cost of the first use of a year (built once per calendar and year, then cached)."""

    def cold() -> datetime:
        return BusinessCalendar(WINDOWS, tz="Asia/Shanghai", holidays=FEBRUARY).add(START, TARGET)

    benchmark(cold)


def _arm_and_cancel(policy: SlaPolicy) -> int:
    tracker = SlaTracker(policy)
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for i in range(CLOCKS):
        tracker.start(f"T{i}", SlaMetric.ON_SITE, at=t0, category="repair")
    tracker.next_deadline()  # hands the queued arms to the store: measure its traffic
    assert tracker.timers is not None
    armed = len(tracker.timers)
    for i in range(CLOCKS):
        tracker.cancel_ticket(f"T{i}")
    return armed


def _heap_only() -> int:
    timers = HeapTimers()
    handles = [timers.schedule(1_772_442_000.0 + i % 3600, i) for i in range(CLOCKS)]
    armed = len(timers)
    for h in handles:
        timers.cancel(h)
    return armed


def test_bench_arm_and_cancel_1e5_ticket_clocks(benchmark: Any) -> None:
    policy = SlaPolicy.default()
    baseline = _mean_seconds(_heap_only, repeat=3)
    armed = benchmark.pedantic(_arm_and_cancel, args=(policy,), rounds=3, iterations=1)
    assert armed == CLOCKS
    _ratio(benchmark, baseline, "bare_heap_store")


DAY_TICKETS = 20_000
#: When each repair clock is stopped, after its ticket opens: all before their first
#: threshold (first response 11 min 15 s, on site 45 min, feedback 18 h), as on a good day.
IN_TIME = (
    (SlaMetric.FIRST_RESPONSE, timedelta(minutes=5)),
    (SlaMetric.ON_SITE, timedelta(minutes=30)),
    (SlaMetric.FEEDBACK, timedelta(hours=2)),
)


def _a_day_of_ticket_clocks(policy: SlaPolicy, timers: Timers[Any] | None) -> int:
    """A day of repair tickets (one every 4.32 s), each clock stopped in time.

    The tracker is advanced as each ticket opens; every clock is armed and later cancelled,
    none fires. Returns the number of timers in the store at the busiest point.
    """
    tracker = SlaTracker(policy, timers=timers)
    t0 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    step = timedelta(seconds=86_400 / DAY_TICKETS)
    lags = [(metric, int(after / step)) for metric, after in IN_TIME]
    busiest = 0
    for i in range(DAY_TICKETS + lags[-1][1] + 1):
        now = t0 + i * step
        assert not tracker.advance(now)
        if i < DAY_TICKETS:
            ticket = Ticket(
                id=f"T{i}",
                property_id="P1",
                category="repair",
                priority="normal",
                location="B1",
                opened_at=now,
            )
            tracker.start_ticket(ticket, at=now)
        for metric, lag in lags:
            if 0 <= i - lag < DAY_TICKETS:
                tracker.stop(f"T{i - lag}", metric, at=now)
        if i % 1000 == 0:
            tracker.next_deadline()  # hands the queued arms to the store
            busiest = max(busiest, len(tracker.timers or ()))
    return busiest


def test_bench_a_day_of_ticket_clocks_on_the_own_wheel(benchmark: Any) -> None:
    """The tracker's own wheel starts at its first instant, so live deadlines sit in its levels.

    Baseline, measured in the same run: a wheel started at 0 (the default before). The
    tracker advances its store only when something is due, so with every ticket handled in
    time that wheel's cursor stays at 0, and every deadline (≈ 1.8e9 s ahead of it) goes to
    its overflow heap: O(log n) pushes and lazily deleted cancels instead of slot sets.
    """
    policy = SlaPolicy.default()
    at_zero = _a_day_of_ticket_clocks(policy, TimerWheel(tick=1.0, start=0.0))
    baseline = _mean_seconds(lambda: _a_day_of_ticket_clocks(policy, TimerWheel()), repeat=3)
    busiest = benchmark.pedantic(
        _a_day_of_ticket_clocks, args=(policy, None), rounds=3, iterations=1
    )
    assert busiest == at_zero > 1000  # the same timers: only the store's layout differs
    _ratio(benchmark, baseline, "wheel_started_at_0")
