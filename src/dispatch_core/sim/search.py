"""Staffing search: the fewest staff per interval that meet every target with confidence.

The search is generic: it only needs an ``evaluate(staffing)`` function that simulates a
staffing vector (with common random numbers: same seed, same callers) and says, per interval,
whether every target is met. Starting from an analytic estimate it

1. **adds** one person to each failing interval until every interval passes, then
2. **removes** one person from every interval not yet known to be tight, keeps the cuts that
   still pass, and *freezes* the intervals whose cut broke a target (or broke the next
   interval, through the backlog it left), until nothing more can be cut.

Each failed cut freezes at least one interval and each accepted cut lowers the head count, so
the search ends after at most ``intervals + total head count`` evaluations; the answer is the
last staffing that was *evaluated* and passed everywhere.

With ``polish=True`` a last phase tries to cut **one interval at a time** (a joint cut may
have been blamed on an interval that was not the culprit) and repeats until a whole pass
accepts nothing. The answer is then *locally minimal*: one person fewer in any single
interval above its minimum fails some target (in the same evaluation, with the same seed).

:func:`search_desk_staffing` applies it to the desk model with a service-level target judged
by a one-sided lower confidence bound.

Examples
--------
>>> from dispatch_core.sim.replicate import InlineExecutor
>>> spec = DeskSpec.stationary(200.0, aht_s=180.0, agents=1, hours=1.0)
>>> result = search_desk_staffing(spec, start=[12, 12], service_level=0.8,
...                               replications=4, seed=1, executor=InlineExecutor())
>>> result.agents
(15, 14)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Generic, TypeVar

from dispatch_core.errors import InvalidInputError
from dispatch_core.sim.desk.judge import DeskTargets
from dispatch_core.sim.desk.model import DeskRun, DeskSpec, simulate_desk
from dispatch_core.sim.desk.summary import DeskSummary, replicate_desk
from dispatch_core.sim.stats import Estimate

__all__ = [
    "Evaluation",
    "SearchResult",
    "meets_at_least",
    "meets_at_most",
    "search_desk_staffing",
    "search_staffing",
]

R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Evaluation(Generic[R]):
    """The verdict on one staffing vector: pass/fail per interval, and the evidence."""

    staffing: tuple[int, ...]
    passed: tuple[bool, ...]
    evidence: R

    @property
    def ok(self) -> bool:
        """Whether every interval passed."""
        return all(self.passed)


@dataclass(frozen=True, slots=True)
class SearchResult(Generic[R]):
    """The outcome of a staffing search.

    Attributes
    ----------
    staffing : tuple of int
        The smallest staffing found that passes every interval.
    start : tuple of int
        The starting point (usually the analytic estimate).
    final : Evaluation
        The evaluation of ``staffing`` (its evidence, e.g. a :class:`DeskSummary`).
    evaluations : int
        How many distinct staffing vectors were simulated (one met again is not re-run).
    capped : tuple of int
        Intervals that still failed at ``max_staff`` (``staffing`` is then not a pass there).
    """

    staffing: tuple[int, ...]
    start: tuple[int, ...]
    final: Evaluation[R]
    evaluations: int
    capped: tuple[int, ...]

    @property
    def agents(self) -> tuple[int, ...]:
        """Alias of :attr:`staffing` for desk searches."""
        return self.staffing


def meets_at_least(est: Estimate | None, target: float) -> bool:
    """Whether the lower end of ``est``'s interval is at least ``target``.

    A two-sided interval at level ``2c − 1`` makes this a one-sided test at confidence ``c``.
    ``None`` (nothing offered in the interval) passes; with a single replication the mean
    decides.

    Examples
    --------
    >>> meets_at_least(Estimate(0.85, 0.03, 10, 0.8), 0.8), meets_at_least(None, 0.8)
    (True, True)
    """
    if est is None:
        return True
    if math.isinf(est.half_width):
        return est.mean >= target
    return est.low >= target


def meets_at_most(est: Estimate | None, target: float) -> bool:
    """Whether the upper end of ``est``'s interval is at most ``target``."""
    if est is None:
        return True
    if math.isinf(est.half_width):
        return est.mean <= target
    return est.high <= target


