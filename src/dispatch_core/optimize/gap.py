"""Generalised assignment (GAP) with OR-Tools CP-SAT.

Every job goes to exactly one agent; each agent's jobs fit its capacity; the total cost is
minimised (or maximised). The model is the symmetry-free textbook one: a boolean ``x[i][j]``
per agent/job pair that fits at all, ``AddExactlyOne`` per job and one linear capacity
constraint per agent, warm-started from a regret-greedy plan. Hard instances get a hybrid
search (LP-kernel CP-SAT and a related-agent LNS, see ``lns`` in :func:`solve_gap`).

CP-SAT releases the GIL while it searches, so a solve in a worker thread does not block the
engine thread; long solves should still run off the engine's thread (ideally in a worker
process), because model building is Python.

Examples
--------
>>> sol = solve_gap([[1, 5], [4, 2]], [[1, 1], [1, 1]], [1, 1])
>>> sol.assignment, sol.objective, sol.optimal
([0, 1], 3, True)
>>> solve_gap([[1, 5], [4, 2]], [[1, 1], [1, 1]], [1, 1], maximize=True).objective
9
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from dispatch_core.errors import InvalidInputError, SolverError
from dispatch_core.optimize._checks import int_matrix, int_vector
from dispatch_core.optimize._lns import improve, kernel, lp_reduced_costs

__all__ = ["GapSolution", "greedy_gap", "solve_gap"]

_MODEL = "solve_gap"


@dataclass(frozen=True, slots=True)
class GapSolution:
    """The result of :func:`solve_gap`.

    Attributes
    ----------
    assignment : list of int
        Agent index of each job.
    objective : int
        Total cost of ``assignment`` (recomputed from the input matrices).
    optimal : bool
        Whether CP-SAT proved the objective optimal.
    bound : int
        Best proven bound (a lower bound when minimising, an upper bound when maximising).
    wall_time_s : float
        Solver wall time as reported by CP-SAT.
    status : str
        CP-SAT status name (``"OPTIMAL"`` or ``"FEASIBLE"``).
    """

    assignment: list[int]
    objective: int
    optimal: bool
    bound: int
    wall_time_s: float
    status: str

    @property
    def gap(self) -> float:
        """Relative gap ``|objective - bound| / max(1, |objective|)`` (0 when optimal)."""
        return abs(self.objective - self.bound) / max(1, abs(self.objective))


def _validate(
    cost: Sequence[Sequence[int]],
    weight: Sequence[Sequence[int]],
    capacity: Sequence[int],
    time_limit_s: float,
) -> tuple[list[list[int]], list[list[int]], list[int]]:
    c = int_matrix(cost, "cost", model=_MODEL)
    m, n = len(c), len(c[0])
    w = int_matrix(weight, "weight", model=_MODEL, rows=m, cols=n, min_value=0)
    b = int_vector(capacity, "capacity", model=_MODEL, length=m, min_value=0)
    if not (isinstance(time_limit_s, (int, float)) and math.isfinite(time_limit_s)) or (
        time_limit_s <= 0
    ):
        raise InvalidInputError("time_limit_s", time_limit_s, "must be > 0", model=_MODEL)
    return c, w, b


def greedy_gap(
    cost: Sequence[Sequence[int]],
    weight: Sequence[Sequence[int]],
    capacity: Sequence[int],
    *,
    maximize: bool = False,
) -> list[int | None]:
    """Regret-greedy plan: the job with the largest regret goes to its best agent with room.

    Parameters
    ----------
    cost, weight : list of list of int
        ``m×n`` agent-major matrices.
    capacity : list of int
        Capacity of each of the ``m`` agents.
    maximize : bool
        Whether larger costs are better.

    Returns
    -------
    list of int or None
        Agent per job; ``None`` where no agent had room left (the plan is then partial).

    Examples
    --------
    >>> greedy_gap([[1, 2], [3, 9]], [[1, 1], [1, 1]], [1, 1])  # job 1 has the larger regret
    [1, 0]
    """
    m, n = len(cost), len(cost[0])
    sign = -1 if maximize else 1
    left = list(capacity)
    order = []
    for j in range(n):
        options = sorted(sign * cost[i][j] for i in range(m) if weight[i][j] <= capacity[i])
        regret = options[1] - options[0] if len(options) > 1 else math.inf
        order.append((-regret, j))
    order.sort()
    plan: list[int | None] = [None] * n
    for _, j in order:
        best = None
        for i in range(m):
            if weight[i][j] <= left[i] and (
                best is None or sign * cost[i][j] < sign * cost[best][j]
            ):
                best = i
        if best is not None:
            plan[j] = best
            left[best] -= weight[best][j]
    return plan


def _build(
    c: list[list[int]],
    w: list[list[int]],
    b: list[int],
    *,
    maximize: bool,
    hint: Sequence[int] | None,
    allowed: list[list[bool]] | None = None,
) -> tuple[cp_model.CpModel, list[dict[int, cp_model.IntVar]]]:
    m, n = len(c), len(c[0])
    model = cp_model.CpModel()
    x: list[dict[int, cp_model.IntVar]] = [{} for _ in range(n)]
    for j in range(n):
        for i in range(m):
            if w[i][j] <= b[i] and (
                allowed is None or allowed[i][j] or (hint is not None and hint[j] == i)
            ):
                x[j][i] = model.new_bool_var(f"x{i}_{j}")
        if not x[j]:
            err = SolverError(f"job {j} fits no agent's capacity: the instance is infeasible")
            err.status = "INFEASIBLE"  # type: ignore[attr-defined]
            raise err
        model.add_exactly_one(x[j].values())
    for i in range(m):
        terms = [(w[i][j], x[j][i]) for j in range(n) if i in x[j] and w[i][j] > 0]
        if terms and sum(t[0] for t in terms) > b[i]:
            model.add(sum(coef * var for coef, var in terms) <= b[i])
    objective = sum(c[i][j] * var for j in range(n) for i, var in x[j].items())
    if maximize:
        model.maximize(objective)
    else:
        model.minimize(objective)
    start = list(hint) if hint is not None else greedy_gap(c, w, b, maximize=maximize)
    for j, agent in enumerate(start):
        if agent is not None and agent in x[j]:
            for i, var in x[j].items():
                model.add_hint(var, i == agent)
    return model, x


_FIRST = 0.1  # share of the time limit for the first full CP-SAT search (hybrid path)
_KERNEL_DELTAS = (0.5, 2.0)  # LP reduced-cost thresholds: kernel CP-SAT search, then LNS


def _run(
    model: cp_model.CpModel,
    x: list[dict[int, cp_model.IntVar]],
    *,
    limit_s: float,
    seed: int,
    workers: int = 2,
) -> tuple[list[int] | None, cp_model.CpSolver, cp_model.CpSolverStatus]:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(limit_s, 0.05)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = int(seed)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, solver, status
    plan = [next(i for i, v in x[j].items() if solver.boolean_value(v)) for j in range(len(x))]
    return plan, solver, status


def _hybrid(
    c: list[list[int]],
    w: list[list[int]],
    b: list[int],
    assignment: list[int],
    bound: int,
    *,
    maximize: bool,
    time_limit_s: float,
    seed: int,
    deadline: float,
    workers: int,
) -> tuple[list[int], int]:
    """Kernel CP-SAT, kernel LNS, then full CP-SAT (to prove) after an unproven first search.

    The heuristic phases get ``min(0.8 T, 8 s)`` in total (1/4 kernel search, 3/4 LNS); the
    final full search gets what is left of ``T`` (measured from the call's start, model
    building included), so long limits still prove optimality.
    """
    n = len(c[0])
    sign = -1 if maximize else 1

    def value(plan: list[int]) -> int:
        return sum(c[plan[j]][j] for j in range(n))

    best = value(assignment)
    # Phase limits are solver time limits: a monotonic clock, never a wall-clock reading.
    heuristic_end = min(time.monotonic() + min(0.8 * time_limit_s, 8.0), deadline)
    rc = lp_reduced_costs(c, w, b, sign)
    if rc is not None:
        small = kernel(rc, _KERNEL_DELTAS[0])
        model, x = _build(c, w, b, maximize=maximize, hint=assignment, allowed=small)
        limit = (heuristic_end - time.monotonic()) / 4
        plan, _, _ = _run(model, x, limit_s=limit, seed=seed, workers=workers)
        if plan is not None and sign * value(plan) < sign * best:
            assignment, best = plan, value(plan)
    allowed = None if rc is None else kernel(rc, _KERNEL_DELTAS[1])
    assignment = improve(
        c,
        w,
        b,
        assignment,
        maximize=maximize,
        budget_s=heuristic_end - time.monotonic(),
        seed=seed,
        target=bound,
        allowed=allowed,
    )
    best = value(assignment)
    if best == bound:
        return assignment, bound
    if deadline - time.monotonic() < 0.05 * time_limit_s:
        return assignment, bound
    model, x = _build(c, w, b, maximize=maximize, hint=assignment)
    limit = deadline - time.monotonic()
    plan, solver, status = _run(model, x, limit_s=limit, seed=seed, workers=workers)
    if plan is not None:
        if sign * value(plan) < sign * best:
            assignment, best = plan, value(plan)
        if status == cp_model.OPTIMAL:
            bound = best
        elif sign * solver.best_objective_bound > sign * bound:
            bound = round(solver.best_objective_bound)
    return assignment, bound


def solve_gap(
    cost: Sequence[Sequence[int]],
    weight: Sequence[Sequence[int]],
    capacity: Sequence[int],
    *,
    maximize: bool = False,
    time_limit_s: float = 10.0,
    seed: int = 0,
    workers: int | None = None,
    hint: Sequence[int] | None = None,
    lns: bool | None = None,
) -> GapSolution:
    """Solve a generalised assignment problem with CP-SAT.

    Parameters
    ----------
    cost : list of list of int
        ``cost[i][j]``: cost of giving job ``j`` to agent ``i`` (``m×n``, agent-major, the
        OR-Library order).
    weight : list of list of int
        ``weight[i][j]`` >= 0: capacity job ``j`` uses on agent ``i`` (``m×n``).
    capacity : list of int
        Capacity of each agent (length ``m``).
    maximize : bool
        Maximise instead of minimise the total cost.
    time_limit_s : float
        Wall-time limit of the search; the best plan found so far is returned.
    seed : int
        CP-SAT random seed. With ``workers=1`` and a solve that finishes before the time
        limit the result is reproducible; parallel workers may return a different plan of the
        same (optimal) objective.
    workers : int, optional
        CP-SAT search workers. Default: 1 below 1,000 agent-job pairs (small instances are
        proven faster by one worker on a busy machine), else 2.
    hint : list of int, optional
        A plan (agent per job) to warm-start from; defaults to :func:`greedy_gap`.
    lns : bool, optional
        Hybrid search for hard instances. When the first full CP-SAT search (given 10 % of
        the time limit) has not proven optimality: solve the LP relaxation (GLOP), run CP-SAT
        on the *kernel* of agent-job pairs with LP reduced cost <= 0.5 (plus the incumbent's),
        then a large-neighbourhood search that frees the jobs of a few related agents (agents
        that are cheap alternatives for each other's jobs) and re-solves them on the pairs of
        reduced cost <= 2, with an adaptive neighbourhood size; these heuristic phases get
        ``min(0.8 * time_limit_s, 8 s)``. The rest goes to CP-SAT on the full model, hinted
        with the improved plan (to prove it). Default: on for instances with at least 10
        agents and 1,000 agent-job pairs, where plain CP-SAT stalls on hard (type D) ones.

    Returns
    -------
    GapSolution
        ``optimal`` is True when the objective is proven optimal.

    Raises
    ------
    InvalidInputError
        If a matrix has the wrong shape, a non-integer or a negative weight or capacity.
    SolverError
        If the instance is infeasible (``status="INFEASIBLE"``) or no feasible plan was found
        within the time limit (``status="UNKNOWN"``); the status is in ``err.status``.
    """
    # The time limit is a solver limit: a monotonic clock, never a wall-clock reading.
    deadline = time.monotonic() + float(time_limit_s)
    c, w, b = _validate(cost, weight, capacity, time_limit_s)
    m, n = len(c), len(c[0])
    if hint is not None:
        hint = int_vector(hint, "hint", model=_MODEL, length=n, min_value=0)
    model, x = _build(c, w, b, maximize=maximize, hint=hint)
    solver = cp_model.CpSolver()
    use_lns = (m >= 10 and m * n >= 1000) if lns is None else (lns and m >= 3)
    solver.parameters.max_time_in_seconds = float(time_limit_s) * (_FIRST if use_lns else 1.0)
    if workers is None:
        workers = 1 if m * n < 1000 else 2
    solver.parameters.num_workers = max(1, int(workers))
    solver.parameters.random_seed = int(seed)
    status = solver.solve(model)
    if use_lns and status == cp_model.UNKNOWN and deadline - time.monotonic() > 0.01:
        # no plan within the hybrid's first share: give the full search the rest of the limit
        solver.parameters.max_time_in_seconds = deadline - time.monotonic()
        use_lns = False
        status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        name = solver.status_name(status)
        err = SolverError(f"no feasible assignment: CP-SAT status {name}")
        err.status = name  # type: ignore[attr-defined]
        raise err
    assignment = [next(i for i, var in x[j].items() if solver.boolean_value(var)) for j in range(n)]
    bound = round(solver.best_objective_bound)
    optimal = status == cp_model.OPTIMAL
    wall = solver.wall_time
    if use_lns and not optimal:
        assignment, bound = _hybrid(
            c,
            w,
            b,
            assignment,
            bound,
            maximize=maximize,
            time_limit_s=time_limit_s,
            seed=seed,
            deadline=deadline,
            workers=max(1, int(workers)),
        )
        wall = float(time_limit_s)
    total = sum(c[assignment[j]][j] for j in range(n))
    optimal = optimal or total == bound
    return GapSolution(
        assignment=assignment,
        objective=total,
        optimal=optimal,
        bound=bound,
        wall_time_s=wall,
        status="OPTIMAL" if optimal else "FEASIBLE",
    )
