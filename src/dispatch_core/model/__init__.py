"""Domain values: frozen pydantic v2 models with ``extra="forbid"``.

Every model raises :class:`~dispatch_core.errors.InvalidInputError` (naming the field and
value) on bad input, round-trips through JSON, and exports a JSON schema.
"""

from dispatch_core.model._base import AwareDatetime, DomainModel, Identifier
from dispatch_core.model.outcomes import DispatchAction, EscalationAction, Outcome
from dispatch_core.model.policy import DEFAULT_TARGETS, SlaLevel, SlaMetric, SlaTarget
from dispatch_core.model.site import SiteEdge, SiteSpec
from dispatch_core.model.skill import (
    MAX_SKILL_LEVEL,
    MIN_SKILL_LEVEL,
    Skill,
    SkillLevel,
    SkillRequirement,
)
from dispatch_core.model.staff import Role, Shift, StaffMember
from dispatch_core.model.ticket import DEFAULT_PRIORITY, Category, Priority, Ticket

__all__ = [
    "AwareDatetime",
    "Category",
    "DEFAULT_PRIORITY",
    "DEFAULT_TARGETS",
    "DispatchAction",
    "DomainModel",
    "EscalationAction",
    "Identifier",
    "MAX_SKILL_LEVEL",
    "MIN_SKILL_LEVEL",
    "Outcome",
    "Priority",
    "Role",
    "Shift",
    "SiteEdge",
    "SiteSpec",
    "Skill",
    "SkillLevel",
    "SkillRequirement",
    "SlaLevel",
    "SlaMetric",
    "SlaTarget",
    "StaffMember",
    "Ticket",
]
