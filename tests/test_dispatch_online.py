from __future__ import annotations

import dataclasses
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch_core.dispatch import (
    HARD_RULES,
    Decision,
    Explanation,
    OnlineDispatcher,
    ScoreWeights,
    default_due_at,
)
from dispatch_core.errors import InvalidInputError, UnknownNodeError, UnknownStaffError
from dispatch_core.model import (
    MAX_SKILL_LEVEL,
    Priority,
    Role,
    Shift,
    Skill,
    SkillRequirement,
    StaffMember,
    Ticket,
)
from dispatch_core.site import SiteGraph

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
SITE = SiteGraph.grid(4, 5, seed=11)
NODES = SITE.nodes
SKILLS = ("plumbing", "electrical", "hvac")
PROPS = ("P1", "P2")


@st.composite
def members(draw: st.DrawFn, idx: int) -> tuple[StaffMember, int, str, bool]:
    names = draw(st.lists(st.sampled_from(SKILLS), unique=True, max_size=3))
    shift = draw(st.sampled_from(["none", "on", "off"]))
    shifts = ()
    if shift != "none":
        start = AT - timedelta(hours=1) if shift == "on" else AT + timedelta(hours=1)
        shifts = (Shift(start_at=start, end_at=start + timedelta(hours=4)),)
    member = StaffMember(
        id=f"s{idx:03d}",
        role=draw(st.sampled_from([Role.TECHNICIAN] * 4 + [Role.AGENT])),
        skills=tuple(Skill(name=n, level=draw(st.integers(1, 5))) for n in names),
        home=draw(st.sampled_from(NODES)),
        properties=frozenset(draw(st.lists(st.sampled_from(PROPS), min_size=1, unique=True))),
        capacity=draw(st.integers(1, 3)),
        shifts=shifts,
    )
    return member, draw(st.integers(0, 3)), draw(st.sampled_from(NODES)), draw(st.booleans())


@st.composite
def scenarios(draw: st.DrawFn):  # type: ignore[no-untyped-def]
    n = draw(st.integers(0, 25))
    fleet = [draw(members(i)) for i in range(n)]
    reqs = draw(st.lists(st.sampled_from(SKILLS), unique=True, max_size=2))
    ticket = Ticket(
        id="T1",
        property_id=draw(st.sampled_from(PROPS)),
        category=draw(st.sampled_from(["repair", "inquiry", "emergency", "complaint"])),
        priority=draw(st.sampled_from(Priority)),
        location=draw(st.sampled_from(NODES)),
        required_skills=[
            SkillRequirement(skill=s, min_level=draw(st.integers(1, 5))) for s in reqs
        ],
        opened_at=AT - timedelta(minutes=draw(st.integers(0, 120))),
    )
    exclude = draw(st.sets(st.sampled_from([f"s{i:03d}" for i in range(max(n, 1))])))
    # an explicit due time near AT makes some technicians late (the lateness term)
    due_minutes = draw(st.none() | st.integers(-5, 10))
    due_at = None if due_minutes is None else AT + timedelta(minutes=due_minutes)
    return fleet, ticket, exclude, due_at


def first_failed_rule(
    d: OnlineDispatcher,
    m: StaffMember,
    ticket: Ticket,
    exclude: set[str],
    available: bool,
    *,
    load: int | None = None,
) -> str:
    """Independent restatement of the hard rules: the first one ``m`` fails, or ``""``."""
    checks = (
        m.role is Role.TECHNICIAN,
        ticket.property_id in m.properties,
        all(m.skill_level(r.skill) >= r.min_level for r in ticket.required_skills),
        available,
        m.on_shift(AT),
        (d.load(m.id) if load is None else load) < m.capacity,
        m.id not in exclude,
    )
    return next((rule for rule, ok in zip(HARD_RULES, checks, strict=True) if not ok), "")


