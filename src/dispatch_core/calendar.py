"""Business calendars: working windows, an IANA time zone, holidays and make-up workdays.

A :class:`BusinessCalendar` answers two questions exactly (to the microsecond, so certainly to
the second) and fast:

* ``add(start, duration)``: when does ``duration`` of business time, counted from ``start``,
  run out? (the due time of an SLA target)
* ``between(start, end)``: how much business time lies between two instants?

Both also come in integer microseconds since the epoch (``add_us``, ``between_us``), for
callers that keep instants that way, and ``always_open`` tells a 24×7 calendar.

How it is fast: the working intervals of a whole local calendar year are built once (lazily, on
first use, then cached) as sorted integer-microsecond instants with running totals. ``between``
is then two binary searches and a subtraction, and ``add`` is one binary search more; neither
walks minutes, days nor windows, so a 72-hour target across a month of holidays costs the same
few microseconds as a 1-minute one.

Semantics (decided in DESIGN.md):

* Windows are local wall times per weekday (0 = Monday). A day may have several windows (a
  lunch break is two windows) and a window whose end is not after its start crosses midnight
  (``("22:00", "06:00")`` on Monday runs Monday 22:00 → Tuesday 06:00). ``"24:00"`` is allowed
  as an end. A window belongs to the day it *starts* on: a holiday removes the windows starting
  on that date, and a make-up workday (调休) gets the make-up windows (default: Monday's).
* Wall times are mapped to instants with :mod:`zoneinfo` (DST-correct): a window spanning a
  daylight-saving change is an hour longer or shorter in business time, as it is on the wall.
  A wall time that does not exist (spring forward) maps with the offset in force before it.
* ``add`` returns the *earliest* instant at which the business time since ``start`` equals
  ``duration``: a deadline landing exactly on a closing time stays there (Fri 17:00, not
  Mon 09:00), and a start outside working time begins counting at the next opening.
  ``add(start, timedelta(0))`` is ``start`` itself.
* Results are returned in the time zone of the ``start`` argument. Naive datetimes raise
  :class:`~dispatch_core.errors.InvalidInputError`.

Examples
--------
>>> from datetime import date, datetime, timedelta
>>> from zoneinfo import ZoneInfo
>>> tz = ZoneInfo("Asia/Shanghai")
>>> cal = BusinessCalendar(
...     windows={d: [("09:00", "12:00"), ("13:00", "18:00")] for d in range(5)},
...     tz="Asia/Shanghai",
...     holidays=[date(2026, 3, 3)],
... )
>>> cal.add(datetime(2026, 3, 2, 17, 0, tzinfo=tz), timedelta(hours=2))  # Tuesday is off
datetime.datetime(2026, 3, 4, 10, 0, tzinfo=zoneinfo.ZoneInfo(key='Asia/Shanghai'))
>>> cal.between(datetime(2026, 3, 2, 11, 0, tzinfo=tz), datetime(2026, 3, 2, 14, 0, tzinfo=tz))
datetime.timedelta(seconds=7200)
"""

from __future__ import annotations

import warnings
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from dispatch_core.calendar_spec import (
    DAY_S,
    WindowSpec,
    date_set,
    fixed_prc_holidays,
    parse_windows,
    weekday_key,
    zone,
)
from dispatch_core.clock import require_aware
from dispatch_core.errors import InvalidInputError

