r"""Staffing scenarios: TOML files describing an estate's demand, targets and rosters.

A scenario is read with :func:`load_scenario` (a path) or :func:`parse_scenario` (TOML text)
and validated by pydantic. Every problem raises :class:`~dispatch_core.errors.ScenarioError`
naming the key path, the bad value and the **line** in the file. The analytic planner
(``dispatch-core plan``) and the SimPy replay read the same schema.

Schema (all sections are tables; times of day are ``"HH:MM"``, ``"24:00"`` allowed as an end):

``[scenario]``      ``name``, ``description``
``[estate]``        ``households``, ``communities``
``[demand]``        ``contacts_per_household_per_day`` (weekly average), ``hourly_profile`` (24
                    shares summing to 1), ``weekday_profile`` (7 shares Mon..Sun summing to 1),
                    ``[demand.category_mix]`` (shares of the eight
                    :class:`~dispatch_core.model.Category` values, sum 1),
                    ``[demand.channel_mix]`` (``phone``/``app``/``online``, sum 1)
``[handling.<category>]``  ``distribution`` (exponential|lognormal|gamma), ``mean_s``, ``cv``
``[patience]``      ``distribution``, ``mean_s`` (phone callers' patience before hanging up)
``[resolution]``    ``first_contact`` (FCR), ``[resolution.first_contact_by_category]``
                    (overrides), ``callback_share`` (unresolved contacts that call again):
                    demand is multiplied by ``1 / (1 - (1 - fcr)·callback_share)``; a field
                    category's answered contacts become ``1 - fcr`` technician jobs
``[desk]``          ``open``, ``close``, ``evening_close`` (evening emergency desk; at or before
                    ``open``: it works through the night), ``evening_categories`` (what the
                    evening desk takes), ``[desk.hours.<weekday>]`` (``open``, ``close``,
                    ``evening_close`` of some weekdays), ``min_agents`` (fewest productive
                    agents while open), ``blended`` (phone and digital in one pool, phone
                    first), ``after_hours_phone`` / ``after_hours_digital`` (``lost`` or
                    ``carry_over`` to the next opening)
``[sla]``           ``model`` (erlang_a|erlang_c), ``phone_target``, ``phone_within_s``,
                    ``digital_target``, ``digital_within_s``, ``max_occupancy``, ``max_abandon``,
                    ``[sla.ticket_targets.<category>]`` (minutes per
                    :class:`~dispatch_core.model.SlaMetric`; defaults to the seed targets)
``[staffing]``      ``shrinkage``, ``reserve``, ``agents_per_supervisor``, ``managers``,
                    ``households_per_agent`` (the rule of thumb), ``shift_hours``,
                    ``workdays_per_week``,
                    ``part_timer_fte``, ``repair_work_minutes``
``[[shifts]]``      ``name``, ``start``, ``end`` (at or before ``start``: crosses midnight),
                    ``desk_agents``, ``part_timers``, ``technicians``, ``days`` (day names;
                    empty = every day)
``[roster]``        what the shift scheduler may propose: ``start_every_minutes``,
                    ``full_time_hours``, ``part_time_hours``, ``max_part_time_share``,
                    ``time_limit_s``, ``[[roster.breaks]]`` (``min_shift_hours``, ``minutes``,
                    ``earliest_after_hours``, ``latest_after_hours``, ``paid``)
``[costs]``         ``currency``, ``agent_monthly``, ``supervisor_monthly``,
                    ``manager_monthly``, ``technician_monthly``, ``part_timer_hourly``
``[events.<name>]`` ``multiplier``, ``categories`` (empty = all), ``start``, ``end``,
                    ``weekdays`` (applied automatically on these), ``active`` (applied to every
                    day: a season)
``[[days]]``        ``name``, ``weekday`` (mon..sun), ``events`` (event names)

Examples
--------
>>> s = default_scenario()
>>> s.estate.households, [d.name for d in s.days][-1]
(10000, 'storm')
>>> parse_scenario("[estate]\nhouseholds = -5\n", source="x.toml")
Traceback (most recent call last):
...
dispatch_core.errors.ScenarioError: invalid x.toml, line 2: estate.households=-5: ...
"""

from __future__ import annotations

import math
import re
import tomllib
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
from pydantic import Field, field_validator, model_validator

