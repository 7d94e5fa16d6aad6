"""Typed outbound events: what the engine tells the world.

Every event is a frozen pydantic model with a ``type`` tag, a ``seq`` that increases by one
per event across the engine's whole history (consumers de-duplicate on it after a crash:
delivery is at-least-once, the effect exactly-once) and the time ``at`` it happened.
:data:`Event` is the discriminated union; :func:`parse_event` reads one back from JSON.

Examples
--------
>>> from datetime import UTC, datetime
>>> ev = TicketClosed(seq=7, at=datetime(2026, 3, 2, 9, tzinfo=UTC), ticket_id="T-1")
>>> ev.model_dump_json()
'{"seq":7,"at":"2026-03-02T09:00:00Z","ticket_id":"T-1","type":"ticket_closed"}'
>>> parse_event(ev.model_dump_json()) == ev
True
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

import pydantic
from pydantic import Field, TypeAdapter

from dispatch_core.engine.commands import HoldReason
from dispatch_core.errors import InvalidInputError
from dispatch_core.model import (
    AwareDatetime,
    Category,
    DomainModel,
    Priority,
    Role,
    SlaLevel,
    SlaMetric,
)
from dispatch_core.model._base import set_extra, set_fields_set, set_model_dict, set_private

__all__ = [
    "ComplaintRateAlarm",
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
    "TicketOnHold",
    "TicketOpened",
    "TicketReassigned",
    "TicketReopened",
    "TicketResolved",
    "TicketResumed",
    "TicketUnassignable",
    "event_to_json",
    "parse_event",
    "trusted",
]


class EventBase(DomainModel):
    """Fields every event carries: its global sequence number and when it happened."""

    seq: Annotated[int, Field(ge=1)]
    at: AwareDatetime


class _TicketEvent(EventBase):
    ticket_id: str


class TicketOpened(_TicketEvent):
    """A ticket entered intake."""

    type: Literal["ticket_opened"] = "ticket_opened"
    property_id: str
    category: Category
    priority: Priority


class TicketAcknowledged(_TicketEvent):
    """The resident got a first response."""

    type: Literal["ticket_acknowledged"] = "ticket_acknowledged"


class TicketAssigned(_TicketEvent):
    """A ticket without an owner got one; ``explanation`` says why this member."""

    type: Literal["ticket_assigned"] = "ticket_assigned"
    staff_id: str
    score: float
    explanation: dict[str, Any]
    manual: bool = False


class TicketReassigned(_TicketEvent):
    """An owned ticket moved to another member (by hand or on an SLA warning)."""

    type: Literal["ticket_reassigned"] = "ticket_reassigned"
    from_staff_id: str
    staff_id: str
    score: float
    explanation: dict[str, Any]
    manual: bool = False


class TicketUnassignable(_TicketEvent):
    """Nobody can take the ticket now; it waits in the queue. ``explanation`` says why."""

    type: Literal["ticket_unassignable"] = "ticket_unassignable"
    explanation: dict[str, Any]


class TicketAccepted(_TicketEvent):
    """The owner accepted the work order."""

    type: Literal["ticket_accepted"] = "ticket_accepted"
    staff_id: str


class TechnicianArrived(_TicketEvent):
    """The owner arrived on site."""

    type: Literal["technician_arrived"] = "technician_arrived"
    staff_id: str


class TicketOnHold(_TicketEvent):
    """Work waits; SLA clocks are paused."""

    type: Literal["ticket_on_hold"] = "ticket_on_hold"
    reason: HoldReason


class TicketResumed(_TicketEvent):
    """Work continues; SLA clocks run again."""

    type: Literal["ticket_resumed"] = "ticket_resumed"


class TicketResolved(_TicketEvent):
    """The work is done; ``first_contact`` when no transfer, hold or reopen was needed."""

    type: Literal["ticket_resolved"] = "ticket_resolved"
    staff_id: str | None
    first_contact: bool


class FeedbackRecorded(_TicketEvent):
    """The resident rated the service (1–5)."""

    type: Literal["feedback_recorded"] = "feedback_recorded"
    rating: int


class TicketClosed(_TicketEvent):
    """The loop is closed."""

    type: Literal["ticket_closed"] = "ticket_closed"


class TicketReopened(_TicketEvent):
    """A resolved or closed ticket came back."""

    type: Literal["ticket_reopened"] = "ticket_reopened"


class TicketCancelled(_TicketEvent):
    """The ticket was withdrawn."""

    type: Literal["ticket_cancelled"] = "ticket_cancelled"


class StaffChanged(EventBase):
    """A staff member was added, went on or off shift, moved, or had their load change."""

    type: Literal["staff_changed"] = "staff_changed"
    staff_id: str
    change: Literal["added", "on_shift", "off_shift", "moved", "load"]


class SlaLevelChanged(_TicketEvent):
    """An SLA clock crossed a threshold (``level`` is e.g. ``"yellow"`` or ``"red"``)."""

    type: Literal["sla_level_changed"] = "sla_level_changed"
    metric: SlaMetric
    level: SlaLevel


class EscalationRaised(_TicketEvent):
    """Management must step in: ``role`` is who is notified."""

    type: Literal["escalation_raised"] = "escalation_raised"
    metric: SlaMetric
    level: SlaLevel
    role: Role


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

#: Every concrete event class, by its ``type`` tag.
EVENT_TYPES: dict[str, type[EventBase]] = {
    cls.model_fields["type"].default: cls
    for cls in (
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
}

_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


_E = TypeVar("_E", bound=EventBase)


def trusted(cls: type[_E], **fields: Any) -> _E:
    """Build an event from fields that are already valid, without re-validating them.

    The engine's hot path: its events are made from validated commands and records. Same
    result as ``cls(**fields)`` (tests check it), at a fraction of the cost.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    >>> trusted(TicketClosed, seq=1, at=at, ticket_id="T") == TicketClosed(
    ...     seq=1, at=at, ticket_id="T")
    True
    """
    return _make(cls, fields)


def _make(cls: type[_E], fields: dict[str, Any]) -> _E:
    """:func:`trusted` on a dict the caller hands over (every field but ``type``)."""
    shape = _SHAPES.get(cls)
    if shape is None:
        shape = _SHAPES[cls] = _shape(cls)
    template, given = shape
    obj = _new(cls)
    set_fields_set(obj, set(fields))
    # A copy of the template has the fields in the model's order (the order model_dump
    # keeps) and the ``type`` tag; update() keeps that order: two C calls, no Python loop.
    values = template.copy()
    values.update(fields)
    if len(fields) != given or len(values) != given + 1:
        missing = sorted(template.keys() - fields.keys() - {"type"})
        unknown = sorted(fields.keys() - template.keys())
        msg = f"{cls.__name__}: missing fields {missing}, unknown fields {unknown}"
        raise TypeError(msg)
    set_model_dict(obj, values)
    set_extra(obj, None)
    set_private(obj, None)
    return obj


_new = object.__new__


def _shape(cls: type[EventBase]) -> tuple[dict[str, Any], int]:
    """Return the class's fields in order (``None``, but the ``type`` tag) and their count - 1."""
    template: dict[str, Any] = dict.fromkeys(cls.model_fields)
    template["type"] = cls.model_fields["type"].default
    return template, len(template) - 1


_SHAPES: dict[type[EventBase], tuple[dict[str, Any], int]] = {}


def event_to_json(event: EventBase) -> str:
    """Serialise one event as compact JSON (stable field order, byte-identical across runs)."""
    return event.model_dump_json()


def parse_event(data: str | bytes | dict[str, Any]) -> Event:
    """Read an event back from JSON text or a dict.

    Raises
    ------
    InvalidInputError
        Naming the first bad field and its value.
    """
    try:
        if isinstance(data, str | bytes):
            return _ADAPTER.validate_json(data)
        return _ADAPTER.validate_python(data)
    except pydantic.ValidationError as exc:
        raise InvalidInputError.from_pydantic(exc, model="Event") from None
