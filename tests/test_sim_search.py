"""Staffing search (dispatch_core.sim.search)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch_core.errors import InvalidInputError
from dispatch_core.sim.desk.model import DeskSpec
from dispatch_core.sim.replicate import InlineExecutor
from dispatch_core.sim.search import Evaluation, search_desk_staffing, search_staffing


def _threshold_judge(need: list[int], spill: int):
    """Interval i passes if it has need[i] staff, and the previous one not more than
    ``spill`` short of its own need (backlog carried forward)."""

    def judge(staffing: tuple[int, ...]) -> Evaluation[None]:
        passed = []
        for i, s in enumerate(staffing):
            ok = s >= need[i]
            if i and spill >= 0:
                ok = ok and staffing[i - 1] >= need[i - 1] - spill
            passed.append(ok)
        return Evaluation(staffing, tuple(passed), None)

    return judge


@given(
    need=st.lists(st.integers(0, 30), min_size=1, max_size=12),
    start_shift=st.lists(st.integers(-10, 10), min_size=12, max_size=12),
)
def test_independent_intervals_get_exactly_what_they_need(
    need: list[int], start_shift: list[int]
) -> None:
    start = [max(0, n + d) for n, d in zip(need, start_shift, strict=False)]
    result = search_staffing(_threshold_judge(need, spill=-1), start)
    assert result.staffing == tuple(need)
    assert result.final.ok
    assert result.capped == ()
    assert result.evaluations <= len(need) + sum(start) + 25


@given(
    need=st.lists(st.integers(0, 30), min_size=1, max_size=10),
    start=st.lists(st.integers(0, 40), min_size=10, max_size=10),
    lo=st.integers(0, 5),
)
def test_coupled_intervals_end_feasible_and_within_bounds(
    need: list[int], start: list[int], lo: int
) -> None:
    start = start[: len(need)]
    result = search_staffing(_threshold_judge(need, spill=0), start, min_staff=lo)
    assert result.final.ok
    assert result.final.staffing == result.staffing
    assert all(s >= max(n, lo) for s, n in zip(result.staffing, need, strict=True))


def test_capped_intervals_are_reported() -> None:
    result = search_staffing(_threshold_judge([3, 9], spill=-1), [1, 1], max_staff=5)
    assert result.capped == (1,)
    assert result.staffing == (3, 5)
    assert not result.final.ok


def test_desk_search_finds_the_erlang_answer() -> None:
    # 200 calls/h, AHT 3 min, 80 % in 20 s: Erlang C says 14 agents (13 gives SL ≈ 0.79).
    spec = DeskSpec.stationary(200.0, aht_s=180.0, agents=1, hours=4.0, interval_s=3600.0)
    result = search_desk_staffing(
        spec,
        start=[10, 18, 14, 14],
        service_level=0.8,
        replications=8,
        seed=11,
        executor=InlineExecutor(),
    )
    assert result.final.ok
    assert all(a in (14, 15) for a in result.agents)
    sl = result.final.evidence.interval_kpi("service_level")
    assert all(e is not None and e.low >= 0.8 for e in sl)


def test_desk_search_with_abandonment_cap() -> None:
    spec = DeskSpec.stationary(
        200.0, aht_s=180.0, agents=1, hours=2.0, interval_s=3600.0, patience_s=60.0
    )
    result = search_desk_staffing(
        spec,
        start=[14, 14],
        service_level=0.5,
        max_abandon_rate=0.01,
        replications=6,
        seed=3,
        executor=InlineExecutor(),
    )
    ab = result.final.evidence.interval_kpi("abandon_rate")
    assert all(e is not None and e.high <= 0.01 for e in ab)


def test_desk_search_rejects_bad_targets() -> None:
    spec = DeskSpec.stationary(200.0, aht_s=180.0, agents=1, hours=1.0, interval_s=3600.0)
    for kwargs, field in [
        ({"service_level": 1.5}, "service_level"),
        ({"service_level": 0.8, "confidence": 0.5}, "confidence"),
        ({"service_level": 0.8, "start": [1, 2]}, "start"),
    ]:
        with pytest.raises(InvalidInputError) as info:
            search_desk_staffing(spec, **{"start": [14], **kwargs})  # type: ignore[arg-type]
        assert info.value.field == field
    with pytest.raises(InvalidInputError):
        search_staffing(_threshold_judge([1], spill=-1), [])
