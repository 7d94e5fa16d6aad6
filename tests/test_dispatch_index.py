"""The online dispatcher's index and fast scan against a brute-force model.

Random fleets go through random load, availability, location, upsert and remove changes;
after each change a decision must pick the same technician with the same score as a
brute-force scan of every member, count the same per-rule rejections when nobody fits, and
report the number of technicians the nearest-first scan had to look at.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch_core.dispatch import HARD_RULES, OnlineDispatcher, ScoreWeights, default_due_at
from dispatch_core.model import Priority, Role, Shift, Skill, SkillRequirement, StaffMember, Ticket
from dispatch_core.site import SiteGraph

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
SITE = SiteGraph.grid(6, 8, seed=5, min_s=60.0, max_s=60.0)  # many equal travel times
NODES = SITE.nodes
SKILLS = ("plumbing", "electrical", "hvac")
PROPS = ("P1", "P2")
IDS = tuple(f"s{i:02d}" for i in range(12))


@dataclass
class Held:
    """What the test knows of one member: the model the dispatcher must agree with."""

    member: StaffMember
    load: int = 0
    loc: str = ""
    available: bool = True


@st.composite
def staff(draw: st.DrawFn, sid: str) -> StaffMember:
    names = draw(st.lists(st.sampled_from(SKILLS), unique=True, max_size=3))
    shift = draw(st.sampled_from(["none", "none", "on", "off"]))
    shifts = ()
    if shift != "none":
        start = AT - timedelta(hours=1) if shift == "on" else AT + timedelta(hours=1)
        shifts = (Shift(start_at=start, end_at=start + timedelta(hours=4)),)
    return StaffMember(
        id=sid,
        role=draw(st.sampled_from([Role.TECHNICIAN] * 5 + [Role.AGENT])),
        skills=tuple(Skill(name=n, level=draw(st.integers(1, 5))) for n in names),
        home=draw(st.sampled_from(NODES)),
        properties=frozenset(draw(st.lists(st.sampled_from(PROPS), min_size=1, unique=True))),
        capacity=draw(st.integers(1, 3)),
        shifts=shifts,
    )


@st.composite
def tickets(draw: st.DrawFn) -> Ticket:
    reqs = draw(st.lists(st.sampled_from(SKILLS), unique=True, max_size=2))
    return Ticket(
        id="T1",
        property_id=draw(st.sampled_from(PROPS)),
        category=draw(st.sampled_from(["repair", "inquiry", "emergency", "complaint"])),
        priority=draw(st.sampled_from(Priority)),
        location=draw(st.sampled_from(NODES)),
        required_skills=[
            SkillRequirement(skill=s, min_level=draw(st.integers(1, 4))) for s in reqs
        ],
        opened_at=AT - timedelta(minutes=draw(st.integers(0, 240))),
    )


ids = st.sampled_from(IDS)
OPS = st.one_of(
    st.tuples(st.just("load"), ids, st.integers(0, 3)),
    st.tuples(st.just("available"), ids, st.booleans()),
    st.tuples(st.just("move"), ids, st.sampled_from(NODES)),
    st.tuples(st.just("remove"), ids, st.none()),
    ids.flatmap(lambda sid: st.tuples(st.just("upsert"), st.just(sid), staff(sid))),
    st.tuples(st.just("choose"), tickets(), st.sets(ids, max_size=3)),
)
#: Drawn once per example and decided after every change.
PROBES = st.lists(st.tuples(tickets(), st.sets(ids, max_size=2)), min_size=1, max_size=3)


def first_failed_rule(held: Held, ticket: Ticket, exclude: set[str]) -> str:
    m = held.member
    checks = (
        m.role is Role.TECHNICIAN,
        ticket.property_id in m.properties,
        all(m.skill_level(r.skill) >= r.min_level for r in ticket.required_skills),
        held.available,
        m.on_shift(AT),
        held.load < m.capacity,
        m.id not in exclude,
    )
    return next((rule for rule, ok in zip(HARD_RULES, checks, strict=True) if not ok), "")


def scanned(model: dict[str, Held], ticket: Ticket) -> list[Held]:
    """The bucket the dispatcher scans: the property's technicians with the rarest skill."""
    pool = [
        h
        for h in model.values()
        if h.member.role is Role.TECHNICIAN and ticket.property_id in h.member.properties
    ]
    needs = [r.skill for r in ticket.required_skills]
    if not needs:
        return pool

    def size(skill: str) -> tuple[int, str]:
        return sum(skill in {s.name for s in h.member.skills} for h in pool), skill

    rarest = min(needs, key=size)
    return [h for h in pool if rarest in {s.name for s in h.member.skills}]


def location_part(w: ScoreWeights, travel_s: float, slack_s: float | None, factor: float) -> float:
    """The score's location part, restated from :class:`ScoreWeights`: never below the score."""
    late = 0.0 if slack_s is None or travel_s <= slack_s else travel_s - slack_s
    return factor * (w.travel * travel_s / 60.0 + w.lateness * late / 60.0)


