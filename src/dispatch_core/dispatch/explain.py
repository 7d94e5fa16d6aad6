"""Score weights, decisions and their explanations (frozen values)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from dispatch_core.errors import InvalidInputError
from dispatch_core.model import DispatchAction, Priority

__all__ = [
    "Decision",
    "Explanation",
    "HARD_RULES",
    "ScoreWeights",
    "assign_decision",
    "assigned_explanation",
]

#: Hard rules in the order they are checked; a rejected candidate counts under the first.
HARD_RULES = ("role", "property", "skill", "available", "shift", "capacity", "excluded")

_DEFAULT_FACTORS: Mapping[Priority, float] = MappingProxyType(
    {
        Priority.EMERGENCY: 4.0,
        Priority.URGENT: 3.0,
        Priority.HIGH: 2.0,
        Priority.NORMAL: 1.0,
        Priority.LOW: 0.5,
    }
)


@dataclass(frozen=True, slots=True)
class ScoreWeights:
    """Weights of the dispatch score (lower score is better).

    ``score = f·(travel·travel_min + lateness·late_min) + load·load/capacity + skill_fit·over``
    where ``f`` is the ticket priority's factor, ``late_min`` the minutes the technician would
    arrive after the ticket's due time and ``over`` the mean over-qualification
    ``(level - min_level) / 4`` across the required skills (sending experts to simple jobs
    costs a little). The location part never decreases with travel time, which is what lets
    the dispatcher stop scanning nodes early and still be exact.

    Examples
    --------
    >>> ScoreWeights(load=5.0).load
    5.0
    >>> ScoreWeights(travel=-1)
    Traceback (most recent call last):
    ...
    dispatch_core.errors.InvalidInputError: invalid ScoreWeights: travel=-1: ...
    """

    travel: float = 1.0
    load: float = 10.0
    skill_fit: float = 2.0
    lateness: float = 5.0
    priority_factors: Mapping[Priority, float] = field(default_factory=lambda: _DEFAULT_FACTORS)

    def __post_init__(self) -> None:
        for name in ("travel", "load", "skill_fit", "lateness"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                raise InvalidInputError(
                    name, value, "must be finite and >= 0", model="ScoreWeights"
                )
        factors = dict(self.priority_factors)
        for prio in Priority:
            value = factors.get(prio)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
                msg = "every priority needs a finite factor >= 0"
                field_name = f"priority_factors.{prio.value}"
                raise InvalidInputError(field_name, value, msg, model="ScoreWeights")
        object.__setattr__(self, "priority_factors", MappingProxyType(factors))


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why a decision came out as it did.

    Attributes
    ----------
    travel_s : float or None
        Travel seconds of the chosen technician to the ticket.
    load, capacity : int or None
        The chosen technician's current load and capacity.
    over_qualification : float or None
        Mean ``(level - min_level) / 4`` over the required skills (0 = exact fit).
    sla_slack_s : float or None
        Seconds between arrival and the due time (negative = late); None without a due time.
    priority_factor : float
        Multiplier applied to the location part for the ticket's priority.
    components : mapping of str to float
        Weighted contribution of each objective (travel, lateness, load, skill_fit).
    rejected : mapping of str to int
        Candidates rejected per hard rule (filled for unassignable tickets).
    examined : int
        Technicians looked at (the index keeps this small).
    compared_to : float or None
        For reallocation: the current technician's score.
    """

    travel_s: float | None = None
    load: int | None = None
    capacity: int | None = None
    over_qualification: float | None = None
    sla_slack_s: float | None = None
    priority_factor: float = 1.0
    components: Mapping[str, float] = field(default_factory=dict)
    rejected: Mapping[str, int] = field(default_factory=dict)
    examined: int = 0
    compared_to: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly dict with sorted keys (for events and logs)."""
        rejected = self.rejected
        return {  # keys in sorted order
            "capacity": self.capacity,
            "compared_to": self.compared_to,
            "components": _sorted_dict(self.components),
            "examined": self.examined,
            "load": self.load,
            "over_qualification": self.over_qualification,
            "priority_factor": self.priority_factor,
            # An assigned ticket's (the usual) nothing-rejected, without the call.
            "rejected": _sorted_dict(rejected) if rejected else {},
            "sla_slack_s": self.sla_slack_s,
            "travel_s": self.travel_s,
        }


#: The dispatcher's components keys, in the (sorted) order it builds them.
_COMPONENT_KEYS = ["lateness", "load", "skill_fit", "travel"]


def _sorted_dict(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """Copy ``mapping`` with its keys in sorted order (the dispatcher builds them so)."""
    if not mapping:
        return {}
    keys = list(mapping)
    # The dispatcher's own components (every decision) are recognised without a sort.
    if keys == _COMPONENT_KEYS or keys == sorted(keys):
        return dict(mapping)
    return dict(sorted(mapping.items()))


@dataclass(frozen=True, slots=True)
class Decision:
    """Outcome of one online dispatch decision.

    Attributes
    ----------
    staff_id : str or None
        The chosen technician, or None when no one passes the hard rules.
    score : float or None
        Its score (lower is better).
    explanation : Explanation
        Per-objective grades, or per-rule rejection counts when unassignable.
    action : DispatchAction
        ``ASSIGN`` (choose), ``REASSIGN`` / ``ASSIST`` (reallocate found a better / an
        additional technician) or ``NONE``.
    """

    staff_id: str | None
    score: float | None
    explanation: Explanation
    action: DispatchAction = DispatchAction.ASSIGN


# -- fast construction (the online dispatcher's hot path) ----------------------------------
#
# A frozen dataclass's ``__init__`` sets every field through ``object.__setattr__``; calling
# the slot descriptors' setters directly costs about half as much (measured), and the
# dispatcher builds one Explanation and one Decision per decision. Neither class has a
# ``__post_init__``; tests check that these build objects equal to the constructors' own.


def _setter(cls: type, name: str) -> Callable[[object, object], None]:
    setter: Callable[[object, object], None] = vars(cls)[name].__set__
    return setter


_new = object.__new__
_X_TRAVEL, _X_LOAD, _X_CAPACITY, _X_OVER, _X_SLACK = (
    _setter(Explanation, f)
    for f in ("travel_s", "load", "capacity", "over_qualification", "sla_slack_s")
)
_X_FACTOR, _X_COMPONENTS, _X_REJECTED, _X_EXAMINED, _X_COMPARED = (
    _setter(Explanation, f)
    for f in ("priority_factor", "components", "rejected", "examined", "compared_to")
)
_D_STAFF, _D_SCORE, _D_EXPLANATION, _D_ACTION = (
    _setter(Decision, f) for f in ("staff_id", "score", "explanation", "action")
)


def assigned_explanation(  # noqa: PLR0917 - positional like the Explanation(...) it replaces
    travel_s: float,
    load: int,
    capacity: int,
    over_qualification: float,
    sla_slack_s: float | None,
    priority_factor: float,
    components: Mapping[str, float],
    examined: int,
) -> Explanation:
    """``Explanation(...)`` of an assigned ticket (nothing rejected, no comparison), faster.

    Parameters
    ----------
    travel_s, load, capacity, over_qualification, sla_slack_s, priority_factor, components, \