from dispatch_core.errors import FieldError, ScenarioError
from dispatch_core.model import DEFAULT_TARGETS, Category, DomainModel, SlaMetric
from dispatch_core.planning._toml_lines import find_line
from dispatch_core.planning.hours import (
    AfterHours,
    ClockTime,
    Desk,
    DeskState,
    OpeningHours,
    ShiftPlan,
    Weekday,
    clock_minutes,
)
from dispatch_core.planning.roster_rules import BreakRule, Costs, RosterRules

__all__ = [
    "AfterHours",
    "BreakRule",
    "Channel",
    "ClockTime",
    "Costs",
    "Day",
    "Demand",
    "Desk",
    "DeskState",
    "Estate",
    "Event",
    "FIELD_CATEGORIES",
    "HandlingTime",
    "Meta",
    "OpeningHours",
    "Patience",
    "Resolution",
    "RosterRules",
    "Scenario",
    "ShiftPlan",
    "SlaSettings",
    "Staffing",
    "Weekday",
    "clock_minutes",
    "default_scenario",
    "default_scenario_text",
    "load_scenario",
    "parse_scenario",
]

_SUM_TOLERANCE = 1e-6

Share = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Fraction = Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=100_000)]
Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]

#: Categories worked by technicians on site (the field-job share applies to them).
FIELD_CATEGORIES = frozenset({Category.REPAIR, Category.EMERGENCY})


def _check_sum(name: str, values: list[float] | dict[Any, float]) -> None:
    total = sum(values.values()) if isinstance(values, dict) else sum(values)
    if abs(total - 1.0) > _SUM_TOLERANCE:
        msg = f"{name} must sum to 1 (it sums to {total:.6g})"
        raise ValueError(msg)


class Channel(StrEnum):
    """How a resident reaches the desk: phone is a live queue, app and online are deferred."""

    PHONE = "phone"
    APP = "app"
    ONLINE = "online"


class Meta(DomainModel):
    """The ``[scenario]`` table: a name and a description."""

    name: Annotated[str, Field(min_length=1, max_length=128)]
    description: str = ""


class Estate(DomainModel):
    """The estate served: households and communities (小区)."""

    households: Annotated[int, Field(gt=0, le=10_000_000)] = 10_000
    communities: Annotated[int, Field(gt=0, le=10_000)] = 1


class Demand(DomainModel):
    """Contact volume and its shape over the day, week, categories and channels."""

    contacts_per_household_per_day: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
    hourly_profile: Annotated[list[Share], Field(min_length=24, max_length=24)]
    weekday_profile: Annotated[list[Share], Field(min_length=7, max_length=7)]
    category_mix: dict[Category, Share]
    channel_mix: dict[Channel, Share]

    @field_validator("hourly_profile", "weekday_profile", "category_mix", "channel_mix")
    @classmethod
    def _sums_to_one(cls, value: Any, info: Any) -> Any:
        _check_sum(info.field_name, value)
        return value


class HandlingTime(DomainModel):
    """Handling time of one category (talk + wrap-up), in seconds."""

    distribution: Literal["exponential", "lognormal", "gamma"] = "lognormal"
    mean_s: Positive
    cv: Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)] = 1.0


class Patience(DomainModel):
    """How long phone callers wait before hanging up (Erlang A uses the mean)."""

    distribution: Literal["exponential", "lognormal", "gamma"] = "exponential"
    mean_s: Positive = 300.0
    cv: Annotated[float, Field(gt=0, le=10, allow_inf_nan=False)] = 1.0


class Resolution(DomainModel):
    """First-contact resolution and how many unresolved contacts call again.

    ``first_contact_by_category`` overrides ``first_contact`` for some categories (an
    emergency is rarely solved on the phone). Of the contacts of a field category (repair,
    emergency) the desk answers, the share ``1 - FCR`` becomes a technician job
    (:meth:`field_job_share`): the planner's roll-up and the field simulation use that share.
    """

    first_contact: Annotated[float, Field(gt=0, le=1, allow_inf_nan=False)] = 0.6
    first_contact_by_category: dict[
        Category, Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
    ] = Field(default_factory=dict)
    callback_share: Share = 0.5

    @property
    def demand_multiplier(self) -> float:
        """Contacts per first contact: ``1 / (1 - (1 - fcr)·callback_share)``."""
        return 1.0 / (1.0 - (1.0 - self.first_contact) * self.callback_share)

    def first_contact_rate(self, category: Category) -> float:
        """First-contact resolution of ``category`` (its override, else ``first_contact``)."""
        return self.first_contact_by_category.get(category, self.first_contact)

    def multiplier(self, category: Category) -> float:
        """Contacts per first contact of ``category`` (callbacks of unresolved ones in).

        Examples
        --------
        >>> r = Resolution(first_contact=0.6, first_contact_by_category={"emergency": 0.0})
        >>> r.multiplier(Category.REPAIR), r.multiplier(Category.EMERGENCY)
        (1.25, 2.0)
        """
        return 1.0 / (1.0 - (1.0 - self.first_contact_rate(category)) * self.callback_share)

    def field_job_share(self, category: Category) -> float:
        """Technician jobs per answered contact of ``category``: ``1 - FCR``, 0 off the field.

        Examples
        --------
        >>> r = Resolution(first_contact=0.6)
        >>> round(r.field_job_share(Category.REPAIR), 2), r.field_job_share(Category.INQUIRY)
        (0.4, 0.0)
        """
        if category not in FIELD_CATEGORIES:
            return 0.0
        return 1.0 - self.first_contact_rate(category)


