"""Technician staffing per shift through the field simulation."""

from __future__ import annotations

import pytest

from dispatch_core.errors import InvalidInputError
from dispatch_core.planning.scenario import Estate, default_scenario
from dispatch_core.sim.desk.judge import Verdict
from dispatch_core.sim.field.plan import (
    analytic_technicians,
    judged_intervals,
    scenario_field,
    simulate_field_day,
)
from dispatch_core.sim.search import meets_at_least


@pytest.fixture(scope="module")
def small():  # type: ignore[no-untyped-def]
    return default_scenario().model_copy(update={"estate": Estate(households=2500)})


@pytest.fixture(scope="module")
def day(small):  # type: ignore[no-untyped-def]
    return simulate_field_day(
        small, "sun", interval_minutes=60, replications=3, seed=2, confidence=0.8, curve=(-1, 0)
    )


def test_scenario_field_takes_the_days_technician_shifts(small) -> None:  # type: ignore[no-untyped-def]
    spec = scenario_field(small, "storm", interval_minutes=60)
    assert [s.name for s in spec.shifts] == [
        "early",
        "late",
        "evening-emergency-desk",
        "storm-reserve",
    ]
    assert [name for name, _ in spec.desks] == ["phone", "digital"]
    assert spec.first_contact == small.resolution.first_contact
    more = scenario_field(small, "storm", interval_minutes=60, technicians=[1, 2, 3, 4])
    assert more.technicians == (1, 2, 3, 4)


def test_analytic_estimate_grows_with_the_storm(small) -> None:  # type: ignore[no-untyped-def]
    sun = analytic_technicians(small, "sun", scenario_field(small, "sun", interval_minutes=60))
    storm_spec = scenario_field(small, "storm", interval_minutes=60)
    storm = analytic_technicians(small, "storm", storm_spec)
    assert storm[0] >= sun[0]
    assert all(n >= 0 for n in storm)


def test_search_meets_every_judged_target_with_confidence(day) -> None:  # type: ignore[no-untyped-def]
    assert day.capped == ()
    assert day.verify_replications >= 2 * 3  # figures from fresh replications
    for shift in day.shifts:
        assert shift.simulated >= shift.searched
        assert shift.verdict != Verdict.NOT_MET
        if shift.verdict == Verdict.MET:
            for est in shift.attainment.values():
                assert meets_at_least(est, day.target)
        for est in shift.attainment.values():
            assert est is None or est.high > est.low  # pooled clocks: never "± 0"
    assert day.simulated_hours == sum(
        s.simulated * (s.end_s - s.start_s) / 3600 for s in day.shifts
    )


def test_curve_is_monotone_in_on_site_attainment(day) -> None:  # type: ignore[no-untyped-def]
    fewer, found = day.curve
    assert fewer.technicians < found.technicians
    assert fewer.attainment["on_site/repair"].mean <= found.attainment["on_site/repair"].mean


def test_same_seed_same_day(small, day) -> None:  # type: ignore[no-untyped-def]
    again = simulate_field_day(
        small, "sun", interval_minutes=60, replications=3, seed=2, confidence=0.8, curve=(-1, 0)
    )
    assert again == day


def test_evening_shift_is_judged_only_where_it_can_reach_in_time(small) -> None:  # type: ignore[no-untyped-def]
    spec = scenario_field(small, "sun", interval_minutes=30)
    assert judged_intervals(spec, spec.shifts[-1]) == [40, 41]  # 20:00 and 20:30


def test_bad_arguments(small) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInputError, match="replications"):
        simulate_field_day(small, "sun", replications=1)
    with pytest.raises(InvalidInputError, match="attainment"):
        simulate_field_day(small, "sun", attainment=0.0)


def test_report_shows_the_technician_side(small, day, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from dispatch_core.planning.plan import build_plan
    from dispatch_core.report.field import field_rows
    from dispatch_core.report.plan import write_report

    plan = build_plan(small, interval_minutes=60, days=["sun"])
    report = write_report(plan, tmp_path, field=[day])
    page = report.html.read_text(encoding="utf-8")
    assert "Field simulation: technicians per shift" in page
    assert (tmp_path / "field_attainment_sun.png").read_bytes().startswith(b"\x89PNG")
    assert [row[0] for row in field_rows(day)] == [s.name for s in day.shifts]


def test_ticket_targets_reach_the_engine(small) -> None:  # type: ignore[no-untyped-def]
    """On site 15 vs 240 min: the engine's clocks (and so the attainment) differ."""
    from dispatch_core.model import Category, SlaMetric
    from dispatch_core.sim.field.driver import simulate_field

    def with_on_site(minutes: float):  # type: ignore[no-untyped-def]
        targets = {Category.REPAIR: {SlaMetric.ON_SITE: minutes}}
        sla = small.sla.model_copy(update={"ticket_targets": targets})
        spec = scenario_field(
            small.model_copy(update={"sla": sla}), "sun", interval_minutes=60, technicians=[1, 1, 1]
        )
        return simulate_field(spec, seed=4)

    tight, loose = with_on_site(15.0), with_on_site(240.0)
    assert tight.attainment("on_site/repair") < loose.attainment("on_site/repair")
    assert tight.red != loose.red or tight.yellow != loose.yellow


def test_search_goes_past_40_when_its_estimate_does(small) -> None:  # type: ignore[no-untyped-def]
    from dispatch_core.sim.field.plan import search_limit

    assert search_limit(147) > 147
    day = simulate_field_day(
        small,
        "sun",
        interval_minutes=60,
        replications=2,
        seed=2,
        confidence=0.8,
        curve=(0,),
        max_technicians=1,
    )
    assert day.limits == (1, 1, 1)
    assert day.capped  # one technician per shift cannot meet the on-site targets
    assert "NOT MET at the search limit" in day.verdict
    assert "1 technicians still misses" in day.verdict
