from __future__ import annotations

from pathlib import Path

import pytest

from dispatch_core.errors import InvalidInputError, ScenarioError
from dispatch_core.model import Category
from dispatch_core.planning.scenario import (
    Scenario,
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