class SlaSettings(DomainModel):
    """Service targets: the phone and digital queues, and per-category ticket targets."""

    model: Literal["erlang_a", "erlang_c"] = "erlang_a"
    phone_target: Annotated[float, Field(gt=0, lt=1)] = 0.80
    phone_within_s: Annotated[float, Field(ge=0, le=86_400)] = 20.0
    digital_target: Annotated[float, Field(gt=0, lt=1)] = 0.90
    digital_within_s: Annotated[float, Field(ge=0, le=86_400)] = 900.0
    max_occupancy: Annotated[float, Field(gt=0, le=1)] = 0.85
    max_abandon: Share | None = 0.05
    ticket_targets: dict[Category, dict[SlaMetric, Positive]] = Field(
        default_factory=lambda: {
            c: {t.metric: t.target.total_seconds() / 60 for t in targets}
            for c, targets in DEFAULT_TARGETS.items()
        },
        description="minutes per SLA metric, per category",
    )


class Staffing(DomainModel):
    """Roll-up rules: shrinkage, reserve, span of control and the households rule of thumb."""

    shrinkage: Fraction = 0.30
    reserve: Fraction = 0.10
    agents_per_supervisor: Annotated[int, Field(gt=0, le=100)] = 5
    managers: Count = 1
    households_per_agent: Annotated[int, Field(gt=0, le=100_000)] = 500
    shift_hours: Annotated[float, Field(gt=0, le=24)] = 8.0
    workdays_per_week: Annotated[float, Field(gt=0, le=7)] = 5.0
    part_timer_fte: Annotated[float, Field(gt=0, le=1)] = 0.5
    repair_work_minutes: Positive = 60.0


class Event(DomainModel):
    """A demand peak: ``multiplier`` × contacts of ``categories`` between ``start`` and ``end``."""

    description: str = ""
    multiplier: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)]
    categories: list[Category] = Field(default_factory=list)
    start: ClockTime = "00:00"
    end: ClockTime = "24:00"
    weekdays: list[Weekday] = Field(default_factory=list)
    active: bool = False

    def factor(self, category: Category, minute: int) -> float:
        """Return the multiplier for ``category`` at minute-of-day ``minute`` (else 1.0)."""
        inside = clock_minutes(self.start) <= minute < clock_minutes(self.end)
        applies = not self.categories or category in self.categories
        return self.multiplier if inside and applies else 1.0


class Day(DomainModel):
    """A day to plan: a weekday, plus named events (a storm) on top of the automatic ones."""

    name: Name
    weekday: Weekday
    events: list[Name] = Field(default_factory=list)


