"""One day of a blended desk (``[desk] blended = true``): search, verify, re-check one pool.

The same three steps as :mod:`dispatch_core.sim.desk.day`, on one agent vector for both
queues (:mod:`dispatch_core.sim.desk.blended`: phone first, a digital backlog with its own
target): an interval passes where the worse of its phone and digital verdicts passes. The
search starts from the Erlang requirements of the two queues added up (what separate pools
would need; the pooled desk usually needs fewer, which the search finds) on the seed
``derived_seed(seed, day, "blended")``; the verification and the re-check derive theirs
from it. Each queue's verdict is reported on its own.

Examples
--------
>>> from dispatch_core.planning.scenario import default_scenario
>>> from dispatch_core.sim.desk.day import simulate_day
>>> s = default_scenario()
>>> s = s.model_copy(update={"desk": s.desk.model_copy(update={"blended": True})})
>>> day = simulate_day(s, "sun", interval_minutes=60, replications=3, seed=1)
>>> day.blended, {iv.digital for iv in day.intervals}
(True, {0})
>>> day.verify_rounds >= 1 and all(iv.phone >= 1 for iv in day.intervals if iv.desk != "closed")
True
"""

from __future__ import annotations

from collections.abc import Callable

from dispatch_core.planning.scenario import Scenario
from dispatch_core.sim.desk.blended import (
    BlendedJudge,
    BlendedSpec,
    BlendedSummary,
    replicate_blended,
)
from dispatch_core.sim.desk.day import Figures, queue_targets
from dispatch_core.sim.desk.scenario import ScenarioDesk
from dispatch_core.sim.desk.verify import verify_with
from dispatch_core.sim.search import Evaluation, search_staffing
from dispatch_core.sim.streams import derived_seed

__all__ = ["plan_blended"]


def plan_blended(
    scenario: Scenario,
    desk: ScenarioDesk,
    *,
    replications: int,
    verify_replications: int,
    recheck_replications: int,
    seed: int,
    confidence: float,
    on_evaluation: Callable[[str], None] | None = None,
) -> Figures:
    """Size the blended pool of one scenario day (see the module docstring)."""
    phone_t = queue_targets(scenario, "phone", confidence)
    digital_t = queue_targets(scenario, "digital", confidence)
    spec = BlendedSpec(desk.phone, desk.digital)
    judge = BlendedJudge(spec, phone_t, digital_t)
    analytic = desk.analytic.intervals
    start = [iv.required_phone + iv.required_digital for iv in analytic]
    rates = zip(desk.phone.arrival_rates, desk.digital.arrival_rates, strict=True)
    lo = [1 if o and p + d > 0 else 0 for o, (p, d) in zip(desk.open, rates, strict=True)]
    hi = [max(2 * s + 10, 20) for s in start]
    base = derived_seed(seed, desk.day, "blended")
    label = f"{desk.day} blended"

    def tick() -> None:
        if on_evaluation is not None:
            on_evaluation(label)

    def evaluate(agents: tuple[int, ...]) -> Evaluation[BlendedSummary]:
        tick()
        return judge.evaluation(agents, seed=base, replications=replications)

    found = search_staffing(
        evaluate,
        [max(s, m) for s, m in zip(start, lo, strict=True)],
        min_staff=lo,
        max_staff=hi,
        polish=True,
    )
    verified = verify_with(
        judge,
        found.staffing,
        replications=verify_replications,
        seed=base,
        max_agents=hi,
        on_round=tick,
    )
    final = verified.summary
    rostered = replicate_blended(
        spec.with_agents(desk.rostered),
        replications=verify_replications,
        seed=derived_seed(base, "verify", "0"),
        confidence=phone_t.two_sided,
    )
    checked = None
    if recheck_replications:
        checked = replicate_blended(
            spec.with_agents(verified.agents),
            replications=recheck_replications,
            seed=derived_seed(base, "recheck"),
            confidence=phone_t.two_sided,
        )
        tick()
    none = (0,) * len(analytic)
    return Figures(
        phone_agents=verified.agents,
        digital_agents=none,
        searched_phone=found.staffing,
        searched_digital=none,
        phone=final.phone,
        digital=final.digital,
        phone_verdicts=phone_t.verdicts(final.phone),
        digital_verdicts=digital_t.verdicts(final.digital),
        rostered=rostered.phone,
        recheck_phone=None if checked is None else checked.phone,
        recheck_digital=None if checked is None else checked.digital,
        evaluations=found.evaluations + verified.rounds + 1 + (1 if checked else 0),
        runs=found.evaluations * replications
        + verified.runs
        + verify_replications
        + recheck_replications,
        rounds=verified.rounds,
        added=verified.added,
        capped=found.capped,
    )