def _grow(
    run: Callable[[list[int]], Evaluation[R]], staffing: list[int], hi: list[int]
) -> tuple[Evaluation[R], set[int]]:
    """Add one person wherever a target is missed, until all pass or the caps are hit."""
    capped: set[int] = set()
    current = run(staffing)
    while not current.ok:
        grew = False
        for i, passed in enumerate(current.passed):
            if passed:
                continue
            if staffing[i] < hi[i]:
                staffing[i] += 1
                grew = True
            else:
                capped.add(i)
        if not grew:
            break
        current = run(staffing)
    return current, capped


def _shrink(
    run: Callable[[list[int]], Evaluation[R]],
    staffing: list[int],
    current: Evaluation[R],
    lo: list[int],
    capped: set[int],
) -> tuple[list[int], Evaluation[R]]:
    """Cut one person from every interval not known to be tight; freeze those that break."""
    frozen = set(capped) | {i for i in range(len(staffing)) if staffing[i] <= lo[i]}
    while current.ok:
        cut = [i for i in range(len(staffing)) if i not in frozen]
        if not cut:
            break
        trial = list(staffing)
        for i in cut:
            trial[i] -= 1
        attempt = run(trial)
        if attempt.ok:
            staffing, current = trial, attempt
            frozen |= {i for i in cut if staffing[i] <= lo[i]}
            continue
        blamed = {i for i in cut if not attempt.passed[i]}
        for j, passed in enumerate(attempt.passed):
            if not passed and j not in cut:  # backlog from an earlier cut interval
                earlier = [i for i in cut if i < j]
                blamed.add(earlier[-1] if earlier else cut[0])
        frozen |= blamed or set(cut)
    return staffing, current


def _polish(
    run: Callable[[list[int]], Evaluation[R]],
    staffing: list[int],
    current: Evaluation[R],
    lo: list[int],
    capped: set[int],
) -> tuple[list[int], Evaluation[R]]:
    """Cut single intervals until no single cut passes any more."""
    changed = current.ok
    while changed:
        changed = False
        for i in range(len(staffing)):
            if i in capped or staffing[i] <= lo[i]:
                continue
            trial = list(staffing)
            trial[i] -= 1
            attempt = run(trial)
            if attempt.ok:
                staffing, current, changed = trial, attempt, True
    return staffing, current


def search_staffing(
    evaluate: Callable[[tuple[int, ...]], Evaluation[R]],
    start: Sequence[int],
    *,
    min_staff: Sequence[int] | int = 0,
    max_staff: Sequence[int] | int = 10_000,
    polish: bool = False,
) -> SearchResult[R]:
    """Find the fewest staff per interval for which ``evaluate`` passes every interval.

    Parameters
    ----------
    evaluate : callable
        Simulates a staffing vector and returns an :class:`Evaluation`; a pure function of
        the vector (same seed for every candidate), called at most once per distinct vector.
    start : sequence of int
        Starting staffing, one per interval (e.g. the Erlang estimate).
    min_staff, max_staff : int or sequence of int
        Bounds per interval (e.g. a minimum of one on the evening emergency desk).
    polish : bool
        Finish with single-interval cuts, so that the answer is locally minimal.

    Returns
    -------
    SearchResult
    """
    m = len(start)
    if m == 0:
        raise InvalidInputError("start", start, "needs at least one interval")
    lo = [min_staff] * m if isinstance(min_staff, int) else list(min_staff)
    hi = [max_staff] * m if isinstance(max_staff, int) else list(max_staff)
    if len(lo) != m or len(hi) != m or any(a > b for a, b in zip(lo, hi, strict=True)):
        raise InvalidInputError("max_staff", max_staff, "bounds must match start and lo <= hi")
    staffing = [min(max(int(s), a), b) for s, a, b in zip(start, lo, hi, strict=True)]
    # A vector met again (a polish pass retrying a cut nothing has changed since, a shrink
    # returning to a level the growth saw) is not simulated again: ``evaluate`` is a pure
    # function of the staffing (common random numbers), so its verdict would be the same.
    seen: dict[tuple[int, ...], Evaluation[R]] = {}

    def run(vector: list[int]) -> Evaluation[R]:
        key = tuple(vector)
        found = seen.get(key)
        if found is None:
            found = seen[key] = evaluate(key)
        return found

    current, capped = _grow(run, staffing, hi)
    staffing, current = _shrink(run, staffing, current, lo, capped)
    if polish:
        staffing, current = _polish(run, staffing, current, lo, capped)
    return SearchResult(
        staffing=tuple(staffing),
        start=tuple(int(s) for s in start),
        final=current,
        evaluations=len(seen),
        capped=tuple(sorted(capped)),
    )