def feasible(
    d: OnlineDispatcher, m: StaffMember, ticket: Ticket, exclude: set[str], available: bool
) -> bool:
    """Whether ``m`` passes every hard rule."""
    return not first_failed_rule(d, m, ticket, exclude, available)


def reference_parts(
    d: OnlineDispatcher, m: StaffMember, ticket: Ticket, due_at: datetime | None
) -> tuple[float, float | None, float, float]:
    """Travel seconds, SLA slack seconds, late seconds and over-qualification of ``m``."""
    travel = SITE.travel_seconds(d.location(m.id), ticket.location)
    due = due_at if due_at is not None else default_due_at(ticket)
    slack = None if due is None else (due - AT).total_seconds()
    late = 0.0 if slack is None or travel <= slack else travel - slack
    reqs = ticket.required_skills
    total = sum(m.skill_level(r.skill) - r.min_level for r in reqs)
    over = total / ((MAX_SKILL_LEVEL - 1) * len(reqs)) if reqs else 0.0
    return travel, slack, late, over


def reference_score(
    d: OnlineDispatcher,
    m: StaffMember,
    ticket: Ticket,
    due_at: datetime | None = None,
    load: int | None = None,
) -> float:
    """The score, restated from the :class:`ScoreWeights` formula (same float operations)."""
    w = d.weights
    factor = w.priority_factors[ticket.priority]
    travel, _, late, over = reference_parts(d, m, ticket, due_at)
    used = d.load(m.id) if load is None else load
    location = factor * (w.travel * travel / 60.0 + w.lateness * late / 60.0)
    return location + (w.load * used / m.capacity + w.skill_fit * over)


def reference_explanation(
    d: OnlineDispatcher,
    m: StaffMember,
    ticket: Ticket,
    examined: int,
    due_at: datetime | None = None,
) -> Explanation:
    """The explanation of choosing ``m``, restated with the slow building blocks."""
    w = d.weights
    factor = w.priority_factors[ticket.priority]
    travel, slack, late, over = reference_parts(d, m, ticket, due_at)
    load = d.load(m.id)
    return Explanation(
        travel_s=travel,
        load=load,
        capacity=m.capacity,
        over_qualification=over,
        sla_slack_s=None if slack is None else slack - travel,
        priority_factor=factor,
        components={
            "lateness": factor * w.lateness * late / 60.0,
            "load": w.load * load / m.capacity,
            "skill_fit": w.skill_fit * over,
            "travel": factor * w.travel * travel / 60.0,
        },
        rejected={},
        examined=examined,
    )


