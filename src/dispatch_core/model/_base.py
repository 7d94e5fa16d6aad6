"""Shared base for the domain values: frozen pydantic models whose errors are ours."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self, TypeVar

import pydantic
from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

from dispatch_core.errors import InvalidInputError

__all__ = ["AwareDatetime", "DomainModel", "Identifier"]

#: An identifier: 1–64 characters from letters, digits and ``_ . : - /``.
Identifier = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:/\-]+$"),
]


def _check_aware(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        msg = "naive datetime; pass a timezone-aware datetime (e.g. tzinfo=UTC)"
        raise ValueError(msg)
    return value


#: A timezone-aware datetime; naive datetimes are rejected with a clear message.
AwareDatetime = Annotated[datetime, AfterValidator(_check_aware)]


class DomainModel(BaseModel):
    """Base of every domain value: immutable, no unknown fields, errors are ours.

    Construction (``Model(...)``, ``model_validate``, ``model_validate_json``) raises
    :class:`~dispatch_core.errors.InvalidInputError` naming the field and value, never pydantic's
    own error, so callers catch one tree.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        str_strip_whitespace=False,
        validate_default=True,
        use_enum_values=False,
    )

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except pydantic.ValidationError as exc:
            raise InvalidInputError.from_pydantic(exc, model=type(self).__name__) from None

    # Tell pydantic this __init__ only wraps errors: nested models are then validated by
    # pydantic-core directly, so a nested error keeps its full location ("skills.0.level").
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        """Validate ``obj``; raise :class:`InvalidInputError` on failure."""
        try:
            return super().model_validate(obj, *args, **kwargs)
        except pydantic.ValidationError as exc:
            raise InvalidInputError.from_pydantic(exc, model=cls.__name__) from None

    @classmethod
    def model_validate_json(
        cls, json_data: str | bytes | bytearray, *args: Any, **kwargs: Any
    ) -> Self:
        """Validate JSON text; raise :class:`InvalidInputError` on failure."""
        try:
            return super().model_validate_json(json_data, *args, **kwargs)
        except pydantic.ValidationError as exc:
            raise InvalidInputError.from_pydantic(exc, model=cls.__name__) from None


# -- trusted construction ---------------------------------------------------------------------
# The slots a pydantic model keeps its state in, set directly (the models are frozen, so plain
# attribute assignment is refused). Used by the hot paths that build models from values that
# are valid by construction: ``commands.trusted``, ``events.trusted``, :func:`trusted_copy`.
set_model_dict = BaseModel.__dict__["__dict__"].__set__
set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
set_private = BaseModel.__dict__["__pydantic_private__"].__set__
_new = object.__new__
_M = TypeVar("_M", bound=DomainModel)


def trusted_copy(model: _M, update: dict[str, Any]) -> _M:
    """Return ``model.model_copy(update=update)``, built directly (about 3x cheaper).

    Like ``model_copy``, the updated values are not validated: give only values that are
    valid by construction. The domain models have no private attributes and forbid extras,
    which is what makes the direct build equal to pydantic's.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> from dispatch_core.model import Ticket
    >>> t = Ticket(id="T-1", property_id="P1", category="repair", location="B1",
    ...            opened_at=datetime(2026, 3, 2, 9, tzinfo=UTC))
    >>> trusted_copy(t, {"id": "T-2"}) == t.model_copy(update={"id": "T-2"})
    True
    """
    cls = type(model)
    obj = _new(cls)
    values = dict(model.__dict__)
    values.update(update)
    set_model_dict(obj, values)
    set_fields_set(obj, model.__pydantic_fields_set__ | update.keys())
    set_extra(obj, None)
    set_private(obj, None)
    return obj