examined
        The :class:`Explanation` fields of those names, in its field order; ``rejected`` is a
        fresh empty dict and ``compared_to`` None.

    Returns
    -------
    Explanation
        Equal to ``Explanation(travel_s, ..., components, {}, examined)``.

    Examples
    --------
    >>> e = assigned_explanation(60.0, 1, 3, 0.25, None, 1.0, {"travel": 1.0}, 4)
    >>> e == Explanation(60.0, 1, 3, 0.25, None, 1.0, {"travel": 1.0}, {}, 4)
    True
    """
    expl: Explanation = _new(Explanation)
    _X_TRAVEL(expl, travel_s)
    _X_LOAD(expl, load)
    _X_CAPACITY(expl, capacity)
    _X_OVER(expl, over_qualification)
    _X_SLACK(expl, sla_slack_s)
    _X_FACTOR(expl, priority_factor)
    _X_COMPONENTS(expl, components)
    _X_REJECTED(expl, {})
    _X_EXAMINED(expl, examined)
    _X_COMPARED(expl, None)
    return expl


def assign_decision(staff_id: str, score: float, explanation: Explanation) -> Decision:
    """``Decision(staff_id, score, explanation)`` (action ``ASSIGN``), faster.

    Examples
    --------
    >>> assign_decision("ana", 2.5, Explanation()) == Decision("ana", 2.5, Explanation())
    True
    """
    dec: Decision = _new(Decision)
    _D_STAFF(dec, staff_id)
    _D_SCORE(dec, score)
    _D_EXPLANATION(dec, explanation)
    _D_ACTION(dec, DispatchAction.ASSIGN)
    return dec
