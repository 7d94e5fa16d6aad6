"""Default wiring of the engine's parts: the package's own SLA tracker and dispatcher."""

from __future__ import annotations

from typing import Any

from dispatch_core.engine.config import EngineConfig
from dispatch_core.engine.ports import DispatchPort, NodeCatalog, SlaPort
from dispatch_core.errors import InvalidInputError
from dispatch_core.sla import SlaPolicy, SlaTracker
from dispatch_core.timers import Timers

__all__ = ["default_dispatcher", "default_sla", "site_from_config", "sla_part"]


def default_sla(config: EngineConfig, *, timers: Timers[Any] | None = None) -> SlaPort:
    """Build an :class:`SlaTracker` on ``config.sla_policy``, or on the seed policy.

    The seed policy has ``config``'s escalation chain and emergency on-site target.

    ``timers`` is the tracker's timer store (default: a fresh ``TimerWheel``).
    """
    policy = config.sla_policy or SlaPolicy.default(
        thresholds=config.sla_thresholds, emergency_on_site=config.emergency_on_site
    )
    return SlaTracker(policy, timers=timers)


def sla_part(config: EngineConfig, sla: SlaPort | None) -> SlaPort:
    """Return the engine's SLA part: the ``sla=`` port given, or :func:`default_sla`.

    Raises
    ------
    InvalidInputError
        If both a port and ``config.sla_policy`` are given: which one rules would be unclear,
        and only the policy is journalled.
    """
    if sla is None:
        return default_sla(config)
    if config.sla_policy is not None:
        msg = "give the SLA policy as config.sla_policy (journalled) or a port as sla=, not both"
        raise InvalidInputError("sla", sla, msg, model="Engine")
    return sla


def default_dispatcher(site: NodeCatalog | None) -> DispatchPort:
    """Build the :class:`~dispatch_core.dispatch.OnlineDispatcher` on ``site``.

    Raises
    ------
    InvalidInputError
        If ``site`` is not a :class:`~dispatch_core.site.SiteGraph`.
    """
    # Imported here: the solvers behind the dispatch package load only when needed.
    from dispatch_core.dispatch import OnlineDispatcher  # noqa: PLC0415
    from dispatch_core.site import SiteGraph  # noqa: PLC0415

    if not isinstance(site, SiteGraph):
        msg = (
            "the default dispatcher needs a SiteGraph: pass site=, set EngineConfig.site, "
            "or pass dispatcher="
        )
        raise InvalidInputError("site", site, msg, model="Engine")
    return OnlineDispatcher(site)


def site_from_config(config: EngineConfig) -> NodeCatalog | None:
    """Build the :class:`~dispatch_core.site.SiteGraph` that ``config.site`` describes, if any."""
    if config.site is None:
        return None
    from dispatch_core.site import SiteGraph  # noqa: PLC0415 - networkx loads only when needed

    return SiteGraph.from_spec(config.site)
