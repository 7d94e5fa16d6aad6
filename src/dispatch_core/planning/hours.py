r"""Times of day in scenario files: opening hours per weekday, shifts, what is open when.

A scenario's ``[desk]`` gives the opening hours of every weekday (``open``, ``close``,
``evening_close``), with ``[desk.hours.<weekday>]`` overriding them for some weekdays (a
Friday 07:00–14:00). Between ``close`` and ``evening_close`` only the evening emergency desk
works (``evening_categories``); an ``evening_close`` at or before ``open`` means the evening
desk works through the night, until that time the next morning. ``[[shifts]]`` may cross
midnight too (``end`` at or before ``start``). Rosters repeat daily: a night shift or a night
desk covers the early morning of the day after the one it starts on.

Examples
--------
>>> desk = Desk(hours={Weekday.FRI: OpeningHours(open="07:00", close="14:00")})
>>> desk.day_hours(Weekday.FRI).label, desk.day_hours(Weekday.MON).label
('07:00–14:00, evening desk to 22:00', '08:00–20:00, evening desk to 22:00')
>>> desk_state(desk, Weekday.FRI, 15 * 60), desk_state(desk, Weekday.SAT, 7 * 60)
(<DeskState.EVENING: 'evening'>, <DeskState.CLOSED: 'closed'>)
>>> night = ShiftPlan(name="night", start="22:00", end="06:00", desk_agents=2)
>>> night.crosses_midnight, night.hours, night.covers(23 * 60), night.covers(5 * 60)
(True, 8.0, True, True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from dispatch_core.model import Category, DomainModel

__all__ = [
    "AfterHours",
    "ClockTime",
    "DayHours",
    "Desk",
    "DeskState",
    "OpeningHours",
    "ShiftPlan",
    "Weekday",
    "clock_minutes",
    "desk_state",
]

_TIME = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$")
_DAY = 24 * 60

Count = Annotated[int, Field(ge=0, le=100_000)]
Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]


def clock_minutes(value: str) -> int:
    """Minutes after midnight of an ``"HH:MM"`` time (``"24:00"`` → 1440).

    Examples
    --------
    >>> clock_minutes("08:30"), clock_minutes("24:00")
    (510, 1440)
    """
    if not _TIME.match(value):
        msg = f"{value!r} is not a time of day HH:MM (00:00–24:00)"
        raise ValueError(msg)
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def _clock(value: str) -> str:
    clock_minutes(value)
    return value


#: A time of day ``"HH:MM"`` (``"24:00"`` allowed as an end).
ClockTime = Annotated[str, AfterValidator(_clock), Field(examples=["08:00"])]


class Weekday(StrEnum):
    """Day of the week, Monday first (``Weekday.MON.number == 0``)."""

    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """0 for Monday … 6 for Sunday."""
        return list(Weekday).index(self)

    @property
    def previous(self) -> Weekday:
        """The day before (Sunday before Monday).

        Examples
        --------
        >>> Weekday.MON.previous, Weekday.TUE.previous
        (<Weekday.SUN: 'sun'>, <Weekday.MON: 'mon'>)
        """
        return list(Weekday)[(self.number - 1) % 7]


class DeskState(StrEnum):
    """What the desk takes at a time of day."""

    OPEN = "open"  # the full desk: every category
    EVENING = "evening"  # the evening (or night) emergency desk: evening categories only
    CLOSED = "closed"  # nobody answers


class AfterHours(StrEnum):
    """What happens to a contact that arrives while its desk is closed."""

    CARRY_OVER = "carry_over"  # queued to the next opening (digital contacts)
    LOST = "lost"  # counted as offered and lost, on its own line (phone calls)


@dataclass(frozen=True, slots=True)
class DayHours:
    """Resolved opening hours of one weekday, in minutes after midnight.

    ``evening`` is the end of the evening desk: ``close <= evening <= 1440``, or, for an
    evening desk that works through the night, ``evening <= open`` (it ends the next morning).
    """

    open: int
    close: int
    evening: int

    @property
    def overnight(self) -> bool:
        """Whether the evening desk works past midnight (into the next morning)."""
        return self.evening < self.close

    @property
    def label(self) -> str:
        """``"08:00–20:00, evening desk to 22:00"``."""

        def hhmm(m: int) -> str:
            return f"{m // 60:02d}:{m % 60:02d}"

        text = f"{hhmm(self.open)}–{hhmm(self.close)}"
        if self.evening != self.close:
            text += f", evening desk to {hhmm(self.evening)}"
            if self.overnight:
                text += " (next morning)"
        return text


class OpeningHours(DomainModel):
    """The opening hours of one weekday (``[desk.hours.<weekday>]``).

    ``evening_close`` left out: the desk's own ``evening_close`` (or ``close``, if that would
    end the evening desk before it starts).
    """

    open: ClockTime
    close: ClockTime
    evening_close: ClockTime | None = None

    @model_validator(mode="after")
    def _ordered(self) -> OpeningHours:
        _check_hours(self.open, self.close, self.evening_close)
        return self


def _check_hours(open_: str, close: str, evening: str | None) -> None:
    o, c = clock_minutes(open_), clock_minutes(close)
    if not o < c:
        msg = "need open < close"
        raise ValueError(msg)
    if evening is not None:
        e = clock_minutes(evening)
        if not (c <= e or e <= o):
            msg = (
                "evening_close must be at or after close, or at or before open "
                "(an evening desk that works through the night)"
            )
            raise ValueError(msg)


class Desk(DomainModel):
    """Opening hours: the full desk, then an evening emergency desk for some categories.

    ``hours`` overrides the opening hours of some weekdays. ``min_agents`` is the fewest
    productive agents of any interval in which the desk is open (fully or as the evening
    desk), even when nothing arrives. ``blended`` puts phone and digital contacts in one pool
    of agents (phone first) instead of two separate pools. ``after_hours_phone`` /
    ``after_hours_digital`` say what happens to contacts arriving while the desk is closed for
    them.
    """

    open: ClockTime = "08:00"
    close: ClockTime = "20:00"
    evening_close: ClockTime = "22:00"
    evening_categories: list[Category] = Field(
        default_factory=lambda: [Category.EMERGENCY, Category.REPAIR]
    )
    hours: dict[Weekday, OpeningHours] = Field(default_factory=dict)
    min_agents: Annotated[int, Field(ge=0, le=100_000)] = 1
    blended: bool = False
    after_hours_phone: AfterHours = AfterHours.LOST
    after_hours_digital: AfterHours = AfterHours.CARRY_OVER

    @model_validator(mode="after")
    def _ordered(self) -> Desk:
        _check_hours(self.open, self.close, self.evening_close)
        return self

    def day_hours(self, weekday: Weekday) -> DayHours:
        """Return the opening hours of ``weekday`` (its override, else the desk's own)."""
        own = self.hours.get(weekday)
        open_, close = (own.open, own.close) if own else (self.open, self.close)
        o, c = clock_minutes(open_), clock_minutes(close)
        evening = own.evening_close if own and own.evening_close is not None else None
        if evening is not None:
            return DayHours(o, c, clock_minutes(evening))
        e = clock_minutes(self.evening_close)
        if not (c <= e or e <= o):  # the desk's evening would end before this day's close
            e = c
        return DayHours(o, c, e)


def desk_state(desk: Desk, weekday: Weekday, minute: int) -> DeskState:
    """Return what the desk takes on ``weekday`` at minute-of-day ``minute``.

    Before the day's opening, an overnight evening desk of the previous weekday may still be
    working.
    """
    hours = desk.day_hours(weekday)
    if hours.open <= minute < hours.close:
        return DeskState.OPEN
    if minute >= hours.close and (hours.overnight or minute < hours.evening):
        return DeskState.EVENING
    if minute < hours.open:
        before = desk.day_hours(weekday.previous)
        if before.overnight and minute < before.evening:
            return DeskState.EVENING
    return DeskState.CLOSED


class ShiftPlan(DomainModel):
    """A rostered shift: who is on between ``start`` and ``end`` (every day or some days).

    A shift whose ``end`` is at or before its ``start`` crosses midnight; rosters repeat
    daily, so on a day it applies to it covers ``[start, 24:00)`` and ``[00:00, end)`` (the
    tail of the previous night's shift).
    """

    name: Name
    start: ClockTime
    end: ClockTime
    desk_agents: Count = 0
    part_timers: Count = 0
    technicians: Count = 0
    days: list[Name] = Field(default_factory=list)

    @model_validator(mode="after")
    def _not_empty(self) -> ShiftPlan:
        start, end = clock_minutes(self.start), clock_minutes(self.end)
        whole_day = start == 0 and end == _DAY
        if start % _DAY == end % _DAY and not whole_day:
            msg = "end must differ from start (a shift across midnight ends before it starts)"
            raise ValueError(msg)
        return self

    @property
    def crosses_midnight(self) -> bool:
        """Whether the shift ends the next day."""
        return clock_minutes(self.end) <= clock_minutes(self.start)

    @property
    def hours(self) -> float:
        """Length of the shift, hours."""
        start, end = clock_minutes(self.start), clock_minutes(self.end)
        return ((end - start) % _DAY or _DAY) / 60.0

    def segments(self) -> tuple[tuple[int, int], ...]:
        """``(start, end)`` minute ranges inside one day that the shift covers.

        Examples
        --------
        >>> ShiftPlan(name="n", start="22:00", end="06:00").segments()
        ((0, 360), (1320, 1440))
        >>> ShiftPlan(name="d", start="08:00", end="16:00").segments()
        ((480, 960),)
        """
        start, end = clock_minutes(self.start), clock_minutes(self.end)
        if not self.crosses_midnight:
            return ((start, end),)
        return tuple((a, b) for a, b in ((0, end), (start, _DAY)) if a < b)

    def covers(self, minute: int) -> bool:
        """Whether minute-of-day ``minute`` is inside the shift."""
        return any(a <= minute < b for a, b in self.segments())
