"""SlaTracker against a brute-force model: elapsed time over active intervals, every crossing.

A twin tracker (on a TimerWheel) gets the same operations through the fast paths
(``stop``; ``next_deadline`` only now and then, so ``advance`` also meets a stale
cached deadline) and must agree with the reference tracker on every record and event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from dispatch_core.calendar import BusinessCalendar
from dispatch_core.errors import IllegalTransitionError
from dispatch_core.model import SlaMetric
from dispatch_core.sla import Outcome, SlaLevel, SlaPolicy, SlaTracker
from dispatch_core.timers import HeapTimers, TimerWheel

CAL = BusinessCalendar(
    {d: [("09:00", "12:00"), ("13:00", "18:00")] for d in range(5)} | {5: [("22:00", "02:00")]},
    tz="Asia/Shanghai",
    holidays=[date(2026, 3, 4), date(2026, 3, 10)],
    workdays=[date(2026, 3, 8)],
    name="office",
)
POLICY = SlaPolicy.from_dict(
    {
        "rules": [
            {
                "metrics": [
                    {"metric": "on_site", "target": "1h", "calendar": "office"},
                    {"metric": "resolution", "target": "7h", "calendar": "office"},
                ]
            }
        ]
    }
)
CHAIN = POLICY.thresholds
TICKETS = ("A", "B", "C")
METRICS = (SlaMetric.ON_SITE, SlaMetric.RESOLUTION)
TARGETS = {SlaMetric.ON_SITE: timedelta(hours=1), SlaMetric.RESOLUTION: timedelta(hours=7)}
START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)


@dataclass
class Run:
    active: list[list[datetime | None]] = field(default_factory=list)  # [start, end or None]
    paused: list[list[datetime | None]] = field(default_factory=list)


@dataclass
class Model:
    target: timedelta
    runs: list[Run]
    state: str = "running"  # running | paused | stopped


def business(intervals: list[list[datetime | None]], now: datetime) -> timedelta:
    total = timedelta(0)
    for a, b in intervals:
        assert a is not None
        total += CAL.between(a, now if b is None else b)
    return total


def crossings(m: Model, now: datetime) -> list[tuple[datetime, SlaLevel, float]]:
    """Every threshold instant of every run, by walking the active intervals."""
    found = []
    for run in m.runs:
        offsets = [(Fraction(repr(t.fraction)) * int(m.target.total_seconds()), t) for t in CHAIN]
        cum = timedelta(0)
        for a, b in run.active:
            assert a is not None
            seg = CAL.between(a, now if b is None else b)
            for off, t in offsets:
                need = timedelta(seconds=float(off)) - cum
                if timedelta(0) < need <= seg:
                    found.append((CAL.add(a, need), t.level, t.fraction))
            cum += seg
    return sorted(found)


def expected_next_deadline(
    models: dict[tuple[str, SlaMetric], Model],
    reported: dict[tuple[str, SlaMetric], list[tuple[datetime, SlaLevel, float]]],
) -> datetime | None:
    """``next_deadline`` from the model: the earliest crossing not yet reported.

    A running clock's crossings are taken as if it ran on for ever (``FAR``); a crossing in
    the past that ``advance`` has not reported yet counts too.
    """
    due = [
        at
        for key, m in models.items()
        for at, level, fraction in crossings(m, FAR)
        if (at, level, fraction) not in reported.get(key, [])
    ]
    return min(due, default=None)


FAR = datetime(2027, 1, 1, tzinfo=UTC)


class TrackerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.timers = HeapTimers()
        self.tracker = SlaTracker(POLICY, calendars={"office": CAL}, timers=self.timers)
        self.twin = SlaTracker(POLICY, calendars={"office": CAL}, timers=TimerWheel())
        self.now = START
        self.models: dict[tuple[str, SlaMetric], Model] = {}
        self.reported: dict[tuple[str, SlaMetric], list[tuple[datetime, SlaLevel, float]]] = {}

    @rule(step=st.integers(min_value=0, max_value=36 * 3600))
    def wait(self, step: int) -> None:
        self.now += timedelta(seconds=step)

    @rule()
    def wait_for_next_deadline(self) -> None:  # as the simulation does: exactly to it
        due = self.tracker.next_deadline()
        if due is not None and due > self.now:
            self.now = due

    @rule(ticket=st.sampled_from(TICKETS), metric=st.sampled_from(METRICS))
    def start(self, ticket: str, metric: SlaMetric) -> None:
        key = (ticket, metric)
        m = self.models.get(key)
        if m is None:
            self.tracker.start(ticket, metric, at=self.now, category="repair")
            self.twin.start(ticket, metric, at=self.now, category="repair")
            self.models[key] = Model(TARGETS[metric], [Run([[self.now, None]])])
        elif m.state == "stopped":
            self.tracker.restart(ticket, metric, at=self.now)
            self.twin.restart(ticket, metric, at=self.now)
            m.runs.append(Run([[self.now, None]]))
            m.state = "running"

    @rule(ticket=st.sampled_from(TICKETS))
    def pause(self, ticket: str) -> None:
        mine = {k: m for k, m in self.models.items() if k[0] == ticket}
        running = [k for k, m in mine.items() if m.state == "running"]
        if not running:
            if mine:
                try:
                    self.tracker.pause(ticket, at=self.now)
                except IllegalTransitionError:
                    try:
                        self.twin.pause(ticket, at=self.now)
                    except IllegalTransitionError:
                        return
                raise AssertionError("pause with nothing running must fail")
            return
        paused = self.tracker.pause(ticket, at=self.now)
        assert self.twin.pause(ticket, at=self.now) == paused
        assert sorted(paused) == sorted(k[1] for k in running)
        for k in running:
            run = self.models[k].runs[-1]
            run.active[-1][1] = self.now
            run.paused.append([self.now, None])
            self.models[k].state = "paused"

    @rule(ticket=st.sampled_from(TICKETS))
    def resume(self, ticket: str) -> None:
        paused = [k for k, m in self.models.items() if k[0] == ticket and m.state == "paused"]
        if not paused:
            return
        assert self.tracker.resume(ticket, at=self.now) == self.twin.resume(ticket, at=self.now)
        for k in paused:
            run = self.models[k].runs[-1]
            run.paused[-1][1] = self.now
            run.active.append([self.now, None])
            self.models[k].state = "running"

    @rule(ticket=st.sampled_from(TICKETS), metric=st.sampled_from(METRICS))
    def stop(self, ticket: str, metric: SlaMetric) -> None:
        m = self.models.get((ticket, metric))
        if m is None or m.state == "stopped":
            return
        run = m.runs[-1]
        for spans in (run.active, run.paused):
            if spans and spans[-1][1] is None:
                spans[-1][1] = self.now
        m.state = "stopped"
        outcome = self.tracker.stop(ticket, metric, at=self.now)
        rec = self.tracker.record(ticket, metric)
        assert rec.outcome is outcome
        assert self.twin.stop(ticket, metric, at=self.now) is outcome
        assert self.twin.record(ticket, metric) == rec
        elapsed = business(run.active, self.now)
        assert rec.elapsed == elapsed
        assert rec.outcome is (Outcome.MET if elapsed <= m.target else Outcome.BREACHED)

    @rule()
    def advance(self) -> None:
        events = self.tracker.advance(self.now)
        assert self.twin.advance(self.now) == events
        assert [e.at for e in events] == sorted(e.at for e in events)
        assert all(e.at <= self.now for e in events)
        for e in events:
            self.reported.setdefault((e.ticket_id, e.metric), []).append(
                (e.at, e.level, e.fraction)
            )
        for key, m in self.models.items():
            assert sorted(self.reported.get(key, [])) == crossings(m, self.now), key

    @rule(ticket=st.sampled_from(TICKETS), metric=st.sampled_from(METRICS))
    def open_and_acknowledge(self, ticket: str, metric: SlaMetric) -> None:
        """Start (or restart) a clock and stop it at the same instant: its arm never fires."""
        self.start(ticket, metric)
        self.stop(ticket, metric)

    @rule()
    def peek(self) -> None:  # the twin's queued arms, if any, are counted before handed over
        assert self.twin.next_deadline() == expected_next_deadline(self.models, self.reported)

    @invariant()
    def next_deadline_is_the_models(self) -> None:
        expected = expected_next_deadline(self.models, self.reported)
        assert self.tracker.next_deadline() == expected

    @invariant()
    def elapsed_and_paused_match_the_model(self) -> None:
        for (ticket, metric), m in self.models.items():
            rec = self.tracker.record(ticket, metric, at=self.now)
            assert self.twin.record(ticket, metric, at=self.now) == rec
            run = m.runs[-1]
            assert rec.elapsed == business(run.active, self.now)
            assert rec.paused == business(run.paused, self.now)
            assert rec.state.value == m.state

    @invariant()
    def one_timer_per_running_clock_with_thresholds_left(self) -> None:
        expected = 0
        for (ticket, metric), m in self.models.items():
            if m.state != "running":
                continue
            run_start = m.runs[-1].active[0][0]
            assert run_start is not None
            changes = self.tracker.record(ticket, metric).changes
            expected += len([c for c in changes if c.at >= run_start]) < len(CHAIN)
        # Queued arms count as armed (repr); the store has them all once it has been read.
        shown = f"SlaTracker(clocks={len(self.models)}, armed={expected})"
        assert repr(self.tracker) == repr(self.twin) == shown
        self.tracker.next_deadline()
        assert len(self.timers) == expected

    @precondition(lambda self: bool(self.models))
    @invariant()
    def reported_is_a_prefix_of_reached(self) -> None:
        for key, m in self.models.items():
            reached = crossings(m, self.now)
            got = sorted(self.reported.get(key, []))
            assert all(r in reached for r in got)


TrackerMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
TestTracker = TrackerMachine.TestCase
