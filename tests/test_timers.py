"""TimerWheel against the heapq reference, plus errors and edge cases."""

from __future__ import annotations

import math
import random
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from dispatch_core.errors import ClockError, InvalidInputError
from dispatch_core.timers import HeapTimers, TimerHandle, Timers, TimerWheel

TICKS = st.sampled_from([0.001, 0.25, 1.0, 7.5, 3600.0])
STARTS = st.sampled_from([0.0, -50.0, 12_345.678, 1.7e9])
# Offsets from "now", in ticks: the past, ties on the tick grid, the near heap, each level
# (slots of 128, 128**2 and 128**3 ticks), beyond all levels (the overflow store).
OFFSETS = st.one_of(
    st.floats(min_value=-500.0, max_value=0.0),
    st.integers(min_value=0, max_value=300).map(float),
    st.floats(min_value=0.0, max_value=256.0),
    st.floats(min_value=256.0, max_value=40_000.0),
    st.floats(min_value=40_000.0, max_value=5e6),
    st.floats(min_value=5e6, max_value=3e8),
    st.floats(min_value=3e8, max_value=1e12),
)
JUMPS = st.one_of(
    st.just(0.0),
    st.floats(min_value=0.0, max_value=2.0),
    st.integers(min_value=1, max_value=300).map(float),
    st.floats(min_value=0.0, max_value=40_000.0),
    st.floats(min_value=0.0, max_value=5e6),
    st.floats(min_value=0.0, max_value=3e8),
)


class WheelMatchesHeap(RuleBasedStateMachine):
    """Every operation gives the same answer on the wheel and on the heapq reference.

    This pins the wheel's inlined tick computation in ``_place`` (a wrong tick puts a timer
    in the wrong slot, so it fires at another ``advance`` or is missed by ``next_deadline``)
    and the pacing of its cascades (crowds of timers, then many small advances).
    """

    def __init__(self) -> None:
        super().__init__()
        self.wheel: TimerWheel[int] = TimerWheel()
        self.heap: HeapTimers[int] = HeapTimers()
        self.pairs: list[tuple[TimerHandle[int], TimerHandle[int]]] = []
        self.tick = 1.0

    @initialize(tick=TICKS, start=STARTS)
    def setup(self, tick: float, start: float) -> None:
        self.tick = tick
        self.wheel = TimerWheel(tick, start=start)
        self.heap = HeapTimers(start=start)

    def _at(self, offset: float) -> float:
        return self.wheel.now + offset * self.tick

    @rule(offset=OFFSETS)
    def schedule(self, offset: float) -> None:
        at = self._at(offset)
        payload = len(self.pairs)
        self.pairs.append((self.wheel.schedule(at, payload), self.heap.schedule(at, payload)))

    @rule(
        offset=OFFSETS,
        width=st.sampled_from([1.0, 130.0, 20_000.0, 3e6]),
        count=st.integers(min_value=2, max_value=60),
        seed=st.integers(min_value=0, max_value=2**16),
    )
    def schedule_crowd(self, offset: float, width: float, count: int, seed: int) -> None:
        """Many timers in one slot or a few neighbours: a cascade with work to spread."""
        rng = random.Random(seed)
        for _ in range(count):
            at = self._at(offset + rng.random() * width)
            payload = len(self.pairs)
            pair = (self.wheel.schedule(at, payload), self.heap.schedule(at, payload))
            self.pairs.append(pair)

    @rule(
        steps=st.integers(min_value=1, max_value=40),
        stride=st.sampled_from([0.5, 1.0, 3.0, 50.0, 700.0, 30_000.0]),
    )
    def creep(self, steps: int, stride: float) -> None:
        """Small advances in a row, as a real-time driver makes: the drains' pacing."""
        for _ in range(steps):
            now = self.wheel.now + stride * self.tick
            assert self.wheel.advance(now) == self.heap.advance(now)
            assert len(self.wheel) == len(self.heap)

    @precondition(lambda self: self.pairs)
    @rule(pick=st.integers(min_value=0))
    def schedule_tie(self, pick: int) -> None:
        at = self.pairs[pick % len(self.pairs)][0].at
        payload = len(self.pairs)
        self.pairs.append((self.wheel.schedule(at, payload), self.heap.schedule(at, payload)))

    @precondition(lambda self: self.pairs)
    @rule(pick=st.integers(min_value=0))
    def cancel(self, pick: int) -> None:
        w, h = self.pairs[pick % len(self.pairs)]
        assert self.wheel.cancel(w) == self.heap.cancel(h)
        assert not w.pending

    @precondition(lambda self: self.pairs)
    @rule(pick=st.integers(min_value=0), offset=OFFSETS)
    def reschedule(self, pick: int, offset: float) -> None:
        w, h = self.pairs[pick % len(self.pairs)]
        at = self._at(offset)
        assert self.wheel.reschedule(w, at) == self.heap.reschedule(h, at)
        assert w.pending == h.pending

    @rule(jump=JUMPS)
    def advance(self, jump: float) -> None:
        now = self.wheel.now + jump * self.tick
        fired = self.wheel.advance(now)
        assert fired == self.heap.advance(now)
        assert self.wheel.now == now

    @rule()
    def advance_to_next_deadline(self) -> None:
        due = self.heap.next_deadline()
        if due is not None:
            now = max(due, self.wheel.now)
            assert self.wheel.advance(now) == self.heap.advance(now)

    @invariant()
    def same_state(self) -> None:
        assert len(self.wheel) == len(self.heap)
        assert self.wheel.next_deadline() == self.heap.next_deadline()

    def teardown(self) -> None:
        # Everything left fires, in the same order, when time runs far enough.
        now = self.wheel.now + 1e13 * self.tick
        assert self.wheel.advance(now) == self.heap.advance(now)
        assert len(self.wheel) == 0


