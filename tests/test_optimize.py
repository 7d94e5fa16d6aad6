from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch_core.errors import InvalidInputError, SolverError
from dispatch_core.optimize import greedy_gap, linear_assignment, solve_gap


@st.composite
def gap_instances(draw: st.DrawFn) -> tuple[list[list[int]], list[list[int]], list[int]]:
    m = draw(st.integers(1, 3))
    n = draw(st.integers(1, 5))
    cost = [[draw(st.integers(0, 20)) for _ in range(n)] for _ in range(m)]
    weight = [[draw(st.integers(0, 6)) for _ in range(n)] for _ in range(m)]
    cap = [draw(st.integers(0, 12)) for _ in range(m)]
    return cost, weight, cap


def brute(cost, weight, cap, maximize):  # type: ignore[no-untyped-def]
    m, n = len(cost), len(cost[0])
    best = None
    for plan in itertools.product(range(m), repeat=n):
        used = [0] * m
        for j, i in enumerate(plan):
            used[i] += weight[i][j]
        if all(u <= b for u, b in zip(used, cap, strict=True)):
            val = sum(cost[i][j] for j, i in enumerate(plan))
            if best is None or (val > best if maximize else val < best):
                best = val
    return best


@settings(max_examples=40, deadline=None)
@given(gap_instances(), st.booleans())
def test_solve_gap_matches_brute_force(inst, maximize: bool) -> None:  # type: ignore[no-untyped-def]
    cost, weight, cap = inst
    expected = brute(cost, weight, cap, maximize)
    if expected is None:
        with pytest.raises(SolverError):
            solve_gap(cost, weight, cap, maximize=maximize, time_limit_s=5.0)
        return
    sol = solve_gap(cost, weight, cap, maximize=maximize, time_limit_s=5.0)
    assert sol.optimal
    assert sol.objective == expected
    # reported cost equals the recomputed cost; capacities respected
    assert sol.objective == sum(cost[i][j] for j, i in enumerate(sol.assignment))
    for i, b in enumerate(cap):
        assert sum(weight[i][j] for j, a in enumerate(sol.assignment) if a == i) <= b


def test_lns_path_keeps_plans_feasible() -> None:
    import random

    rng = random.Random(7)
    m, n = 10, 60
    cost = [[rng.randint(1, 50) for _ in range(n)] for _ in range(m)]
    weight = [[rng.randint(5, 25) for _ in range(n)] for _ in range(m)]
    cap = [int(0.8 * sum(row) / m) for row in weight]
    sol = solve_gap(cost, weight, cap, time_limit_s=1.0, lns=True, seed=3)
    assert sol.bound <= sol.objective
    assert sol.objective == sum(cost[i][j] for j, i in enumerate(sol.assignment))
    for i, b in enumerate(cap):
        assert sum(weight[i][j] for j, a in enumerate(sol.assignment) if a == i) <= b


def test_greedy_gap_is_partial_when_full() -> None:
    assert greedy_gap([[1, 1]], [[1, 1]], [1]) in ([0, None], [None, 0])


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (([[1, 2]], [[1]], [1]), "weight[0]"),
        (([[1, 2]], [[1, 1]], [1, 2]), "capacity"),
        (([[1, "x"]], [[1, 1]], [1]), "cost[0][1]"),
        (([[1, 2]], [[1, -1]], [1]), "weight[0][1]"),
        (([], [], []), "cost"),
        (([[1, 2], [3]], [[1, 1], [1, 1]], [1, 1]), "cost[1]"),
    ],
)
def test_solve_gap_names_bad_parameter(args, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInputError) as err:
        solve_gap(*args)
    assert err.value.field == field


def test_solve_gap_rejects_bad_time_limit() -> None:
    with pytest.raises(InvalidInputError) as err:
        solve_gap([[1]], [[1]], [1], time_limit_s=0)
    assert err.value.field == "time_limit_s"


def test_infeasible_gap_raises_solver_error_with_status() -> None:
    with pytest.raises(SolverError) as err:
        solve_gap([[1, 1]], [[1, 1]], [1])
    assert err.value.status == "INFEASIBLE"  # type: ignore[attr-defined]


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda r: st.integers(r, 5).flatmap(
            lambda c: st.lists(
                st.lists(st.integers(0, 30), min_size=c, max_size=c), min_size=r, max_size=r
            )
        )
    )
)
def test_linear_assignment_matches_brute_force(cost: list[list[int]]) -> None:
    r, c = len(cost), len(cost[0])
    best = min(sum(cost[i][p[i]] for i in range(r)) for p in itertools.permutations(range(c), r))
    sol = linear_assignment(cost)
    assert len(set(sol.assignment)) == r
    assert sol.objective == best == sum(cost[i][j] for i, j in enumerate(sol.assignment))


def test_linear_assignment_rejects_tall_matrix() -> None:
    with pytest.raises(InvalidInputError) as err:
        linear_assignment([[1], [2]])
    assert err.value.field == "cost"


def test_kernel_lns_never_worsens_and_stays_feasible() -> None:
    import random

    from dispatch_core.optimize._lns import improve, kernel, lp_reduced_costs

    rng = random.Random(11)
    m, n = 10, 60
    weight = [[rng.randint(5, 25) for _ in range(n)] for _ in range(m)]
    cost = [[120 - weight[i][j] + rng.randint(-10, 10) for j in range(n)] for i in range(m)]
    cap = [int(0.8 * sum(row) / m) for row in weight]
    start = solve_gap(cost, weight, cap, time_limit_s=0.5, lns=False, workers=1).assignment
    rc = lp_reduced_costs(cost, weight, cap, 1)
    assert rc is not None
    plan = improve(
        cost, weight, cap, start, maximize=False, budget_s=0.5, seed=2, allowed=kernel(rc, 2.0)
    )
    assert sum(cost[i][j] for j, i in enumerate(plan)) <= sum(
        cost[i][j] for j, i in enumerate(start)
    )
    for i, b in enumerate(cap):
        assert sum(weight[i][j] for j, a in enumerate(plan) if a == i) <= b
