"""Linear assignment with OR-Tools (``SimpleLinearSumAssignment`` / ``SimpleMinCostFlow``).

Both OR-Tools solvers hold the GIL for the whole solve: call them off the engine's thread for
large instances.

Examples
--------
>>> sol = linear_assignment([[4, 1, 3], [2, 0, 5], [3, 2, 2]])
>>> sol.assignment, sol.objective
([1, 0, 2], 5)
>>> linear_assignment([[5, 1, 9], [1, 7, 9]]).assignment
[1, 0]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import linear_sum_assignment, min_cost_flow

from dispatch_core.errors import InvalidInputError, SolverError
from dispatch_core.optimize._checks import int_matrix

__all__ = ["AssignmentSolution", "linear_assignment"]

_MODEL = "linear_assignment"


@dataclass(frozen=True, slots=True)
class AssignmentSolution:
    """The result of :func:`linear_assignment`.

    Attributes
    ----------
    assignment : list of int
        Column assigned to each row.
    objective : int
        Total cost, recomputed from the matrix.
    """

    assignment: list[int]
    objective: int


def _square(cost: list[list[int]]) -> list[int]:
    n = len(cost)
    lsa = linear_sum_assignment.SimpleLinearSumAssignment()
    rows = np.repeat(np.arange(n, dtype=np.int64), n)
    cols = np.tile(np.arange(n, dtype=np.int64), n)
    lsa.add_arcs_with_cost(rows, cols, np.asarray(cost, dtype=np.int64).ravel())
    status = lsa.solve()
    if status != lsa.OPTIMAL:  # pragma: no cover - a dense square matrix always has a solution
        msg = f"linear assignment failed with status {status}"
        raise SolverError(msg)
    return [int(lsa.right_mate(i)) for i in range(n)]


def _rectangular(cost: list[list[int]]) -> list[int]:
    rows, cols = len(cost), len(cost[0])
    flow = min_cost_flow.SimpleMinCostFlow()
    # nodes: rows 0..r-1, columns r..r+c-1, sink r+c
    sink = rows + cols
    tails = np.concatenate([np.repeat(np.arange(rows), cols), np.arange(rows, rows + cols)]).astype(
        np.int64
    )
    heads = np.concatenate(
        [np.tile(np.arange(rows, rows + cols), rows), np.full(cols, sink)]
    ).astype(np.int64)
    costs = np.concatenate([np.asarray(cost, dtype=np.int64).ravel(), np.zeros(cols)])
    caps = np.ones(len(tails), dtype=np.int64)
    flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs.astype(np.int64))
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:rows] = 1
    supplies[sink] = -rows
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int64), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:  # pragma: no cover - always feasible when rows <= cols
        msg = f"min-cost flow failed with status {status}"
        raise SolverError(msg)
    result = [0] * rows
    used = flow.flows(np.arange(rows * cols, dtype=np.int64))
    for arc in np.flatnonzero(used):
        result[int(arc) // cols] = int(arc) % cols
    return result


def linear_assignment(cost: Sequence[Sequence[int]]) -> AssignmentSolution:
    """Minimum-cost assignment of every row to a distinct column.

    Parameters
    ----------
    cost : list of list of int
        ``r×c`` integer costs with ``r <= c`` (row = agent, column = task).

    Returns
    -------
    AssignmentSolution
        The optimal assignment (column per row) and its cost.

    Raises
    ------
    InvalidInputError
        If ``cost`` is not a rectangular integer matrix with at most as many rows as columns.
    """
    matrix = int_matrix(cost, "cost", model=_MODEL)
    if len(matrix) > len(matrix[0]):
        msg = f"has more rows ({len(matrix)}) than columns ({len(matrix[0])})"
        raise InvalidInputError("cost", cost, msg, model=_MODEL)
    square = len(matrix) == len(matrix[0])
    assignment = _square(matrix) if square else _rectangular(matrix)
    objective = sum(matrix[i][j] for i, j in enumerate(assignment))
    return AssignmentSolution(assignment=assignment, objective=objective)
