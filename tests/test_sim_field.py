"""The field simulation drives the real engine: determinism, SLA behaviour, events, invariants."""

from __future__ import annotations

from functools import partial

import pytest
import simpy

from dispatch_core.errors import InvalidInputError
from dispatch_core.sim.desk.model import ContactType, DeskSpec
from dispatch_core.sim.distributions import Distribution
from dispatch_core.sim.field.driver import FieldModel, simulate_field
from dispatch_core.sim.field.spec import FieldSpec, TechShift
from dispatch_core.sim.replicate import InlineExecutor, default_executor, replicate
from dispatch_core.sim.streams import Streams

HOUR = 3600.0


def _spec(technicians: int, *, rate: float = 24.0, hours: int = 4, **kw: object) -> FieldSpec:
    types = (
        ContactType("repair", 0.6, Distribution.exponential(240.0)),
        ContactType("emergency", 0.2, Distribution.exponential(240.0)),
        ContactType("complaint", 0.2, Distribution.exponential(240.0)),
    )
    desk = DeskSpec(
        interval_s=HOUR,
        arrival_rates=(rate,) * hours + (0.0,) * (24 - hours),
        agents=(4,) * 24,
        contact_types=types,
    )
    return FieldSpec(
        desks=(("phone", desk),),
        shifts=(TechShift("day", 0.0, 24 * HOUR, technicians),),
        site_rows=4,
        site_cols=5,
        communities=2,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def runs() -> dict[int, object]:
    return {n: simulate_field(_spec(n), seed=3) for n in (0, 2, 12)}


def test_same_seed_same_run_and_other_seed_differs() -> None:
    spec = _spec(2, hours=2)
    assert simulate_field(spec, seed=5) == simulate_field(spec, seed=5)
    assert simulate_field(spec, seed=5) != simulate_field(spec, seed=6)


def test_process_pool_gives_the_inline_results() -> None:
    task = partial(simulate_field, _spec(2, hours=1))
    inline = replicate(task, replications=2, seed=9, executor=InlineExecutor())
    with default_executor() as pool:
        pooled = replicate(task, replications=2, seed=9, executor=pool)
    assert pooled == inline


def test_no_technicians_every_field_job_is_unassignable_and_late(runs: dict) -> None:
    run = runs[0]
    field_tickets = sum(run.sla_total["on_site/repair"]) + sum(run.sla_total["on_site/emergency"])
    assert field_tickets > 0
    assert run.unassignable == field_tickets  # reported once each, never assigned
    assert run.attainment("on_site/repair") == 0.0
    assert run.attainment("on_site/emergency") == 0.0
    assert run.escalations > 0
    assert run.red > 0
    assert run.open_at_end == field_tickets  # still waiting at the end, not lost
    # case work does not need technicians: complaints are resolved and closed
    assert run.attainment("resolution/complaint") is not None


def test_ample_technicians_reach_every_site_within_the_hour(runs: dict) -> None:
    run = runs[12]
    assert run.attainment("on_site/repair") == 1.0
    assert run.attainment("on_site/emergency") == 1.0
    assert run.attainment("feedback/repair") == 1.0
    assert run.unassignable == 0
    assert run.red == 0
    assert run.closed == run.tickets_opened


def test_scarce_technicians_trigger_engine_escalations_and_reallocation(runs: dict) -> None:
    scarce, ample = runs[2], runs[12]
    assert scarce.yellow > ample.yellow
    assert scarce.red > 0
    assert scarce.escalations > 0
    assert scarce.attainment("on_site/repair") < 1.0
    # the same callers (common random numbers): the same tickets are opened
    assert scarce.tickets_opened == ample.tickets_opened


def test_no_ticket_is_lost(runs: dict) -> None:
    for run in runs.values():
        assert run.tickets_opened == run.closed + run.open_at_end + run.cancelled
        assert run.answered == run.first_contact + run.tickets_opened
        assert run.followups == run.closed  # every closed loop had its follow-up call
        desk = run.desks[0][1]
        assert run.answered == sum(desk.answered_by_interval)


def test_attainment_agrees_with_the_engine_kpis(runs: dict) -> None:
    run = runs[12]  # every clock stopped: the engine's own attainment is the same figure
    engine = run.engine_kpis["sla_attainment"]
    for key in run.sla_total:
        assert engine[key] == pytest.approx(run.attainment(key), abs=1e-6)


def test_first_contact_resolution_opens_no_ticket() -> None:
    run = simulate_field(_spec(2, hours=1, first_contact=1.0), seed=1)
    assert run.tickets_opened == 0
    assert run.first_contact == run.answered > 0


def test_every_technician_is_idle_once_the_work_drains() -> None:
    env = simpy.Environment()
    model = FieldModel(env, _spec(3, hours=3), Streams(4))
    model.start()
    env.run(until=3 * 3600)
    assert model.jobs_in_hand(), "some technician is busy while the work arrives"
    env.run(until=model.horizon_s)
    assert model.jobs_in_hand() == {}


def test_bad_specs_are_rejected() -> None:
    with pytest.raises(InvalidInputError, match="end_s"):
        TechShift("x", 10.0, 5.0, 1)
    with pytest.raises(InvalidInputError, match="technicians"):
        TechShift("x", 0.0, 5.0, -1)
    with pytest.raises(InvalidInputError, match="first_contact"):
        _spec(1, first_contact=1.5)
    with pytest.raises(InvalidInputError, match="counts"):
        _spec(1).with_technicians([1, 2])
