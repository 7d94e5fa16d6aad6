"""Shared base for the domain values: frozen pydantic models whose errors are ours."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Self

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
        # What BaseModel.__init__ does, without its Python frame (~20 % of building a command):
        # the model's documented ``__pydantic_validator__`` validates ``data`` into ``self``
        # (``self_instance``, pydantic-core's parameter for exactly this). A test compares
        # the result, errors included, with pydantic's own validation.
        try:
            self.__pydantic_validator__.validate_python(data, self_instance=self)
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
