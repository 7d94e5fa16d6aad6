"""The :mod:`heapq` reference timer set.

:class:`HeapTimers` is the straightforward timer set: one
:class:`~dispatch_core.timers.handle.LazyHeap` of ``(at, seq, handle)`` entries with lazy
deletion, compacted like asyncio's event loop does. It is the oracle the property tests compare
:class:`dispatch_core.timers.wheel.TimerWheel` against, and the benchmark baseline. Both return
:class:`~dispatch_core.timers.handle.TimerHandle` objects and satisfy
:class:`~dispatch_core.timers.handle.Timers`.

Examples
--------
>>> from dispatch_core.timers import Timers
>>> timers: Timers[str] = HeapTimers(start=0.0)
>>> handle = timers.schedule(60.0, "answer Q-1")
>>> timers.next_deadline(), len(timers)
(60.0, 1)
>>> timers.advance(60.0)
['answer Q-1']
"""

from __future__ import annotations

from heapq import heappush
from typing import Generic, TypeVar

from dispatch_core.timers.handle import (
    LazyHeap,
    TimerHandle,
    check_advance,
    check_handle,
    finite_seconds,
)

__all__ = ["HeapTimers"]

P = TypeVar("P")

_INF = float("inf")
_new = object.__new__


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
        self._now = finite_seconds(start, "start", "HeapTimers")
        self._seq = 0
        self._len = 0
        self._store = LazyHeap()

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
        at = finite_seconds(at, "at", "HeapTimers")
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
            check_handle(handle, self, "HeapTimers")
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
        at = finite_seconds(at, "at", "HeapTimers")
        check_handle(handle, self, "HeapTimers")
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
        check_advance(now, self._now, "HeapTimers")
        self._now = now
        out: list[P] = []
        self._len -= self._store.pop_due(now, out)
        return out

    def next_deadline(self) -> float | None:
        """Return the earliest pending deadline, or None when nothing is pending."""
        return self._store.top()
