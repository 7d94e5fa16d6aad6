"""Dispatch: online choice of one technician, and batch optimisation of many tickets.

* :mod:`dispatch_core.dispatch.online`: :class:`OnlineDispatcher` (hard rules, weighted score,
  explanation; sub-linear in the fleet thanks to a property/skill/location index).
* :mod:`dispatch_core.dispatch.batch`: min-cost flow for unit tickets with count caps, CP-SAT
  generalised assignment for timed tickets against remaining shift minutes.
"""

from dispatch_core.dispatch.batch import (
    BatchPlan,
    assign_timed,
    assign_unit,
    candidate_costs,
)
from dispatch_core.dispatch.explain import HARD_RULES, Decision, Explanation, ScoreWeights
from dispatch_core.dispatch.online import OnlineDispatcher, default_due_at

__all__ = [
    "BatchPlan",
    "Decision",
    "Explanation",
    "HARD_RULES",
    "OnlineDispatcher",
    "ScoreWeights",
    "assign_timed",
    "assign_unit",
    "candidate_costs",
    "default_due_at",
]
