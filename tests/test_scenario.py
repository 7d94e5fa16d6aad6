from __future__ import annotations

from pathlib import Path

import pytest

from dispatch_core.errors import InvalidInputError, ScenarioError
from dispatch_core.model import Category
from dispatch_core.planning.hours import DeskState, desk_state
from dispatch_core.planning.scenario import (
    Scenario,
    ShiftPlan,
    Weekday,
    clock_minutes,
    default_scenario,
    default_scenario_text,
    load_scenario,
    parse_scenario,
)

TEXT = default_scenario_text()


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_default_estate() -> None:
    s = default_scenario()
    assert s.estate.households == 10_000
    assert [d.name for d in s.days] == [*(w.value for w in Weekday), "storm"]
    assert set(s.demand.category_mix) == set(Category)
    assert set(s.handling) == set(Category)
    storm = s.events_on(s.day("storm"))
    assert [e.multiplier for e in storm.values()] == [3.0]
    assert {e.multiplier for e in s.events_on(s.day("mon")).values()} == {1.3}
    assert s.events_on(s.day("wed")) == {}
    assert s.sla.ticket_targets[Category.REPAIR]
    assert s.resolution.demand_multiplier == pytest.approx(1.25)


def test_simulations_copy_matches_package_data() -> None:
    copy = Path(__file__).resolve().parents[1] / "simulations" / "default.toml"
    assert load_scenario(copy) == default_scenario()


def _error(text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="estate.toml")
    err = info.value
    assert isinstance(err, InvalidInputError)
    assert len(err.errors) == 1, str(err)
    assert "estate.toml, line" in str(err)
    return err


def test_unknown_key_names_key_and_line() -> None:
    text = TEXT.replace("households = 10000", "households = 10000\nhousholds = 3")
    err = _error(text)
    assert err.field == "estate.housholds"
    assert err.value == 3
    assert err.line == _line_of(text, "housholds = 3")
    assert "unknown key" in str(err)


def test_negative_rate() -> None:
    text = TEXT.replace("household_per_day = 0.035", "household_per_day = -0.05")
    err = _error(text)
    assert err.field == "demand.contacts_per_household_per_day"
    assert err.value == -0.05
    assert err.line == _line_of(text, "household_per_day = -0.05")
    assert "-0.05" in str(err)


def test_profile_that_does_not_sum_to_one() -> None:
    text = TEXT.replace("0.075, 0.100, 0.100", "0.075, 0.100, 0.200")
    err = _error(text)
    assert err.field == "demand.hourly_profile"
    assert err.line == _line_of(text, "hourly_profile = [")
    assert "sum to 1" in str(err)
    assert "1.1" in str(err)


def test_unknown_category() -> None:
    text = TEXT.replace("smart_platform = 0.10", "smart_platfrom = 0.10")
    err = _error(text)
    assert err.field == "demand.category_mix.smart_platfrom"
    assert err.value == "smart_platfrom"
    assert err.line == _line_of(text, "smart_platfrom")
    assert "smart_platform" in str(err)  # the expected values are listed


@pytest.mark.parametrize(
    ("old", "new", "field", "needle"),
    [
        ('events = ["storm"]', 'events = ["strom"]', "days.7.events", 'events = ["strom"]'),
        ('start = "12:00"', 'start = "25:00"', "shifts.1.start", '"25:00"'),
        ('days = ["storm"]', 'days = ["stormy"]', "shifts.4.days", '"stormy"'),
        ("[handling.emergency]", "[handling.emergancy]", "handling.emergancy", "emergancy"),
        ("phone_target = 0.80", "phone_target = 1.5", "sla.phone_target", "1.5"),
    ],
)
def test_other_errors_are_located(old: str, new: str, field: str, needle: str) -> None:
    text = TEXT.replace(old, new, 1)
    err = _error(text)
    assert err.field == field
    assert err.line == _line_of(text, needle)


def test_toml_syntax_error_has_line() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(TEXT.replace("[desk]", "[desk"))
    assert info.value.line == _line_of(TEXT, "[desk]")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "nope.toml")
    assert info.value.field == "path"


def test_unknown_day() -> None:
    with pytest.raises(ScenarioError):
        default_scenario().day("holiday")


def test_clock_minutes() -> None:
    assert clock_minutes("00:00") == 0
    assert clock_minutes("24:00") == 1440
    with pytest.raises(ValueError, match="time of day"):
        clock_minutes("24:30")


def test_round_trip_through_python() -> None:
    s = default_scenario()
    assert Scenario.model_validate(s.model_dump()) == s


