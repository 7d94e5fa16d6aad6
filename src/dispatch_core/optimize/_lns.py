"""Agent-subset large-neighbourhood search for GAP (private helper of :mod:`.gap`).

Repeatedly frees every job of a few *related* agents (agents that are cheap alternatives for
each other's jobs) and re-solves that sub-problem with CP-SAT (one worker), hinted with the
current plan and bounded by its cost. The neighbourhood size adapts: it grows while
sub-problems are solved to optimality quickly and shrinks when they time out. Sub-problems
proven optimal are remembered until one of their agents changes, so the search never repeats
a neighbourhood that cannot improve. Any accepted move keeps the plan feasible and never
raises the cost.
"""

from __future__ import annotations

import math
import random
import time

from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

__all__ = ["improve", "kernel", "lp_reduced_costs", "relatedness"]


def relatedness(cost: list[list[int]], weight: list[list[int]], sign: int) -> list[list[float]]:
    """Symmetric agent-agent affinity: how often both are among a job's cheapest agents.

    A job's agents are ranked by cost per unit of capacity-share; the top quarter (at least
    two) count as its cheap alternatives, and every pair of them gains ``1`` for that job.
    """
    m, n = len(cost), len(cost[0])
    top = max(2, (m + 3) // 4)
    rel = [[0.0] * m for _ in range(m)]
    for j in range(n):
        ranked = sorted(range(m), key=lambda i: (sign * cost[i][j], weight[i][j]))[:top]
        for a in ranked:
            row = rel[a]
            for b in ranked:
                if a != b:
                    row[b] += 1.0
    return rel


class _Sub:
    """Builds and solves one sub-problem: the jobs of ``agents`` over ``agents``."""

    def __init__(
        self,
        cost: list[list[int]],
        weight: list[list[int]],
        cap: list[int],
        sign: int,
        allowed: list[list[bool]] | None,
    ):
        self.allowed = allowed
        self.cost = cost
        self.weight = weight
        self.cap = cap
        self.sign = sign
        self.solver = cp_model.CpSolver()
        self.solver.parameters.num_workers = 1

    def solve(  # noqa: PLR0917 - private helper called from one place
        self,
        agents: list[int],
        jobs: list[int],
        plan: list[int],
        before: int,
        seed: int,
        limit_s: float,
    ) -> tuple[dict[int, int] | None, bool]:
        """Return (new agent per freed job or None, whether the sub-problem was proven)."""
        cost, weight, cap, sign = self.cost, self.weight, self.cap, self.sign
        allowed = self.allowed
        model = cp_model.CpModel()
        per_agent: list[tuple[list[cp_model.IntVar], list[int]]] = [([], []) for _ in agents]
        obj_vars: list[cp_model.IntVar] = []
        obj_coefs: list[int] = []
        pairs: list[tuple[int, int, cp_model.IntVar]] = []
        for j in jobs:
            row = []
            for slot, i in enumerate(agents):
                wij = weight[i][j]
                if wij <= cap[i] and (allowed is None or allowed[i][j] or plan[j] == i):
                    var = model.new_bool_var("")
                    row.append(var)
                    pairs.append((i, j, var))
                    model.add_hint(var, plan[j] == i)
                    obj_vars.append(var)
                    obj_coefs.append(sign * cost[i][j])
                    if wij:
                        per_agent[slot][0].append(var)
                        per_agent[slot][1].append(wij)
            model.add_exactly_one(row)
        for slot, i in enumerate(agents):
            vs, ws = per_agent[slot]
            if vs and sum(ws) > cap[i]:
                model.add(cp_model.LinearExpr.weighted_sum(vs, ws) <= cap[i])
        objective = cp_model.LinearExpr.weighted_sum(obj_vars, obj_coefs)
        model.add(objective <= before)
        model.minimize(objective)
        params = self.solver.parameters
        params.random_seed = seed
        params.max_time_in_seconds = limit_s
        status = self.solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None, status == cp_model.INFEASIBLE
        moved = {j: i for i, j, var in pairs if self.solver.boolean_value(var)}
        return moved, status == cp_model.OPTIMAL


def _pick(rng: random.Random, rel: list[list[float]], m: int, k: int) -> list[int]:
    """Pick a seed agent at random, then agents in proportion to affinity with the set."""
    chosen = [rng.randrange(m)]
    score = [rel[chosen[0]][b] + 0.5 for b in range(m)]
    score[chosen[0]] = 0.0
    while len(chosen) < k:
        total = sum(score)
        r = rng.random() * total
        b = 0
        acc = score[0]
        while acc < r and b < m - 1:
            b += 1
            acc += score[b]
        while score[b] == 0.0:  # guard against float round-off landing on a chosen agent
            b = (b + 1) % m
        chosen.append(b)
        score[b] = 0.0
        row = rel[b]
        for a in range(m):
            if score[a]:
                score[a] += row[a]
    return sorted(chosen)


def improve(  # noqa: PLR0912, PLR0915 - one search loop keeps its state in locals
    cost: list[list[int]],
    weight: list[list[int]],
    capacity: list[int],
    plan: list[int],
    *,
    maximize: bool,
    budget_s: float,
    seed: int,
    target: int | None = None,
    max_rounds: int = 1_000_000,
    allowed: list[list[bool]] | None = None,
) -> list[int]:
    """Improve a feasible ``plan`` within ``budget_s`` seconds; stop early at ``target``."""
    m, n = len(cost), len(cost[0])
    if m < 3:
        return plan
    sign = -1 if maximize else 1
    rng = random.Random(seed)  # noqa: S311 - seeded search randomness, not cryptography
    plan = list(plan)
    total = sum(sign * cost[plan[j]][j] for j in range(n))
    rel = relatedness(cost, weight, sign)
    sub = _Sub(cost, weight, capacity, sign, allowed)
    # Neighbourhood size: aim at ~40 freed jobs at first, then adapt.
    size = min(float(m), max(2.0, 40.0 * m / n))
    version = [0] * m  # bumped whenever an agent's job set changes
    proven: dict[tuple[int, ...], tuple[int, ...]] = {}
    # The LNS budget is a solver time limit: a monotonic clock, never a wall-clock reading.
    deadline = time.monotonic() + budget_s
    rounds = misses = 0
    while rounds < max_rounds and (target is None or total > sign * target):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        rounds += 1
        k = min(m, max(2, int(size + rng.random())))
        agents = _pick(rng, rel, m, k)
        key = tuple(agents)
        stamp = tuple(version[a] for a in agents)
        if proven.get(key) == stamp:
            misses += 1
            if misses > 20:  # small neighbourhoods exhausted: grow
                size = min(float(m), size + 1.0)
                misses = 0
            continue
        chosen = set(agents)
        jobs = [j for j in range(n) if plan[j] in chosen]
        if not jobs:
            continue
        before = sum(sign * cost[plan[j]][j] for j in jobs)
        limit = min(left, 0.25)
        t0 = time.monotonic()
        moved, done = sub.solve(agents, jobs, plan, before, rng.randrange(2**31), limit)
        spent = time.monotonic() - t0
        if done and spent < 0.3 * limit:
            size = min(float(m), size + 0.25)
        elif not done:
            size = max(2.0, size - 0.5)
        if moved is None or len(moved) != len(jobs):
            continue
        after = sum(sign * cost[i][j] for j, i in moved.items())
        if after < before:
            for j, i in moved.items():
                if plan[j] != i:
                    version[plan[j]] += 1
                    version[i] += 1
                    plan[j] = i
            total += after - before
        elif done:
            proven[key] = stamp
    return plan


def lp_reduced_costs(
    cost: list[list[int]], weight: list[list[int]], capacity: list[int], sign: int
) -> list[list[float]] | None:
    """Reduced costs of the LP relaxation (GLOP), ``inf`` where a job can never fit.

    On hard instances (Chu-Beasley type D) the LP bound is within a fraction of a percent of
    the optimum, and good plans use almost only pairs of small reduced cost: restricting the
    search to them (a *kernel*) makes every CP-SAT model much easier. ``None`` if GLOP fails.
    """
    m, n = len(cost), len(cost[0])
    lp = pywraplp.Solver.CreateSolver("GLOP")
    if lp is None:  # pragma: no cover - GLOP ships with OR-Tools
        return None
    rows = [lp.Constraint(1, 1) for _ in range(n)]
    caps = [lp.Constraint(-lp.infinity(), capacity[i]) for i in range(m)]
    objective = lp.Objective()
    xs: list[tuple[int, int, pywraplp.Variable]] = []
    for i in range(m):
        for j in range(n):
            if weight[i][j] <= capacity[i]:
                var = lp.NumVar(0.0, 1.0, "")
                rows[j].SetCoefficient(var, 1)
                caps[i].SetCoefficient(var, weight[i][j])
                objective.SetCoefficient(var, sign * cost[i][j])
                xs.append((i, j, var))
    objective.SetMinimization()
    if lp.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    rc = [[math.inf] * n for _ in range(m)]
    for i, j, var in xs:
        rc[i][j] = var.reduced_cost()
    return rc


def kernel(rc: list[list[float]], delta: float) -> list[list[bool]]:
    """Pairs whose LP reduced cost is at most ``delta``."""
    return [[r <= delta + 1e-9 for r in row] for row in rc]
