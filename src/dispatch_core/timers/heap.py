"""Timer handles, the ``Timers`` protocol and the :mod:`heapq` reference implementation.

:class:`HeapTimers` is the straightforward timer set: a binary heap of ``(at, seq, handle)``
entries with lazy deletion, compacted like asyncio's event loop does. It is the oracle the
property tests compare :class:`dispatch_core.timers.wheel.TimerWheel` against, and the benchmark
baseline. Both return :class:`TimerHandle` objects and satisfy :class:`Timers`.

Examples
--------
>>> timers: Timers[str] = HeapTimers(start=0.0)
>>> handle = timers.schedule(60.0, "answer Q-1")
>>> timers.next_deadline(), len(timers)
(60.0, 1)
>>> timers.advance(60.0)
['answer Q-1']
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from dispatch_core.errors import ClockError, InvalidInputError

__all__ = ["HeapTimers", "TimerHandle", "Timers"]

P = TypeVar("P")

_INF = float("inf")
_NINF = -_INF
_COMPACT_MIN = 64  # asyncio: do not compact small heaps
_new = object.__new__


class _Place(Protocol):
    """Where a pending handle lives: a wheel slot (a set) or a lazily-deleting heap."""

    def discard(self, handle: TimerHandle[Any], /) -> None: ...


class TimerHandle(Generic[P]):
    """A scheduled timer, returned by ``schedule``; pass it to ``cancel`` or ``reschedule``.

    Handles are compared by identity. ``at`` and ``payload`` are read-only; ``pending`` is
    true until the timer fires or is cancelled.

    Examples
    --------
    >>> timers = HeapTimers()
    >>> handle = timers.schedule(5.0, "ticket T-9")
    >>> handle.at, handle.payload, handle.pending
    (5.0, 'ticket T-9', True)
    """

    __slots__ = ("_at", "_owner", "_payload", "_seq", "_where")

    _at: float
    _seq: int
    _payload: P
    _where: _Place | None
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


class _LazyHeap:
    """A heap of ``(at, seq, handle)`` with lazy deletion and asyncio-style compaction."""

    __slots__ = ("heap", "stale")

    def __init__(self) -> None:
        self.heap: list[tuple[float, int, TimerHandle[Any]]] = []
        self.stale = 0

    def discard(self, handle: TimerHandle[Any], /) -> None:
        """Count ``handle``'s entry as dead; rebuild when dead entries exceed half the heap."""
        self.stale = stale = self.stale + 1
        heap = self.heap
        if stale > _COMPACT_MIN and stale + stale > len(heap):
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
        """Append the payloads of live entries with ``at <= now`` to ``out``; return how many."""
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


def _bad_time(field: str, value: object, model: str) -> InvalidInputError:
    return InvalidInputError(field, value, "must be a finite number of seconds", model=model)


def _check_handle(handle: object, owner: object, model: str) -> None:
    if not isinstance(handle, TimerHandle):
        raise InvalidInputError("handle", handle, "expected a TimerHandle", model=model)
    if handle._owner is not owner:
        raise InvalidInputError("handle", handle, f"belongs to another {model}", model=model)


def _finite(value: object, field: str, model: str) -> float:
    try:
        number = value + 0.0  # type: ignore[operator]
        ok = _NINF < number < _INF
    except (TypeError, OverflowError):
        ok = False
    if not ok:
        raise _bad_time(field, value, model)
    return number


