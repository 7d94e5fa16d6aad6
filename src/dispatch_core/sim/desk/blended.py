"""A blended desk: phone and digital contacts answered by one pool of agents, phone first.

Both queues run as :class:`~dispatch_core.sim.desk.model.DeskModel` desks in one SimPy
environment on one :class:`~dispatch_core.sim.desk.model.AgentPool`: whenever an agent is
free, a waiting call is answered before any digital contact (a non-preemptive priority);
digital contacts wait in their own backlog, answered within their own target (the
``answer_within_s`` of the digital spec, 15 minutes by default). Each queue keeps its own
KPIs, opening hours and after-hours handling. The pool's size per interval is the phone
spec's ``agents`` (:meth:`BlendedSpec.with_agents` sets both).

Randomness: the phone callers come from the streams of ``derived_seed(seed, "phone")``, the
digital contacts from ``derived_seed(seed, "digital")`` (replication by replication), so
each is the same whatever the staffing (common random numbers).

Examples
--------
>>> from dispatch_core.sim.desk.model import DeskSpec
>>> phone = DeskSpec.stationary(100.0, aht_s=180.0, agents=8, hours=1.0, patience_s=300.0)
>>> digital = DeskSpec.stationary(40.0, aht_s=300.0, agents=8, hours=1.0, answer_within_s=900)
>>> run = simulate_blended(BlendedSpec(phone, digital), seed=1)
>>> run.phone.offered > 0 and run.digital.offered > 0
True
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from functools import partial

import simpy

from dispatch_core.errors import InvalidInputError
from dispatch_core.sim.desk.contacts import drawn
from dispatch_core.sim.desk.judge import DeskTargets, Verdict, worst
from dispatch_core.sim.desk.model import AgentPool, DeskModel, DeskRun, DeskSpec
from dispatch_core.sim.desk.summary import DeskSummary
from dispatch_core.sim.replicate import InlineExecutor, replicate
from dispatch_core.sim.search import Evaluation
from dispatch_core.sim.streams import derived_seed

__all__ = [
    "BlendedJudge",
    "BlendedRun",
    "BlendedSpec",
    "BlendedSummary",
    "replicate_blended",
    "simulate_blended",
]


@dataclass(frozen=True, slots=True)
class BlendedSpec:
    """The two queues of a blended desk (same intervals); the phone spec's agents are the pool."""

    phone: DeskSpec
    digital: DeskSpec

    def __post_init__(self) -> None:
        if (
            self.phone.interval_s != self.digital.interval_s
            or self.phone.intervals != self.digital.intervals
            or self.phone.warmup_s != self.digital.warmup_s
        ):
            raise InvalidInputError("digital", self.digital, "must share the phone's intervals")

    @property
    def intervals(self) -> int:
        """Number of planning intervals."""
        return self.phone.intervals

    @property
    def agents(self) -> tuple[int, ...]:
        """The pool's agents per interval."""
        return self.phone.agents

    def with_agents(self, agents: Sequence[int]) -> BlendedSpec:
        """Return a copy with another pool (same contacts: common random numbers)."""
        return BlendedSpec(self.phone.with_agents(agents), self.digital.with_agents(agents))


@dataclass(frozen=True, slots=True)
class BlendedRun:
    """One replication of a blended desk: each queue's KPIs."""

    phone: DeskRun
    digital: DeskRun


def simulate_blended(spec: BlendedSpec, *, seed: int, replication: int = 0) -> BlendedRun:
    """Run one replication of the blended desk and return both queues' KPIs."""
    env = simpy.Environment()
    pool = AgentPool()
    desks = [
        DeskModel(
            env,
            queue,
            drawn(queue, seed=derived_seed(seed, name), replication=replication),
            pool=pool,
        )
        for name, queue in (("phone", spec.phone), ("digital", spec.digital))
    ]
    for desk in desks:
        desk.start()
    env.run()
    return BlendedRun(desks[0].result(), desks[1].result())


@dataclass(frozen=True, slots=True)
class BlendedSummary:
    """Replications of a blended desk, as one :class:`DeskSummary` per queue."""

    phone: DeskSummary
    digital: DeskSummary


def replicate_blended(
    spec: BlendedSpec,
    *,
    replications: int,
    seed: int,
    confidence: float,
    executor: Executor | None = None,
) -> BlendedSummary:
    """Replicate :func:`simulate_blended` (inline by default) and summarise each queue."""
    runs = replicate(
        partial(simulate_blended, spec),
        replications=replications,
        seed=seed,
        executor=executor if executor is not None else InlineExecutor(),
    )
    return BlendedSummary(
        DeskSummary(spec.phone, tuple(r.phone for r in runs), confidence),
        DeskSummary(spec.digital, tuple(r.digital for r in runs), confidence),
    )


@dataclass(frozen=True, slots=True)
class BlendedJudge:
    """Both queues' targets on one pool: an interval's verdict is the worse of the two.

    Called as a verification judge (``(agents, seed, replications)``), or through
    :meth:`evaluation` as a search's ``evaluate`` on a fixed seed.
    """

    spec: BlendedSpec
    phone: DeskTargets
    digital: DeskTargets

    def judge(self, summary: BlendedSummary) -> tuple[Verdict, ...]:
        """Return the worse of the phone and digital verdicts, per interval."""
        pairs = zip(
            self.phone.verdicts(summary.phone), self.digital.verdicts(summary.digital), strict=True
        )
        return tuple(worst(p, d) for p, d in pairs)

    def __call__(
        self, agents: tuple[int, ...], seed: int, replications: int
    ) -> tuple[tuple[Verdict, ...], BlendedSummary]:
        """Replicate ``agents`` on ``seed`` and judge every interval (a verification judge)."""
        summary = replicate_blended(
            self.spec.with_agents(agents),
            replications=replications,
            seed=seed,
            confidence=self.phone.two_sided,
        )
        return self.judge(summary), summary

    def evaluation(
        self, agents: tuple[int, ...], *, seed: int, replications: int
    ) -> Evaluation[BlendedSummary]:
        """Evaluate ``agents`` for a search: passes where the worse verdict passes."""
        verdicts, summary = self(agents, seed, replications)
        return Evaluation(agents, tuple(v.passes for v in verdicts), summary)
