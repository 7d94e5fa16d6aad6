"""Reading a business calendar's specification: wall times, windows, weekdays, dates, zones.

These turn what a caller (or a TOML file) gives :class:`~dispatch_core.calendar.BusinessCalendar`
into checked values, raising :class:`~dispatch_core.errors.InvalidInputError` naming the field.
They hold no state; the calendar's arithmetic lives in :mod:`dispatch_core.calendar`.

Examples
--------
>>> parse_windows([("13:00", "18:00"), ("22:00", "06:00")], field="windows.mon")
((46800, 64800), (79200, 108000))
>>> weekday_key("Tue"), weekday_key("6")
(1, 6)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dispatch_core.errors import InvalidInputError

__all__ = [
    "DAY_S",
    "WindowSpec",
    "date_set",
    "fixed_prc_holidays",
    "parse_clock",
    "parse_windows",
    "weekday_key",
    "zone",
]

#: One working window as given by the caller: ``("09:00", "17:00")`` or two :class:`time`.
WindowSpec = tuple[str | time, str | time]

#: Seconds in a day: a window may end up to a day after the midnight it starts from.
DAY_S = 86_400
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME_RE = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def parse_clock(value: object, *, field: str, end: bool) -> int:
    """Return seconds after midnight for ``"HH:MM[:SS]"`` or a :class:`time`.

    ``"24:00"`` is accepted only as the end of a window (``end=True``).

    Examples
    --------
    >>> parse_clock("09:30", field="w", end=False), parse_clock("24:00", field="w", end=True)
    (34200, 86400)
    """
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise InvalidInputError(field, value, "window times are local wall times, no tzinfo")
        return value.hour * 3600 + value.minute * 60 + value.second
    match = _TIME_RE.match(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidInputError(field, value, 'expected a wall time "HH:MM" or "HH:MM:SS"')
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    if minutes > 59 or seconds > 59 or hours > 24 or (hours == 24 and (minutes or seconds)):
        raise InvalidInputError(field, value, "not a valid wall time")
    if hours == 24 and not end:
        raise InvalidInputError(field, value, '"24:00" may only end a window')
    return hours * 3600 + minutes * 60 + seconds


def parse_windows(specs: object, *, field: str) -> tuple[tuple[int, int], ...]:
    """Parse a list of windows into sorted ``(start_s, end_s)`` pairs; ends may pass a day."""
    if isinstance(specs, str | bytes) or not isinstance(specs, Iterable):
        raise InvalidInputError(field, specs, "expected a list of (start, end) windows")
    parsed: list[tuple[int, int]] = []
    for i, spec in enumerate(specs):
        where = f"{field}.{i}"
        if isinstance(spec, str | bytes) or not isinstance(spec, Sequence) or len(spec) != 2:
            raise InvalidInputError(where, spec, "expected a (start, end) pair")
        start = parse_clock(spec[0], field=where, end=False)
        stop = parse_clock(spec[1], field=where, end=True)
        if stop == start:
            raise InvalidInputError(where, spec, "a window needs a start different from its end")
        if stop < start:  # crosses midnight
            stop += DAY_S
        parsed.append((start, stop))
    return tuple(sorted(parsed))


def weekday_key(key: object) -> int:
    """Return the weekday (0 = Monday) of a key: ``0``–``6``, ``"0"``–``"6"`` or a day name."""
    if isinstance(key, bool):
        raise InvalidInputError("windows", key, "weekday keys are 0-6 (0 = Monday) or mon…sun")
    if isinstance(key, int) and 0 <= key <= 6:
        return key
    if isinstance(key, str):
        text = key.strip().lower()
        if text.isdigit() and 0 <= int(text) <= 6:
            return int(text)
        for i, full in enumerate(_WEEKDAYS):
            if text in (full, full[:3]):
                return i
    raise InvalidInputError("windows", key, "weekday keys are 0-6 (0 = Monday) or mon…sun")


def date_set(values: Iterable[object], *, field: str) -> frozenset[date]:
    """Return the given local dates as a set (datetimes and other values are refused)."""
    found: set[date] = set()
    for value in values:
        if isinstance(value, datetime) or not isinstance(value, date):
            raise InvalidInputError(field, value, "expected a datetime.date")
        found.add(value)
    return frozenset(found)


def zone(tz: str | tzinfo) -> tzinfo:
    """Return the time zone named ``tz`` (an IANA name), or ``tz`` itself if a tzinfo."""
    if isinstance(tz, tzinfo):
        return tz
    if not isinstance(tz, str):
        raise InvalidInputError("tz", tz, "expected an IANA time-zone name or a tzinfo")
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInputError("tz", tz, "unknown IANA time zone") from None


def fixed_prc_holidays(year: int) -> frozenset[date]:
    """Return the fixed-date PRC statutory holidays of ``year``.

    The lunar-calendar holidays need data this function lacks.

    Examples
    --------
    >>> sorted(d.isoformat() for d in fixed_prc_holidays(2026))[:3]
    ['2026-01-01', '2026-05-01', '2026-05-02']
    """
    days = [date(year, 1, 1), date(year, 5, 1), date(year, 10, 1), date(year, 10, 2)]
    days.append(date(year, 10, 3))
    if year >= 2025:  # State Council decision of Nov 2024: Labour Day is two days
        days.append(date(year, 5, 2))
    return frozenset(days)
