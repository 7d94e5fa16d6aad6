"""Hypothesis strategies for the domain model, shared by the whole test suite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import strategies as st

from dispatch_core.model import (
    Category,
    Priority,
    Role,
    Shift,
    Skill,
    SkillRequirement,
    StaffMember,
    Ticket,
)

IDENT_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-/"
SKILLS = ("plumbing", "electrical", "hvac", "elevator", "locksmith", "cleaning")

identifiers = st.text(IDENT_ALPHABET, min_size=1, max_size=16)
timezones = st.sampled_from(
    [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30))]
)
aware_datetimes = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=timezones,
)
skill_levels = st.integers(min_value=1, max_value=5)


@st.composite
def skill_sets(draw: st.DrawFn) -> tuple[Skill, ...]:
    names = draw(st.lists(st.sampled_from(SKILLS), unique=True, max_size=4))
    return tuple(Skill(name=n, level=draw(skill_levels)) for n in names)


@st.composite
def requirements(draw: st.DrawFn) -> tuple[SkillRequirement, ...]:
    names = draw(st.lists(st.sampled_from(SKILLS), unique=True, max_size=3))
    return tuple(SkillRequirement(skill=n, min_level=draw(skill_levels)) for n in names)


@st.composite
def shifts(draw: st.DrawFn) -> Shift:
    start = draw(aware_datetimes)
    length = draw(st.integers(min_value=1, max_value=24 * 3600))
    return Shift(start_at=start, end_at=start + timedelta(seconds=length))


tickets = st.builds(
    Ticket,
    id=identifiers,
    property_id=identifiers,
    category=st.sampled_from(Category),
    priority=st.none() | st.sampled_from(Priority),
    location=identifiers,
    required_skills=requirements(),
    work_minutes=st.floats(min_value=0.5, max_value=600, allow_nan=False),
    opened_at=aware_datetimes,
    resident_ref=st.none() | identifiers.map(lambda s: "r-" + s[:8]),
)

staff_members = st.builds(
    StaffMember,
    id=identifiers,
    role=st.sampled_from(Role),
    skills=skill_sets(),
    home=identifiers,
    properties=st.frozensets(identifiers, min_size=1, max_size=3),
    capacity=st.integers(min_value=1, max_value=5),
    shifts=st.lists(shifts(), max_size=2).map(tuple),
)
