"""Planning: Erlang maths, scenario files and the analytic staffing plan.

Modules
-------
erlang
    Erlang B/C/A, service level, square-root staffing.
scenario
    Scenario TOML files (pydantic-validated).
plan
    The analytic per-interval staffing plan.
"""

from __future__ import annotations

from dispatch_core.planning.plan import (
    INTERVALS,
    DayPlan,
    Headcount,
    IntervalDemand,
    IntervalPlan,
    Plan,
    RolledUpDay,
    RuleComparison,
    Status,
    build_plan,
    compare_with_rule,
    headcount,
    interval_demand,
    plan_day,
)

__all__ = [
    "DayPlan",
    "Headcount",
    "INTERVALS",
    "IntervalDemand",
    "IntervalPlan",
    "Plan",
    "RolledUpDay",
    "RuleComparison",
    "Status",
    "build_plan",
    "compare_with_rule",
    "headcount",
    "interval_demand",
    "plan_day",
]
