"""Argument checks of the staffing formulas: each raises InvalidInputError naming the field."""

from __future__ import annotations

import math

import numpy as np

from dispatch_core.errors import InvalidInputError

__all__ = [
    "MAX_AGENTS",
    "MODEL",
    "check_agents",
    "check_fraction",
    "check_nonneg",
    "check_positive",
]

#: The model name errors carry.
MODEL = "staffing"
#: Most agents any formula accepts.
MAX_AGENTS = 1_000_000


def check_nonneg(field: str, value: float) -> float:
    """Return ``value`` as a float if it is finite and ≥ 0."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise InvalidInputError(field, value, "must be a finite number", model=MODEL)
    if value < 0:
        raise InvalidInputError(field, value, "must be ≥ 0", model=MODEL)
    return float(value)


def check_positive(field: str, value: float) -> float:
    """Return ``value`` as a float if it is finite and > 0."""
    v = check_nonneg(field, value)
    if v <= 0:
        raise InvalidInputError(field, value, "must be > 0", model=MODEL)
    return v


def check_agents(agents: int) -> int:
    """Return ``agents`` as an int if it is an integer in 0..MAX_AGENTS."""
    if not isinstance(agents, int | np.integer) or isinstance(agents, bool):
        raise InvalidInputError("agents", agents, "must be an integer", model=MODEL)
    if not 0 <= agents <= MAX_AGENTS:
        raise InvalidInputError("agents", agents, f"must be in 0..{MAX_AGENTS}", model=MODEL)
    return int(agents)


def check_fraction(field: str, value: float, *, open_upper: bool = False) -> float:
    """Return ``value`` if it is in [0, 1] (or [0, 1) with ``open_upper``)."""
    v = check_nonneg(field, value)
    if v > 1 or (open_upper and v >= 1):
        bound = "< 1" if open_upper else "≤ 1"
        raise InvalidInputError(field, value, f"must be {bound}", model=MODEL)
    return v
