"""Hypothesis strategies for the domain model, shared by the whole test suite."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

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


# ---------------------------------------------------------------- business calendars

CALENDAR_ZONES = (
    "UTC",
    "Asia/Shanghai",
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
)


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


@st.composite
def working_windows(draw: st.DrawFn) -> list[tuple[str, str]]:
    """0–2 windows of one weekday, some crossing midnight, some ending at 24:00."""
    found = []
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        start = draw(st.integers(min_value=0, max_value=1439))
        length = draw(st.integers(min_value=1, max_value=900))
        end = start + length
        found.append((_hhmm(start), "24:00" if end == 1440 else _hhmm(end % 1440)))
    return found


@st.composite
def business_calendars(draw: st.DrawFn) -> Any:
    """A BusinessCalendar with random windows, zone, holidays and make-up days (2025–2027)."""
    from dispatch_core.calendar import BusinessCalendar

    windows = {d: draw(working_windows()) for d in range(7)}
    if not any(windows.values()):
        windows[0] = [("09:00", "17:00")]
    days = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31))
    holidays = draw(st.sets(days, max_size=20))
    workdays = draw(st.sets(days, max_size=5)) - holidays
    return BusinessCalendar(
        windows,
        tz=draw(st.sampled_from(CALENDAR_ZONES)),
        holidays=holidays,
        workdays=workdays,
        makeup_windows=draw(st.none() | working_windows()),
    )


calendar_instants = st.datetimes(
    min_value=datetime(2025, 6, 1),
    max_value=datetime(2026, 6, 1),
    timezones=st.sampled_from([UTC, ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")]),
)
