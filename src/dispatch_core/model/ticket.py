"""Tickets: what a resident raises, and the categories and priorities they come in."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from dispatch_core.model._base import AwareDatetime, DomainModel, Identifier
from dispatch_core.model.skill import SkillRequirement

__all__ = ["Category", "DEFAULT_PRIORITY", "Priority", "Ticket"]


class Category(StrEnum):
    """The eight service scenarios (8大服务场景) a ticket belongs to."""

    INQUIRY = "inquiry"
    REPAIR = "repair"
    COMPLAINT = "complaint"
    FEE_COLLECTION = "fee_collection"
    COMMUNITY_ACTIVITY = "community_activity"
    EMERGENCY = "emergency"
    VALUE_ADDED = "value_added"
    SMART_PLATFORM = "smart_platform"

    @property
    def label_zh(self) -> str:
        """The scenario's name in the industry plans."""
        return _LABELS_ZH[self]


_LABELS_ZH = {
    Category.INQUIRY: "咨询接待",
    Category.REPAIR: "报修处理",
    Category.COMPLAINT: "投诉应对",
    Category.FEE_COLLECTION: "费用催缴",
    Category.COMMUNITY_ACTIVITY: "社区活动",
    Category.EMERGENCY: "应急响应",
    Category.VALUE_ADDED: "增值服务",
    Category.SMART_PLATFORM: "智慧平台使用",
}


class Priority(StrEnum):
    """Ticket priority, most urgent first. ``rank`` orders them (0 = most urgent).

    Examples
    --------
    >>> sorted([Priority.LOW, Priority.EMERGENCY, Priority.NORMAL], key=lambda p: p.rank)
    [<Priority.EMERGENCY: 'emergency'>, <Priority.NORMAL: 'normal'>, <Priority.LOW: 'low'>]
    """

    EMERGENCY = "emergency"
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 for the most urgent priority, 4 for the least."""
        return _RANKS[self]


_RANKS = {p: i for i, p in enumerate(Priority)}

#: Priority a ticket gets when none is given, per category.
DEFAULT_PRIORITY: dict[Category, Priority] = {
    Category.INQUIRY: Priority.NORMAL,
    Category.REPAIR: Priority.NORMAL,
    Category.COMPLAINT: Priority.HIGH,
    Category.FEE_COLLECTION: Priority.LOW,
    Category.COMMUNITY_ACTIVITY: Priority.LOW,
    Category.EMERGENCY: Priority.EMERGENCY,
    Category.VALUE_ADDED: Priority.LOW,
    Category.SMART_PLATFORM: Priority.NORMAL,
}

# A resident reference must be an opaque token, never a phone number or e-mail address.
_PERSONAL_DATA = re.compile(r"@|\d{7,}")


class Ticket(DomainModel):
    """A service request raised by a resident.

    Parameters
    ----------
    id : str
        Client-chosen ticket id.
    property_id : str
        The property (community, 小区) the ticket belongs to; dispatch never crosses it.
    category : Category
        One of the eight service scenarios.
    priority : Priority, optional
        Defaults to :data:`DEFAULT_PRIORITY` for the category.
    location : str
        Site-graph node where the work happens.
    required_skills : tuple of SkillRequirement
        Skills a technician needs, each with a minimum level.
    work_minutes : float
        Estimated hands-on work, in minutes (> 0).
    opened_at : datetime
        When the resident raised it; timezone-aware.
    resident_ref : str, optional
        An opaque reference to the resident, never personal data (no phone numbers, e-mails).

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> t = Ticket(id="T-1", property_id="P1", category="repair", location="B3",
    ...            required_skills=[{"skill": "plumbing", "min_level": 2}],
    ...            work_minutes=45, opened_at=datetime(2026, 3, 2, 9, tzinfo=UTC))
    >>> t.priority
    <Priority.NORMAL: 'normal'>
    >>> Ticket.model_validate_json(t.model_dump_json()) == t
    True
    """

    id: Identifier
    property_id: Identifier
    category: Category
    priority: Priority
    location: Identifier
    required_skills: tuple[SkillRequirement, ...] = ()
    work_minutes: Annotated[float, Field(gt=0, le=60 * 24 * 30, allow_inf_nan=False)] = 30.0
    opened_at: AwareDatetime
    resident_ref: Annotated[str, Field(min_length=1, max_length=64)] | None = None

    @model_validator(mode="before")
    @classmethod
    def _default_priority(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("priority") is None and "category" in data:
            try:
                category = Category(data["category"])
            except ValueError:
                return data  # the field validator reports the bad category
            data = {**data, "priority": DEFAULT_PRIORITY[category]}
        return data

    @field_validator("required_skills")
    @classmethod
    def _unique_skills(cls, value: tuple[SkillRequirement, ...]) -> tuple[SkillRequirement, ...]:
        names = [r.skill for r in value]
        if len(names) != len(set(names)):
            msg = "each skill may be required once"
            raise ValueError(msg)
        return value

    @field_validator("resident_ref")
    @classmethod
    def _no_personal_data(cls, value: str | None) -> str | None:
        if value is not None and _PERSONAL_DATA.search(value):
            msg = "must be an opaque reference, not a phone number or e-mail address"
            raise ValueError(msg)
        return value
