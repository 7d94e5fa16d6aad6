"""Erlang B/C/A and square-root staffing (stable path of :mod:`dispatch_core.planning.erlang`)."""

from __future__ import annotations

from dispatch_core.planning.erlang import (
    SL_DEFINITION,
    QueueMetrics,
    asa,
    erlang_a,
    erlang_b,
    erlang_c,
    evaluate,
    halfin_whitt_beta,
    occupancy,
    offered_load,
    required_agents,
    scheduled_headcount,
    service_level,
    square_root_staffing,
)

__all__ = [
    "QueueMetrics",
    "SL_DEFINITION",
    "asa",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "evaluate",
    "halfin_whitt_beta",
    "occupancy",
    "offered_load",
    "required_agents",
    "scheduled_headcount",
    "service_level",
    "square_root_staffing",
]