def check_decision(
    d: OnlineDispatcher, model: dict[str, Held], ticket: Ticket, exclude: set[str]
) -> None:
    dec = d.choose(ticket, at=AT, exclude=exclude)
    rules = {sid: first_failed_rule(h, ticket, exclude) for sid, h in model.items()}
    pool = sorted((d.score(sid, ticket, at=AT), sid) for sid, rule in rules.items() if not rule)  # type: ignore[type-var]
    bucket = scanned(model, ticket)
    if not pool:
        assert (dec.staff_id, dec.score, dec.action) == (None, None, "none")
        assert dict(dec.explanation.rejected) == dict(Counter(rules.values()))
        assert dec.explanation.examined == len(bucket)
        return
    assert (dec.score, dec.staff_id) == pool[0]
    # Nearest-first with an exact stop: every technician of the bucket at a node whose
    # location part of the score does not exceed the best score was looked at, no other.
    factor = d.weights.priority_factors[ticket.priority]
    due = default_due_at(ticket)
    slack = None if due is None else (due - AT).total_seconds()
    reach = [
        h
        for h in bucket
        if location_part(d.weights, SITE.travel_seconds(h.loc, ticket.location), slack, factor)
        <= pool[0][0]
    ]
    expl = dec.explanation
    assert expl.examined == len(reach)
    assert expl.rejected == {}
    held = model[pool[0][1]]
    assert (expl.travel_s, expl.load, expl.capacity) == (
        SITE.travel_seconds(held.loc, ticket.location),
        held.load,
        held.member.capacity,
    )
    assert expl.priority_factor == factor
    assert abs(sum(expl.components.values()) - pool[0][0]) < 1e-9
    assert list(expl.as_dict()) == sorted(expl.as_dict())
    limit = min(3, len(pool))
    assert [(s, i) for i, s in d.candidates(ticket, at=AT, limit=limit, exclude=exclude)] == (
        pool[:limit]
    )


def change(d: OnlineDispatcher, model: dict[str, Held], op: str, sid: str, value: object) -> None:
    """Apply one state change to the dispatcher and to the model."""
    held = model[sid]
    if op == "load":
        assert isinstance(value, int)
        d.set_load(sid, value)
        held.load = value
    elif op == "available":
        assert isinstance(value, bool)
        d.set_available(sid, value)
        held.available = value
    elif op == "move":
        assert isinstance(value, str)
        d.set_location(sid, value)
        held.loc = value
    else:
        d.remove(sid)
        del model[sid]


def answers(d: OnlineDispatcher, ticket: Ticket, exclude: set[str]) -> tuple[object, ...]:
    """Everything the dispatcher says about a ticket, through its public methods."""
    dec = d.choose(ticket, at=AT, exclude=exclude)
    expl = dec.explanation
    return (
        dec.staff_id,
        dec.score,
        dec.action,
        expl.examined,
        dict(expl.rejected),
        d.candidates(ticket, at=AT, limit=len(IDS), exclude=exclude),
    )


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(IDS), unique=True, min_size=1, max_size=10).flatmap(
        lambda sids: st.tuples(st.tuples(*(staff(s) for s in sids)), st.lists(OPS, max_size=25))
    ),
    PROBES,
)
def test_fast_scan_matches_brute_force_through_changes(case, probes) -> None:  # type: ignore[no-untyped-def]
    fleet, ops = case
    d = OnlineDispatcher(SITE, weights=ScoreWeights(load=4.0, skill_fit=1.5, lateness=2.0))
    model: dict[str, Held] = {}
    for member in fleet:
        d.upsert(member)
        model[member.id] = Held(member, loc=member.home)
    for op, a, b in ops:
        if op == "choose":
            check_decision(d, model, a, b)
        elif op == "upsert":
            d.upsert(b)
            old = model.get(a)
            model[a] = (
                Held(b, loc=b.home)
                if old is None
                else Held(b, load=old.load, loc=old.loc, available=old.available)
            )
        elif a in model:
            change(d, model, op, a, b)
        for ticket, exclude in probes:
            check_decision(d, model, ticket, exclude)
    # A dispatcher built from scratch on the final state answers every probe alike.
    fresh = OnlineDispatcher(SITE, weights=ScoreWeights(load=4.0, skill_fit=1.5, lateness=2.0))
    for sid in sorted(model):
        held = model[sid]
        fresh.upsert(held.member)
        fresh.set_location(sid, held.loc)
        fresh.set_load(sid, held.load)
        fresh.set_available(sid, held.available)
    for ticket, exclude in probes:
        assert answers(d, ticket, exclude) == answers(fresh, ticket, exclude)
    for sid, held in model.items():
        assert (d.load(sid), d.location(sid)) == (held.load, held.loc)
