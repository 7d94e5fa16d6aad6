"""The public port doubles of dispatch_core.testing: their rules, as embedders rely on them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch_core.errors import (
    DuplicateEntityError,
    IllegalTransitionError,
    UnknownEntityError,
    UnknownStaffError,
    UnknownTicketError,
)
from dispatch_core.model import (
    Category,
    DispatchAction,
    EscalationAction,
    Outcome,
    Role,
    SlaLevel,
    SlaMetric,
    SlaTarget,
)
from dispatch_core.testing import FakeDispatcher, FakeSla, FakeThreshold
from tests.engine_fakes import T0, tech, ticket

M = timedelta(minutes=1)


def dispatcher(*members: str, **kw: bool) -> FakeDispatcher:
    d = FakeDispatcher(**kw)
    for sid in members:
        d.upsert(tech(sid, capacity=2))
    return d


def test_dispatcher_prefers_low_load_then_location_then_id() -> None:
    d = dispatcher("b", "a")
    assert d.choose(ticket("T1"), at=T0).staff_id == "a"  # equal: the smaller id
    d.set_location("a", "B2")
    assert d.choose(ticket("T1"), at=T0).staff_id == "b"  # b is already at B1
    d.set_load("b", 1)
    decision = d.choose(ticket("T1"), at=T0)
    assert (decision.action, decision.staff_id, decision.score) == (DispatchAction.ASSIGN, "a", 0)
    assert decision.explanation.as_dict() == {"reason": "load ratio 0.00"}
    assert (d.load("b"), d.location("a"), d.is_available("a")) == (1, "B2", True)


@pytest.mark.parametrize(
    "breaks_a_rule",
    [
        lambda d: d.upsert(tech("a", props=["P2"])),
        lambda d: d.upsert(tech("a", skills={"electrical": 5})),
        lambda d: d.set_available("a", False),
        lambda d: d.set_load("a", 2),
    ],
)
def test_dispatcher_applies_the_hard_rules_unless_rogue(breaks_a_rule: object) -> None:
    for rogue in (False, True):
        d = dispatcher("a", rogue=rogue)
        breaks_a_rule(d)  # type: ignore[operator]
        decision = d.choose(ticket("T1"), at=T0)
        assert decision.staff_id == ("a" if rogue else None)
    assert decision.action is DispatchAction.ASSIGN
    assert dispatcher("a").choose(ticket("T1"), at=T0, exclude={"a"}).action is DispatchAction.NONE


def test_dispatcher_reallocates_only_to_someone_else() -> None:
    d = dispatcher("a")
    assert d.reallocate(ticket("T1"), at=T0, current="a").action is DispatchAction.NONE
    d.upsert(tech("b"))
    moved = d.reallocate(ticket("T1"), at=T0, current="a")
    assert (moved.action, moved.staff_id) == (DispatchAction.REASSIGN, "b")
    d.remove("b")
    with pytest.raises(UnknownStaffError):
        d.load("b")


def test_sla_clocks_cross_thresholds_in_time_order_and_pauses_do_not_count() -> None:
    sla = FakeSla()
    assert sla.start_ticket(ticket("T1"), at=T0) == (
        SlaMetric.FIRST_RESPONSE,
        SlaMetric.ON_SITE,
        SlaMetric.FEEDBACK,
    )
    assert sla.next_deadline() == T0 + 15 * M * 0.75
    assert sla.pause("T1", at=T0 + 5 * M) == tuple(sla.clocks("T1"))
    assert sla.next_deadline() is None
    assert sla.advance(T0 + 60 * M) == []
    sla.resume("T1", at=T0 + 65 * M)  # 60 minutes on hold
    fired = sla.advance(T0 + 75 * M)  # 15 minutes of running time
    assert [(ch.metric, ch.level, ch.action, ch.notify, ch.at) for ch in fired] == [
        (SlaMetric.FIRST_RESPONSE, SlaLevel.YELLOW, EscalationAction.REALLOCATE, Role.AGENT,
         T0 + 65 * M + 15 * M * 0.75 - 5 * M),
        (SlaMetric.FIRST_RESPONSE, SlaLevel.RED, EscalationAction.ESCALATE, Role.SUPERVISOR,
         T0 + 75 * M),
    ]  # fmt: skip
    assert sla.clocks("T1")[SlaMetric.FIRST_RESPONSE].crossed == 2


def test_sla_stop_judges_running_time_and_a_stopped_clock_stays_stopped() -> None:
    sla = FakeSla()
    sla.start_ticket(ticket("T1"), at=T0)
    assert sla.stop("T1", SlaMetric.FIRST_RESPONSE, at=T0 + 15 * M) is Outcome.MET
    assert sla.stop("T1", SlaMetric.ON_SITE, at=T0 + 61 * M) is Outcome.BREACHED
    clock = sla.clocks("T1")[SlaMetric.ON_SITE]
    assert (clock.stopped, clock.running, clock.armed, clock.elapsed) == (True, False, 0, 61 * M)
    with pytest.raises(IllegalTransitionError):
        sla.stop("T1", SlaMetric.ON_SITE, at=T0 + 62 * M)
    with pytest.raises(UnknownEntityError):
        sla.stop("T1", SlaMetric.RESOLUTION, at=T0 + 62 * M)
    assert sla.cancel_ticket("T1") == (SlaMetric.FEEDBACK,)
    assert sla.tickets() == ()
    with pytest.raises(UnknownTicketError):
        sla.pause("T1", at=T0)


def test_sla_refuses_a_second_start_and_takes_its_own_targets_and_thresholds() -> None:
    once = (FakeThreshold(1.0, SlaLevel.RED, EscalationAction.NOTIFY, Role.MANAGER),)
    targets = {Category.REPAIR: (SlaTarget(metric="on_site", target=timedelta(hours=2)),)}
    sla = FakeSla(targets=targets, thresholds=once)
    assert sla.start_ticket(ticket("T1"), at=T0) == (SlaMetric.ON_SITE,)
    assert sla.start_ticket(ticket("Q1", category="inquiry"), at=T0) == ()
    with pytest.raises(DuplicateEntityError):
        sla.start_ticket(ticket("T1"), at=T0)
    [red] = sla.advance(T0 + timedelta(days=1))
    assert (red.level, red.notify, red.at) == (SlaLevel.RED, Role.MANAGER, T0 + 120 * M)
    assert sla.next_deadline() is None
