from __future__ import annotations

import inspect

import pytest

from dispatch_core import errors
from dispatch_core.errors import (
    DispatchError,
    IllegalTransitionError,
    InvalidInputError,
    UnknownTicketError,
)


def test_every_error_derives_from_the_root() -> None:
    classes = [
        obj
        for name, obj in vars(errors).items()
        if inspect.isclass(obj) and issubclass(obj, Exception) and name in errors.__all__
    ]
    assert classes
    for cls in classes:
        assert issubclass(cls, DispatchError), cls


def test_tree_in_docstring_names_every_error() -> None:
    doc = errors.__doc__ or ""
    for name in errors.__all__:
        obj = getattr(errors, name)
        if inspect.isclass(obj) and issubclass(obj, Exception):
            assert name in doc, name


def test_unknown_ticket_is_a_key_error_with_readable_message() -> None:
    err = UnknownTicketError("T-9", field="ticket_id")
    assert isinstance(err, KeyError)
    assert str(err) == "unknown open ticket 'T-9' (field 'ticket_id')"
    with pytest.raises(KeyError):
        raise err


def test_illegal_transition_message() -> None:
    err = IllegalTransitionError("T-1", "closed", "assign")
    assert str(err) == "cannot assign 'T-1': it is closed"


def test_invalid_input_truncates_long_values() -> None:
    err = InvalidInputError("x", "y" * 500, "too long")
    assert len(str(err)) < 200