WheelMatchesHeap.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestWheelMatchesHeap = WheelMatchesHeap.TestCase


@pytest.mark.parametrize("make", [TimerWheel, HeapTimers])
def test_both_satisfy_the_protocol(make: type[TimerWheel[str]] | type[HeapTimers[str]]) -> None:
    timers: Timers[str] = make()
    handle = timers.schedule(10.0, "x")
    assert timers.next_deadline() == 10.0
    assert timers.reschedule(handle, 5.0)
    assert timers.advance(5.0) == ["x"]
    assert timers.now == 5.0
    assert len(timers) == 0
    assert timers.next_deadline() is None


@given(
    deadlines=st.lists(st.floats(min_value=-1e3, max_value=1e9), max_size=60),
    tick=TICKS,
)
def test_one_big_advance_fires_in_deadline_then_schedule_order(
    deadlines: list[float], tick: float
) -> None:
    wheel: TimerWheel[int] = TimerWheel(tick)
    for i, at in enumerate(deadlines):
        wheel.schedule(at, i)
    fired = wheel.advance(1e9)
    assert fired == sorted(range(len(deadlines)), key=lambda i: (deadlines[i], i))


def test_ties_keep_schedule_order_and_past_deadlines_fire_next() -> None:
    wheel: TimerWheel[str] = TimerWheel(start=100.0)
    wheel.schedule(150.0, "b1")
    wheel.schedule(120.0, "a")
    wheel.schedule(150.0, "b2")
    assert wheel.advance(130.0) == ["a"]
    wheel.schedule(10.0, "late")  # already in the past: fires on the next advance
    assert wheel.advance(130.0) == ["late"]
    assert wheel.advance(150.0) == ["b1", "b2"]


def test_fractional_deadlines_are_exact_within_a_tick() -> None:
    wheel: TimerWheel[str] = TimerWheel(tick=60.0)
    wheel.schedule(10.5, "a")
    wheel.schedule(10.25, "b")
    assert wheel.advance(10.4) == ["b"]
    assert wheel.next_deadline() == 10.5
    assert wheel.advance(10.5) == ["a"]


def test_far_future_timers_are_kept_not_expired() -> None:
    wheel: TimerWheel[str] = TimerWheel(tick=1.0)
    far = 10 * 365 * 86_400.0  # ten years: beyond the ~194-day top level
    handle = wheel.schedule(far, "far")
    wheel.schedule(60.0, "near")
    assert wheel.advance(far - 1.0) == ["near"]
    assert handle.pending
    assert wheel.next_deadline() == far
    assert wheel.advance(far) == ["far"]


def test_long_idle_gap_has_no_per_tick_work() -> None:
    wheel: TimerWheel[int] = TimerWheel(tick=0.001)
    wheel.schedule(1e7, 1)
    # 10^10 empty ticks: this would never finish if empty slots were visited one by one.
    assert wheel.advance(1e7 - 1.0) == []
    assert wheel.advance(1e7) == [1]


def test_cancel_and_reschedule_after_fire_or_cancel_return_false() -> None:
    wheel: TimerWheel[str] = TimerWheel()
    a = wheel.schedule(1.0, "a")
    b = wheel.schedule(2.0, "b")
    assert wheel.cancel(b)
    assert not wheel.cancel(b)
    assert not wheel.reschedule(b, 3.0)
    assert wheel.advance(5.0) == ["a"]
    assert not wheel.cancel(a)
    assert not wheel.reschedule(a, 9.0)
    assert (a.pending, b.pending) == (False, False)
    assert len(wheel) == 0


@pytest.mark.parametrize("make", [TimerWheel, HeapTimers])
def test_advance_backwards_is_a_clock_error(
    make: type[TimerWheel[str]] | type[HeapTimers[str]],
) -> None:
    timers = make()
    timers.advance(50.0)
    with pytest.raises(ClockError) as info:
        timers.advance(49.0)
    assert info.value.field == "now"
    assert info.value.value == 49.0
    assert timers.now == 50.0


