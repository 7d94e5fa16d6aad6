"""dispatch_core: event-driven dispatch and SLA engine for property-management service desks.

The public names below are the stable contract; submodules (``dispatch_core.timers.wheel``,
``dispatch_core.planning.erlang``...) hold the rest.
"""

from importlib.metadata import PackageNotFoundError, version

from dispatch_core.clock import Clock, ManualClock, SystemClock
from dispatch_core.engine.core import Engine, EngineConfig
from dispatch_core.errors import (
    ClockError,
    DispatchError,
    DuplicateEntityError,
    IdempotencyConflictError,
    IllegalTransitionError,
    InfeasibleAssignmentError,
    InvalidInputError,
    JournalCorruptError,
    JournalError,
    JournalLockedError,
    ScenarioError,
    SolverError,
    UnknownEntityError,
    UnknownNodeError,
    UnknownStaffError,
    UnknownTicketError,
)
from dispatch_core.model import (
    Category,
    Priority,
    Role,
    Shift,
    Skill,
    SkillRequirement,
    SlaMetric,
    SlaTarget,
    StaffMember,
    Ticket,
)

try:
    __version__ = version("dispatch_core")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

__all__ = [
    "Category",
    "Clock",
    "ClockError",
    "DispatchError",
    "DuplicateEntityError",
    "Engine",
    "EngineConfig",
    "IdempotencyConflictError",
    "IllegalTransitionError",
    "InfeasibleAssignmentError",
    "InvalidInputError",
    "JournalCorruptError",
    "JournalError",
    "JournalLockedError",
    "ManualClock",
    "Priority",
    "Role",
    "ScenarioError",
    "Shift",
    "Skill",
    "SkillRequirement",
    "SlaMetric",
    "SlaTarget",
    "SolverError",
    "StaffMember",
    "SystemClock",
    "Ticket",
    "UnknownEntityError",
    "UnknownNodeError",
    "UnknownStaffError",
    "UnknownTicketError",
    "__version__",
]
