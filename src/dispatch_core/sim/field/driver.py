"""The field simulation: the desk, the real :class:`~dispatch_core.engine.Engine` and technicians.

One replication runs, inside one SimPy environment,

1. the **desks** of :mod:`dispatch_core.sim.desk.model` (phone and digital queues, abandonment),
   hooked through :meth:`~dispatch_core.sim.desk.model.DeskModel.on_handled`;
2. a contact answered is **resolved at first contact** with probability ``first_contact``;
   otherwise it becomes a ticket: :class:`~dispatch_core.engine.commands.OpenTicket` (category from
   the contact type, default priority, a location drawn on a seeded
   :meth:`~dispatch_core.site.SiteGraph.grid` site, a required skill) and
   :class:`~dispatch_core.engine.commands.Acknowledge` (the agent answered the resident);
3. the **engine dispatches** it (events ``ticket_assigned`` / ``ticket_unassignable``);
   repair and emergency tickets go to **technicians** (``AddStaff`` members, capacity 1, on and
   off shift with ``StaffOnShift`` / ``StaffOffShift`` as the roster says), the others to
   **case officers** (the back office that investigates complaints and answers the rest);
4. a technician accepts at once, **travels** on the site graph
   (:meth:`~dispatch_core.site.SiteGraph.travel_seconds`), arrives (``ArriveOnSite``, which
   also moves them in the engine), works, and resolves (``Resolve``); a case officer accepts
   and resolves after the case work;
5. the engine's **SLA timers** are woken by a SimPy callback sleeping until
   :meth:`~dispatch_core.engine.core.Engine.next_deadline` (re-armed whenever a command starts
   clocks, and after every wake), so yellow thresholds **reallocate** work
   (``ticket_reassigned``: the first technician turns back, the new one sets off) and red ones
   raise escalations;
6. an agent's **follow-up call** (回访) some time after resolution, inside the desk's opening
   hours, records the resident's rating (``RecordFeedback``) and closes the loop (``Close``).

The engine's clock is a :class:`~dispatch_core.sim.simclock.SimClock` on ``env.now``; every
command carries that time. Simulated time 0 is midnight of the day; contacts arrive on day 0
only, the technicians' roster repeats on the following ``drain_days`` days so that every
ticket can finish (or miss its targets).

KPIs are attributed to the interval in which the contact arrived. SLA attainment per
``metric/category`` is read from the engine's ticket records (clocks stopped before the breach
level ÷ clocks started; a clock still running at the end counts as missed: after the drain its
target has passed). The engine starts clocks when the ticket is opened (after the call); the
desk's own service level covers the wait before that.

Modelling choices (stated, not hidden): the engine's dispatcher routes to technician-role
staff only, so case officers join it as technician-role members with the ``casework`` skill
(field technicians lack it, case officers lack field skills); case officers are always on
duty; follow-up calls are outbound work not queued behind inbound contacts; a technician
turned back by a reallocation stays where they were.

Randomness: every per-contact draw (first-contact resolution, location, skill, work time,
case time, follow-up delay, rating) comes from its own stream per desk, drawn before the run,
so a contact is the same whatever the staffing (common random numbers).

Examples
--------
>>> from dispatch_core.sim.desk.model import ContactType, DeskSpec
>>> from dispatch_core.sim.distributions import Distribution
>>> repair = ContactType("repair", 1.0, Distribution.exponential(300.0))
>>> desk = DeskSpec(interval_s=3600.0, arrival_rates=(20.0, 20.0), agents=(2, 2),
...                 contact_types=(repair,))
>>> spec = FieldSpec(desks=(("phone", desk),), shifts=(TechShift("day", 0.0, 86_400.0, 3),))
>>> run = simulate_field(spec, seed=1)
>>> run.tickets_opened == run.closed + run.open_at_end + run.cancelled
True
>>> run == simulate_field(spec, seed=1)
True
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any, cast

import numpy as np
import simpy

from dispatch_core.engine.commands import (
    Accept,
    Acknowledge,
    AddStaff,
    ArriveOnSite,
    Close,
    CommandBase,
    OpenTicket,
    RecordFeedback,
    Resolve,
    StaffOffShift,
    StaffOnShift,
)
from dispatch_core.engine.core import Engine
from dispatch_core.engine.events import (
    EscalationRaised,
    EventBase,
    SlaLevelChanged,
    TicketAssigned,
    TicketReassigned,
    TicketUnassignable,
)
from dispatch_core.engine.lifecycle import Status
from dispatch_core.model import Category, Role, SlaLevel, StaffMember, Ticket
from dispatch_core.sim.desk.model import Contacts, DeskModel, draw_contacts
from dispatch_core.sim.field.spec import (
    DAY_S,
    EPOCH,
    FIELD_CATEGORIES,
    FIELD_SKILLS,
    FieldRun,
    FieldSpec,
    TechShift,
)
from dispatch_core.sim.field.tally import TicketTally
from dispatch_core.sim.simclock import SimClock
from dispatch_core.sim.streams import Streams
from dispatch_core.site import SiteGraph
from dispatch_core.sla.tracker import SlaTracker

__all__ = ["FieldModel", "simulate_field"]

_DEPOT = "n0-0"


class _Tech:
    __slots__ = ("case", "job", "location")

    def __init__(self, location: str, *, case: bool) -> None:
        self.location = location
        self.job: str | None = None
        self.case = case  # a case officer (back office), not a field technician


@dataclass(slots=True)
class _Info:
    interval: int
    work_s: float
    case_s: float
    followup_s: float
    rating: int
    token: int = 0


class _Draws:
    """Per-contact draws of one desk (common random numbers)."""

    def __init__(self, spec: FieldSpec, name: str, n: int, streams: Streams, nodes: int) -> None:
        def gen(what: str) -> np.random.Generator:
            return streams.generator(f"{name}:{what}")

        self.fcr = (gen("first_contact").random(n) < spec.first_contact).tolist()
        self.location = gen("location").integers(1, nodes, n).tolist()
        self.skill = gen("skill").integers(0, len(FIELD_SKILLS), n).tolist()
        self.work = spec.work.sample(gen("work"), n).tolist()
        self.case = spec.casework.sample(gen("casework"), n).tolist()
        self.followup = spec.followup_after.sample(gen("followup"), n).tolist()
        ratings = gen("rating").choice(5, size=n, p=[0.03, 0.05, 0.12, 0.35, 0.45]) + 1
        self.rating = ratings.tolist()


class _FieldDesk(DeskModel):
    """A desk whose handled contacts go to the field driver."""

    driver: FieldModel
    name: str
    draws: _Draws
    arrival: list[float]  # per contact, seconds (the driver's copy of ``contacts.arrival``)
    interval_s: float  # the spec's, kept at hand with the last interval's index
    last_interval: int
    category: list[Category]  # per contact

    def on_handled(self, n: int, now: float) -> None:
        self.driver.handled(self, n, now)


class FieldModel:
    """The driver: desks, engine, technicians, case officers and follow-ups in one environment.

    Parameters
    ----------
    env : simpy.Environment
        The environment (time 0 = midnight of the day of contacts).
    spec : FieldSpec
        What to simulate.
    streams : Streams
        The replication's streams.
    """

    def __init__(self, env: simpy.Environment, spec: FieldSpec, streams: Streams) -> None:
        self.env = env
        self.spec = spec
        self.clock = SimClock(env, EPOCH)
        self._epoch = self.clock.epoch
        self.site = _grid(spec.site_rows, spec.site_cols, spec.site_seed)
        sla = None if spec.sla_policy is None else SlaTracker(spec.sla_policy)
        self.engine = Engine(spec.engine_config, clock=self.clock, site=self.site, sla=sla)
        self._tickets = self.engine.state.tickets  # read-only view: the engine owns the records
        nodes = self.site.nodes
        band = spec.site_cols / spec.communities
        self._nodes = nodes
        self._property = [f"C{int(int(n.split('-')[1]) // band) + 1}" for n in nodes]
        self._properties = frozenset(self._property)
        self.desks: list[_FieldDesk] = []
        self._templates: dict[tuple[Category, str], Ticket] = {}
        for name, desk_spec in spec.desks:
            contacts: Contacts = draw_contacts(desk_spec, _Named(streams, name))
            desk = _FieldDesk(env, desk_spec, contacts)
            desk.driver, desk.name = self, name
            desk.draws = _Draws(spec, name, len(contacts), streams, len(nodes))
            desk.arrival = contacts.arrival.tolist()
            desk.interval_s, desk.last_interval = desk_spec.interval_s, desk_spec.intervals - 1
            kinds = [Category(t.name) for t in desk_spec.contact_types]
            desk.category = [kinds[k] for k in contacts.kind.tolist()]
            self.desks.append(desk)
        self._techs: dict[str, _Tech] = {}
        self._info: dict[str, _Info] = {}
        self._tally = TicketTally(spec.intervals)
        # Idempotency keys k1, k2, ...: a bound C iterator, no Python frame per command.
        self._next_key: Callable[[], str] = map("k{}".format, itertools.count(1)).__next__
        self._wake_at = math.inf
        self._wake_token = 0
        self._followup_hours = spec.followup_hours
        self._armed_for: datetime | None = None  # the deadline the pending wake-up is for
        self._reactions: dict[type[EventBase], Callable[[Any], None]] = {
            TicketAssigned: self._assigned,
            TicketReassigned: self._reassigned,
            TicketUnassignable: self._unassignable,
            EscalationRaised: self._escalated,
            SlaLevelChanged: self._level,
        }
        self.count: dict[str, int] = dict.fromkeys(
            (
                "answered",
                "first_contact",
                "unassignable",
                "reassigned",
                "escalations",
                "yellow",
                "red",
                "followups",
                "followups_within_24h",
            ),
            0,
        )
        self._commands = self._events = 0  # the hottest counters, kept out of the dict

    # ------------------------------------------------------------------ engine plumbing
    def send(self, *commands: CommandBase) -> None:
        """Handle commands at the current time and react to their events."""
        self._commands += len(commands)
        handle = self.engine.handle  # raises what rejects a command
        if len(commands) == 1:
            self._react(handle(commands[0]))
            return
        events: list[EventBase] = []
        for cmd in commands:  # all of them first, then the reactions (as one batch would)
            events += handle(cmd)
        self._react(events)

    def _react(self, events: list[EventBase]) -> None:
        self._events += len(events)
        for ev in events:
            react = self._reactions.get(type(ev))
            if react is not None:
                react(ev)

    def _assigned(self, ev: TicketAssigned) -> None:
        self._start(ev.staff_id, ev.ticket_id)

    def _reassigned(self, ev: TicketReassigned) -> None:
        self.count["reassigned"] += 1
        tech = self._techs[ev.from_staff_id]
        if tech.job == ev.ticket_id:
            tech.job = None  # turned back; stays where they are
        self._start(ev.staff_id, ev.ticket_id)

    def _unassignable(self, ev: TicketUnassignable) -> None:
        self.count["unassignable"] += 1

    def _escalated(self, ev: EscalationRaised) -> None:
        self.count["escalations"] += 1

    def _level(self, ev: SlaLevelChanged) -> None:
        if ev.level in (SlaLevel.YELLOW, SlaLevel.RED):
            self.count[ev.level.value] += 1

    def _arm(self) -> None:
        """Make sure a wake-up is due no later than the engine's next SLA deadline."""
        due = self.engine.next_deadline()
        if due is None or due is self._armed_for:  # the same deadline object: already armed
            return
        at = self.clock.seconds_at(due) + 1e-6  # rounds to the deadline's microsecond or later
        if self.env.now <= self._wake_at <= at:
            return
        self._wake_at, self._armed_for = at, due
        self._wake_token += 1
        ev = self.env.timeout(max(at - self.env.now, 0.0), self._wake_token)
        ev.callbacks.append(self._wake)

    def _wake(self, event: simpy.Event) -> None:
        if event.value != self._wake_token:
            return
        self._wake_at, self._armed_for = math.inf, None
        self._react(self.engine.advance(self.clock.now()))
        self._arm()

    def _later(self, delay: float, callback: Any, value: object) -> None:
        ev = self.env.timeout(delay, value)
        ev.callbacks.append(callback)

    # ------------------------------------------------------------------ set-up
    def start(self) -> None:
        """Add staff, schedule the roster, start the desks."""
        now = self.clock.now()
        spec = self.spec
        members: list[tuple[str, list[dict[str, object]], int, TechShift | None]] = []
        for shift in spec.shifts:
            for k in range(shift.technicians):
                skills = [{"name": s, "level": 3} for s in FIELD_SKILLS]
                members.append((f"{shift.name}-{k + 1:02d}", skills, 1, shift))
        for k in range(spec.case_officers):
            members.append((f"case-{k + 1:02d}", [{"name": "casework", "level": 3}], 50, None))
        for sid, skills, capacity, rota in members:
            member = StaffMember(
                id=sid,
                role=Role.TECHNICIAN,
                skills=skills,
                home=_DEPOT,
                properties=self._properties,
                capacity=capacity,
            )
            self._techs[sid] = _Tech(_DEPOT, case=rota is None)
            cmds: list[CommandBase] = [AddStaff(key=self._next_key(), at=now, member=member)]
            if rota is not None and not rota.covers(0.0):
                cmds.append(StaffOffShift(key=self._next_key(), at=now, staff_id=sid))
            self.send(*cmds)
            if rota is not None:
                for day in range(spec.drain_days + 1):
                    base = day * DAY_S
                    if day or rota.start_s > 0:
                        self._later(base + rota.start_s, self._on_shift, sid)
                    if base + rota.end_s < (spec.drain_days + 1) * DAY_S:
                        self._later(base + rota.end_s, self._off_shift, sid)
        for desk in self.desks:
            desk.start()

    def _on_shift(self, event: simpy.Event) -> None:
        sid = cast(str, event.value)
        self.send(StaffOnShift(key=self._next_key(), at=self.clock.now(), staff_id=sid))

    def _off_shift(self, event: simpy.Event) -> None:
        sid = cast(str, event.value)
        self.send(StaffOffShift(key=self._next_key(), at=self.clock.now(), staff_id=sid))

    @property
    def horizon_s(self) -> float:
        """End of the run, seconds."""
        return (self.spec.drain_days + 1) * DAY_S

    def jobs_in_hand(self) -> dict[str, str]:
        """Return each technician's job in hand, ``staff_id -> ticket_id``, busy ones only."""
        return {sid: tech.job for sid, tech in self._techs.items() if tech.job is not None}

    # ------------------------------------------------------------------ contacts → tickets
    def handled(self, desk: _FieldDesk, n: int, now: float) -> None:
        """Contact ``n`` of ``desk`` was handled at ``now``: resolved, or a ticket."""
        self.count["answered"] += 1
        draws = desk.draws
        if draws.fcr[n]:
            self.count["first_contact"] += 1
            return
        category = desk.category[n]
        node = draws.location[n]
        field_job = category in FIELD_CATEGORIES
        skill = FIELD_SKILLS[draws.skill[n]] if field_job else "casework"
        tid = f"{desk.name}-{n}"
        arrived = desk.arrival[n]
        interval = min(max(int(arrived // desk.interval_s), 0), desk.last_interval)
        self._info[tid] = _Info(
            interval, draws.work[n], draws.case[n], draws.followup[n], draws.rating[n]
        )
        at = self.clock.now()
        template = self._template(category, skill)
        ticket = Ticket(
            id=tid,
            property_id=self._property[node],
            category=category,
            priority=template.priority,
            location=self._nodes[node],
            required_skills=template.required_skills,  # validated once, in the template
            work_minutes=template.work_minutes,
            opened_at=self._epoch + timedelta(0, arrived),  # (days, seconds)
        )
        self.send(
            OpenTicket(key=self._next_key(), at=at, ticket=ticket),
            Acknowledge(key=self._next_key(), at=at, ticket_id=tid),
        )
        self._arm()

    def _template(self, category: Category, skill: str) -> Ticket:
        """Return a validated ticket of ``category`` needing ``skill``, the contacts' model.

        Each contact's ticket is validated with the per-contact fields (id, property, location,
        time) and the template's others: its priority, its work estimate and its required
        skills, already validated models that pydantic does not validate again.
        """
        found = self._templates.get((category, skill))
        if found is None:
            found = self._templates[category, skill] = Ticket(
                id="template",
                property_id="template",
                category=category,
                priority=None,  # the category's default priority
                location=_DEPOT,
                required_skills=[{"skill": skill}],
                work_minutes=self.spec.work.mean / 60.0 if category in FIELD_CATEGORIES else 30.0,
                opened_at=self.clock.epoch,
            )
        return found

    # ------------------------------------------------------------------ work
    # The work steps below read the engine's record directly (owner, status) rather than
    # through helpers: each runs once or twice per ticket.
    def _start(self, sid: str, tid: str) -> None:
        rec = self._tickets[tid]
        if rec.owner != sid or rec.status is not Status.ASSIGNED:
            return  # already moved on within the same batch
        info = self._info[tid]
        info.token += 1
        self.send(Accept(key=self._next_key(), at=self.clock.now(), ticket_id=tid))
        tech = self._techs[sid]
        if tech.case:
            self._later(info.case_s, self._resolve, (sid, tid, info.token))
            return
        tech.job = tid
        travel = self.site.travel_seconds(tech.location, rec.ticket.location)
        self._later(travel, self._arrive, (sid, tid, info.token))

    def _arrive(self, event: simpy.Event) -> None:
        sid, tid, token = cast(tuple[str, str, int], event.value)
        info = self._info[tid]
        rec = self._tickets[tid]
        if info.token != token or rec.owner != sid or rec.status is not Status.ACCEPTED:
            return  # turned back (reallocated) on the way
        self._techs[sid].location = rec.ticket.location
        at = self.clock.now()  # the engine moves the technician to the ticket's node
        self.send(ArriveOnSite(key=self._next_key(), at=at, ticket_id=tid))
        self._later(info.work_s, self._resolve, (sid, tid, info.token))

    def _resolve(self, event: simpy.Event) -> None:
        sid, tid, token = cast(tuple[str, str, int], event.value)
        info = self._info[tid]
        if info.token != token:
            return
        rec = self._tickets[tid]
        if rec.owner != sid or rec.status not in (Status.ACCEPTED, Status.ON_SITE):
            return
        tech = self._techs[sid]
        if tech.job == tid:
            tech.job = None
        self.send(Resolve(key=self._next_key(), at=self.clock.now(), ticket_id=tid))
        delay = self._followup_delay(info.followup_s)
        self._later(delay, self._followup, (tid, self.env.now))

    def _followup_delay(self, delay: float) -> float:
        """``delay``, pushed to the next desk opening if it ends outside desk hours."""
        opens, closes = self._followup_hours
        at = self.env.now + delay
        day, second = divmod(at, DAY_S)
        if second < opens:
            at = day * DAY_S + opens
        elif second >= closes:
            at = (day + 1) * DAY_S + opens
        return at - self.env.now

    def _followup(self, event: simpy.Event) -> None:
        tid, resolved_at = cast(tuple[str, float], event.value)
        if self._tickets[tid].status != Status.RESOLVED:
            return
        self.count["followups"] += 1
        if self.env.now - resolved_at <= DAY_S:
            self.count["followups_within_24h"] += 1
        at = self.clock.now()
        # send(feedback, close), with the ticket counted in between: its clocks have all
        # stopped, and the close takes it out of the engine's live state.
        feedback = RecordFeedback(
            key=self._next_key(), at=at, ticket_id=tid, rating=self._info[tid].rating
        )
        self._commands += 2
        handle = self.engine.handle
        events = handle(feedback)
        self._tally.add(self._tickets[tid], interval=self._info[tid].interval, ended=Status.CLOSED)
        events += handle(Close(key=self._next_key(), at=at, ticket_id=tid))
        self._react(events)

    # ------------------------------------------------------------------ results
    def result(self) -> FieldRun:
        """Return the KPIs (call after the run)."""
        tally, info = self._tally.copy(), self._info  # a copy: result() may be called again
        for tid, rec in self.engine.state.tickets.items():  # still open (or resolved) at the end
            tally.add(rec, interval=info[tid].interval)
        met, total = tally.met, tally.total
        state = self.engine.state
        c = self.count
        return FieldRun(
            interval_s=self.spec.interval_s,
            desks=tuple((d.name, d.result()) for d in self.desks),
            sla_met={k: tuple(v) for k, v in sorted(met.items())},
            sla_total={k: tuple(v) for k, v in sorted(total.items())},
            answered=c["answered"],
            first_contact=c["first_contact"],
            tickets_opened=tally.tickets,
            closed=tally.closed,
            open_at_end=tally.open,
            cancelled=tally.cancelled,
            unassignable=c["unassignable"],
            reassigned=c["reassigned"],
            escalations=c["escalations"],
            yellow=c["yellow"],
            red=c["red"],
            followups=c["followups"],
            followups_within_24h=c["followups_within_24h"],
            commands=self._commands,
            events=self._events,
            engine_kpis=state.kpis.report(now=state.now),
        )


@lru_cache(maxsize=4)
def _grid(rows: int, cols: int, seed: int) -> SiteGraph:
    """Return the seeded grid site, built once per process (it is read-only: runs share it)."""
    return SiteGraph.grid(rows, cols, seed=seed)


class _Named(Streams):
    """Streams of one desk: every stream name prefixed with the desk's name."""

    __slots__ = ("_prefix",)

    def __init__(self, streams: Streams, prefix: str) -> None:
        super().__init__(streams.seed, replication=streams.replication)
        self._prefix = prefix

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        """Return the seed sequence of stream ``<prefix>:<name>``."""
        return super().seed_sequence(f"{self._prefix}:{name}")


def simulate_field(spec: FieldSpec, *, seed: int, replication: int = 0) -> FieldRun:
    """Run one field replication and return its KPIs.

    Parameters
    ----------
    spec : FieldSpec
        What to simulate.
    seed : int
        The experiment's master seed.
    replication : int
        Replication index (streams keyed by ``(seed, replication, name)``).

    Notes
    -----
    The run leaves the garbage collector alone; wrap it in
    :func:`~dispatch_core.sim.gcpause.gc_paused` to skip the cyclic collector's passes.
    """
    env = simpy.Environment()
    model = FieldModel(env, spec, Streams(seed, replication=replication))
    model.start()
    env.run(until=model.horizon_s)
    return model.result()
