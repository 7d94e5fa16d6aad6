from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch_core.clock import Clock, ManualClock, SystemClock
from dispatch_core.errors import ClockError, InvalidInputError

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


def test_system_clock_is_aware_and_a_clock() -> None:
    clock = SystemClock()
    assert isinstance(clock, Clock)
    assert clock.now().tzinfo is not None


def test_manual_clock_refuses_naive_start() -> None:
    with pytest.raises(InvalidInputError) as info:
        ManualClock(datetime(2026, 1, 5))
    assert info.value.field == "start"


def test_manual_clock_refuses_backwards() -> None:
    clock = ManualClock(T0)
    clock.advance_by(timedelta(seconds=10))
    with pytest.raises(ClockError) as info:
        clock.advance_to(T0)
    assert info.value.field == "at"
    assert clock.now() == T0 + timedelta(seconds=10)
    with pytest.raises(ClockError):
        clock.advance_by(timedelta(seconds=-1))


@given(st.lists(st.integers(min_value=0, max_value=10**6), max_size=50))
def test_manual_clock_monotone(steps: list[int]) -> None:
    clock = ManualClock(T0)
    seen = [clock.now()]
    for s in steps:
        seen.append(clock.advance_by(timedelta(seconds=s)))
    assert seen == sorted(seen)
    assert clock.now() == T0 + timedelta(seconds=sum(steps))
