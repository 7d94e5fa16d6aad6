"""The desk simulation: the SimPy model, scenario desks, replicated summaries and the plan.

Modules
-------
model
    The SimPy desk (contacts, agents on shifts, FIFO queue, abandonment).
scenario
    A scenario day as desks.
summary
    Replicated desk runs as estimates.
plan
    The simulated staffing plan.
"""

from __future__ import annotations

from dispatch_core.sim.desk.model import (
    Contacts,
    ContactType,
    DeskModel,
    DeskRun,
    DeskSpec,
    draw_contacts,
    simulate_desk,
)

__all__ = [
    "ContactType",
    "Contacts",
    "DeskModel",
    "DeskRun",
    "DeskSpec",
    "draw_contacts",
    "simulate_desk",
]
