"""Exceptions raised by dispatch_core.

Every error the library raises on purpose derives from :class:`DispatchError`, so an embedding
platform can catch one type. Where a builtin fits, the error also derives from it, so code that
already catches ``ValueError`` or ``KeyError`` keeps working::

    DispatchError
    ├── InvalidInputError (ValueError)        a field has a bad value; names field and value
    │   ├── ScenarioError                     a scenario or policy file is invalid (adds .line)
    │   ├── ClockError                        time would go backwards
    │   └── IdempotencyConflictError          a key reused for a different command (adds .seq)
    ├── UnknownEntityError (KeyError)         an id that the engine does not know
    │   ├── UnknownTicketError
    │   ├── UnknownStaffError
    │   └── UnknownNodeError                  a site-graph node that does not exist
    ├── DuplicateEntityError (ValueError)     an id that already exists
    ├── IllegalTransitionError                a lifecycle step not allowed from the current state
    ├── InfeasibleAssignmentError             no technician satisfies the hard rules
    ├── SolverError                           an optimiser failed or found no feasible solution
    └── JournalError (OSError)                the durable journal cannot be read or written
        ├── JournalCorruptError               a record, snapshot or metadata value is damaged
        └── JournalLockedError                another engine holds the journal (one writer)

Errors carry structured attributes (``field``, ``value``, ``entity``…) as well as a message, so
callers never have to parse text.
"""

from __future__ import annotations

import reprlib
from collections.abc import Sequence
from typing import Any

__all__ = [
    "ClockError",
    "DispatchError",
    "DuplicateEntityError",
    "FieldError",
    "IdempotencyConflictError",
    "IllegalTransitionError",
    "InfeasibleAssignmentError",
    "InvalidInputError",
    "JournalCorruptError",
    "JournalError",
    "JournalLockedError",
    "ScenarioError",
    "SolverError",
    "UnknownEntityError",
    "UnknownNodeError",
    "UnknownStaffError",
    "UnknownTicketError",
]

_MAX_VALUE_REPR = 80
_MAX_REASON = 200  # one field's message (pydantic quotes the input in some of them)
_MAX_FIELDS = 5  # field errors spelled out in the message; the rest are counted
_MAX_FIELD = 120  # a field path (a path 1,000 levels deep is itself hostile input)

# reprlib bounds depth and width, so a value nested 10^4 deep or a 10^6-character string
# costs the same as a small one and cannot raise RecursionError.
_REPR = reprlib.Repr()  # Python 3.11's Repr takes no keyword arguments: set them one by one
_REPR.maxlevel = 3
_REPR.maxtuple = _REPR.maxlist = _REPR.maxarray = _REPR.maxdict = 4
_REPR.maxset = _REPR.maxfrozenset = _REPR.maxdeque = 4
_REPR.maxstring = _REPR.maxother = _MAX_VALUE_REPR
_REPR.maxlong = 40


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _short_repr(value: object) -> str:
    """Return a bounded ``repr`` (depth, width and length): safe on hostile values."""
    try:
        text = _REPR.repr(value)
    except Exception:  # a value whose __repr__ fails must not hide the error it is in
        text = f"<{type(value).__name__} object>"
    return _clip(text, _MAX_VALUE_REPR)


class DispatchError(Exception):
    """Root of every error raised on purpose by dispatch_core."""


class FieldError:
    """One problem with one field: where it is, what was given and what is wrong.

    Parameters
    ----------
    field : str
        Dotted path of the field, e.g. ``"required_skills.0.min_level"``.
    value : object
        The value that was given.
    message : str
        What is wrong with it.
    """

    __slots__ = ("field", "message", "value")

    def __init__(self, field: str, value: object, message: str) -> None:
        self.field = _clip(field, _MAX_FIELD)
        self.value = value
        self.message = message

    def __str__(self) -> str:
        return f"{self.field}={_short_repr(self.value)}: {self.message}"

    def __repr__(self) -> str:
        return f"FieldError({self.field!r}, {_short_repr(self.value)}, {self.message!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldError):
            return NotImplemented
        return (self.field, self.message) == (other.field, other.message)

    def __hash__(self) -> int:
        return hash((self.field, self.message))


class InvalidInputError(DispatchError, ValueError):
    """A value was rejected; ``field`` and ``value`` name the first offending field.

    Parameters
    ----------
    field : str
        Dotted path of the first bad field.
    value : object
        The value that was given for it.
    message : str
        What is wrong.
    errors : sequence of FieldError, optional
        Every problem found (the first one is ``field``/``value``).
    model : str, optional
        The name of the type being built, for the message.

    Examples
    --------
    >>> err = InvalidInputError("work_minutes", -5, "must be greater than 0", model="Ticket")
    >>> str(err)
    'invalid Ticket: work_minutes=-5: must be greater than 0'
    >>> err.field, err.value
    ('work_minutes', -5)
    """

    def __init__(
        self,
        field: str,
        value: object,
        message: str,
        *,
        errors: Sequence[FieldError] | None = None,
        model: str | None = None,
    ) -> None:
        self.field = _clip(field, _MAX_FIELD)
        self.value = value
        self.reason = message
        self.model = model
        self.errors: tuple[FieldError, ...] = (
            tuple(errors) if errors else (FieldError(field, value, message),)
        )
        what = f"invalid {model}" if model else "invalid input"
        detail = "; ".join(str(e) for e in self.errors[:_MAX_FIELDS])
        if len(self.errors) > _MAX_FIELDS:
            detail += f"; and {len(self.errors) - _MAX_FIELDS} more"
        super().__init__(f"{what}: {detail}")

    @classmethod
    def from_pydantic(cls, exc: Any, *, model: str | None = None) -> InvalidInputError:
        """Wrap a :class:`pydantic.ValidationError`, keeping every field error.

        Parameters
        ----------
        exc : pydantic.ValidationError
            The error to wrap.
        model : str, optional
            Name of the type being validated (defaults to pydantic's title).
        """
        found: list[FieldError] = []
        for item in exc.errors(include_url=False):
            loc = ".".join(str(part) for part in item.get("loc", ())) or "<root>"
            message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
            value = item.get("input")
            kind = item.get("type")
            ctx = item.get("ctx") or {}
            if kind in {"union_tag_invalid", "union_tag_not_found"}:
                # pydantic reports a bad tag at the union's own location, quoting the whole
                # tag; name the discriminator field and keep the message short instead.
                tag_field = str(ctx.get("discriminator", "'type'")).strip("'\"")
                loc = f"{loc}.{tag_field}" if loc != "<root>" else tag_field
                if kind == "union_tag_invalid":
                    value = ctx.get("tag")
                    message = f"unknown {tag_field}; expected one of {ctx.get('expected_tags')}"
                else:
                    value = None
                    message = f"missing {tag_field}"
            found.append(FieldError(loc, value, _clip(message, _MAX_REASON)))
        if not found:  # pragma: no cover - pydantic always reports at least one error
            found.append(FieldError("<root>", None, str(exc)))
        first = found[0]
        return cls(first.field, first.value, first.message, errors=found, model=model or exc.title)