__all__ = ["BusinessCalendar", "CalendarCoverageWarning", "WindowSpec"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_ONE_DAY = timedelta(days=1)
#: After this many consecutive years without any working time, ``add`` gives up.
_MAX_EMPTY_YEARS = 50
_MODEL = "BusinessCalendar"


class CalendarCoverageWarning(UserWarning):
    """A calendar is used for a year its holiday data does not cover; a fallback applies."""


@dataclass(slots=True)
class _Year:
    """Working intervals of one local calendar year, clipped to ``[lo, hi)`` (microseconds)."""

    lo: int
    hi: int
    starts: list[int]
    ends: list[int]
    before: list[int]  # business time before interval i (within this year)
    after: list[int]  # business time up to the end of interval i
    total: int

    def upto(self, u: int) -> int:
        """Return business microseconds from ``lo`` up to instant ``u`` (``lo <= u <= hi``)."""
        i = bisect_right(self.starts, u) - 1
        if i < 0:
            return 0
        return self.before[i] + min(u, self.ends[i]) - self.starts[i]


def _to_us(value: datetime) -> int:
    return (value - _EPOCH) // _US


def _from_us(u: int, tz: tzinfo | None) -> datetime:
    return (_EPOCH + timedelta(microseconds=u)).astimezone(tz)


class BusinessCalendar:
    """Working windows per weekday in a time zone, with holidays and make-up workdays.

    Parameters
    ----------
    windows : mapping of weekday to list of (start, end), optional
        Weekday 0 = Monday … 6 = Sunday (``"mon"``… and ``"0"``… are accepted, for TOML) to
        local wall-time windows ``("HH:MM", "HH:MM")``. Several windows per day are allowed;
        an end not after its start crosses midnight; ``"24:00"`` may end a window. Missing
        weekdays are closed. Default: Monday–Friday 09:00–17:00.
    tz : str or tzinfo, default "UTC"
        IANA time-zone name (``"Asia/Shanghai"``) or a tzinfo.
    holidays : iterable of date, optional
        Local dates whose windows are removed.
    workdays : iterable of date, optional
        Make-up workdays (调休): local dates worked with ``makeup_windows`` whatever their weekday.
    makeup_windows : list of (start, end), optional
        Windows of a make-up workday; default Monday's windows.
    name : str, default "custom"
        A label (SLA policies refer to calendars by name).

    Raises
    ------
    InvalidInputError
        On a bad window, weekday, time zone or date, on a date that is both a holiday and a
        make-up workday, or on a calendar with no working time at all.

    Examples
    --------
    >>> from datetime import datetime, timedelta, UTC
    >>> cal = BusinessCalendar({d: [("09:00", "17:00")] for d in range(5)})
    >>> cal.add(datetime(2026, 3, 7, 13, 14, tzinfo=UTC), timedelta(hours=2))  # Saturday
    datetime.datetime(2026, 3, 9, 11, 0, tzinfo=datetime.timezone.utc)
    >>> cal.add(datetime(2026, 3, 6, 9, 0, tzinfo=UTC), timedelta(hours=8))  # Friday
    datetime.datetime(2026, 3, 6, 17, 0, tzinfo=datetime.timezone.utc)
    """

    def __init__(
        self,
        windows: Mapping[int | str, Sequence[WindowSpec]] | None = None,
        *,
        tz: str | tzinfo = "UTC",
        holidays: Iterable[date] = (),
        workdays: Iterable[date] = (),
        makeup_windows: Sequence[WindowSpec] | None = None,
        name: str = "custom",
    ) -> None:
        if windows is None:
            windows = {d: [("09:00", "17:00")] for d in range(5)}
        if not isinstance(windows, Mapping):
            raise InvalidInputError("windows", windows, "expected a mapping weekday → windows")
        week: list[tuple[tuple[int, int], ...]] = [() for _ in range(7)]
        seen: set[int] = set()
        for key, specs in windows.items():
            day = weekday_key(key)
            if day in seen:
                raise InvalidInputError("windows", key, "weekday given twice")
            seen.add(day)
            week[day] = parse_windows(specs, field=f"windows.{key}")
        makeup = (
            week[0]
            if makeup_windows is None
            else parse_windows(makeup_windows, field="makeup_windows")
        )
        off = date_set(holidays, field="holidays")
        extra = date_set(workdays, field="workdays")
        both = sorted(off & extra)
        if both:
            raise InvalidInputError("workdays", both[0], "is also listed as a holiday")
        if not any(week) and not (extra and makeup):
            raise InvalidInputError("windows", windows, "the calendar has no working time")
        if not isinstance(name, str) or not name:
            raise InvalidInputError("name", name, "expected a non-empty string")
        self._tz = zone(tz)
        self._week = tuple(week)
        self._makeup = makeup
        self._holidays = off
        self._workdays = extra
        self.name = name
        full = ((0, DAY_S),)
        self._always = all(w == full for w in week) and not off and (not extra or makeup == full)
        self._years: dict[int, _Year] = {}
        self._last: _Year | None = None
        # Holiday data for years outside a data source's coverage (see ``china``).
        self._covered: range | None = None
        self._fallback: Callable[[int], frozenset[date]] | None = None
        self._fallback_days: dict[int, frozenset[date]] = {}
        self._warned: set[int] = set()

    # ------------------------------------------------------------------ constructors

    @classmethod
    def always(cls, *, tz: str | tzinfo = "UTC") -> BusinessCalendar:
        """Return a 24×7 calendar: business time is elapsed time.

        Examples
        --------
        >>> from datetime import datetime, timedelta, UTC
        >>> BusinessCalendar.always().add(datetime(2026, 3, 7, tzinfo=UTC), timedelta(hours=50))
        datetime.datetime(2026, 3, 9, 2, 0, tzinfo=datetime.timezone.utc)
        """
        return cls({d: [("00:00", "24:00")] for d in range(7)}, tz=tz, name="always")

    @classmethod
    def china(
        cls,
        windows: Mapping[int | str, Sequence[WindowSpec]] | None = None,
        *,
        tz: str | tzinfo = "Asia/Shanghai",
        makeup_windows: Sequence[WindowSpec] | None = None,
        holidays: Iterable[date] = (),
        workdays: Iterable[date] = (),
        name: str = "china",
    ) -> BusinessCalendar:
        """PRC statutory holidays and 调休 make-up workdays from the ``chinesecalendar`` package.

        For a year the package does not cover, the calendar warns once per year
        (:class:`CalendarCoverageWarning`) and falls back to the configured weekly windows
        minus the fixed-date statutory holidays (1 Jan, 1–2 May, 1–3 Oct); lunar-calendar
        holidays and make-up workdays are then unknown.

        Parameters
        ----------
        windows : mapping, optional
            Weekly windows as for :class:`BusinessCalendar`; default Monday–Friday 09:00–18:00.
        tz : str or tzinfo, default "Asia/Shanghai"
            Time zone of the windows.
        makeup_windows : list of (start, end), optional
            Windows of a make-up workday; default Monday's.
        holidays, workdays : iterable of date, optional
            Extra local holidays / make-up workdays on top of the statutory ones.
        name : str, default "china"
            The calendar's name.

        Examples
        --------
        >>> from datetime import datetime, timedelta
        >>> from zoneinfo import ZoneInfo
        >>> cal = BusinessCalendar.china()
        >>> sat = datetime(2026, 2, 14, 17, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # 调休 Saturday
        >>> cal.add(sat, timedelta(hours=2)).isoformat()  # Spring Festival: back on 24 Feb
        '2026-02-24T10:00:00+08:00'
        """
        from chinese_calendar import constants  # noqa: PLC0415 - loads data only when asked

        official_off = frozenset(constants.holidays)
        official_work = frozenset(constants.workdays)
        years = {d.year for d in official_off}
        extra_off = date_set(holidays, field="holidays")
        extra_work = date_set(workdays, field="workdays")
        off = (official_off - extra_work) | extra_off
        work = (official_work - extra_off) | extra_work
        if windows is None:
            windows = {d: [("09:00", "18:00")] for d in range(5)}
        cal = cls(
            windows, tz=tz, holidays=off, workdays=work, makeup_windows=makeup_windows, name=name
        )
        cal._covered = range(min(years), max(years) + 1)
        cal._fallback = lambda year: fixed_prc_holidays(year) - extra_work
        return cal

    # ------------------------------------------------------------------ queries

    @property
    def tz(self) -> tzinfo:
        """The calendar's time zone."""
        return self._tz

    def __repr__(self) -> str:
        return f"BusinessCalendar(name={self.name!r}, tz={self._tz!s})"

    def windows_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """Return the working windows that start on local date ``day``, as aware datetimes.

        Examples
        --------
        >>> from datetime import date
        >>> cal = BusinessCalendar({0: [("22:00", "06:00")]}, tz="Asia/Shanghai")
        >>> [(a.isoformat(), b.isoformat()) for a, b in cal.windows_on(date(2026, 3, 2))]
        [('2026-03-02T22:00:00+08:00', '2026-03-03T06:00:00+08:00')]
        """
        if isinstance(day, datetime) or not isinstance(day, date):
            raise InvalidInputError("day", day, "expected a datetime.date")
        return [
            (_from_us(a, self._tz), _from_us(b, self._tz))
            for a, b in self._day_intervals(day)
            if b > a
        ]

    def is_open(self, at: datetime) -> bool:
        """Tell whether ``at`` is inside a working window (opening instants are, closings not)."""
        u = _to_us(require_aware(at, field="at"))
        year = self._year_of(u)
        i = bisect_right(year.starts, u) - 1
        return i >= 0 and u < year.ends[i]

    def next_open(self, at: datetime) -> datetime:
        """Return ``at`` if the calendar is open then, else the next opening (in ``at``'s tz).

        Examples
        --------
        >>> from datetime import datetime, UTC
        >>> BusinessCalendar().next_open(datetime(2026, 3, 6, 18, 0, tzinfo=UTC))  # Friday
        datetime.datetime(2026, 3, 9, 9, 0, tzinfo=datetime.timezone.utc)
        """
        u = _to_us(require_aware(at, field="at"))
        year = self._year_of(u)
        empty = 0
        while True:
            i = bisect_right(year.ends, u)
            if i < len(year.starts):
                return _from_us(max(u, year.starts[i]), at.tzinfo)
            empty = empty + 1 if not year.total else 0
            if empty > _MAX_EMPTY_YEARS:
                raise InvalidInputError("at", at, "the calendar never opens again")
            u = year.hi
            year = self._year_of(u)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """Return the earliest instant by which ``duration`` of business time has passed.

        Parameters
        ----------
        start : datetime
            Timezone-aware start; outside working time, counting begins at the next opening.
        duration : timedelta
            Business time to add (not negative).

        Returns
        -------
        datetime
            In ``start``'s time zone. A deadline reached exactly at a closing time is that
            closing time.

        Raises
        ------
        InvalidInputError
            For a naive ``start`` or a negative ``duration``.

        Examples
        --------
        >>> from datetime import datetime, timedelta, UTC
        >>> cal = BusinessCalendar({d: [("10:00", "18:00")] for d in range(5)})
        >>> cal.add(datetime(2026, 3, 6, 17, 0, tzinfo=UTC), timedelta(hours=2))  # Friday
        datetime.datetime(2026, 3, 9, 11, 0, tzinfo=datetime.timezone.utc)
        """
        require_aware(start, field="start")
        if not isinstance(duration, timedelta):
            raise InvalidInputError("duration", duration, "expected a timedelta")
        if duration < timedelta(0):
            raise InvalidInputError("duration", duration, "must not be negative")
        need = duration // _US
        if need == 0:
            return start
        return _from_us(self.add_us(_to_us(start), need), start.tzinfo)

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Return the business time elapsed from ``start`` to ``end`` (not before ``start``).

        Raises
        ------
        InvalidInputError
            For naive datetimes, or ``end`` before ``start``.

        Examples
        --------
        >>> from datetime import datetime, UTC
        >>> cal = BusinessCalendar({d: [("09:00", "17:00")] for d in range(5)})
        >>> cal.between(datetime(2026, 3, 6, 16, 0, tzinfo=UTC),
        ...             datetime(2026, 3, 9, 10, 30, tzinfo=UTC))
        datetime.timedelta(seconds=9000)
        """
        us = _to_us(require_aware(start, field="start"))
        ue = _to_us(require_aware(end, field="end"))
        if ue < us:
            raise InvalidInputError("end", end, f"is before start {start.isoformat()}")
        return timedelta(microseconds=self.between_us(us, ue))

    # ------------------------------------------------------------------ microsecond core

    @property
    def always_open(self) -> bool:
        """Whether the calendar is open around the clock: business time is elapsed time.

        True for a 24×7 calendar without holidays (as :meth:`always` makes), whose
        :meth:`add_us` and :meth:`between_us` are a plain addition and subtraction.

        Examples
        --------
        >>> BusinessCalendar.always().always_open, BusinessCalendar().always_open
        (True, False)
        """
        return self._always

    def between_us(self, start_us: int, end_us: int) -> int:
        """Return the business microseconds from ``start_us`` to ``end_us``.

        :meth:`between` on instants given as integer microseconds since the Unix epoch (UTC),
        for callers that keep time that way (the SLA clocks): no datetime is made.

        Raises
        ------
        InvalidInputError
            If ``end_us`` is before ``start_us``.

        Examples
        --------
        >>> from datetime import datetime, UTC
        >>> fri_16 = int(datetime(2026, 3, 6, 16, tzinfo=UTC).timestamp()) * 10**6
        >>> cal = BusinessCalendar({d: [("09:00", "17:00")] for d in range(5)})
        >>> cal.between_us(fri_16, fri_16 + 66 * 3600 * 10**6 + 1800 * 10**6)  # Mon 10:30
        9000000000
        """
        if end_us < start_us:
            raise InvalidInputError("end_us", end_us, f"is before start_us {start_us}")
        if self._always:
            return end_us - start_us
        first = self._year_of(start_us)
        if first.lo <= end_us < first.hi:
            return first.upto(end_us) - first.upto(start_us)
        total = first.total - first.upto(start_us)
        year = self._year_of(first.hi)
        while end_us >= year.hi:
            total += year.total
            year = self._year_of(year.hi)
        return total + year.upto(end_us)

    def add_us(self, start_us: int, duration_us: int) -> int:
        """Return the instant ``duration_us`` business microseconds after ``start_us``.

        :meth:`add` on an instant given as integer microseconds since the Unix epoch (UTC)
        and a duration in integer microseconds; ``add_us(u, 0)`` is ``u``.

        Raises
        ------
        InvalidInputError
            For a negative ``duration_us``, or when the calendar never opens again.

        Examples
        --------
        >>> from datetime import datetime, UTC
        >>> fri_17 = int(datetime(2026, 3, 6, 17, tzinfo=UTC).timestamp()) * 10**6
        >>> cal = BusinessCalendar({d: [("10:00", "18:00")] for d in range(5)})
        >>> due = cal.add_us(fri_17, 2 * 3600 * 10**6)
        >>> datetime.fromtimestamp(due / 10**6, UTC).isoformat()  # Monday
        '2026-03-09T11:00:00+00:00'
        """
        if duration_us <= 0:
            if duration_us == 0:
                return start_us
            raise InvalidInputError("duration_us", duration_us, "must not be negative")
        if self._always:
            return start_us + duration_us
        year = self._year_of(start_us)
        target = year.upto(start_us) + duration_us
        empty = 0
        while target > year.total:
            target -= year.total
            year = self._year_of(year.hi)
            empty = empty + 1 if not year.total else 0
            if empty > _MAX_EMPTY_YEARS:
                raise InvalidInputError(
                    "duration",
                    timedelta(microseconds=duration_us),
                    "the calendar never opens again",
                )
        i = bisect_left(year.after, target)
        return year.starts[i] + target - year.before[i]

    def _year_of(self, u: int) -> _Year:
        last = self._last
        if last is not None and last.lo <= u < last.hi:
            return last
        y = _from_us(u, self._tz).year
        year = self._build(y)
        while u < year.lo:  # local midnight quirks at the year boundary
            y -= 1
            year = self._build(y)
        while u >= year.hi:
            y += 1
            year = self._build(y)
        self._last = year
        return year

    def _local_us(self, day: date, seconds: int) -> int:
        wall = datetime(day.year, day.month, day.day, tzinfo=self._tz) + timedelta(seconds=seconds)
        return _to_us(wall)

    def _holiday(self, day: date) -> bool:
        if day in self._holidays:
            return True
        covered, fallback = self._covered, self._fallback
        if covered is None or fallback is None or day.year in covered:
            return False
        days = self._fallback_days.get(day.year)
        if days is None:
            days = self._fallback_days[day.year] = fallback(day.year)
        return day in days

    def _warn_uncovered(self, y: int) -> None:
        covered = self._covered
        if covered is None or y in covered or y in self._warned:
            return
        self._warned.add(y)
        warnings.warn(
            f"calendar {self.name!r}: no holiday data for {y} (covered {covered.start}–"
            f"{covered.stop - 1}); using weekly windows minus fixed-date statutory holidays",
            CalendarCoverageWarning,
            stacklevel=4,
        )

    def _day_intervals(self, day: date) -> list[tuple[int, int]]:
        if day in self._workdays:
            spec = self._makeup
        elif self._holiday(day):
            spec = ()
        else:
            spec = self._week[day.weekday()]
        return [(self._local_us(day, a), self._local_us(day, b)) for a, b in spec]

    def _build(self, y: int) -> _Year:
        year = self._years.get(y)
        if year is not None:
            return year
        self._warn_uncovered(y)
        lo = self._local_us(date(y, 1, 1), 0)
        hi = self._local_us(date(y + 1, 1, 1), 0)
        raw: list[tuple[int, int]] = []
        day = date(y - 1, 12, 31) if y > 1 else date(y, 1, 1)
        last = date(y, 12, 31)
        while day <= last:
            for start, stop in self._day_intervals(day):
                a, b = max(start, lo), min(stop, hi)
                if b > a:
                    raw.append((a, b))
            day += _ONE_DAY
        raw.sort()
        starts: list[int] = []
        ends: list[int] = []
        for a, b in raw:
            if ends and a <= ends[-1]:
                ends[-1] = max(ends[-1], b)
            else:
                starts.append(a)
                ends.append(b)
        before: list[int] = []
        after: list[int] = []
        total = 0
        for a, b in zip(starts, ends, strict=True):
            before.append(total)
            total += b - a
            after.append(total)
        year = _Year(lo, hi, starts, ends, before, after, total)
        self._years[y] = year
        return year
