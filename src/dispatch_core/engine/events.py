"""Typed outbound events: what the engine tells the world.

Every event is a frozen slotted dataclass with a ``type`` tag, a ``seq`` that increases by one
per event across the engine's whole history (consumers de-duplicate on it after a crash:
delivery is at-least-once, the effect exactly-once) and the time ``at`` it happened.

The engine builds events itself, from commands it has validated and state it keeps, so an
event is built the ordinary way, ``TicketClosed(seq=..., at=..., ticket_id=...)``, and is not
validated again. Everything that crosses the boundary goes through one pydantic
:class:`~pydantic.TypeAdapter` over :data:`Event`, the union discriminated by ``type``:
:func:`event_to_json` and :func:`event_to_dict` write an event, :func:`parse_event` reads one
back *with* validation, and :func:`event_json_schema` describes them all.

Examples
--------
>>> from datetime import UTC, datetime
>>> ev = TicketClosed(seq=7, at=datetime(2026, 3, 2, 9, tzinfo=UTC), ticket_id="T-1",
...                   property_id="P1", command_key="close-T-1")
>>> event_to_json(ev)  # doctest: +ELLIPSIS
'{"seq":7,"at":"2026-03-02T09:00:00Z","property_id":"P1","command_key":"close-T-1",...}'
>>> parse_event(event_to_json(ev)) == ev
True
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Annotated, Any, Literal

import pydantic
from pydantic import ConfigDict, Field, TypeAdapter, with_config

from dispatch_core.engine.commands import HoldReason
from dispatch_core.errors import InvalidInputError
from dispatch_core.model import AwareDatetime, Category, Priority, Role, SlaLevel, SlaMetric

#: The layout of events written by this version (1: before ``property_id``, ``command_key``
#: and ``schema_version`` were added to every event).
EVENT_SCHEMA_VERSION = 2

__all__ = [
    "ComplaintRateAlarm",
    "EVENT_SCHEMA_VERSION",
    "EVENT_TYPES",
    "EscalationRaised",
    "Event",
    "EventBase",
    "FeedbackRecorded",
    "SlaLevelChanged",
    "StaffChanged",
    "TechnicianArrived",
    "TicketAccepted",
    "TicketAcknowledged",
    "TicketAssigned",
    "TicketCancelled",
    "TicketClosed",
    "TicketEvent",
    "TicketOnHold",
    "TicketOpened",
    "TicketReassigned",
    "TicketReopened",
    "TicketResolved",
    "TicketResumed",
    "TicketUnassignable",
    "event_json_schema",
    "event_to_dict",
    "event_to_json",
    "parse_event",
]


# Keyword-only, so that a defaulted field (the ``type`` tag) may come before the others and the
# JSON keeps its field order. Unknown fields are refused when an event is read back
# (``parse_event``); the subclasses inherit that.
@with_config(ConfigDict(extra="forbid"))
@dataclass(frozen=True, slots=True, kw_only=True)
class EventBase:
    """Fields every event carries.

    Attributes
    ----------
    seq : int
        Its global sequence number (gapless, from 1).
    at : datetime
        When it happened.
    property_id : str or None
        The property (community) it concerns; ``None`` for staff events (a member may serve
        several properties).
    command_key : str or None
        The idempotency key of the command that caused it; ``None`` when time passing caused
        it (an SLA threshold fired by ``advance``, or before a command's own events).
    schema_version : int
        The layout of the event's JSON, :data:`EVENT_SCHEMA_VERSION`. Events stored before
        version 2 had none of these three fields; they read back with ``None`` for the two
        above and this version.
    """

    seq: Annotated[int, Field(ge=1)]
    at: AwareDatetime
    property_id: str | None = None
    command_key: str | None = None
    schema_version: int = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketEvent(EventBase):
    """Fields every event about one ticket carries: the ticket's id."""

    ticket_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketOpened(TicketEvent):
    """A ticket entered intake."""

    type: Literal["ticket_opened"] = "ticket_opened"
    property_id: str
    category: Category
    priority: Priority


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketAcknowledged(TicketEvent):
    """The resident got a first response."""

    type: Literal["ticket_acknowledged"] = "ticket_acknowledged"


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketAssigned(TicketEvent):
    """A ticket without an owner got one; ``explanation`` says why this member."""

    type: Literal["ticket_assigned"] = "ticket_assigned"
    staff_id: str
    score: float
    explanation: dict[str, Any]
    manual: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketReassigned(TicketEvent):
    """An owned ticket moved to another member (by hand or on an SLA warning)."""

    type: Literal["ticket_reassigned"] = "ticket_reassigned"
    from_staff_id: str
    staff_id: str
    score: float
    explanation: dict[str, Any]
    manual: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketUnassignable(TicketEvent):
    """Nobody can take the ticket now; it waits in the queue. ``explanation`` says why."""

    type: Literal["ticket_unassignable"] = "ticket_unassignable"
    explanation: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketAccepted(TicketEvent):
    """The owner accepted the work order."""

    type: Literal["ticket_accepted"] = "ticket_accepted"
    staff_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TechnicianArrived(TicketEvent):
    """The owner arrived on site."""

    type: Literal["technician_arrived"] = "technician_arrived"
    staff_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketOnHold(TicketEvent):
    """Work waits; SLA clocks are paused."""

    type: Literal["ticket_on_hold"] = "ticket_on_hold"
    reason: HoldReason


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketResumed(TicketEvent):
    """Work continues; SLA clocks run again."""

    type: Literal["ticket_resumed"] = "ticket_resumed"


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketResolved(TicketEvent):
    """The work is done; ``first_contact`` when no transfer, hold or reopen was needed."""

    type: Literal["ticket_resolved"] = "ticket_resolved"
    staff_id: str | None
    first_contact: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedbackRecorded(TicketEvent):
    """The resident rated the service (1–5)."""

    type: Literal["feedback_recorded"] = "feedback_recorded"
    rating: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketClosed(TicketEvent):
    """The loop is closed."""

    type: Literal["ticket_closed"] = "ticket_closed"


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketReopened(TicketEvent):
    """A resolved or closed ticket came back."""

    type: Literal["ticket_reopened"] = "ticket_reopened"


@dataclass(frozen=True, slots=True, kw_only=True)
class TicketCancelled(TicketEvent):
    """The ticket was withdrawn."""

    type: Literal["ticket_cancelled"] = "ticket_cancelled"


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffChanged(EventBase):
    """A staff member was added, went on or off shift, moved, or had their load change."""

    type: Literal["staff_changed"] = "staff_changed"
    staff_id: str
    change: Literal["added", "on_shift", "off_shift", "moved", "load"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SlaLevelChanged(TicketEvent):
    """An SLA clock crossed a threshold (``level`` is e.g. ``"yellow"`` or ``"red"``)."""

    type: Literal["sla_level_changed"] = "sla_level_changed"
    metric: SlaMetric
    level: SlaLevel


@dataclass(frozen=True, slots=True, kw_only=True)
class EscalationRaised(TicketEvent):
    """Management must step in: ``role`` is who is notified."""

    type: Literal["escalation_raised"] = "escalation_raised"
    metric: SlaMetric
    level: SlaLevel
    role: Role


@dataclass(frozen=True, slots=True, kw_only=True)
class ComplaintRateAlarm(EventBase):
    """A property's complaint rate over the rolling window is above the alarm threshold.

    The supervisor owes an improvement plan by ``plan_due_at``.
    """

    type: Literal["complaint_rate_alarm"] = "complaint_rate_alarm"
    property_id: str
    complaints: int
    tickets: int
    rate: float
    role: Role = Role.SUPERVISOR
    plan_due_at: AwareDatetime


#: Any event, discriminated by its ``type`` tag.
Event = Annotated[
    TicketOpened
    | TicketAcknowledged
    | TicketAssigned
    | TicketReassigned
    | TicketUnassignable
    | TicketAccepted
    | TechnicianArrived
    | TicketOnHold
    | TicketResumed
    | TicketResolved
    | FeedbackRecorded
    | TicketClosed
    | TicketReopened
    | TicketCancelled
    | StaffChanged
    | SlaLevelChanged
    | EscalationRaised
    | ComplaintRateAlarm,
    Field(discriminator="type"),
]

_CLASSES: tuple[type[EventBase], ...] = (
    TicketOpened,
    TicketAcknowledged,
    TicketAssigned,
    TicketReassigned,
    TicketUnassignable,
    TicketAccepted,
    TechnicianArrived,
    TicketOnHold,
    TicketResumed,
    TicketResolved,
    FeedbackRecorded,
    TicketClosed,
    TicketReopened,
    TicketCancelled,
    StaffChanged,
    SlaLevelChanged,
    EscalationRaised,
    ComplaintRateAlarm,
)


def _tag(cls: type[EventBase]) -> str:
    """Return the ``type`` tag of an event class (the default of its ``type`` field)."""
    (tag,) = (f.default for f in fields(cls) if f.name == "type")
    return str(tag)


#: Every concrete event class, by its ``type`` tag.
EVENT_TYPES: dict[str, type[EventBase]] = {_tag(cls): cls for cls in _CLASSES}

#: The one place events meet pydantic: writing, reading and describing them.
_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def event_to_json(event: EventBase) -> str:
    """Serialise one event as compact JSON (stable field order, byte-identical across runs).

    The fields come in the class's order (``seq``, ``at``, the ticket id, then ``type`` and
    the rest); times are ISO 8601 with their offset (``Z`` for UTC), enums their values.

    Parameters
    ----------
    event : EventBase
        Any concrete event.

    Returns
    -------
    str
        The JSON text; :func:`parse_event` reads it back to an equal event.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    >>> event_to_json(StaffChanged(seq=3, at=at, staff_id="s1", change="on_shift"))
    '{"seq":3,...,"type":"staff_changed","staff_id":"s1","change":"on_shift"}'
    """
    return _ADAPTER.dump_json(event).decode()  # type: ignore[arg-type]


def event_to_dict(event: EventBase) -> dict[str, Any]:
    """Return one event as a JSON-ready dict: ``json.loads(event_to_json(event))``.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    >>> event_to_dict(TicketClosed(seq=1, at=at, ticket_id="T-1"))  # doctest: +ELLIPSIS
    {'seq': 1, 'at': '2026-03-02T09:00:00Z', 'property_id': None, ..., 'type': 'ticket_closed'}
    """
    out: dict[str, Any] = _ADAPTER.dump_python(event, mode="json")  # type: ignore[arg-type]
    return out


def event_json_schema() -> dict[str, Any]:
    """Return the JSON schema of :data:`Event` (every event type, discriminated by ``type``).

    Examples
    --------
    >>> schema = event_json_schema()
    >>> schema["discriminator"]["propertyName"]
    'type'
    >>> schema["$defs"]["TicketClosed"]["required"]
    ['seq', 'at', 'ticket_id']
    """
    return _ADAPTER.json_schema()


def parse_event(data: str | bytes | dict[str, Any]) -> Event:
    """Read an event back from JSON text or a dict, validating every field.

    Parameters
    ----------
    data : str, bytes or dict
        What :func:`event_to_json` or :func:`event_to_dict` wrote (or an equivalent).

    Returns
    -------
    Event
        The concrete event its ``type`` tag names.

    Raises
    ------
    InvalidInputError
        Naming the first bad field and its value.

    Examples
    --------
    >>> text = '{"type":"ticket_closed","seq":1,"at":"2026-03-02T09:00Z","ticket_id":"T-1"}'
    >>> ev = parse_event(text)
    >>> type(ev).__name__, ev.seq, ev.at.isoformat()
    ('TicketClosed', 1, '2026-03-02T09:00:00+00:00')
    >>> parse_event({"type": "ticket_closed", "seq": 0, "at": "2026-03-02T09:00:00Z"})
    Traceback (most recent call last):
    ...
    dispatch_core.errors.InvalidInputError: invalid Event: ticket_closed.seq=0: ...
    """
    try:
        if isinstance(data, str | bytes):
            return _ADAPTER.validate_json(data)
        return _ADAPTER.validate_python(data)
    except pydantic.ValidationError as exc:
        raise InvalidInputError.from_pydantic(exc, model="Event") from None
