"""Default wiring of the engine's parts (the real dispatcher and SLA tracker)."""

from __future__ import annotations

from dispatch_core.engine_config import EngineConfig
from dispatch_core.errors import DispatchError
from dispatch_core.ports import DispatchPort, NodeCatalog, SlaPort

__all__ = ["default_parts"]


def default_parts(
    config: EngineConfig, site: NodeCatalog | None
) -> tuple[DispatchPort, SlaPort, NodeCatalog | None]:
    """Build the package's own dispatcher and SLA tracker for ``config``."""
    try:
        from dispatch_core.dispatch import OnlineDispatcher  # type: ignore[import-not-found]  # noqa: PLC0415, F401
        from dispatch_core.sla import SlaTracker  # type: ignore[import-not-found]  # noqa: PLC0415, F401
    except ImportError as exc:
        msg = f"default dispatcher or SLA tracker missing ({exc}); pass dispatcher= and sla="
        raise DispatchError(msg) from exc
    raise DispatchError("default wiring not available yet; pass dispatcher= and sla=")