@dataclass(frozen=True, slots=True)
class _DeskJudge:
    spec: DeskSpec
    targets: DeskTargets
    replications: int
    seed: int
    executor: Executor | None
    simulate: Callable[..., DeskRun]
    on_result: Callable[[int], None] | None

    def __call__(self, agents: tuple[int, ...]) -> Evaluation[DeskSummary]:
        summary = replicate_desk(
            self.spec.with_agents(agents),
            replications=self.replications,
            seed=self.seed,
            executor=self.executor,
            confidence=self.targets.two_sided,
            simulate=self.simulate,
            on_result=self.on_result,
        )
        passed = tuple(v.passes for v in self.targets.verdicts(summary))
        return Evaluation(agents, passed, summary)


def search_desk_staffing(
    spec: DeskSpec,
    *,
    start: Sequence[int],
    service_level: float,
    max_abandon_rate: float | None = None,
    confidence: float = 0.9,
    replications: int = 10,
    seed: int = 0,
    executor: Executor | None = None,
    min_agents: Sequence[int] | int = 0,
    max_agents: Sequence[int] | int = 10_000,
    polish: bool = False,
    simulate: Callable[..., DeskRun] = simulate_desk,
    on_result: Callable[[int], None] | None = None,
) -> SearchResult[DeskSummary]:
    """Smallest agents per interval whose service level meets ``service_level`` with confidence.

    An interval passes when its :class:`~dispatch_core.sim.desk.judge.Verdict` is not
    ``NOT_MET``: the one-sided lower ``confidence`` bound of its pooled service level
    (answered within ``spec.answer_within_s`` ÷ offered, over ``replications``) is at least
    ``service_level`` and, if given, the upper bound of its abandonment rate is at most
    ``max_abandon_rate`` — or, where too few contacts arrive for any outcome to prove that,
    the point estimates meet them (``THIN``). Every candidate uses the same seed (common
    random numbers): the answer is fitted to those replications, so its figures must come
    from fresh ones (:mod:`dispatch_core.sim.desk.verify`).

    Parameters
    ----------
    spec : DeskSpec
        The desk (its ``agents`` are ignored).
    start : sequence of int
        Starting agents per interval, e.g. the Erlang C/A estimate.
    service_level : float
        Target in (0, 1].
    max_abandon_rate : float, optional
        Cap on the abandonment rate.
    confidence : float
        One-sided confidence level in (0.5, 1).
    replications, seed, executor
        As in :func:`~dispatch_core.sim.desk.summary.replicate_desk`.
    min_agents, max_agents : int or sequence of int
        Bounds per interval.
    polish : bool
        Finish with single-interval cuts (see :func:`search_staffing`).
    simulate, on_result
        As in :func:`~dispatch_core.sim.desk.summary.replicate_desk`.
    """
    if not 0.0 < service_level <= 1.0:
        raise InvalidInputError("service_level", service_level, "must be in (0, 1]")
    if not 0.5 < confidence < 1.0:
        raise InvalidInputError("confidence", confidence, "must be in (0.5, 1)")
    if len(start) != spec.intervals:
        raise InvalidInputError("start", start, f"needs {spec.intervals} values")
    judge = _DeskJudge(
        spec,
        DeskTargets(service_level, max_abandon_rate, confidence),
        replications,
        seed,
        executor,
        simulate,
        on_result,
    )
    return search_staffing(judge, start, min_staff=min_agents, max_staff=max_agents, polish=polish)
