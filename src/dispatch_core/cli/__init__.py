"""The ``dispatch-core`` command (:func:`main`)."""

from __future__ import annotations

from dispatch_core.cli.main import (
    main,
)

__all__ = [
    "main",
]
