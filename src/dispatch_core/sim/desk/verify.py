"""Fresh replications for a staffing the search chose: the figures a planner is shown.

A staffing search fits its answer to its own replications (common random numbers: every
candidate is judged on the same callers), so the figures of those replications flatter it.
:func:`verify_staffing` therefore simulates the chosen staffing again on **seed streams the
search never used** and judges it with the same :class:`~dispatch_core.sim.desk.judge.DeskTargets`:

1. round ``k`` replicates the staffing ``replications × 2^u`` times with the seed
   ``derived_seed(seed, "verify", k)``, where ``u`` counts the earlier rounds that ended
   ``UNSURE`` somewhere (a sequential test: undecided evidence gets more replications);
2. every interval whose verdict is ``NOT_MET`` (a point estimate misses) gets one agent more
   (up to ``max_agents``); if some interval is ``UNSURE`` (the estimates meet the targets but
   the interval reaches across one) the next round doubles the replications; the rounds stop
   when every verdict is ``MET`` or ``THIN``, or after ``rounds`` rounds;
3. the result carries the last round's replications: every reported figure (service level,
   ASA, abandonment) comes from them, with their verdicts. Only ``MET`` is a claim.

:func:`recheck` is the planner's ``--verify N``: ``N`` further replications on another seed
(``derived_seed(seed, "recheck")``), used for nothing but being printed beside the claim.

Examples
--------
>>> from dispatch_core.sim.desk.judge import DeskTargets
>>> from dispatch_core.sim.desk.model import DeskSpec
>>> spec = DeskSpec.stationary(200.0, aht_s=180.0, agents=14, hours=1.0)
>>> targets = DeskTargets(0.8, None, 0.95)
>>> v = verify_staffing(spec, [14, 14], targets, replications=10, seed=3)
>>> v.agents, v.rounds, v.added, [x.value for x in v.verdicts]
((14, 14), 3, 0, ['met', 'met'])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from dispatch_core.sim.desk.judge import DeskTargets, Verdict
from dispatch_core.sim.desk.model import DeskRun, DeskSpec, simulate_desk
from dispatch_core.sim.desk.summary import DeskSummary, replicate_desk
from dispatch_core.sim.replicate import InlineExecutor
from dispatch_core.sim.streams import derived_seed

__all__ = ["ROUNDS", "Verified", "recheck", "verify_staffing", "verify_with"]

E = TypeVar("E")

#: Verification rounds at most (each on a fresh seed).
ROUNDS = 3

_INLINE = InlineExecutor()


@dataclass(frozen=True, slots=True)
class Verified(Generic[E]):
    """A staffing confirmed (or not) on fresh replications.

    Attributes
    ----------
    agents : tuple of int
        The staffing after the rounds (the search's, plus any agents the rounds added).
    summary : DeskSummary (or the evidence of a custom judge)
        The last round's replications: the source of every reported figure.
    verdicts : tuple of Verdict
        The last round's verdict per interval.
    rounds : int
        Rounds simulated.
    added : int
        Agents the rounds added to the search's answer.
    runs : int
        Replications simulated over all rounds.
    """

    agents: tuple[int, ...]
    summary: E
    verdicts: tuple[Verdict, ...]
    rounds: int
    added: int
    runs: int


#: A judge for :func:`verify_with`: ``(agents, seed, replications) -> (verdicts, evidence)``.
Judge = Callable[[tuple[int, ...], int, int], tuple[tuple[Verdict, ...], E]]


def verify_with(
    judge: Judge[E],
    agents: Sequence[int],
    *,
    replications: int,
    seed: int,
    rounds: int = ROUNDS,
    max_agents: Sequence[int] | None = None,
    on_round: Callable[[], None] | None = None,
) -> Verified[E]:
    """Run the verification rounds (module docstring) with any judge.

    ``judge(agents, seed, replications)`` simulates ``replications`` replications of a
    staffing on ``seed`` and returns a verdict per interval with its evidence; round ``k``
    passes the seed ``derived_seed(seed, "verify", str(k))``.
    """
    current = list(agents)
    start = sum(current)
    k = runs = 0
    size = replications
    while True:
        verdicts, evidence = judge(tuple(current), derived_seed(seed, "verify", str(k)), size)
        k += 1
        runs += size
        if on_round is not None:
            on_round()
        grow = [
            i
            for i, v in enumerate(verdicts)
            if v == Verdict.NOT_MET and (max_agents is None or current[i] < max_agents[i])
        ]
        unsure = Verdict.UNSURE in verdicts
        if (not grow and not unsure) or k >= rounds:
            return Verified(tuple(current), evidence, verdicts, k, sum(current) - start, runs)
        for i in grow:
            current[i] += 1
        if unsure:
            size *= 2


@dataclass(frozen=True, slots=True)
class _DeskJudge:
    spec: DeskSpec
    targets: DeskTargets
    simulate: Callable[..., DeskRun]

    def __call__(
        self, agents: tuple[int, ...], seed: int, replications: int
    ) -> tuple[tuple[Verdict, ...], DeskSummary]:
        summary = replicate_desk(
            self.spec.with_agents(agents),
            replications=replications,
            seed=seed,
            executor=_INLINE,
            confidence=self.targets.two_sided,
            simulate=self.simulate,
        )
        return self.targets.verdicts(summary), summary


def verify_staffing(
    spec: DeskSpec,
    agents: Sequence[int],
    targets: DeskTargets,
    *,
    replications: int,
    seed: int,
    rounds: int = ROUNDS,
    max_agents: Sequence[int] | None = None,
    simulate: Callable[..., DeskRun] = simulate_desk,
    on_round: Callable[[], None] | None = None,
) -> Verified[DeskSummary]:
    """Re-simulate ``agents`` on fresh seeds, adding agents where a target is not met.

    Parameters
    ----------
    spec : DeskSpec
        The desk (its ``agents`` are ignored).
    agents : sequence of int
        The search's answer.
    targets : DeskTargets
        The same targets the search judged.
    replications : int
        Replications in the first round (doubled after a round left an interval unsure).
    seed : int
        The queue's seed; rounds use ``derived_seed(seed, "verify", str(k))``, a stream the
        search (which uses ``seed`` itself) never draws from.
    rounds : int
        Most rounds.
    max_agents : sequence of int, optional
        No interval grows beyond this.
    simulate : callable
        One replication (as in :func:`~dispatch_core.sim.desk.summary.replicate_desk`).
    on_round : callable, optional
        Called after each round (progress).
    """
    return verify_with(
        _DeskJudge(spec, targets, simulate),
        agents,
        replications=replications,
        seed=seed,
        rounds=rounds,
        max_agents=max_agents,
        on_round=on_round,
    )


def recheck(
    spec: DeskSpec,
    agents: Sequence[int],
    *,
    replications: int,
    seed: int,
    confidence: float,
    simulate: Callable[..., DeskRun] = simulate_desk,
) -> DeskSummary:
    """Replicate ``agents`` on the re-check seed ``derived_seed(seed, "recheck")``.

    Nothing is decided from these replications: they are the independent re-check printed
    beside the claim (``dispatch-core plan --simulate --verify N``).
    """
    return replicate_desk(
        spec.with_agents(agents),
        replications=replications,
        seed=derived_seed(seed, "recheck"),
        executor=_INLINE,
        confidence=confidence,
        simulate=simulate,
    )
