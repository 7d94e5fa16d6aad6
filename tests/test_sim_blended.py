"""The blended desk: phone and digital in one pool, phone first, digital backlog on its target."""

from __future__ import annotations

import pytest

from dispatch_core.errors import InvalidInputError
from dispatch_core.planning.scenario import Scenario, default_scenario
from dispatch_core.sim.desk.blended import BlendedSpec, replicate_blended, simulate_blended
from dispatch_core.sim.desk.day import simulate_day
from dispatch_core.sim.desk.judge import Verdict
from dispatch_core.sim.desk.model import DeskSpec, simulate_desk
from dispatch_core.sim.desk.scenario import scenario_desk


def _pair(agents: int) -> BlendedSpec:
    phone = DeskSpec.stationary(60.0, aht_s=240.0, agents=agents, hours=2.0, patience_s=300.0)
    digital = DeskSpec.stationary(30.0, aht_s=240.0, agents=agents, hours=2.0, answer_within_s=900)
    return BlendedSpec(phone, digital)


def test_phone_goes_first() -> None:
    s = replicate_blended(_pair(6), replications=20, seed=3, confidence=0.9)
    phone_asa = s.phone.kpi("asa_s").mean
    digital_asa = s.digital.kpi("asa_s").mean
    assert phone_asa < digital_asa  # calls jump the digital backlog
    assert s.digital.kpi("abandon_rate").mean == 0.0  # digital contacts never hang up


def test_one_pool_serves_both_with_fewer_agents_than_two() -> None:
    """6 pooled agents do better for the phone than 4 + 2 in separate pools (same load)."""
    pooled = replicate_blended(_pair(6), replications=20, seed=5, confidence=0.9)
    split = simulate_desk(_pair(4).phone, seed=5)
    assert pooled.phone.kpi("service_level").mean >= split.service_level


def test_same_seed_same_run_and_both_queues_measured() -> None:
    spec = _pair(5)
    a, b = simulate_blended(spec, seed=8), simulate_blended(spec, seed=8)
    assert a == b
    assert a.phone.offered > 0
    assert a.digital.offered > 0
    assert a.phone.staffed_s_by_interval == a.digital.staffed_s_by_interval  # one pool


def test_blended_scenario_day_pools_the_evening_desk() -> None:
    base = default_scenario()
    blended: Scenario = base.model_copy(
        update={"desk": base.desk.model_copy(update={"blended": True})}
    )
    day = simulate_day(blended, "sun", interval_minutes=60, replications=4, seed=2)
    separate = simulate_day(base, "sun", interval_minutes=60, replications=4, seed=2)
    assert day.blended
    assert not separate.blended
    assert all(iv.digital == 0 for iv in day.intervals)
    # one pool needs fewer agent-hours than two pools for the same contacts
    assert day.required_agent_hours < separate.required_agent_hours
    assert all(iv.verdict in set(Verdict) for iv in day.intervals)
    desk = scenario_desk(blended, "sun", interval_minutes=60)
    run = simulate_blended(BlendedSpec(desk.phone, desk.digital), seed=1)
    for queue in (run.phone, run.digital):  # no work lost on a blended desk either
        extra = queue.extra
        assert extra["arrivals"] == (
            sum(queue.answered_by_interval)
            + sum(queue.abandoned_by_interval)
            + extra["carried_over"]
            + extra["lost"]
        )


def test_queues_must_share_intervals() -> None:
    phone = DeskSpec.stationary(60.0, aht_s=240.0, agents=3, hours=2.0)
    digital = DeskSpec.stationary(30.0, aht_s=240.0, agents=3, hours=3.0)
    with pytest.raises(InvalidInputError):
        BlendedSpec(phone, digital)
