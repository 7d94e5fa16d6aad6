"""Validation of a command against the engine state: raise naming the field, change nothing.

:meth:`EngineState.check <dispatch_core.engine.state.EngineState.check>` calls
:func:`check_command` before a command is journalled or applied, so a rejected command leaves
no trace: unknown and duplicate ids, lifecycle steps the ticket's status does not allow, a
manual assignment to someone ineligible, and locations the site graph does not know.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from dispatch_core.engine import commands as c
from dispatch_core.engine.lifecycle import AWAITING_DISPATCH, TRANSITIONS, Action, transition
from dispatch_core.errors import (
    DuplicateEntityError,
    IllegalTransitionError,
    InvalidInputError,
    UnknownNodeError,
    UnknownTicketError,
)

if TYPE_CHECKING:  # pragma: no cover - import for annotations only
    from dispatch_core.engine.state import EngineState

__all__ = [
    "MAX_INSTANT",
    "MIN_INSTANT",
    "check_command",
    "check_instant",
]


#: The instants the engine accepts: SLA deadlines are computed years ahead and its timer wheel
#: counts seconds from the Unix epoch, so times outside this range are refused at the door.
MIN_INSTANT = datetime(1970, 1, 2, tzinfo=UTC)
MAX_INSTANT = datetime(9000, 1, 1, tzinfo=UTC)


def check_instant(field: str, at: datetime) -> None:
    """Raise :class:`InvalidInputError` naming ``field`` if ``at`` is outside the range.

    Examples
    --------
    >>> check_instant("at", datetime(2026, 3, 2, tzinfo=UTC))
    >>> check_instant("at", datetime(9999, 12, 31, 23, tzinfo=UTC))
    Traceback (most recent call last):
    ...
    dispatch_core.errors.InvalidInputError: invalid input: at=...: must be between ...
    """
    if not MIN_INSTANT <= at < MAX_INSTANT:
        msg = f"must be between {MIN_INSTANT.isoformat()} and {MAX_INSTANT.isoformat()}"
        raise InvalidInputError(field, at, msg)


#: The lifecycle action of each ticket-level command.
_TICKET_ACTIONS: dict[type[c.CommandBase], Action] = {
    c.Acknowledge: Action.ACKNOWLEDGE,
    c.Accept: Action.ACCEPT,
    c.ArriveOnSite: Action.ARRIVE,
    c.PutOnHold: Action.HOLD,
    c.Resume: Action.RESUME,
    c.Resolve: Action.RESOLVE,
    c.RecordFeedback: Action.FEEDBACK,
    c.Close: Action.CLOSE,
    c.Reopen: Action.REOPEN,
    c.Cancel: Action.CANCEL,
}


def check_command(
    st: EngineState, cmd: c.CommandBase, *, has_node: Callable[[str], bool] | None = None
) -> None:
    """Raise if ``cmd`` cannot be applied to ``st`` now; change nothing.

    Parameters
    ----------
    st : EngineState
        The state the command would change.
    cmd : CommandBase
        The command.
    has_node : callable, optional
        Whether a site-graph node exists; without it locations are not checked.

    Raises
    ------
    DispatchError
        A subclass naming the field and value (unknown id, duplicate id, illegal
        transition, ineligible staff member, unknown site node).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from dispatch_core.engine.config import EngineConfig
    >>> from dispatch_core.engine.state import EngineState
    >>> at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    >>> check_command(EngineState(EngineConfig()), c.Accept(key="k1", at=at, ticket_id="T-9"))
    Traceback (most recent call last):
    ...
    dispatch_core.errors.UnknownTicketError: ...'T-9'...
    """
    action = _TICKET_ACTIONS.get(type(cmd))
    if action is not None:  # the common case first
        rec = st.tickets.get(cmd.ticket_id)  # type: ignore[attr-defined]
        if rec is None:
            raise UnknownTicketError(cmd.ticket_id, field="ticket_id")  # type: ignore[attr-defined]
        if rec.status not in TRANSITIONS[action]:
            transition(rec.ticket.id, rec.status, action)  # raises the error
        if action is Action.ACKNOWLEDGE and rec.acknowledged:
            raise IllegalTransitionError(rec.ticket.id, "already acknowledged", action)
        if action is Action.FEEDBACK and rec.rated:
            raise IllegalTransitionError(rec.ticket.id, "already rated", action)
    else:
        _check_other(st, cmd, has_node)


def _check_other(
    st: EngineState, cmd: c.CommandBase, has_node: Callable[[str], bool] | None
) -> None:
    if isinstance(cmd, c.OpenTicket):
        t = cmd.ticket
        if t.id in st.tickets:
            raise DuplicateEntityError("ticket", t.id, field="ticket.id")
        if t.opened_at > cmd.at:
            raise InvalidInputError("ticket.opened_at", t.opened_at, "is after the command")
        check_instant("ticket.opened_at", t.opened_at)
        _check_node(has_node, t.location, "ticket.location")
    elif isinstance(cmd, c.AddStaff):
        if cmd.member.id in st.staff:
            raise DuplicateEntityError("staff member", cmd.member.id, field="member.id")
        _check_node(has_node, cmd.member.home, "member.home")
    elif isinstance(cmd, c.StaffMoved):
        st.member(cmd.staff_id)
        _check_node(has_node, cmd.node, "node")
    elif isinstance(cmd, c.StaffOnShift | c.StaffOffShift | c.StaffLoadChanged):
        st.member(cmd.staff_id)
    elif isinstance(cmd, c.AssignManually):
        _check_manual(st, cmd)
    else:  # pragma: no cover - every command type is handled above
        raise InvalidInputError("type", cmd.type, "unknown command")  # type: ignore[attr-defined]


def _check_manual(st: EngineState, cmd: c.AssignManually) -> None:
    rec = st.ticket(cmd.ticket_id)
    staff = st.member(cmd.staff_id)
    action = Action.ASSIGN if rec.status in AWAITING_DISPATCH else Action.REASSIGN
    transition(rec.ticket.id, rec.status, action)
    if rec.owner == cmd.staff_id:
        raise InvalidInputError("staff_id", cmd.staff_id, "already owns the ticket")
    why = st.ineligible(rec, staff, cmd.at)
    if why is not None:
        raise InvalidInputError("staff_id", cmd.staff_id, why, model="AssignManually")


def _check_node(has_node: Callable[[str], bool] | None, node: str, field: str) -> None:
    if has_node is not None and not has_node(node):
        raise UnknownNodeError(node, field=field)