def build(fleet) -> OnlineDispatcher:  # type: ignore[no-untyped-def]
    d = OnlineDispatcher(SITE, weights=ScoreWeights(load=3.0, skill_fit=1.5))
    for member, load, loc, avail in fleet:
        d.upsert(member)
        d.set_load(member.id, load)
        d.set_location(member.id, loc)
        d.set_available(member.id, avail)
    return d


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_choice_is_never_worse_than_brute_force(scenario) -> None:  # type: ignore[no-untyped-def]
    fleet, ticket, exclude, due_at = scenario
    d = build(fleet)
    dec = d.choose(ticket, at=AT, exclude=exclude, due_at=due_at)
    pool = [
        (d.score(m.id, ticket, at=AT, due_at=due_at), m.id)
        for m, _, _, avail in fleet
        if feasible(d, m, ticket, exclude, avail)
    ]
    if not pool:
        assert dec.staff_id is None
        assert dec.action == "none"
        rejected = dict(dec.explanation.rejected)
        assert set(rejected) <= set(HARD_RULES)
        assert sum(rejected.values()) == len(fleet)
        return
    assert all(s is not None for s, _ in pool)
    best = min(pool)  # type: ignore[type-var]
    assert (dec.score, dec.staff_id) == best
    member, _, _, avail = next(row for row in fleet if row[0].id == dec.staff_id)
    assert feasible(d, member, ticket, exclude, avail)
    assert dec.explanation.travel_s == SITE.travel_seconds(d.location(member.id), ticket.location)
    assert sum(dec.explanation.components.values()) == pytest.approx(dec.score)
    # the explanation (built on a fast path) equals one built by the constructors
    ref = reference_explanation(d, member, ticket, dec.explanation.examined, due_at)
    assert type(dec.explanation) is Explanation
    assert dec == Decision(dec.staff_id, dec.score, ref)
    assert dec.explanation.as_dict() == ref.as_dict()
    assert list(dec.explanation.as_dict()["components"]) == sorted(ref.components)
    # candidates() agrees with the brute-force ranking
    k = min(3, len(pool))
    assert (
        [(s, i) for i, s in d.candidates(ticket, at=AT, limit=k, exclude=exclude, due_at=due_at)]
        == sorted(
            pool  # type: ignore[type-var]
        )[:k]
    )


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_score_choose_and_reallocate_share_one_score(scenario) -> None:  # type: ignore[no-untyped-def]
    """Differential pin of the dispatcher's inlined scan, through the public API.

    ``score`` equals the :class:`ScoreWeights` formula restated here, exactly (same float),
    for every member, and None exactly when a hard rule rejects it; ``choose`` returns the
    argmin of ``score`` over the feasible members (ties: the smaller staff id) with that very
    score, or counts every member under its first failed rule; ``reallocate`` compares with
    the current technician's score as if it did not hold the ticket.
    """
    fleet, ticket, exclude, due_at = scenario
    d = build(fleet)
    feasible_scores: dict[str, float] = {}
    rules: list[str] = []
    for m, _, _, avail in fleet:
        got = d.score(m.id, ticket, at=AT, due_at=due_at)
        rejected_by = first_failed_rule(d, m, ticket, set(), avail)
        assert got == (None if rejected_by else reference_score(d, m, ticket, due_at))
        rules.append(first_failed_rule(d, m, ticket, exclude, avail))
        if got is not None and m.id not in exclude:
            feasible_scores[m.id] = got
    dec = d.choose(ticket, at=AT, exclude=exclude, due_at=due_at)
    if feasible_scores:
        sid = min(feasible_scores, key=lambda s: (feasible_scores[s], s))
        assert (dec.staff_id, dec.score, dec.action) == (sid, feasible_scores[sid], "assign")
        assert dec.score == d.score(sid, ticket, at=AT, due_at=due_at)
    else:
        assert (dec.staff_id, dec.score, dec.action) == (None, None, "none")
        assert dict(dec.explanation.rejected) == dict(sorted(Counter(rules).items()))
    for m, _, _, avail in fleet[:4]:
        load = d.load(m.id)
        held = max(load - 1, 0)
        again = d.reallocate(ticket, at=AT, current=m.id, due_at=due_at)
        assert d.load(m.id) == load  # restored after the as-if score
        if again.staff_id is None:
            continue
        ok = not first_failed_rule(d, m, ticket, set(), avail, load=held)
        expected = reference_score(d, m, ticket, due_at, load=held) if ok else None
        assert again.explanation.compared_to == expected


def tech(sid: str, home: str, *, level: int = 3, props: frozenset[str] = frozenset({"P1"})):  # type: ignore[no-untyped-def]
    return StaffMember(
        id=sid, home=home, properties=props, skills=(Skill(name="plumbing", level=level),)
    )


def ticket(loc: str = "n2-2", prop: str = "P1", level: int = 2) -> Ticket:
    return Ticket(
        id="T",
        property_id=prop,
        category="repair",
        location=loc,
        required_skills=[SkillRequirement(skill="plumbing", min_level=level)],
        opened_at=AT,
    )


def test_tenant_isolation_and_ties_by_id() -> None:
    d = OnlineDispatcher(SITE)
    d.upsert(tech("b", "n2-2"))
    d.upsert(tech("a", "n2-2"))
    d.upsert(tech("z", "n2-2", props=frozenset({"P2"})))
    assert d.choose(ticket(), at=AT).staff_id == "a"
    assert d.choose(ticket(prop="P2"), at=AT).staff_id == "z"
    assert d.choose(ticket(prop="P3"), at=AT).explanation.rejected == {"property": 3}


