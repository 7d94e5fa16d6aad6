"""What the timer stores share: the handle, the protocol, the lazy heap and input checks.

:class:`~dispatch_core.timers.wheel.TimerWheel` and :class:`~dispatch_core.timers.heap.HeapTimers`
both hand out :class:`TimerHandle` values, satisfy :class:`Timers`, keep heap-ordered timers in
a :class:`LazyHeap` (the heap store's only store; the wheel's near-term and overflow stores) and
validate their arguments with :func:`finite_seconds`, :func:`bad_time` and :func:`check_handle`.
Each rule lives here once.

A handle is the stores' record of one timer: its underscored fields are written by the store
that owns it (``_owner``) and nothing else. ``_where`` is the :class:`Place` holding it while it
is pending (a wheel slot, which is a set, or a :class:`LazyHeap`) and None once it has fired or
been cancelled; an entry ``(at, seq, handle)`` of a :class:`LazyHeap` is live while
``handle._where`` is that heap and ``handle._seq == seq`` (a rescheduled timer gets a new seq, so
its old entry dies in place).

Examples
--------
>>> heap = LazyHeap()
>>> len(heap.heap), heap.top()
(0, None)
>>> finite_seconds(90, "at", "Example")
90.0
>>> finite_seconds(float("nan"), "at", "Example")
Traceback (most recent call last):
...
dispatch_core.errors.InvalidInputError: invalid Example: at=nan: must be a finite number of seconds
"""

from __future__ import annotations

from heapq import heapify, heappop
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from dispatch_core.errors import ClockError, InvalidInputError

__all__ = [
    "COMPACT_MIN",
    "LazyHeap",
    "Place",
    "TimerHandle",
    "Timers",
    "bad_time",
    "check_advance",
    "check_handle",
    "finite_seconds",
]

P = TypeVar("P")

_INF = float("inf")
_NINF = -_INF

#: A :class:`LazyHeap` is not compacted before it holds more dead entries than this (asyncio's
#: rule for its timer heap).
COMPACT_MIN = 64


class Place(Protocol):
    """Where a pending handle lives: a wheel slot (a set) or a :class:`LazyHeap`."""

    def discard(self, handle: TimerHandle[Any], /) -> None:
        """Forget ``handle``, which has just been cancelled or moved."""
        ...


class TimerHandle(Generic[P]):
    """A scheduled timer, returned by ``schedule``; pass it to ``cancel`` or ``reschedule``.

    Handles are compared by identity. ``at`` and ``payload`` are read-only; ``pending`` is
    true until the timer fires or is cancelled.

    Examples
    --------
    >>> from dispatch_core.timers import HeapTimers
    >>> timers = HeapTimers()
    >>> handle = timers.schedule(5.0, "ticket T-9")
    >>> handle.at, handle.payload, handle.pending
    (5.0, 'ticket T-9', True)
    """

    __slots__ = ("_at", "_owner", "_payload", "_seq", "_where")

    _at: float
    _seq: int
    _payload: P
    _where: Place | None
    _owner: object

    @property
    def at(self) -> float:
        """The absolute deadline, in seconds."""
        return self._at

    @property
    def payload(self) -> P:
        """The value that ``advance`` returns when the timer fires."""
        return self._payload

    @property
    def pending(self) -> bool:
        """Whether the timer is still waiting (not fired, not cancelled)."""
        return self._where is not None

    def __repr__(self) -> str:
        state = "pending" if self._where is not None else "done"
        return f"TimerHandle(at={self._at!r}, payload={self._payload!r}, {state})"


@runtime_checkable
class Timers(Protocol[P]):
    """What the SLA layer needs from a timer set (both implementations satisfy it)."""

    @property
    def now(self) -> float:
        """The time of the last ``advance`` (or the start time)."""
        ...

    def schedule(self, at: float, payload: P) -> TimerHandle[P]:
        """Arm a timer for the absolute deadline ``at``; return its handle."""
        ...

    def cancel(self, handle: TimerHandle[P]) -> bool:
        """Disarm a timer; return whether it was still pending."""
        ...

    def reschedule(self, handle: TimerHandle[P], at: float) -> bool:
        """Move a pending timer to a new deadline; return whether it was still pending."""
        ...

    def advance(self, now: float) -> list[P]:
        """Move time to ``now``; return the payloads with ``at <= now`` in deadline order."""
        ...

    def next_deadline(self) -> float | None:
        """Return the earliest pending deadline, or None when nothing is pending."""
        ...

    def __len__(self) -> int: ...


