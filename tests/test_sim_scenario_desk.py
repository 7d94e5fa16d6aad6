"""A scenario day as desks (dispatch_core.sim.desk.scenario) and the per-interval mix."""

from __future__ import annotations

import math

import pytest

from dispatch_core.errors import InvalidInputError
from dispatch_core.model import Category
from dispatch_core.planning.plan import plan_day
from dispatch_core.planning.scenario import AfterHours, Channel, default_scenario, parse_scenario
from dispatch_core.sim.desk.model import ContactType, DeskSpec, draw_contacts, simulate_desk
from dispatch_core.sim.desk.scenario import scenario_desk
from dispatch_core.sim.desk.summary import replicate_desk
from dispatch_core.sim.distributions import Distribution
from dispatch_core.sim.replicate import InlineExecutor
from dispatch_core.sim.streams import Streams
from dispatch_core.staffing import erlang_a

_HANDLING = "\n".join(
    f'[handling.{c.value}]\ndistribution = "exponential"\nmean_s = 180\ncv = 0.5\n'
    for c in Category
)


def stationary_scenario(*, agents: int = 14, model: str = "erlang_a") -> str:
    """Poisson 200 calls/h around the clock, exponential AHT 3 min and patience 5 min."""
    return f"""
[estate]
households = 10000
[demand]
contacts_per_household_per_day = 0.48
hourly_profile = [{", ".join(["0.041666666666666664"] * 23)}, 0.04166666666666674]
weekday_profile = [0.14285714285714285, 0.14285714285714285, 0.14285714285714285,
                   0.14285714285714285, 0.14285714285714285, 0.14285714285714285,
                   0.1428571428571429]
category_mix = {{ inquiry = 0.5, repair = 0.5 }}
channel_mix = {{ phone = 1.0 }}
{_HANDLING}
[patience]
distribution = "exponential"
mean_s = 300
[resolution]
first_contact = 1.0
[desk]
open = "00:00"
close = "24:00"
evening_close = "24:00"
[sla]
model = "{model}"
[[shifts]]
name = "all-day"
start = "00:00"
end = "24:00"
desk_agents = {agents}
[[days]]
name = "day"
weekday = "wed"
"""


def test_rates_and_roster_are_the_planners() -> None:
    s = default_scenario()
    desk = scenario_desk(s, "storm", interval_minutes=30)
    plan = plan_day(s, s.day("storm"), interval_minutes=30)
    hours = 0.5
    phone_share = s.demand.channel_mix[Channel.PHONE]
    for i, iv in enumerate(plan.intervals):
        # Every contact arrives, taken or not (no work lost): the planner's offered + deferred.
        arriving = iv.contacts + iv.deferred_contacts
        assert desk.phone.arrival_rates[i] * hours == pytest.approx(arriving * phone_share)
        assert desk.digital.arrival_rates[i] * hours == pytest.approx(arriving * (1 - phone_share))
        assert any(desk.phone.accepts[i]) == (iv.desk != "closed")
        assert desk.phone.agents[i] + desk.digital.agents[i] == iv.scheduled == desk.rostered[i]
        assert desk.open[i] == (iv.desk != "closed")
    assert desk.part_timers[plan.intervals.index(plan.intervals[20])] == 8  # 10:00 on the storm
    assert desk.phone.patience == Distribution.exponential(300.0)
    assert desk.digital.patience is None
    assert desk.analytic == plan


def test_evening_mix_only_takes_evening_categories() -> None:
    s = default_scenario()
    desk = scenario_desk(s, "tue", interval_minutes=60)
    names = [t.name for t in desk.phone.contact_types]
    evening = {c.value for c in s.desk.evening_categories}
    assert desk.phone.mix is not None
    assert desk.phone.accepts is not None
    row = desk.phone.accepts[21]  # 21:00, evening desk
    assert {n for n, ok in zip(names, row, strict=True) if ok} == evening
    assert not any(desk.phone.accepts[3])  # 03:00: closed
    assert math.fsum(desk.phone.mix[21]) == pytest.approx(1.0)  # everything still arrives
    assert desk.phone.after_hours == AfterHours.LOST
    assert desk.digital.after_hours == AfterHours.CARRY_OVER


def test_exponential_handling_ignores_the_files_cv_and_erlang_c_has_no_patience() -> None:
    s = parse_scenario(stationary_scenario(model="erlang_c"))
    desk = scenario_desk(s, "day")
    assert {t.handling for t in desk.phone.contact_types} == {Distribution.exponential(180.0)}
    assert desk.phone.patience is None


def test_explicit_agents_and_bad_input() -> None:
    s = default_scenario()
    desk = scenario_desk(s, "sun", interval_minutes=60, phone_agents=[3] * 24)
    assert desk.phone.agents == (3,) * 24
    with pytest.raises(InvalidInputError) as info:
        scenario_desk(s, "sun", interval_minutes=60, digital_agents=[1, 2])
    assert info.value.field == "digital_agents"
    with pytest.raises(InvalidInputError):
        desk.queue("fax")


def test_stationary_scenario_reproduces_erlang_a_within_3_half_widths() -> None:
    s = parse_scenario(stationary_scenario())
    desk = scenario_desk(s, "day", interval_minutes=60, warmup_s=3600.0)
    assert desk.phone.arrival_rates == pytest.approx([200.0] * 24)
    assert set(desk.phone.agents) == {14}
    summary = replicate_desk(desk.phone, replications=8, seed=5, executor=InlineExecutor())
    ref = erlang_a(200.0, 180.0, 14, patience_s=300.0, within_s=20.0)
    for kpi, expected in (
        ("service_level", ref.service_level),
        ("abandon_rate", ref.p_abandon),
        ("asa_s", ref.asa_s),
        ("wait_probability", ref.p_wait),
    ):
        est = summary.kpi(kpi)
        assert est.covers(expected, widths=3.0), (kpi, str(est), expected)


def _two_types(mix: tuple[tuple[float, ...], ...] | None, rates: tuple[float, ...]) -> DeskSpec:
    return DeskSpec(
        interval_s=600.0,
        arrival_rates=rates,
        agents=(5,) * len(rates),
        contact_types=(
            ContactType("a", 0.5, Distribution.fixed(60.0)),
            ContactType("b", 0.5, Distribution.fixed(120.0)),
        ),
        mix=mix,
    )


def test_mix_rows_are_validated_and_followed() -> None:
    spec = _two_types(((1.0, 0.0), (0.0, 1.0), (0.0, 0.0)), (300.0, 300.0, 0.0))
    c = draw_contacts(spec, Streams(1))
    first = c.arrival < 600.0
    assert set(c.kind[first].tolist()) == {0}
    assert set(c.kind[~first].tolist()) == {1}
    assert simulate_desk(spec, seed=1).offered == len(c)
    for mix, field in [
        (((1.0, 0.0),), "mix"),
        (((1.0,), (1.0,), (1.0,)), "mix.0"),
        (((0.5, 0.4), (0.5, 0.5), (0.0, 0.0)), "mix.0"),
        (((1.0, 0.0), (0.0, 0.0), (0.0, 0.0)), "mix.1"),  # zero row where the rate is not 0
        (((1.0, 0.0), (-0.5, 1.5), (0.0, 0.0)), "mix.1"),
    ]:
        with pytest.raises(InvalidInputError) as info:
            _two_types(mix, (300.0, 300.0, 0.0))
        assert info.value.field == field
