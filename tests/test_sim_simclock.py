"""SimClock: the engine's injected clock bound to SimPy time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import simpy
from hypothesis import given
from hypothesis import strategies as st

from dispatch_core.clock import Clock
from dispatch_core.errors import InvalidInputError
from dispatch_core.sim.simclock import SimClock

EPOCH = datetime(2026, 7, 6, 0, 0, tzinfo=timezone(timedelta(hours=8)))


def test_simclock_is_a_clock_and_rejects_naive_epochs() -> None:
    env = simpy.Environment()
    assert isinstance(SimClock(env, EPOCH), Clock)
    with pytest.raises(InvalidInputError) as info:
        SimClock(env, datetime(2026, 7, 6))
    assert info.value.field == "epoch"
    assert "SimClock(epoch=2026-07-06T00:00:00+08:00" in repr(SimClock(env, EPOCH))


@given(st.lists(st.floats(0.0, 86_400.0), min_size=1, max_size=20))
def test_simclock_follows_env_now(delays: list[float]) -> None:
    env = simpy.Environment()
    clock = SimClock(env, EPOCH)
    seen = []

    def proc():  # type: ignore[no-untyped-def]
        for d in delays:
            yield env.timeout(d)
            seen.append((env.now, clock.now()))

    env.process(proc())
    env.run()
    for now, at in seen:
        assert at.tzinfo is not None
        assert clock.seconds_at(at) == pytest.approx(now, abs=1e-5)
    assert [a for _, a in seen] == sorted(a for _, a in seen)
    assert clock.epoch == EPOCH.astimezone(UTC)
