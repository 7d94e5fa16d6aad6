"""Typed inbound commands: what a platform asks the engine to do.

Every command is a frozen pydantic model with a ``type`` tag, a client-chosen idempotency
``key`` and an aware timestamp ``at``. :data:`Command` is the discriminated union, so a journal
(or a message queue) can round-trip any command as JSON with :func:`parse_command`.

Examples
--------
>>> from datetime import UTC, datetime
>>> cmd = Accept(key="k-1", at=datetime(2026, 3, 2, 9, tzinfo=UTC), ticket_id="T-1")
>>> cmd.type
'accept'
>>> parse_command(cmd.model_dump_json()) == cmd
True
>>> parse_command({"type": "accept", "key": "k-2", "at": "2026-03-02T09:00:00",
...                "ticket_id": "T-1"})
Traceback (most recent call last):
...
dispatch_core.errors.InvalidInputError: invalid Command: accept.at=...: naive ...
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Annotated, Any, Literal

import pydantic
from pydantic import Field, StringConstraints, TypeAdapter

from dispatch_core.errors import InvalidInputError
from dispatch_core.model import AwareDatetime, DomainModel, Identifier, StaffMember, Ticket

__all__ = [
    "Accept",
    "Acknowledge",
    "AddStaff",
    "ArriveOnSite",
    "AssignManually",
    "COMMAND_TYPES",
    "Cancel",
    "Close",
    "Command",
    "CommandBase",
    "HoldReason",
    "IdempotencyKey",
    "MAX_NESTING",
    "OpenTicket",
    "PutOnHold",
    "RecordFeedback",
    "Reopen",
    "Resolve",
    "Resume",
    "StaffLoadChanged",
    "StaffMoved",
    "StaffOffShift",
    "StaffOnShift",
    "check_nesting",
    "parse_command",
]

#: A client-chosen idempotency key: 1–128 printable ASCII characters without spaces.
IdempotencyKey = Annotated[
    str, StringConstraints(min_length=1, max_length=128, pattern=r"^[!-~]+$")
]


class HoldReason(StrEnum):
    """Why a ticket is put on hold (its SLA clocks pause meanwhile)."""

    RESIDENT = "resident"
    PARTS = "parts"
    ACCESS = "access"
    OTHER = "other"


class CommandBase(DomainModel):
    """Fields every command carries.

    Parameters
    ----------
    key : str
        Client-chosen idempotency key; sending the same key again returns the original result.
    at : datetime
        When the command happened (timezone-aware); commands must not go back in time.
    """

    key: IdempotencyKey
    at: AwareDatetime


class _TicketCommand(CommandBase):
    ticket_id: Identifier


class _StaffCommand(CommandBase):
    staff_id: Identifier


class OpenTicket(CommandBase):
    """A resident raised ``ticket`` (intake, 受理); the engine dispatches it at once."""

    type: Literal["open_ticket"] = "open_ticket"
    ticket: Ticket


class Acknowledge(_TicketCommand):
    """The desk gave the resident a first response (stops the first-response clock)."""

    type: Literal["acknowledge"] = "acknowledge"


class AssignManually(_TicketCommand):
    """A dispatcher assigns (or reassigns) the ticket to ``staff_id`` by hand."""

    type: Literal["assign_manually"] = "assign_manually"
    staff_id: Identifier


class Accept(_TicketCommand):
    """The assignee accepted the work order."""

    type: Literal["accept"] = "accept"


class ArriveOnSite(_TicketCommand):
    """The technician arrived on site.

    Stops the on-site clock, and the owner is now at the ticket's location: when that is not
    where the engine had them, it moves them there (a ``staff_changed`` event, ``"moved"``),
    as a :class:`StaffMoved` would.
    """

    type: Literal["arrive_on_site"] = "arrive_on_site"


class PutOnHold(_TicketCommand):
    """Work waits for the resident, parts or access; SLA clocks pause."""

    type: Literal["put_on_hold"] = "put_on_hold"
    reason: HoldReason = HoldReason.OTHER


class Resume(_TicketCommand):
    """Work on a held ticket continues; SLA clocks resume."""

    type: Literal["resume"] = "resume"


class Resolve(_TicketCommand):
    """The work is done and the result fed back (stops the remaining SLA clocks)."""

    type: Literal["resolve"] = "resolve"


class RecordFeedback(_TicketCommand):
    """The resident rated the service from 1 (bad) to 5 (excellent); no free text is kept."""

    type: Literal["record_feedback"] = "record_feedback"
    rating: Annotated[int, Field(ge=1, le=5, strict=True)]


class Close(_TicketCommand):
    """The loop is closed after feedback (evaluation, 评价)."""

    type: Literal["close"] = "close"


class Reopen(_TicketCommand):
    """A resolved or closed ticket comes back; it is dispatched again."""

    type: Literal["reopen"] = "reopen"


class Cancel(_TicketCommand):
    """The ticket is withdrawn; its clocks stop and its technician is freed."""

    type: Literal["cancel"] = "cancel"


class StaffOnShift(_StaffCommand):
    """A staff member starts work and can be dispatched to."""

    type: Literal["staff_on_shift"] = "staff_on_shift"


class StaffOffShift(_StaffCommand):
    """A staff member stops taking new work (current work stays theirs)."""

    type: Literal["staff_off_shift"] = "staff_off_shift"


class StaffMoved(_StaffCommand):
    """A staff member is now at site-graph node ``node``."""

    type: Literal["staff_moved"] = "staff_moved"
    node: Identifier


class StaffLoadChanged(_StaffCommand):
    """Work from outside the engine now occupies ``load`` of the member's capacity."""

    type: Literal["staff_load_changed"] = "staff_load_changed"
    load: Annotated[int, Field(ge=0, le=50, strict=True)]