class ScenarioError(InvalidInputError):
    """A scenario, policy or configuration file is invalid.

    ``line`` is the 1-based line of the offending key in the file, when it can be found.
    """

    def __init__(
        self,
        field: str,
        value: object,
        message: str,
        *,
        line: int | None = None,
        source: str | None = None,
        errors: Sequence[FieldError] | None = None,
    ) -> None:
        self.line = line
        self.source = source
        where = source or "scenario"
        if line is not None:
            where = f"{where}, line {line}"
        super().__init__(field, value, message, errors=errors, model=where)


class ClockError(InvalidInputError):
    """A clock or timer was asked to move backwards in time."""


class IdempotencyConflictError(InvalidInputError):
    """An idempotency key was used before for a command with different content.

    A retry with the same key and the same content (whatever its ``at``) gets the original
    result; this error is for a different command under a reused key.

    Parameters
    ----------
    key : str
        The reused key.
    seq : int or None
        The ``seq`` of the original command's first event (``None`` if it had none).

    Examples
    --------
    >>> err = IdempotencyConflictError("open-T-1", seq=42)
    >>> err.field, err.seq
    ('key', 42)
    """

    def __init__(self, key: str, *, seq: int | None) -> None:
        self.key = key
        self.seq = seq
        first = "" if seq is None else f" (its first event is seq {seq})"
        super().__init__("key", key, f"already used by a different command{first}")


class UnknownEntityError(DispatchError, KeyError):
    """An id that does not exist.

    Parameters
    ----------
    kind : str
        What was looked up (``"ticket"``, ``"technician"``, ``"node"``...).
    entity_id : object
        The id that was not found.
    field : str, optional
        The field of the command or argument that carried the id.
    """

    kind = "entity"

    def __init__(self, entity_id: object, *, field: str | None = None) -> None:
        self.entity_id = entity_id
        self.field = field
        self.value = entity_id
        super().__init__(entity_id)

    def __str__(self) -> str:
        where = f" (field {self.field!r})" if self.field else ""
        return f"unknown {self.kind} {self.entity_id!r}{where}"


class UnknownTicketError(UnknownEntityError):
    """A ticket id that is not open work: never opened, or its loop ended (closed, cancelled).

    Ended tickets are no longer in the live state; ``Engine.ticket_history`` reads their
    events.
    """

    kind = "open ticket"


class UnknownStaffError(UnknownEntityError):
    """A technician or agent id that the engine does not know."""

    kind = "staff member"


class UnknownNodeError(UnknownEntityError):
    """A site-graph node that does not exist."""

    kind = "site node"


class DuplicateEntityError(DispatchError, ValueError):
    """An id that is already in use."""

    def __init__(self, kind: str, entity_id: object, *, field: str | None = None) -> None:
        self.kind = kind
        self.entity_id = entity_id
        self.field = field
        self.value = entity_id
        super().__init__(f"{kind} {entity_id!r} already exists")


class IllegalTransitionError(DispatchError):
    """A lifecycle step that is not allowed from the current state.

    Parameters
    ----------
    entity_id : str
        The ticket (or other entity) concerned.
    state : str
        Its current state.
    action : str
        What was attempted.
    """

    def __init__(self, entity_id: str, state: str, action: str) -> None:
        self.entity_id = entity_id
        self.state = state
        self.action = action
        super().__init__(f"cannot {action} {entity_id!r}: it is {state}")


class InfeasibleAssignmentError(DispatchError):
    """No technician (or no set of technicians) satisfies the hard rules."""


class SolverError(DispatchError):
    """An optimiser failed, timed out without a feasible solution, or was given a bad model."""


class JournalError(DispatchError, OSError):
    """The durable journal cannot be opened, read or written."""


class JournalCorruptError(JournalError):
    """Part of a journal is damaged.

    A record (other than the torn last one), a snapshot that does not match the log it claims
    to cover, the metadata, or the database file itself.
    """


class JournalLockedError(JournalError):
    """Another engine (in this or another process) holds the journal: one writer at a time.

    Parameters
    ----------
    path : str
        The journal that is held.

    Examples
    --------
    >>> str(JournalLockedError("/var/lib/desk/journal.db"))
    '/var/lib/desk/journal.db: the journal is held by another engine (one writer at a time)'
    """

    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"{path}: the journal is held by another engine (one writer at a time)")