class LazyHeap:
    """A heap of ``(at, seq, handle)`` entries with lazy deletion and asyncio-style compaction.

    The owner pushes entries onto :attr:`heap` with :func:`heapq.heappush` and sets each
    handle's ``_where`` to this heap. A cancelled entry stays where it is and only counts as
    :attr:`stale`; once dead entries exceed both :data:`COMPACT_MIN` and half the heap, the heap
    is rebuilt without them.

    Attributes
    ----------
    heap : list of (float, int, TimerHandle)
        The entries, a :mod:`heapq` heap ordered by ``(at, seq)``.
    stale : int
        How many entries of :attr:`heap` are dead.
    """

    __slots__ = ("heap", "stale")

    def __init__(self) -> None:
        self.heap: list[tuple[float, int, TimerHandle[Any]]] = []
        self.stale = 0

    def discard(self, handle: TimerHandle[Any], /) -> None:
        """Count ``handle``'s entry as dead; rebuild when dead entries exceed half the heap."""
        self.stale = stale = self.stale + 1
        heap = self.heap
        if stale > COMPACT_MIN and stale + stale > len(heap):
            heap[:] = [e for e in heap if e[2]._where is self and e[2]._seq == e[1]]
            heapify(heap)
            self.stale = 0

    def top(self) -> float | None:
        """Drop dead entries from the top; return the earliest live deadline or None."""
        heap = self.heap
        while heap:
            at, seq, handle = heap[0]
            if handle._where is self and handle._seq == seq:
                return at
            heappop(heap)
            self.stale -= 1
        return None

    def pop_due(self, now: float, out: list[Any]) -> int:
        """Append the payloads of live entries with ``at <= now`` to ``out``; return how many.

        The fired handles are no longer pending.
        """
        heap = self.heap
        fired = 0
        while heap and heap[0][0] <= now:
            _, seq, handle = heappop(heap)
            if handle._where is self and handle._seq == seq:
                handle._where = None
                out.append(handle._payload)
                fired += 1
            else:
                self.stale -= 1
        return fired


def bad_time(field: str, value: object, model: str) -> InvalidInputError:
    """Build the error for a time argument that is not a finite number of seconds.

    Examples
    --------
    >>> bad_time("now", float("inf"), "TimerWheel").field
    'now'
    """
    return InvalidInputError(field, value, "must be a finite number of seconds", model=model)


def check_advance(now: float, last: float, model: str) -> None:
    """Raise unless ``now`` is a finite time not before ``last``, the previous ``advance``.

    Raises
    ------
    ClockError
        If ``now`` is before ``last``: time cannot go backwards.
    InvalidInputError
        If ``now`` is NaN or infinite.

    Examples
    --------
    >>> check_advance(2.0, 1.0, "TimerWheel")
    >>> try:
    ...     check_advance(0.5, 1.0, "TimerWheel")
    ... except ClockError as err:
    ...     print(err.field, err.value)
    now 0.5
    """
    if not now >= last:  # also catches NaN
        if now < last:
            raise ClockError(
                "now",
                now,
                f"is before the last advance ({last!r}); time cannot go backwards",
                model=model,
            )
        raise bad_time("now", now, model)
    if now == _INF:
        raise bad_time("now", now, model)


def check_handle(handle: object, owner: object, model: str) -> None:
    """Raise :class:`~dispatch_core.errors.InvalidInputError` unless ``owner`` issued ``handle``.

    Parameters
    ----------
    handle : object
        What the caller passed as a handle.
    owner : object
        The timer store the handle must belong to.
    model : str
        The store's class name, for the message.
    """
    if not isinstance(handle, TimerHandle):
        raise InvalidInputError("handle", handle, "expected a TimerHandle", model=model)
    if handle._owner is not owner:
        raise InvalidInputError("handle", handle, f"belongs to another {model}", model=model)


def finite_seconds(value: object, field: str, model: str) -> float:
    """Return ``value`` as a float if it is a finite number, else raise :func:`bad_time`'s error.

    Parameters
    ----------
    value : object
        The argument to check (an int or a float).
    field, model : str
        Named in the error.

    Returns
    -------
    float
        ``value + 0.0``.
    """
    try:
        number = value + 0.0  # type: ignore[operator]
        ok = _NINF < number < _INF
    except (TypeError, OverflowError):
        ok = False
    if not ok:
        raise bad_time(field, value, model)
    return number
