"""Optimisers: generalised assignment (CP-SAT), linear assignment, OR-Library readers.

Threading note: OR-Tools min-cost-flow and linear-assignment solves hold the GIL for their
whole run, while CP-SAT releases it during search. Either way, keep long solves off the
engine's thread: run them in a worker process and feed the plan back as commands.
"""

from dispatch_core.optimize.assignment import AssignmentSolution, linear_assignment
from dispatch_core.optimize.gap import GapSolution, greedy_gap, solve_gap
from dispatch_core.optimize.orlib import GapInstance, read_orlib_assign, read_orlib_gap

__all__ = [
    "AssignmentSolution",
    "GapInstance",
    "GapSolution",
    "greedy_gap",
    "linear_assignment",
    "read_orlib_assign",
    "read_orlib_gap",
    "solve_gap",
]
