"""Planning: Erlang maths, scenario files, the analytic staffing plan and rosters.

Modules
-------
erlang
    Erlang B/C/A, service level, required agents (``sqrt_staffing``: square-root staffing).
priority
    A blended desk: phone and digital in one pool, phone first.
scenario
    Scenario TOML files (pydantic-validated); ``hours`` (opening hours, shifts) and
    ``roster_rules`` (shift lengths, breaks, salaries) hold parts of its schema.
demand
    Contacts per interval, and where closed-hours contacts go (lost or carried over).
plan
    The analytic per-interval staffing plan (``results``: its records; ``status``: red,
    yellow and green; ``rollup``: headcount and the rule of thumb).
roster
    Shift scheduling with CP-SAT (``cost``: the monthly cost of a plan). Not imported here:
    it loads OR-Tools.
"""

from __future__ import annotations

from dispatch_core.planning.plan import (
    INTERVALS,
    DayBalance,
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
    productive_agents,
    split_agents,
)

__all__ = [
    "DayBalance",
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
    "productive_agents",
    "split_agents",
]
