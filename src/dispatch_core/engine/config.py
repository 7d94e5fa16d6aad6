"""Configuration of the engine: SLA metrics per category, escalation, alarms, durability.

Examples
--------
>>> cfg = EngineConfig(complaint_alarm_rate=0.05)
>>> cfg.sla_thresholds
'warn'
>>> EngineConfig(group_commit=0)
Traceback (most recent call last):
...
dispatch_core.errors.InvalidInputError: invalid EngineConfig: group_commit=0: Input should be ...
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated, Literal, Protocol

from pydantic import Field

from dispatch_core.errors import InvalidInputError, JournalCorruptError
from dispatch_core.model import DomainModel, SiteSpec
from dispatch_core.sla.policy import SlaPolicy

__all__ = ["EngineConfig", "check_journal_config"]


class EngineConfig(DomainModel):
    """How the engine behaves. Every value has a default from the industry plans.

    Parameters
    ----------
    sla_thresholds : {"warn", "delay_bands"}
        Escalation chain of the default SLA policy: ``warn`` (yellow at 75 %, red at 100 %,
        manager at 150 %) or the plans' ``delay_bands`` (110 % / 120 % / 150 %).
    emergency_on_site : timedelta
        On-site target of emergencies in the default policy (2 h; some provinces allow 4 h).
    complaint_alarm_rate : float
        A property's complaint share over the window above this raises an alarm (10 %); the
        rule is :class:`~dispatch_core.sla.complaints.ComplaintRateMonitor`'s.
    complaint_window : timedelta
        Rolling window of the complaint rate (positive).
    complaint_min_tickets : int
        No alarm on fewer tickets than this in the window.
    complaint_plan_after : timedelta
        The supervisor's improvement plan is due this long after the alarm (24 h; positive).
    redispatch_limit : int
        How many waiting tickets one freed-up technician's capacity is offered to.
    idempotency_keys : int
        How many recent idempotency keys (with their results) are remembered. ``0`` turns
        idempotency off: a repeated key is then handled as a new command. Only for drivers
        that never retry, such as the simulation.
    snapshot_every : int
        Journal a state snapshot after this many journal records.
    synchronous : {"FULL", "NORMAL"}
        SQLite durability. FULL syncs every commit: no acknowledged command is lost, even to
        a power loss. NORMAL (WAL without a sync per commit) keeps every acknowledged command
        through a crash of the process, but a power loss or kernel crash may take the last
        commits (a prefix of the history survives); see :mod:`dispatch_core.engine.journal`.
    group_commit : int
        Most commands per journal transaction in :meth:`Engine.handle_many` (one sync each
        under FULL).
    site : SiteSpec, optional
        The site graph (nodes, travel seconds). With it ``Engine(config)`` builds its own
        dispatcher, and a journal's configuration is self-contained; ``site=`` passed to the
        engine takes precedence.
    sla_policy : SlaPolicy, optional
        The SLA policy in force (targets per category and priority, escalation chain),
        instead of the seed policy that ``sla_thresholds`` and ``emergency_on_site`` shape.
        Like every behavioural setting it is stored in the journal: reopening with another
        policy is refused (``config.sla_policy``), so the past is never re-judged under new
        targets. An ``sla=`` port passed to the engine is the caller's and is not journalled;
        giving both is refused.
    """

    sla_thresholds: Literal["warn", "delay_bands"] = "warn"
    emergency_on_site: timedelta = timedelta(hours=2)
    complaint_alarm_rate: Annotated[float, Field(gt=0, le=1)] = 0.10
    complaint_window: Annotated[timedelta, Field(gt=timedelta(0))] = timedelta(days=30)
    complaint_min_tickets: Annotated[int, Field(ge=1)] = 20
    complaint_plan_after: Annotated[timedelta, Field(gt=timedelta(0))] = timedelta(hours=24)
    redispatch_limit: Annotated[int, Field(ge=1, le=10_000)] = 32
    idempotency_keys: Annotated[int, Field(ge=0)] = 10_000
    snapshot_every: Annotated[int, Field(ge=1)] = 5_000
    synchronous: Literal["FULL", "NORMAL"] = "FULL"
    group_commit: Annotated[int, Field(ge=1, le=100_000)] = 256
    event_buffer: Annotated[int, Field(ge=1, le=10_000_000)] = 10_000
    site: SiteSpec | None = None
    sla_policy: SlaPolicy | None = None


#: Settings that only change how the engine stores and remembers, not what it decides.
_OPERATIONAL = frozenset(
    {"synchronous", "group_commit", "snapshot_every", "idempotency_keys", "event_buffer"}
)


class _Meta(Protocol):
    """The journal's key/value metadata (:class:`~dispatch_core.engine.journal.Journal` has it)."""

    def meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...


def check_journal_config(journal: _Meta, config: EngineConfig) -> None:
    """Store ``config`` in a new journal; refuse one that differs from an existing journal's.

    A journal is replayed under the configuration it was written with, so only the
    operational settings (``synchronous``, ``group_commit``, ``snapshot_every``,
    ``idempotency_keys``) may change between runs; a setting newer than the journal is
    taken as it is.

    Raises
    ------
    InvalidInputError
        Naming the first differing setting (``config.<name>``) and its new value.
    JournalCorruptError
        If the stored configuration is not a JSON object.

    Examples
    --------
    >>> class Meta(dict):
    ...     meta, set_meta = dict.get, dict.__setitem__
    >>> journal = Meta()
    >>> check_journal_config(journal, EngineConfig())  # a new journal keeps it
    >>> check_journal_config(journal, EngineConfig(group_commit=16))  # operational: fine
    >>> check_journal_config(journal, EngineConfig(complaint_alarm_rate=0.2))
    Traceback (most recent call last):
    ...
    dispatch_core.errors.InvalidInputError: ...config.complaint_alarm_rate=0.2: differs ...
    """
    body = config.model_dump(mode="json")
    stored = journal.meta("config")
    if stored is None:
        journal.set_meta("config", json.dumps(body, sort_keys=True))
        return
    try:
        old = json.loads(stored)
    except ValueError:
        old = None
    if not isinstance(old, dict):
        raise JournalCorruptError(f"the journal's stored configuration is damaged: {stored[:80]!r}")
    for name in sorted(body):
        if name in _OPERATIONAL or name not in old:  # a setting newer than the journal: as is
            continue
        if body[name] != old[name]:
            raise InvalidInputError(
                f"config.{name}",
                body[name],
                f"differs from the journal's {old[name]!r}: a journal is replayed under the "
                "configuration it was written with",
                model="EngineConfig",
            )
