"""What the engine's parts answer: dispatch actions, escalation actions and clock outcomes.

These enumerations are the vocabulary of the engine's ports
(:mod:`dispatch_core.engine.ports`): a dispatcher says what its decision asks for, an SLA
tracker says whether a stopped clock met its target and what a threshold crossing asks for.

Examples
--------
>>> DispatchAction("assist"), Outcome.MET == "met", EscalationAction.ESCALATE.value
(<DispatchAction.ASSIST: 'assist'>, True, 'escalate')
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["DispatchAction", "EscalationAction", "Outcome"]


class DispatchAction(StrEnum):
    """What a dispatch decision asks the engine to do."""

    ASSIGN = "assign"  # choose: give the ticket to the chosen member
    REASSIGN = "reassign"  # reallocate: a strictly better member takes the ticket over
    ASSIST = "assist"  # reallocate: an extra hand joins; the owner keeps the ticket
    NONE = "none"  # nobody fits (choose) or nothing better (reallocate)


class EscalationAction(StrEnum):
    """What crossing an SLA threshold asks for."""

    NOTIFY = "notify"  # tell the role, nothing else
    REALLOCATE = "reallocate"  # ask the dispatcher for a better or an extra technician
    ESCALATE = "escalate"  # management intervention


class Outcome(StrEnum):
    """Whether a stopped clock met its target (elapsed ≤ target) or breached it."""

    MET = "met"
    BREACHED = "breached"
