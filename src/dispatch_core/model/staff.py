"""Staff: field technicians and the desk (agents, supervisors, managers)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field, field_validator, model_validator

from dispatch_core.model._base import AwareDatetime, DomainModel, Identifier
from dispatch_core.model.skill import Skill

__all__ = ["Role", "Shift", "StaffMember"]


class Role(StrEnum):
    """Who a staff member is: desk roles escalate agent → supervisor → manager."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    MANAGER = "manager"
    TECHNICIAN = "technician"


class Shift(DomainModel):
    """An absolute working interval ``[start_at, end_at)``.

    Examples
    --------
    >>> from datetime import UTC, datetime
    >>> s = Shift(start_at=datetime(2026, 3, 2, 8, tzinfo=UTC),
    ...           end_at=datetime(2026, 3, 2, 17, tzinfo=UTC))
    >>> s.covers(datetime(2026, 3, 2, 12, tzinfo=UTC))
    True
    """

    start_at: AwareDatetime
    end_at: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Shift:
        if self.end_at <= self.start_at:
            msg = "end_at must be after start_at"
            raise ValueError(msg)
        return self

    def covers(self, at: datetime) -> bool:
        """Whether ``at`` falls inside the shift."""
        return self.start_at <= at < self.end_at


class StaffMember(DomainModel):
    """A technician or a desk agent.

    Parameters
    ----------
    id : str
        Staff id.
    role : Role
        Technician, agent, supervisor or manager.
    skills : tuple of Skill
        Skills with levels; each skill name at most once.
    home : str
        Site-graph node where the member starts (depot, desk).
    properties : frozenset of str
        Properties the member serves; tickets of other properties never reach them.
    capacity : int
        Concurrent work orders (technicians) or contacts (agents), 1–50.
    shifts : tuple of Shift
        Working intervals; empty means "on duty whenever the engine says so".
    """

    id: Identifier
    role: Role = Role.TECHNICIAN
    skills: tuple[Skill, ...] = ()
    home: Identifier
    properties: Annotated[frozenset[Identifier], Field(min_length=1)]
    capacity: Annotated[int, Field(ge=1, le=50, strict=True)] = 1
    shifts: tuple[Shift, ...] = ()

    @field_validator("skills")
    @classmethod
    def _unique_skills(cls, value: tuple[Skill, ...]) -> tuple[Skill, ...]:
        names = [s.name for s in value]
        if len(names) != len(set(names)):
            msg = "each skill may be listed once"
            raise ValueError(msg)
        return value

    def skill_level(self, name: str) -> int:
        """Level of skill ``name``, or 0 when the member does not have it."""
        for skill in self.skills:
            if skill.name == name:
                return skill.level
        return 0

    def on_shift(self, at: datetime) -> bool:
        """Whether ``at`` is inside one of the shifts (always True with no shifts)."""
        return not self.shifts or any(s.covers(at) for s in self.shifts)