@pytest.mark.parametrize("make", [TimerWheel, HeapTimers])
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "soon", None, 10**400])
def test_bad_deadlines_are_rejected(
    make: type[TimerWheel[str]] | type[HeapTimers[str]], bad: object
) -> None:
    timers = make()
    with pytest.raises(InvalidInputError) as info:
        timers.schedule(bad, "x")  # type: ignore[arg-type]
    assert info.value.field == "at"
    assert len(timers) == 0
    handle = timers.schedule(1.0, "x")
    with pytest.raises(InvalidInputError) as info:
        timers.reschedule(handle, bad)  # type: ignore[arg-type]
    assert info.value.field == "at"
    assert handle.at == 1.0
    assert timers.advance(1.0) == ["x"]


@pytest.mark.parametrize("make", [TimerWheel, HeapTimers])
@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_bad_now_is_rejected(
    make: type[TimerWheel[str]] | type[HeapTimers[str]], bad: float
) -> None:
    timers = make()
    with pytest.raises(InvalidInputError) as info:
        timers.advance(bad)
    assert info.value.field == "now"


@pytest.mark.parametrize("bad", [0.0, -1.0, math.nan, math.inf, "1s"])
def test_bad_tick_is_rejected(bad: object) -> None:
    with pytest.raises(InvalidInputError) as info:
        TimerWheel(bad)  # type: ignore[arg-type]
    assert info.value.field == "tick"


def test_bad_start_is_rejected() -> None:
    with pytest.raises(InvalidInputError) as info:
        TimerWheel(start=math.nan)
    assert info.value.field == "start"
    with pytest.raises(InvalidInputError) as info:
        HeapTimers(start=math.inf)
    assert info.value.field == "start"


@pytest.mark.parametrize("make", [TimerWheel, HeapTimers])
def test_foreign_handles_are_rejected(
    make: type[TimerWheel[str]] | type[HeapTimers[str]],
) -> None:
    mine, other = make(), make()
    handle = other.schedule(1.0, "x")
    with pytest.raises(InvalidInputError) as info:
        mine.cancel(handle)
    assert info.value.field == "handle"
    with pytest.raises(InvalidInputError):
        mine.reschedule(handle, 2.0)
    with pytest.raises(InvalidInputError):
        mine.cancel("not a handle")  # type: ignore[arg-type]
    assert handle.pending
    assert len(other) == 1


@pytest.mark.parametrize(
    ("make", "ahead"),
    [
        (HeapTimers, 10.0),
        (TimerWheel, 10.0),  # the wheel's near heap
        (TimerWheel, 1e12),  # the wheel's overflow heap
        (TimerWheel, 1e5),  # a wheel slot
    ],
)
def test_cancelled_timers_do_not_keep_their_memory(
    make: type[TimerWheel[int]] | type[HeapTimers[int]], ahead: float
) -> None:
    """Lazy deletion is compacted: once most timers are cancelled, they are let go."""
    timers = make()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        handles = [timers.schedule(ahead + i * 1e-6, i) for i in range(20_000)]
        full = tracemalloc.get_traced_memory()[0] - base
        for handle in handles[2_000:]:
            timers.cancel(handle)
        del handles[2_000:]
        left = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert left < 0.5 * full
    assert len(timers) == 2_000
    assert timers.advance(ahead + 1.0) == list(range(2_000))


@pytest.mark.parametrize(("stride", "share"), [(1, 0.01), (64, 0.02)])
def test_a_cascade_is_spread_over_many_advances(stride: int, share: float) -> None:
    """A slot's worth of timers comes down a few at a time, whether advances are dense or not."""
    rng = random.Random(7)
    wheel: TimerWheel[int] = TimerWheel(tick=1.0)
    heap: HeapTimers[int] = HeapTimers()
    count = 4_000
    for i in range(count):
        at = 40_000.0 + rng.random() * 16_384.0  # one level-2 slot at tick=1 s
        wheel.schedule(at, i)
        heap.schedule(at, i)
    most = busy = 0
    for now in range(0, 60_000, stride):
        before = wheel.cascaded
        assert wheel.advance(float(now)) == heap.advance(float(now))
        moved = wheel.cascaded - before
        most = max(most, moved)
        busy += moved > 0
    assert len(wheel) == 0
    assert wheel.cascaded >= count  # each came down at least once on its way to firing
    assert most <= share * count
    assert busy >= wheel.cascaded / (share * count)


def test_handle_repr_and_properties() -> None:
    wheel: TimerWheel[str] = TimerWheel(tick=0.5, start=3.0)
    handle = wheel.schedule(4.0, "p")
    assert (handle.at, handle.payload, handle.pending) == (4.0, "p", True)
    assert "pending" in repr(handle)
    assert wheel.tick == 0.5
    assert "pending=1" in repr(wheel)
    assert "pending=0" in repr(HeapTimers())
