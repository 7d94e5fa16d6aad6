"""Batch dispatch: many tickets at once (storm bursts, periodic re-optimisation).

Two models over a sparse candidate graph ``costs[ticket][staff] = integer cost`` (build it
with :func:`candidate_costs` from an :class:`~dispatch_core.dispatch.online.OnlineDispatcher`,
which applies the hard rules and the online score):

* :func:`assign_unit`: unit tickets, each technician takes at most ``caps[staff]`` of them →
  OR-Tools ``SimpleMinCostFlow`` (exact, fast; holds the GIL).
* :func:`assign_timed`: tickets with work minutes against each technician's remaining shift
  minutes → OR-Tools CP-SAT generalised assignment, warm-started from the current plan, with
  in-progress work pinned, a reassignment penalty, a time limit and an explicit seed (CP-SAT
  releases the GIL; still, run long solves in a worker process, off the engine thread).

Both serve as many tickets as possible first, then minimise cost. Tickets left out are
reported in ``unserved`` with a reason (``"no_candidate"``: no technician passes the hard
rules; ``"capacity"``: candidates exist but their capacity went to other tickets).

Examples
--------
>>> plan = assign_unit({"t1": {"a": 5, "b": 1}, "t2": {"b": 2}, "t3": {}}, {"a": 1, "b": 1})
>>> dict(plan.assignments), plan.cost, dict(plan.unserved)
({'t1': 'a', 't2': 'b'}, 7, {'t3': 'no_candidate'})
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

import numpy as np
from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

from dispatch_core.dispatch.online import OnlineDispatcher
from dispatch_core.errors import InvalidInputError, SolverError, UnknownStaffError
from dispatch_core.model import Ticket

__all__ = ["BatchPlan", "assign_timed", "assign_unit", "candidate_costs"]

_Costs = Mapping[str, Mapping[str, int]]


@dataclass(frozen=True, slots=True)
class BatchPlan:
    """A batch dispatch plan.

    Attributes
    ----------
    assignments : mapping of str to str
        Ticket id → staff id, for every served ticket (sorted by ticket id).
    unserved : mapping of str to str
        Ticket id → reason (``"no_candidate"`` or ``"capacity"``).
    cost : int
        Sum of the arc costs of ``assignments`` (recomputed from the input).
    moved : tuple of str
        Tickets whose staff differs from the ``current`` plan (timed batches only).
    optimal : bool
        Whether the plan is proven optimal.
    """

    assignments: Mapping[str, str]
    unserved: Mapping[str, str]
    cost: int
    moved: tuple[str, ...] = ()
    optimal: bool = True
    extra: Mapping[str, float] = field(default_factory=dict)


def _validate_costs(costs: _Costs, model: str) -> None:
    for tid, arcs in costs.items():
        for sid, c in arcs.items():
            if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or c < 0:
                raise InvalidInputError(f"costs.{tid}.{sid}", c, "must be an int >= 0", model=model)


def _validate_caps(caps: Mapping[str, int], field_name: str, model: str) -> None:
    for sid, cap in caps.items():
        if isinstance(cap, bool) or not isinstance(cap, (int, np.integer)) or cap < 0:
            raise InvalidInputError(f"{field_name}.{sid}", cap, "must be an int >= 0", model=model)


def _plan(
    costs: _Costs, chosen: dict[str, str], *, moved: Iterable[str] = (), optimal: bool = True
) -> BatchPlan:
    unserved = {
        tid: ("capacity" if arcs else "no_candidate")
        for tid, arcs in sorted(costs.items())
        if tid not in chosen
    }
    total = sum(int(costs[tid][sid]) for tid, sid in chosen.items() if sid in costs[tid])
    return BatchPlan(
        assignments=MappingProxyType(dict(sorted(chosen.items()))),
        unserved=MappingProxyType(unserved),
        cost=total,
        moved=tuple(sorted(moved)),
        optimal=optimal,
    )


def assign_unit(costs: _Costs, caps: Mapping[str, int]) -> BatchPlan:
    """Min-cost assignment of unit tickets to technicians with count caps (min-cost flow).

    Parameters
    ----------
    costs : mapping
        ``costs[ticket][staff]``: integer cost >= 0 of the arc; absent arcs are not allowed.
    caps : mapping of str to int
        How many more tickets each technician may take. Arcs to staff missing here get cap 0.

    Returns
    -------
    BatchPlan
        Maximum number of tickets served, at minimum total cost among those; exact.
    """
    _validate_costs(costs, "assign_unit")
    _validate_caps(caps, "caps", "assign_unit")
    tickets = sorted(costs)
    staff = sorted({sid for arcs in costs.values() for sid in arcs} & set(caps))
    t_idx = {t: i for i, t in enumerate(tickets)}
    s_idx = {s: len(tickets) + i for i, s in enumerate(staff)}
    sink = len(tickets) + len(staff)
    tails, heads, unit, cap = [], [], [], []
    biggest = max((int(c) for arcs in costs.values() for c in arcs.values()), default=0)
    # Serving a ticket always beats any cost difference: leaving one out costs more than all.
    unserved_cost = (biggest + 1) * max(len(tickets), 1)
    for t in tickets:
        for sid, c in sorted(costs[t].items()):
            if sid in s_idx:
                tails.append(t_idx[t])
                heads.append(s_idx[sid])
                unit.append(int(c))
                cap.append(1)
        tails.append(t_idx[t])
        heads.append(sink)
        unit.append(unserved_cost)
        cap.append(1)
    for sid in staff:
        tails.append(s_idx[sid])
        heads.append(sink)
        unit.append(0)
        cap.append(int(caps[sid]))
    chosen: dict[str, str] = {}
    if tickets:
        flow = min_cost_flow.SimpleMinCostFlow()
        arcs = flow.add_arcs_with_capacity_and_unit_cost(
            np.asarray(tails, dtype=np.int64),
            np.asarray(heads, dtype=np.int64),
            np.asarray(cap, dtype=np.int64),
            np.asarray(unit, dtype=np.int64),
        )
        supplies = np.zeros(sink + 1, dtype=np.int64)
        supplies[: len(tickets)] = 1
        supplies[sink] = -len(tickets)
        flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int64), supplies)
        status = flow.solve()
        if status != flow.OPTIMAL:  # pragma: no cover - the unserved arcs keep it feasible
            msg = f"min-cost flow failed with status {status}"
            raise SolverError(msg)
        used = flow.flows(arcs)
        staff_at = {v: k for k, v in s_idx.items()}
        for a in np.flatnonzero(used):
            head = heads[int(a)]
            if head != sink:
                chosen[tickets[tails[int(a)]]] = staff_at[head]
    return _plan(costs, chosen)


def _check_timed(
    costs: _Costs,
    minutes: Mapping[str, int],
    remaining: Mapping[str, int],
    pinned: Mapping[str, str],
    reassignment_penalty: int,
) -> None:
    model_name = "assign_timed"
    _validate_costs(costs, model_name)
    _validate_caps(remaining, "remaining", model_name)
    if (
        isinstance(reassignment_penalty, bool)
        or not isinstance(reassignment_penalty, int)
        or (reassignment_penalty < 0)
    ):
        raise InvalidInputError(
            "reassignment_penalty", reassignment_penalty, "must be an int >= 0", model=model_name
        )
    for tid in costs:
        dur = minutes.get(tid)
        if isinstance(dur, bool) or not isinstance(dur, (int, np.integer)) or dur <= 0:
            raise InvalidInputError(f"minutes.{tid}", dur, "must be an int > 0", model=model_name)
    load: dict[str, int] = {}
    for tid, sid in pinned.items():
        if tid not in costs:
            raise InvalidInputError(f"pinned.{tid}", sid, "not a ticket of costs", model=model_name)
        if sid not in remaining:
            raise UnknownStaffError(sid, field=f"pinned.{tid}")
        load[sid] = load.get(sid, 0) + int(minutes[tid])
    for sid, used in load.items():
        if used > remaining[sid]:
            msg = f"pinned work needs {used} min, only {remaining[sid]} left"
            raise InvalidInputError(f"remaining.{sid}", remaining[sid], msg, model=model_name)


def _timed_model(  # noqa: PLR0917 - private helper called from one place
    costs: _Costs,
    minutes: Mapping[str, int],
    remaining: Mapping[str, int],
    current: Mapping[str, str],
    pinned: Mapping[str, str],
    reassignment_penalty: int,
) -> tuple[cp_model.CpModel, dict[tuple[str, str], cp_model.IntVar]]:
    model = cp_model.CpModel()
    x: dict[tuple[str, str], cp_model.IntVar] = {}
    arc_cost: dict[tuple[str, str], int] = {}
    for tid in sorted(costs):
        arcs = {s: int(c) for s, c in costs[tid].items() if s in remaining}
        if tid in pinned:
            arcs = {pinned[tid]: arcs.get(pinned[tid], 0)}
        for sid, c in sorted(arcs.items()):
            if minutes[tid] <= remaining[sid]:
                x[tid, sid] = model.new_bool_var(f"x[{tid},{sid}]")
                arc_cost[tid, sid] = c
    by_ticket: dict[str, list[str]] = {}
    by_staff: dict[str, list[str]] = {}
    for tid, sid in x:
        by_ticket.setdefault(tid, []).append(sid)
        by_staff.setdefault(sid, []).append(tid)
    biggest = max(arc_cost.values(), default=0) + reassignment_penalty
    unserved_cost = (biggest + 1) * max(len(costs), 1)
    objective = []
    served = {}
    for tid, sids in by_ticket.items():
        served[tid] = sum(x[tid, s] for s in sids)
        if tid in pinned:
            model.add(x[tid, pinned[tid]] == 1)
        else:
            model.add(served[tid] <= 1)
            objective.append(unserved_cost * (1 - served[tid]))
        was = current.get(tid)
        if was is not None and tid not in pinned and reassignment_penalty:
            stay = x.get((tid, was))
            objective.append(reassignment_penalty * (1 - stay) if stay is not None else 0)
        for s in sids:
            objective.append(arc_cost[tid, s] * x[tid, s])
            model.add_hint(x[tid, s], pinned.get(tid, current.get(tid)) == s)
    for sid, tids in by_staff.items():
        model.add(sum(int(minutes[t]) * x[t, sid] for t in tids) <= int(remaining[sid]))
    model.minimize(sum(objective))
    return model, x


def assign_timed(
    costs: _Costs,
    minutes: Mapping[str, int],
    remaining: Mapping[str, int],
    *,
    current: Mapping[str, str] | None = None,
    pinned: Mapping[str, str] | None = None,
    reassignment_penalty: int = 0,
    time_limit_s: float = 5.0,
    seed: int = 0,
    workers: int = 1,
) -> BatchPlan:
    """Generalised assignment of timed tickets against remaining shift minutes (CP-SAT).

    Parameters
    ----------
    costs : mapping
        ``costs[ticket][staff]``: integer arc cost >= 0 (the sparse candidate graph).
    minutes : mapping of str to int
        Work minutes of each ticket in ``costs`` (> 0).
    remaining : mapping of str to int
        Minutes left in each technician's shift (>= 0).
    current : mapping of str to str, optional
        The current plan (ticket → staff): the warm-start hint, and moving a ticket away from
        it costs ``reassignment_penalty``.
    pinned : mapping of str to str, optional
        In-progress work (ticket → staff) that must stay where it is; it uses its minutes.
    reassignment_penalty : int
        Cost added for each ticket of ``current`` that ends with a different technician or
        unserved.
    time_limit_s : float
        CP-SAT time limit; ``optimal`` says whether the plan was proven optimal.
    seed : int
        CP-SAT random seed (with ``workers=1`` and a solve within the limit, reproducible).
    workers : int
        CP-SAT workers.

    Returns
    -------
    BatchPlan
        As many tickets served as possible, then minimum cost plus reassignment penalties.

    Raises
    ------
    InvalidInputError
        Bad costs, minutes or remaining minutes, or pinned work exceeding a shift.
    UnknownStaffError
        A pinned ticket names staff missing from ``remaining``.
    """
    current = dict(current or {})
    pinned = dict(pinned or {})
    _check_timed(costs, minutes, remaining, pinned, reassignment_penalty)
    model, x = _timed_model(costs, minutes, remaining, current, pinned, reassignment_penalty)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit_s)
    solver.parameters.random_seed = int(seed)
    solver.parameters.num_workers = max(1, int(workers))
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        msg = f"no plan found within {time_limit_s} s: CP-SAT status {solver.status_name(status)}"
        raise SolverError(msg)
    chosen = {tid: sid for (tid, sid), var in x.items() if solver.boolean_value(var)}
    moved = [t for t, s in current.items() if t in costs and chosen.get(t) != s]
    return _plan(costs, chosen, moved=moved, optimal=status == cp_model.OPTIMAL)


def candidate_costs(
    dispatcher: OnlineDispatcher,
    tickets: Iterable[Ticket],
    *,
    at: datetime,
    per_ticket: int = 20,
    scale: float = 100.0,
) -> dict[str, dict[str, int]]:
    """Sparse candidate graph: each ticket's ``per_ticket`` best feasible technicians.

    Costs are the online scores times ``scale``, rounded to integers (solvers need integers).
    Capacity in a batch is the caller's (``caps`` / ``remaining``), so the hard rules here use
    the dispatcher's current loads.
    """
    out: dict[str, dict[str, int]] = {}
    for ticket in tickets:
        if ticket.id in out:
            raise InvalidInputError("tickets", ticket.id, "duplicate ticket id", model="batch")
        found = dispatcher.candidates(ticket, at=at, limit=per_ticket)
        out[ticket.id] = {sid: round(score * scale) for sid, score in found}
    return out