class Scenario(DomainModel):
    """A whole staffing scenario; see the module docstring for the TOML layout."""

    scenario: Meta = Field(default_factory=lambda: Meta(name="unnamed"))
    estate: Estate = Field(default_factory=Estate)
    demand: Demand
    handling: dict[Category, HandlingTime]
    patience: Patience = Field(default_factory=Patience)
    resolution: Resolution = Field(default_factory=Resolution)
    desk: Desk = Field(default_factory=Desk)
    sla: SlaSettings = Field(default_factory=SlaSettings)
    staffing: Staffing = Field(default_factory=Staffing)
    shifts: list[ShiftPlan] = Field(default_factory=list)
    roster: RosterRules = Field(default_factory=RosterRules)
    costs: Costs = Field(default_factory=Costs)
    events: dict[Name, Event] = Field(default_factory=dict)
    days: Annotated[list[Day], Field(min_length=1)]

    @field_validator("handling")
    @classmethod
    def _every_category(cls, value: dict[Category, HandlingTime]) -> dict[Category, HandlingTime]:
        missing = [c.value for c in Category if c not in value]
        if missing:
            msg = f"missing handling time for {', '.join(missing)}"
            raise ValueError(msg)
        return value

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        names = [d.name for d in self.days]
        for i, day in enumerate(self.days):
            if names.count(day.name) > 1:
                raise _LocatedError(("days", i, "name"), day.name, "day names must be unique")
            for event in day.events:
                if event not in self.events:
                    raise _LocatedError(
                        ("days", i, "events"), event, f"unknown event; known: {sorted(self.events)}"
                    )
        for i, shift in enumerate(self.shifts):
            for day_name in shift.days:
                if day_name not in names:
                    raise _LocatedError(("shifts", i, "days"), day_name, "unknown day name")
        return self

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.scenario.name

    def day(self, name: str) -> Day:
        """Return the day called ``name``; raise :class:`ScenarioError` if there is none."""
        for day in self.days:
            if day.name == name:
                return day
        raise ScenarioError("day", name, f"no such day; known: {[d.name for d in self.days]}")

    def events_on(self, day: Day) -> dict[str, Event]:
        """Events that apply on ``day`` by name: named ones, weekday ones and active ones."""
        return {
            name: e
            for name, e in self.events.items()
            if name in day.events or e.active or day.weekday in e.weekdays
        }

    def daily_contacts(self, day: Day) -> float:
        """Contacts offered on ``day`` before events (callbacks from unresolved contacts in)."""
        return math.fsum(self.category_contacts(day).values())

    def category_contacts(self, day: Day) -> dict[Category, float]:
        """Contacts of each category on ``day`` before events (callbacks in)."""
        share = self.demand.weekday_profile[day.weekday.number]
        first = self.estate.households * self.demand.contacts_per_household_per_day * 7 * share
        return {
            c: first * mix * self.resolution.multiplier(c)
            for c, mix in self.demand.category_mix.items()
        }


class _LocatedError(ValueError):
    """A cross-field problem whose key path is known exactly."""

    def __init__(self, path: tuple[str | int, ...], value: object, message: str) -> None:
        self.path = path
        self.value = value
        super().__init__(message)


def _problems(exc: pydantic.ValidationError) -> list[tuple[tuple[str | int, ...], Any, str]]:
    """(key path, value, message) for every problem pydantic found, cross-field ones located."""
    found = []
    for item in exc.errors(include_url=False):
        err = (item.get("ctx") or {}).get("error")
        if isinstance(err, _LocatedError):
            found.append((err.path, err.value, str(err)))
            continue
        path = tuple(p for p in item.get("loc", ()) if p != "[key]")
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        if item.get("type") == "extra_forbidden":
            message = "unknown key"
        elif item.get("type") == "enum":
            message = f"unknown value; expected one of: {(item.get('ctx') or {}).get('expected')}"
        message = message.replace("Input should be", "must be")
        found.append((path, item.get("input"), message))
    return found


def parse_scenario(text: str, *, source: str = "scenario") -> Scenario:
    """Parse and validate scenario TOML text.

    Parameters
    ----------
    text : str
        The TOML document.
    source : str, optional
        Where it came from (a file name), for messages.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        For a TOML syntax error or an invalid key: names the key path, the value and the line.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        line = int(found.group(1)) if found else None
        raise ScenarioError("<toml>", None, str(exc), line=line, source=source) from None
    try:
        scenario: Scenario = Scenario.__pydantic_validator__.validate_python(data)
    except pydantic.ValidationError as exc:
        problems = _problems(exc)
        errors = [FieldError(".".join(map(str, p)) or "<root>", v, m) for p, v, m in problems]
        path, value, message = problems[0]
        raise ScenarioError(
            errors[0].field,
            value,
            message,
            line=find_line(text, path),
            source=source,
            errors=errors,
        ) from None
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file.

    Raises
    ------
    ScenarioError
        If the file is missing, is not TOML, or fails validation (the line is given).
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError("path", str(p), f"cannot read: {exc.strerror}", source=str(p)) from None
    return parse_scenario(text, source=str(p))


def default_scenario_text() -> str:
    """Return the TOML text of the built-in default estate (package data)."""
    return resources.files("dispatch_core").joinpath("scenarios/default.toml").read_text("utf-8")


def default_scenario() -> Scenario:
    """Load the built-in estate: 10,000 households, a normal week and a storm day."""
    return parse_scenario(default_scenario_text(), source="default.toml")
