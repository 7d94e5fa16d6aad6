"""Agent-subset large-neighbourhood search for GAP (private helper of :mod:`.gap`).

Repeatedly frees every job of a few agents and re-solves that small sub-problem exactly with
CP-SAT (one worker). Any accepted move keeps the plan feasible and never raises the cost.
"""

from __future__ import annotations

import random
import time

from ortools.sat.python import cp_model

__all__ = ["improve"]


def _subsolve(  # noqa: PLR0917 - private helper called from one place
    cost: list[list[int]],
    weight: list[list[int]],
    capacity: list[int],
    agents: list[int],
    jobs: list[int],
    plan: list[int],
    sign: int,
    seed: int,
    limit_s: float,
) -> dict[int, int] | None:
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    for j in jobs:
        row = []
        for i in agents:
            if weight[i][j] <= capacity[i]:
                var = model.new_bool_var("")
                x[i, j] = var
                row.append(var)
                model.add_hint(var, plan[j] == i)
        model.add_exactly_one(row)
    for i in agents:
        terms = [weight[i][j] * x[i, j] for j in jobs if (i, j) in x]
        if terms:
            model.add(sum(terms) <= capacity[i])
    model.minimize(sum(sign * cost[i][j] * var for (i, j), var in x.items()))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = seed
    solver.parameters.max_time_in_seconds = limit_s
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return {j: i for (i, j), var in x.items() if solver.boolean_value(var)}


def improve(
    cost: list[list[int]],
    weight: list[list[int]],
    capacity: list[int],
    plan: list[int],
    *,
    maximize: bool,
    budget_s: float,
    seed: int,
    target: int | None = None,
    max_rounds: int = 100_000,
) -> list[int]:
    """Improve a feasible ``plan`` within ``budget_s`` seconds; stop early at ``target``."""
    m = len(cost)
    if m < 3:
        return plan
    sign = -1 if maximize else 1
    rng = random.Random(seed)  # noqa: S311 - seeded search randomness, not cryptography
    plan = list(plan)
    total = sum(sign * cost[plan[j]][j] for j in range(len(plan)))
    k = min(m - 1, 4 if m >= 10 else 3)
    # The LNS budget is a solver time limit: a monotonic clock, never a wall-clock reading.
    deadline = time.monotonic() + budget_s
    rounds = 0
    while rounds < max_rounds and (target is None or total > sign * target):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        rounds += 1
        agents = sorted(rng.sample(range(m), k))
        chosen = set(agents)
        jobs = [j for j, a in enumerate(plan) if a in chosen]
        if not jobs:
            continue
        before = sum(sign * cost[plan[j]][j] for j in jobs)
        moved = _subsolve(
            cost, weight, capacity, agents, jobs, plan, sign, rng.randrange(2**31), min(0.5, left)
        )
        if moved is None or len(moved) != len(jobs):
            continue
        after = sum(sign * cost[i][j] for j, i in moved.items())
        if after < before:
            for j, i in moved.items():
                plan[j] = i
            total += after - before
    return plan
