"""BusinessCalendar: DESIGN acceptance cases, DST, holidays, 调休, overnight, lunch, properties."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch_core.calendar import BusinessCalendar, CalendarCoverageWarning
from dispatch_core.errors import InvalidInputError
from tests.strategies import business_calendars, calendar_instants

H = timedelta(hours=1)
MIN = timedelta(minutes=1)
NY = ZoneInfo("America/New_York")
SH = ZoneInfo("Asia/Shanghai")

# 2026-03-02 is a Monday.
HELPDESK = BusinessCalendar({d: [("10:00", "18:00")] for d in range(5)}, tz="UTC")
OFFICE = BusinessCalendar({d: [("09:00", "17:00")] for d in range(5)}, tz="UTC")


def utc(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


# Mon 2 Mar, Tue 3, Wed 4, Thu 5, Fri 6, Sat 7; Fri 13, Sat 14 ... Wed 11, Thu 19.
HELPDESK_CASES = [
    # (start, response target, response due, resolution target, resolution due)
    (utc(2, 8), H, utc(2, 11), 4 * H, utc(2, 14)),  # Mon 08:00 High
    (utc(2, 20), 30 * MIN, utc(3, 10, 30), 2 * H, utc(3, 12)),  # Mon 20:00 Urgent
    (utc(6, 17), 30 * MIN, utc(6, 17, 30), 2 * H, utc(9, 11)),  # Fri 17:00 Urgent
    (utc(7, 15), 24 * H, utc(11, 18), 72 * H, utc(19, 18)),  # Sat 15:00 Low
    (utc(6, 19), H, utc(9, 11), 4 * H, utc(9, 14)),  # Fri 19:00 High
]


@pytest.mark.parametrize(("start", "resp", "resp_due", "res", "res_due"), HELPDESK_CASES)
def test_helpdesk_business_hours_cases(
    start: datetime, resp: timedelta, resp_due: datetime, res: timedelta, res_due: datetime
) -> None:
    assert HELPDESK.add(start, resp) == resp_due
    assert HELPDESK.add(start, res) == res_due
    assert HELPDESK.between(start, res_due) == res


def test_sat_low_dues_are_four_and_twelve_days_later() -> None:
    start = utc(7, 15)
    assert HELPDESK.add(start, 24 * H).date() - start.date() == timedelta(days=4)
    assert HELPDESK.add(start, 72 * H).date() - start.date() == timedelta(days=12)


def test_helpdesk_pause_case_by_calendar_arithmetic() -> None:
    # Mon 12:00 High, paused 12:30-13:00: 30 min used, 3 h 30 left from 13:00 -> 16:30.
    used = HELPDESK.between(utc(2, 12), utc(2, 12, 30))
    assert HELPDESK.add(utc(2, 13), 4 * H - used) == utc(2, 16, 30)


def test_utc_office_cases() -> None:
    assert OFFICE.add(datetime(2026, 3, 7, 13, 14, tzinfo=UTC), 2 * H) == utc(9, 11)
    assert OFFICE.add(utc(6, 9), 8 * H) == utc(6, 17)  # closing instant stays


def test_zero_duration_is_start_itself() -> None:
    sat = utc(7, 15)
    assert OFFICE.add(sat, timedelta(0)) is sat


def test_result_keeps_the_input_time_zone() -> None:
    cal = BusinessCalendar({d: [("09:00", "17:00")] for d in range(5)}, tz="Asia/Shanghai")
    due = cal.add(utc(2, 0), H)  # 08:00 Shanghai -> opens 09:00 -> 10:00 = 02:00 UTC
    assert due == utc(2, 2)
    assert due.tzinfo is UTC


def test_second_precision_and_microseconds() -> None:
    start = utc(2, 16, 59) + timedelta(seconds=59, microseconds=5)
    due = OFFICE.add(start, timedelta(seconds=1))
    assert due == utc(3, 9) + timedelta(microseconds=5)
    assert OFFICE.between(start, due) == timedelta(seconds=1)


# ---------------------------------------------------------------- DST


def test_dst_spring_forward_weekend_keeps_local_opening_hours() -> None:
    cal = BusinessCalendar({d: [("09:00", "17:00")] for d in range(5)}, tz="America/New_York")
    fri = datetime(2026, 3, 6, 16, 0, tzinfo=NY)  # EST; DST starts Sun 8 Mar
    due = cal.add(fri, 2 * H)
    assert due == datetime(2026, 3, 9, 10, 0, tzinfo=NY)
    assert due.utcoffset() == timedelta(hours=-4)
    assert cal.between(fri, due) == 2 * H


def test_overnight_window_over_dst_changes_follows_the_wall_clock() -> None:
    cal = BusinessCalendar({5: [("22:00", "06:00")]}, tz="America/New_York")
    spring = cal.windows_on(date(2026, 3, 7))  # night of 7->8 Mar loses an hour
    autumn = cal.windows_on(date(2026, 10, 31))  # night of 31 Oct -> 1 Nov gains one
    # (aware datetimes sharing a tzinfo subtract as wall times: compare in UTC)
    assert [b.astimezone(UTC) - a.astimezone(UTC) for a, b in spring] == [7 * H]
    assert [b.astimezone(UTC) - a.astimezone(UTC) for a, b in autumn] == [9 * H]
    start = datetime(2026, 10, 31, 22, 0, tzinfo=NY)
    assert cal.between(start, datetime(2026, 11, 1, 6, 0, tzinfo=NY)) == 9 * H
    assert cal.add(start, 9 * H) == datetime(2026, 11, 1, 6, 0, tzinfo=NY)


def test_always_calendar_counts_real_time_across_dst() -> None:
    cal = BusinessCalendar.always(tz="America/New_York")
    sat = datetime(2026, 3, 7, 12, 0, tzinfo=NY)
    due = cal.add(sat, 24 * H)
    assert due == datetime(2026, 3, 8, 13, 0, tzinfo=NY)  # wall clock jumped an hour
    assert cal.between(sat, due) == 24 * H


# ---------------------------------------------------------------- holidays and make-up days


def test_holiday_is_skipped() -> None:
    cal = BusinessCalendar({d: [("10:00", "18:00")] for d in range(5)}, holidays=[date(2026, 3, 3)])
    assert cal.add(utc(2, 17), 2 * H) == utc(4, 11)
    assert cal.between(utc(2, 10), utc(5, 10)) == 16 * H
    assert not cal.is_open(utc(3, 12))


def test_makeup_workday_uses_makeup_windows() -> None:
    sat = date(2026, 3, 7)
    cal = BusinessCalendar(
        {d: [("09:00", "17:00")] for d in range(5)},
        workdays=[sat],
        makeup_windows=[("10:00", "12:00")],
    )
    assert cal.windows_on(sat) == [(utc(7, 10), utc(7, 12))]
    assert cal.add(utc(6, 16), 2 * H) == utc(7, 11)
    default = BusinessCalendar({0: [("08:00", "09:00")], 4: [("09:00", "17:00")]}, workdays=[sat])
    assert default.windows_on(sat) == [(utc(7, 8), utc(7, 9))]  # Monday's windows


def test_prc_makeup_saturday_is_a_working_day() -> None:
    cal = BusinessCalendar.china()
    sat = datetime(2026, 2, 14, 10, 0, tzinfo=SH)  # 调休 before the 2026 Spring Festival
    assert cal.is_open(sat)
    assert not cal.is_open(datetime(2026, 2, 16, 10, 0, tzinfo=SH))  # festival Monday
    assert cal.add(datetime(2026, 2, 13, 17, 0, tzinfo=SH), 2 * H) == datetime(
        2026, 2, 14, 10, 0, tzinfo=SH
    )
    # A 72 h target started before the festival: nine 9 h days are 8 working days.
    due = cal.add(datetime(2026, 2, 12, 9, 0, tzinfo=SH), 72 * H)
    assert due == datetime(2026, 2, 28, 18, 0, tzinfo=SH)  # the second 调休 Saturday
    assert cal.between(datetime(2026, 2, 12, 9, 0, tzinfo=SH), due) == 72 * H


def test_china_extra_dates_and_custom_makeup_windows() -> None:
    cal = BusinessCalendar.china(
        {d: [("09:00", "12:00"), ("13:00", "18:00")] for d in range(5)},
        makeup_windows=[("09:00", "12:00")],
        holidays=[date(2026, 3, 2)],
    )
    assert cal.windows_on(date(2026, 3, 2)) == []
    assert [b - a for a, b in cal.windows_on(date(2026, 2, 14))] == [3 * H]


def test_china_falls_back_with_a_warning_for_uncovered_years() -> None:
    cal = BusinessCalendar.china()
    with pytest.warns(CalendarCoverageWarning, match="2035"):
        assert not cal.is_open(datetime(2035, 1, 1, 10, 0, tzinfo=SH))  # New Year
    assert not cal.is_open(datetime(2035, 5, 2, 10, 0, tzinfo=SH))  # Labour Day, 2nd day
    assert cal.is_open(datetime(2035, 5, 4, 10, 0, tzinfo=SH))  # a plain Friday


# ---------------------------------------------------------------- window shapes


def test_lunch_break() -> None:
    cal = BusinessCalendar({d: [("09:00", "12:00"), ("13:00", "18:00")] for d in range(5)})
    assert cal.add(utc(2, 11, 30), H) == utc(2, 13, 30)
    assert cal.add(utc(2, 11), H) == utc(2, 12)  # lands on the lunch closing: stays
    assert cal.between(utc(2, 11), utc(2, 14)) == 2 * H
    assert cal.next_open(utc(2, 12, 15)) == utc(2, 13)


def test_overnight_window() -> None:
    cal = BusinessCalendar({d: [("22:00", "06:00")] for d in range(5)}, tz="Asia/Shanghai")
    mon_23 = datetime(2026, 3, 2, 23, 0, tzinfo=SH)
    assert cal.add(mon_23, 8 * H) == datetime(2026, 3, 3, 23, 0, tzinfo=SH)
    assert cal.is_open(datetime(2026, 3, 3, 5, 0, tzinfo=SH))
    # Friday's night runs into Saturday morning; the weekend nights are closed.
    assert cal.is_open(datetime(2026, 3, 7, 5, 59, tzinfo=SH))
    assert cal.add(datetime(2026, 3, 7, 5, 0, tzinfo=SH), 2 * H) == datetime(
        2026, 3, 9, 23, 0, tzinfo=SH
    )


def test_overlapping_windows_are_merged() -> None:
    cal = BusinessCalendar({0: [("22:00", "06:00")], 1: [("00:00", "08:00")]})
    assert cal.between(utc(2, 22), utc(3, 8)) == 10 * H
    assert cal.add(utc(2, 22), 10 * H) == utc(3, 8)


def test_year_boundary_and_time_objects() -> None:
    cal = BusinessCalendar({"thu": [(time(22), time(2))], "fri": [("00:00", "24:00")]})
    start = datetime(2026, 12, 31, 23, 0, tzinfo=UTC)  # Thursday night into 2027
    assert cal.add(start, 3 * H) == datetime(2027, 1, 1, 2, 0, tzinfo=UTC)
    assert cal.between(start, datetime(2027, 1, 2, tzinfo=UTC)) == 25 * H


def test_long_spans_across_years() -> None:
    start = utc(2, 10)
    due = OFFICE.add(start, 8 * H * 260 * 3)
    assert OFFICE.between(start, due) == 8 * H * 260 * 3
    assert due.year == 2029


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"windows": {0: [("25:00", "26:00")]}}, "windows.0.0"),
        ({"windows": {0: [("9am", "17:00")]}}, "windows.0.0"),
        ({"windows": {0: [("09:00", "09:00")]}}, "windows.0.0"),
        ({"windows": {0: [("24:00", "09:00")]}}, "windows.0.0"),
        ({"windows": {0: [("09:00",)]}}, "windows.0.0"),
        ({"windows": {7: [("09:00", "17:00")]}}, "windows"),
        ({"windows": {True: [("09:00", "17:00")]}}, "windows"),
        ({"windows": {0: "09:00-17:00"}}, "windows.0"),
        ({"windows": {0: [("09:00", "17:00")], "mon": []}}, "windows"),
        ({"windows": {}}, "windows"),
        ({"windows": [("09:00", "17:00")]}, "windows"),
        ({"tz": "Mars/Olympus"}, "tz"),
        ({"holidays": ["2026-03-02"]}, "holidays"),
        ({"holidays": [date(2026, 3, 7)], "workdays": [date(2026, 3, 7)]}, "workdays"),
        ({"makeup_windows": [("x", "y")]}, "makeup_windows.0"),
    ],
)
def test_bad_construction_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInputError) as info:
        BusinessCalendar(**kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


def test_bad_arguments() -> None:
    with pytest.raises(InvalidInputError, match="naive") as info:
        OFFICE.add(datetime(2026, 3, 2, 9, 0), H)
    assert info.value.field == "start"
    with pytest.raises(InvalidInputError) as info:
        OFFICE.add(utc(2, 9), -H)
    assert info.value.field == "duration"
    with pytest.raises(InvalidInputError) as info:
        OFFICE.between(utc(2, 9), utc(2, 8))
    assert info.value.field == "end"
    with pytest.raises(InvalidInputError):
        OFFICE.between(utc(2, 9), datetime(2026, 3, 2, 10))
    with pytest.raises(InvalidInputError):
        OFFICE.windows_on(utc(2, 9))  # type: ignore[arg-type]


def test_a_calendar_that_never_reopens_gives_up() -> None:
    sat = date(2026, 3, 7)
    cal = BusinessCalendar({}, workdays=[sat], makeup_windows=[("09:00", "10:00")])
    assert cal.add(utc(7, 9), H) == utc(7, 10)
    with pytest.raises(InvalidInputError, match="never opens"):
        cal.add(utc(7, 9), 2 * H)
    with pytest.raises(InvalidInputError, match="never opens"):
        cal.next_open(utc(7, 11))


# ---------------------------------------------------------------- properties


def brute_between(cal: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Oracle: merge the windows of every date around [start, end] and sum the overlaps."""
    first = start.astimezone(cal.tz).date() - timedelta(days=2)
    last = end.astimezone(cal.tz).date() + timedelta(days=1)
    spans: list[tuple[datetime, datetime]] = []
    day = first
    while day <= last:
        spans.extend((a.astimezone(UTC), b.astimezone(UTC)) for a, b in cal.windows_on(day))
        day += timedelta(days=1)
    spans.sort()
    merged: list[list[datetime]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    total = timedelta(0)
    for a, b in merged:
        lo, hi = max(a, start), min(b, end)
        if hi > lo:
            total += hi - lo
    return total


durations = st.integers(min_value=0, max_value=40 * 86_400).map(lambda s: timedelta(seconds=s))


@settings(max_examples=60, deadline=None)
@given(cal=business_calendars(), start=calendar_instants, d=durations)
def test_between_inverts_add(cal: BusinessCalendar, start: datetime, d: timedelta) -> None:
    due = cal.add(start, d)
    assert due >= start
    assert cal.between(start, due) == d
    if d > timedelta(0):
        tick = timedelta(microseconds=1)
        assert cal.is_open(due - tick)  # never inside a closed period, at most at a closing
        assert cal.between(start, due - tick) < d  # and the earliest such instant


@settings(max_examples=60, deadline=None)
@given(
    cal=business_calendars(),
    start=calendar_instants,
    d1=durations,
    d2=durations,
    shift=st.integers(min_value=0, max_value=5 * 86_400),
)
def test_add_and_between_are_monotone(
    cal: BusinessCalendar, start: datetime, d1: timedelta, d2: timedelta, shift: int
) -> None:
    d1, d2 = sorted((d1, d2))
    assert cal.add(start, d1) <= cal.add(start, d2)
    later = start.astimezone(UTC) + timedelta(seconds=shift)
    assert cal.add(start, d1) <= cal.add(later, d1)
    assert cal.between(start, later) <= cal.between(start, later + d2)


@settings(max_examples=40, deadline=None)
@given(cal=business_calendars(), start=calendar_instants, span=durations)
def test_between_matches_brute_force(
    cal: BusinessCalendar, start: datetime, span: timedelta
) -> None:
    end = start.astimezone(UTC) + span
    assert cal.between(start, end) == brute_between(cal, start, end)


# ---------------------------------------------------------------- the microsecond API

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US = timedelta(microseconds=1)


@settings(max_examples=60, deadline=None)
@given(
    cal=business_calendars(),
    start=calendar_instants,
    d=durations,
    extra=st.integers(min_value=0, max_value=999_999),
)
def test_microsecond_api_is_add_and_between(
    cal: BusinessCalendar, start: datetime, d: timedelta, extra: int
) -> None:
    """``add_us``/``between_us`` answer what ``add``/``between`` answer, to the microsecond."""
    d += timedelta(microseconds=extra)
    u = (start - EPOCH) // US
    due = cal.add_us(u, d // US)
    assert EPOCH + timedelta(microseconds=due) == cal.add(start, d)
    end = start.astimezone(UTC) + d
    assert cal.between_us(u, (end - EPOCH) // US) == cal.between(start, end) // US
    assert cal.add_us(u, 0) == u  # zero is the start itself, open or not
    assert cal.between_us(u, u) == 0


def test_always_open_tells_a_24x7_calendar() -> None:
    assert BusinessCalendar.always().always_open
    assert BusinessCalendar.always(tz="Asia/Shanghai").always_open
    assert not OFFICE.always_open
    halves = {d: [("00:00", "12:00"), ("12:00", "24:00")] for d in range(7)}
    assert not BusinessCalendar(halves).always_open  # open all the time, but not declared so
    full = {d: [("00:00", "24:00")] for d in range(7)}
    assert not BusinessCalendar(full, holidays=[date(2026, 3, 2)]).always_open
    u = (utc(2, 9) - EPOCH) // US
    assert BusinessCalendar(halves).add_us(u, 10**12) == u + 10**12


def test_microsecond_api_refuses_negative_spans() -> None:
    u = (utc(2, 9) - EPOCH) // US
    with pytest.raises(InvalidInputError) as info:
        OFFICE.add_us(u, -1)
    assert info.value.field == "duration_us"
    with pytest.raises(InvalidInputError) as info:
        BusinessCalendar.always().between_us(u, u - 1)
    assert info.value.field == "end_us"
    sat = date(2026, 3, 7)
    cal = BusinessCalendar({}, workdays=[sat], makeup_windows=[("09:00", "10:00")])
    with pytest.raises(InvalidInputError, match="never opens"):
        cal.add_us((utc(7, 9) - EPOCH) // US, 2 * 3600 * 10**6)
