"""The ticket lifecycle: the closed loop intake → dispatch → execution → feedback → evaluation.

A pure transition table, no I/O. :func:`transition` returns the next status or raises
:class:`~dispatch_core.errors.IllegalTransitionError` (nothing changes: there is nothing to
change, the caller applies the returned status).

:data:`ENDED` statuses end the loop: a closed or cancelled ticket leaves the engine's live
state (its events stay in the journal, read with ``Engine.ticket_history``), so nothing can
happen to it any more. Feedback and a reopen come while the ticket is resolved, before it is
closed; a resident who comes back after the close raises a new ticket.

Examples
--------
>>> transition("T-1", Status.ASSIGNED, Action.ACCEPT)
<Status.ACCEPTED: 'accepted'>
>>> transition("T-1", Status.CLOSED, Action.ACCEPT)
Traceback (most recent call last):
...
dispatch_core.errors.IllegalTransitionError: cannot accept 'T-1': it is closed
>>> transition("T-1", Status.ON_HOLD, Action.RESUME, held_from=Status.ON_SITE)
<Status.ON_SITE: 'on_site'>
>>> stage(Status.ON_SITE)
<Stage.EXECUTION: 'execution'>
"""

from __future__ import annotations

from enum import StrEnum

from dispatch_core.errors import IllegalTransitionError

__all__ = [
    "ACTIVE",
    "AWAITING_DISPATCH",
    "Action",
    "ENDED",
    "OWNED",
    "Stage",
    "Status",
    "TERMINAL",
    "TRANSITIONS",
    "allowed",
    "stage",
    "transition",
]


class Status(StrEnum):
    """Where a ticket is in its loop."""

    OPENED = "opened"
    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    ON_SITE = "on_site"
    ON_HOLD = "on_hold"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    REOPENED = "reopened"


class Stage(StrEnum):
    """The five stages of the closed loop (受理-派单-执行-反馈-评价)."""

    INTAKE = "intake"
    DISPATCH = "dispatch"
    EXECUTION = "execution"
    FEEDBACK = "feedback"
    EVALUATION = "evaluation"


class Action(StrEnum):
    """What can happen to a ticket (the verb used in error messages)."""

    ASSIGN = "assign"
    REASSIGN = "reassign"
    ACKNOWLEDGE = "acknowledge"
    ACCEPT = "accept"
    ARRIVE = "arrive on site for"
    HOLD = "put on hold"
    RESUME = "resume"
    RESOLVE = "resolve"
    FEEDBACK = "record feedback for"
    CLOSE = "close"
    REOPEN = "reopen"
    CANCEL = "cancel"


S = Status
#: Statuses waiting for an owner.
AWAITING_DISPATCH = frozenset({S.OPENED, S.REOPENED})
#: Statuses in which the ticket has an owner (and takes one unit of their capacity).
OWNED = frozenset({S.ASSIGNED, S.ACCEPTED, S.ON_SITE, S.ON_HOLD})
#: Statuses whose SLA clocks are armed (the ticket is still being worked).
ACTIVE = AWAITING_DISPATCH | OWNED
#: Statuses from which nothing but (for RESOLVED) feedback, close or reopen can happen.
TERMINAL = frozenset({S.RESOLVED, S.CLOSED, S.CANCELLED})
#: Statuses that end the loop: the ticket leaves the live state (nothing is allowed from them).
ENDED = frozenset({S.CLOSED, S.CANCELLED})

#: action → {from status: to status}; ``None`` means "stays where it is".
TRANSITIONS: dict[Action, dict[Status, Status | None]] = {
    Action.ASSIGN: {S.OPENED: S.ASSIGNED, S.REOPENED: S.ASSIGNED},
    Action.REASSIGN: {S.ASSIGNED: S.ASSIGNED, S.ACCEPTED: S.ASSIGNED},
    Action.ACKNOWLEDGE: dict.fromkeys(ACTIVE),
    Action.ACCEPT: {S.ASSIGNED: S.ACCEPTED},
    Action.ARRIVE: {S.ACCEPTED: S.ON_SITE},
    Action.HOLD: {S.ASSIGNED: S.ON_HOLD, S.ACCEPTED: S.ON_HOLD, S.ON_SITE: S.ON_HOLD},
    Action.RESUME: {S.ON_HOLD: None},
    Action.RESOLVE: dict.fromkeys(ACTIVE - {S.ON_HOLD}, S.RESOLVED),
    Action.FEEDBACK: {S.RESOLVED: None},
    Action.CLOSE: {S.RESOLVED: S.CLOSED},
    Action.REOPEN: {S.RESOLVED: S.REOPENED},
    Action.CANCEL: dict.fromkeys(ACTIVE, S.CANCELLED),
}

_STAGES = {
    S.OPENED: Stage.INTAKE,
    S.REOPENED: Stage.INTAKE,
    S.ASSIGNED: Stage.DISPATCH,
    S.ACCEPTED: Stage.EXECUTION,
    S.ON_SITE: Stage.EXECUTION,
    S.ON_HOLD: Stage.EXECUTION,
    S.RESOLVED: Stage.FEEDBACK,
    S.CLOSED: Stage.EVALUATION,
    S.CANCELLED: Stage.EVALUATION,
}


def allowed(status: Status, action: Action) -> bool:
    """Whether ``action`` is allowed from ``status``."""
    return status in TRANSITIONS[action]


def transition(
    ticket_id: str, status: Status, action: Action, *, held_from: Status | None = None
) -> Status:
    """Return the status after ``action``, or raise if it is not allowed.

    Parameters
    ----------
    ticket_id : str
        For the error message.
    status : Status
        The current status.
    action : Action
        What is attempted.
    held_from : Status, optional
        For :attr:`Action.RESUME`: the status the ticket was in before the hold.

    Raises
    ------
    IllegalTransitionError
        If ``action`` is not allowed from ``status``.
    """
    table = TRANSITIONS[action]
    if status not in table:
        raise IllegalTransitionError(ticket_id, status.value, action.value)
    target = table[status]
    if target is None:
        if action is Action.RESUME and held_from is not None:
            return held_from
        return status
    return target


def stage(status: Status) -> Stage:
    """Return the loop stage a status belongs to."""
    return _STAGES[status]
