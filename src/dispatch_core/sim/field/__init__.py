"""The field simulation: the desk, the real engine and technicians.

Modules
-------
spec
    What a field run takes and returns.
driver
    The SimPy model that drives the real :class:`~dispatch_core.engine.Engine`.
plan
    Technician staffing per shift.
"""

from __future__ import annotations

from dispatch_core.sim.field.driver import FieldModel, simulate_field
from dispatch_core.sim.field.spec import (
    DAY_S,
    EPOCH,
    FIELD_CATEGORIES,
    FIELD_SKILLS,
    JUDGED,
    FieldRun,
    FieldSpec,
    TechShift,
)

__all__ = [
    "DAY_S",
    "EPOCH",
    "FIELD_CATEGORIES",
    "FIELD_SKILLS",
    "FieldModel",
    "FieldRun",
    "FieldSpec",
    "JUDGED",
    "TechShift",
    "simulate_field",
]