def test_skill_level_rejections_are_counted() -> None:
    d = OnlineDispatcher(SITE)
    d.upsert(tech("a", "n0-0", level=1))
    d.upsert(StaffMember(id="desk", role="agent", home="n0-0", properties={"P1"}))
    dec = d.choose(ticket(level=2), at=AT)
    assert dec.staff_id is None
    assert dec.explanation.rejected == {"role": 1, "skill": 1}


def test_reallocate_reassign_and_assist() -> None:
    d = OnlineDispatcher(SITE)
    d.upsert(tech("far", "n0-0"))
    d.upsert(tech("near", "n2-2"))
    d.set_load("far", 1)
    dec = d.reallocate(ticket(), at=AT, current="far")
    assert (dec.staff_id, dec.action) == ("near", "reassign")
    assert dec.explanation.compared_to is not None
    assert dec.score is not None
    assert dec.score < dec.explanation.compared_to
    # the reallocation's explanation is choose's, with compared_to added
    plain = d.choose(ticket(), at=AT, exclude={"far"}).explanation
    assert dec.explanation == dataclasses.replace(plain, compared_to=dec.explanation.compared_to)
    d.set_load("far", 0)
    d.set_load("near", 1)
    back = d.reallocate(ticket(), at=AT, current="near")
    assert (back.staff_id, back.action) == ("far", "assist")
    d.remove("far")
    assert d.reallocate(ticket(), at=AT, current="near").action == "none"


def test_upsert_keeps_state_and_errors_leave_state_untouched() -> None:
    d = OnlineDispatcher(SITE)
    d.upsert(tech("a", "n0-0"))
    d.set_location("a", "n1-1")
    d.set_load("a", 1)
    d.upsert(tech("a", "n0-0", level=5))
    assert (d.location("a"), d.load("a")) == ("n1-1", 1)
    with pytest.raises(UnknownNodeError) as err:
        d.set_location("a", "mars")
    assert err.value.field == "location"
    with pytest.raises(UnknownNodeError):
        d.upsert(tech("b", "mars"))
    assert "b" not in d
    assert len(d) == 1
    with pytest.raises(InvalidInputError):
        d.set_load("a", -1)
    with pytest.raises(InvalidInputError):
        d.set_available("a", 1)  # type: ignore[arg-type]
    assert d.load("a") == 1
    with pytest.raises(UnknownStaffError):
        d.set_load("ghost", 1)
    with pytest.raises(UnknownNodeError):
        d.choose(ticket(loc="mars"), at=AT)
    with pytest.raises(InvalidInputError):
        d.choose(ticket(), at=datetime(2026, 3, 2, 9))
    with pytest.raises(InvalidInputError):
        d.score("a", ticket(), at=datetime(2026, 3, 2, 9))
    with pytest.raises(InvalidInputError):
        d.candidates(ticket(), at=AT, limit=0)


def test_priority_and_lateness_raise_the_location_weight() -> None:
    d = OnlineDispatcher(SITE)
    d.upsert(tech("a", "n0-0"))
    base = ticket(loc="n3-4")
    urgent = base.model_copy(update={"priority": Priority.EMERGENCY})
    assert d.score("a", urgent, at=AT) > d.score("a", base, at=AT)  # type: ignore[operator]
    late = d.choose(base, at=AT, due_at=AT).explanation
    assert late.sla_slack_s is not None
    assert late.sla_slack_s < 0
    assert late.components["lateness"] > 0
    assert d.choose(base, at=AT).explanation.as_dict()["components"]["lateness"] == 0.0


def test_score_weights_validation() -> None:
    with pytest.raises(InvalidInputError) as err:
        ScoreWeights(priority_factors={Priority.LOW: 1.0})
    assert err.value.field == "priority_factors.emergency"
