"""Shape and type checks shared by the optimisers (private)."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

from dispatch_core.errors import InvalidInputError

__all__ = ["int_matrix", "int_vector"]


def _as_int(value: object, field: str, model: str) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise InvalidInputError(field, value, "must be an integer", model=model)
    return int(value)


def int_matrix(
    value: object,
    field: str,
    *,
    model: str,
    rows: int | None = None,
    cols: int | None = None,
    min_value: int | None = None,
) -> list[list[int]]:
    """Validate a rectangular nested sequence of integers and copy it to lists."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not value:
        raise InvalidInputError(field, value, "must be a non-empty list of rows", model=model)
    if rows is not None and len(value) != rows:
        msg = f"must have {rows} rows, got {len(value)}"
        raise InvalidInputError(field, value, msg, model=model)
    out: list[list[int]] = []
    for i, row in enumerate(value):
        if isinstance(row, (str, bytes)) or not isinstance(row, Sequence) or not row:
            raise InvalidInputError(f"{field}[{i}]", row, "must be a non-empty row", model=model)
        width = cols if cols is not None else len(value[0])
        if len(row) != width:
            msg = f"must have {width} columns, got {len(row)}"
            raise InvalidInputError(f"{field}[{i}]", row, msg, model=model)
        cells = [_as_int(v, f"{field}[{i}][{j}]", model) for j, v in enumerate(row)]
        if min_value is not None:
            for j, v in enumerate(cells):
                if v < min_value:
                    msg = f"must be >= {min_value}"
                    raise InvalidInputError(f"{field}[{i}][{j}]", v, msg, model=model)
        out.append(cells)
    return out


def int_vector(
    value: object, field: str, *, model: str, length: int, min_value: int | None = None
) -> list[int]:
    """Validate a sequence of ``length`` integers and copy it to a list."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise InvalidInputError(field, value, "must be a list of integers", model=model)
    if len(value) != length:
        msg = f"must have length {length}, got {len(value)}"
        raise InvalidInputError(field, value, msg, model=model)
    out = [_as_int(v, f"{field}[{i}]", model) for i, v in enumerate(value)]
    if min_value is not None:
        for i, v in enumerate(out):
            if v < min_value:
                raise InvalidInputError(f"{field}[{i}]", v, f"must be >= {min_value}", model=model)
    return out