class AddStaff(CommandBase):
    """A new staff member joins (on shift, at their home node)."""

    type: Literal["add_staff"] = "add_staff"
    member: StaffMember


#: Any command, discriminated by its ``type`` tag.
Command = Annotated[
    OpenTicket
    | Acknowledge
    | AssignManually
    | Accept
    | ArriveOnSite
    | PutOnHold
    | Resume
    | Resolve
    | RecordFeedback
    | Close
    | Reopen
    | Cancel
    | StaffOnShift
    | StaffOffShift
    | StaffMoved
    | StaffLoadChanged
    | AddStaff,
    Field(discriminator="type"),
]

#: Every concrete command class, by its ``type`` tag.
COMMAND_TYPES: dict[str, type[CommandBase]] = {
    cls.model_fields["type"].default: cls
    for cls in (
        OpenTicket,
        Acknowledge,
        AssignManually,
        Accept,
        ArriveOnSite,
        PutOnHold,
        Resume,
        Resolve,
        RecordFeedback,
        Close,
        Reopen,
        Cancel,
        StaffOnShift,
        StaffOffShift,
        StaffMoved,
        StaffLoadChanged,
        AddStaff,
    )
}

_ADAPTER: TypeAdapter[Command] = TypeAdapter(Command)


#: How deep a command given as a mapping may nest (a real command nests 4 levels).
MAX_NESTING = 32


def check_nesting(field: str, value: object, limit: int = MAX_NESTING) -> None:
    """Raise :class:`InvalidInputError` if ``value`` nests dicts/lists deeper than ``limit``.

    Iterative, so hostile input 10^5 levels deep costs a bounded walk and cannot raise
    ``RecursionError`` (which pydantic's error reporting would meet on such input).

    Examples
    --------
    >>> check_nesting("command", {"a": [1, {"b": 2}]})
    >>> deep = 1
    >>> for _ in range(100):
    ...     deep = [deep]
    >>> check_nesting("command", {"a": deep})
    Traceback (most recent call last):
    ...
    dispatch_core.errors.InvalidInputError: invalid input: command=...: nests deeper than 32 levels
    """
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Iterable[object] = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth > limit:
            raise InvalidInputError(field, value, f"nests deeper than {limit} levels")
        stack.extend((child, depth + 1) for child in children)


def parse_command(data: str | bytes | dict[str, Any]) -> Command:
    """Build a command from JSON text or a dict, by its ``type`` tag.

    Parameters
    ----------
    data : str, bytes or dict
        The command as JSON or as a plain mapping.

    Returns
    -------
    Command
        The typed, validated command.

    Raises
    ------
    InvalidInputError
        Naming the first bad field and its value (``type`` for an unknown tag; ``command``
        for a mapping nested deeper than :data:`MAX_NESTING` levels).
    """
    try:
        if isinstance(data, str | bytes):
            return _ADAPTER.validate_json(data)  # pydantic's JSON parser bounds its own depth
        check_nesting("command", data)
        return _ADAPTER.validate_python(data)
    except pydantic.ValidationError as exc:
        raise InvalidInputError.from_pydantic(exc, model="Command") from None