SIMULATIONS = Path(__file__).resolve().parents[1] / "simulations"


@pytest.mark.parametrize("name", ["default.toml", "estate-25k.toml", "metro-1m.toml"])
def test_shipped_scenarios_load(name: str) -> None:
    s = load_scenario(SIMULATIONS / name)
    assert s.days
    assert all(s.roster.breaks)


def test_new_sections_have_defaults() -> None:
    s = parse_scenario(TEXT[: TEXT.index("[desk]")] + '[[days]]\nname = "mon"\nweekday = "mon"\n')
    assert s.desk.min_agents == 1
    assert not s.desk.blended
    assert (s.roster.full_time_hours, s.roster.part_time_hours) == ([8.0], [4.0])
    assert s.costs.agent_monthly == 7000
    assert s.desk.day_hours(Weekday.FRI) == s.desk.day_hours(Weekday.MON)


def test_opening_hours_per_weekday_and_overnight() -> None:
    text = TEXT.replace(
        '# [desk.hours.fri]\n# open = "07:00"\n# close = "14:00"\n',
        '[desk.hours.fri]\nopen = "07:00"\nclose = "14:00"\n'
        '[desk.hours.sun]\nopen = "09:00"\nclose = "18:00"\nevening_close = "06:00"\n',
    )
    desk = parse_scenario(text).desk
    fri, sun = desk.day_hours(Weekday.FRI), desk.day_hours(Weekday.SUN)
    assert (fri.open, fri.close, fri.evening) == (420, 840, 1320)
    assert sun.overnight
    assert sun.label == "09:00–18:00, evening desk to 06:00 (next morning)"
    assert desk_state(desk, Weekday.FRI, 7 * 60) is DeskState.OPEN
    assert desk_state(desk, Weekday.FRI, 14 * 60) is DeskState.EVENING
    assert desk_state(desk, Weekday.SUN, 23 * 60) is DeskState.EVENING
    assert desk_state(desk, Weekday.MON, 5 * 60) is DeskState.EVENING  # Sunday's night desk
    assert desk_state(desk, Weekday.MON, 6 * 60) is DeskState.CLOSED
    assert desk_state(desk, Weekday.SUN, 5 * 60) is DeskState.CLOSED  # Saturday closes at 22:00


def test_shifts_across_midnight() -> None:
    night = ShiftPlan(name="night", start="22:00", end="07:00", desk_agents=3)
    assert night.crosses_midnight
    assert night.hours == 9.0
    assert night.segments() == ((0, 420), (1320, 1440))
    assert [m for m in (21 * 60, 22 * 60, 0, 6 * 60 + 59, 7 * 60) if night.covers(m)] == [
        1320,
        0,
        419,
    ]
    whole = ShiftPlan(name="all-day", start="00:00", end="24:00")
    assert not whole.crosses_midnight
    assert whole.hours == 24.0
    assert whole.covers(1439)


@pytest.mark.parametrize(
    ("old", "new", "field", "needle"),
    [
        (
            '# [desk.hours.fri]\n# open = "07:00"\n# close = "14:00"\n',
            '[desk.hours.fri]\nopen = "14:00"\nclose = "07:00"\n',
            "desk.hours.fri",
            "[desk.hours.fri]",
        ),
        (
            'start = "12:00"\nend = "20:00"',
            'start = "12:00"\nend = "12:00"',
            "shifts.1",
            'name = "late"',
        ),
        (
            "latest_after_hours = 5",
            "latest_after_hours = 2",
            "roster.breaks.0",
            "[[roster.breaks]]",
        ),
        ("agent_monthly = 7000", "agent_monthly = -7000", "costs.agent_monthly", "-7000"),
        ("min_agents = 1 ", "min_agents = -1 ", "desk.min_agents", "min_agents = -1"),
        (
            'after_hours_phone = "lost"',
            'after_hours_phone = "voicemail"',
            "desk.after_hours_phone",
            "voicemail",
        ),
        (
            "contact the desk again\n",
            "contact the desk again\n[resolution.first_contact_by_category]\nrepair = 1.5\n",
            "resolution.first_contact_by_category.repair",
            "repair = 1.5",
        ),
    ],
)
def test_new_keys_are_validated_and_located(old: str, new: str, field: str, needle: str) -> None:
    assert old in TEXT
    text = TEXT.replace(old, new, 1)
    err = _error(text)
    assert err.field == field
    line = _line_of(text, needle)
    assert err.line in (line, line - 1)  # the key, or the [[table]] header just above it
