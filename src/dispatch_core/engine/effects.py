"""Effects: what the state asks the engine to do with its parts, and the queue they wait in.

Applying a command changes the :class:`~dispatch_core.engine.state.EngineState` and queues
:class:`Effect` requests (start a ticket's SLA clocks, tell the dispatcher a member's load,
dispatch a ticket…). The engine carries them out one at a time, and an effect's answer may
queue follow-ups (a dispatch assigns the ticket, which changes the member's load). The order is
depth-first: **an effect's follow-ups run before the effects queued after it**, which
:class:`EffectQueue` keeps with a flat stack instead of recursion.

Examples
--------
>>> q = EffectQueue()
>>> q.push(Effect(EffectKind.DISPATCH, "T-1"))
>>> q.push(Effect(EffectKind.DISPATCH, "T-2"))
>>> first = q.pop()
>>> first.ticket_id
'T-1'
>>> q.push(Effect(EffectKind.STAFF_LOAD, staff_id="tech-1"))  # a follow-up of T-1's dispatch
>>> while (effect := q.pop()) is not None:
...     print(effect.kind.value, effect.ticket_id or effect.staff_id)
staff_load tech-1
dispatch T-2
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from dispatch_core.model import SlaMetric

__all__ = ["Effect", "EffectKind", "EffectQueue"]


class EffectKind(Enum):
    """What an effect asks for (the value is the name kept in snapshots' SLA logs)."""

    SLA_START = "sla_start"
    """Arm the ticket's SLA clocks."""
    SLA_PAUSE = "sla_pause"
    """Pause the ticket's running clocks (on hold)."""
    SLA_RESUME = "sla_resume"
    """Resume the ticket's paused clocks."""
    SLA_STOP = "sla_stop"
    """Stop one clock (its milestone was reached) and record the outcome."""
    SLA_CANCEL = "sla_cancel"
    """Disarm every clock of the ticket (closed, cancelled, or about to restart)."""
    STAFF_UPSERT = "staff_upsert"
    """Give the dispatcher a member's record, location, availability and load."""
    STAFF_LOAD = "staff_load"
    """Tell the dispatcher a member's load."""
    STAFF_LOCATION = "staff_location"
    """Tell the dispatcher where a member is (and their load)."""
    STAFF_AVAILABLE = "staff_available"
    """Tell the dispatcher whether a member takes work (and their load)."""
    DISPATCH = "dispatch"
    """Dispatch the ticket if it is still waiting."""
    DISPATCH_PENDING = "dispatch_pending"
    """Offer freed-up capacity to the most urgent waiting tickets."""
    REALLOCATE = "reallocate"
    """Ask the dispatcher for a better member for an SLA-threatened ticket."""


@dataclass(frozen=True, slots=True)
class Effect:
    """A request from the state to the engine: call a part, then report the answer back.

    Parameters
    ----------
    kind : EffectKind
        What to do.
    ticket_id : str
        The ticket it concerns (``""`` for staff effects and ``DISPATCH_PENDING``).
    staff_id : str
        The staff member it concerns (``""`` for ticket effects).
    metric : SlaMetric, optional
        The clock of an ``SLA_STOP``.
    """

    kind: EffectKind
    ticket_id: str = ""
    staff_id: str = ""
    metric: SlaMetric | None = None


class EffectQueue:
    """Effects waiting for the engine, handed out depth-first without recursion.

    :meth:`push` queues an effect; :meth:`pop` hands out the next one. Effects pushed since the
    last :meth:`pop` come out before everything that was already waiting, in the order they were
    pushed: the follow-ups of an effect run before its later siblings, exactly as if each effect
    settled its own follow-ups recursively.
    """

    __slots__ = ("_fresh", "_stack")

    def __init__(self) -> None:
        self._fresh: list[Effect] = []  # pushed since the last pop, in push order
        self._stack: list[Effect] = []  # waiting, the next one last

    def push(self, effect: Effect) -> None:
        """Queue ``effect`` after the others pushed since the last :meth:`pop`."""
        self._fresh.append(effect)

    def pop(self) -> Effect | None:
        """Return the next effect to carry out, or ``None`` when none is waiting."""
        fresh, stack = self._fresh, self._stack
        if fresh:
            fresh.reverse()
            stack.extend(fresh)
            fresh.clear()
        return stack.pop() if stack else None

    def __bool__(self) -> bool:
        return bool(self._fresh or self._stack)

    def __len__(self) -> int:
        return len(self._fresh) + len(self._stack)
