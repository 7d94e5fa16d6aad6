"""The engine: command → validate → journal → apply → effects → events.

Modules
-------
core
    :class:`Engine`, the thin orchestrator.
config
    :class:`EngineConfig` and the journal's configuration check.
commands, events
    Typed inbound commands and outbound events.
lifecycle
    The closed-loop ticket lifecycle as a pure transition table.
ports
    The Protocols through which the engine talks to its parts.
wiring
    The default parts (the package's dispatcher and SLA tracker).
state, records, snapshot
    The domain state, its records and their (de)serialisation.
effects
    The typed requests the state makes of the parts, and their depth-first queue.
journal
    The durable command log (SQLite, WAL) with snapshots.
kpis
    Incremental KPIs.
"""

from __future__ import annotations

from dispatch_core.engine.core import (
    Engine,
    EngineConfig,
    Subscriber,
)

__all__ = [
    "Engine",
    "EngineConfig",
    "Subscriber",
]