class HeapTimers(Generic[P]):
    """The :mod:`heapq` reference: same API and semantics as :class:`TimerWheel`.

    Entries are ``(at, seq, handle)`` tuples; ``cancel`` marks the handle and leaves the entry
    in the heap (lazy deletion). As in asyncio's event loop, the heap is rebuilt once more than
    half of it is dead (and it has more than 64 dead entries).

    Parameters
    ----------
    start : float, default 0.0
        The initial time.

    Examples
    --------
    >>> timers = HeapTimers(start=0.0)
    >>> a = timers.schedule(5.0, "a")
    >>> b = timers.schedule(5.0, "b")
    >>> timers.cancel(a), timers.cancel(a)
    (True, False)
    >>> timers.advance(5.0)
    ['b']
    """

    __slots__ = ("_len", "_now", "_seq", "_store")

    def __init__(self, *, start: float = 0.0) -> None:
        self._now = _finite(start, "start", "HeapTimers")
        self._seq = 0
        self._len = 0
        self._store = _LazyHeap()

    @property
    def now(self) -> float:
        """The time of the last ``advance`` (initially ``start``)."""
        return self._now

    def __len__(self) -> int:
        return self._len

    def __repr__(self) -> str:
        return f"HeapTimers(now={self._now!r}, pending={self._len})"

    def schedule(self, at: float, payload: P) -> TimerHandle[P]:
        """Arm a timer for the absolute deadline ``at``; O(log n).

        Parameters
        ----------
        at : float
            Absolute deadline, finite.
        payload : object
            Returned by ``advance`` when the timer fires.

        Returns
        -------
        TimerHandle
            Pass it to ``cancel`` or ``reschedule``.
        """
        try:
            at = at + 0.0
            ok = _NINF < at < _INF
        except (TypeError, OverflowError):
            ok = False
        if not ok:
            raise _bad_time("at", at, "HeapTimers")
        seq = self._seq
        self._seq = seq + 1
        self._len += 1
        store = self._store
        handle: TimerHandle[P] = _new(TimerHandle)
        handle._at = at
        handle._seq = seq
        handle._payload = payload
        handle._owner = self
        handle._where = store
        heappush(store.heap, (at, seq, handle))
        return handle

    def cancel(self, handle: TimerHandle[P]) -> bool:
        """Disarm a timer (lazily); return whether it was still pending.

        Parameters
        ----------
        handle : TimerHandle
            A handle returned by this object's ``schedule``.

        Returns
        -------
        bool
            True if the timer was pending.
        """
        try:
            where = handle._where
            owner = handle._owner
        except AttributeError:
            where = owner = None
        if owner is not self:
            _check_handle(handle, self, "HeapTimers")
        if where is None:
            return False
        handle._where = None
        where.discard(handle)
        self._len -= 1
        return True

    def reschedule(self, handle: TimerHandle[P], at: float) -> bool:
        """Move a pending timer to a new deadline (it takes a new place in schedule order).

        Parameters
        ----------
        handle : TimerHandle
            A handle returned by this object's ``schedule``.
        at : float
            The new absolute deadline, finite.

        Returns
        -------
        bool
            True if it was pending and has moved.
        """
        at = _finite(at, "at", "HeapTimers")
        _check_handle(handle, self, "HeapTimers")
        if handle._where is None:
            return False
        store = self._store
        handle._at = at
        handle._seq = seq = self._seq  # the old entry is now dead (its seq no longer matches)
        self._seq += 1
        store.discard(handle)
        heappush(store.heap, (at, seq, handle))
        return True

    def advance(self, now: float) -> list[P]:
        """Move time forward to ``now``; return the payloads with ``at <= now`` in order.

        Parameters
        ----------
        now : float
            The new time; finite and not before the previous ``advance``.

        Returns
        -------
        list
            The payloads of the fired timers, ordered by ``(at, schedule order)``.

        Raises
        ------
        ClockError
            If ``now`` is before the previous ``advance``.
        """
        if not now >= self._now:
            if now < self._now:
                raise ClockError(
                    "now",
                    now,
                    f"is before the last advance ({self._now!r}); time cannot go backwards",
                    model="HeapTimers",
                )
            raise _bad_time("now", now, "HeapTimers")
        if now == _INF:
            raise _bad_time("now", now, "HeapTimers")
        self._now = now
        out: list[P] = []
        self._len -= self._store.pop_due(now, out)
        return out

    def next_deadline(self) -> float | None:
        """Return the earliest pending deadline, or None when nothing is pending."""
        return self._store.top()
