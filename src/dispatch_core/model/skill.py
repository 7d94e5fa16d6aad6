"""Skills with levels 1 (trainee) to 5 (expert), and the requirement a ticket places on them."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from dispatch_core.model._base import DomainModel, Identifier

__all__ = [
    "MAX_SKILL_LEVEL",
    "MIN_SKILL_LEVEL",
    "Skill",
    "SkillLevel",
    "SkillRequirement",
]

MIN_SKILL_LEVEL = 1
MAX_SKILL_LEVEL = 5

#: A skill level, 1 (trainee) to 5 (expert).
SkillLevel = Annotated[int, Field(ge=MIN_SKILL_LEVEL, le=MAX_SKILL_LEVEL, strict=True)]


class Skill(DomainModel):
    """A skill a staff member has, at a level from 1 to 5.

    Examples
    --------
    >>> Skill(name="electrical", level=4)
    Skill(name='electrical', level=4)
    >>> Skill(name="electrical", level=9)
    Traceback (most recent call last):
    ...
    dispatch_core.errors.InvalidInputError: invalid Skill: level=9: Input should be less ...
    """

    name: Identifier
    level: SkillLevel


class SkillRequirement(DomainModel):
    """A skill a ticket needs, at ``min_level`` or above."""

    skill: Identifier
    min_level: SkillLevel = 1
