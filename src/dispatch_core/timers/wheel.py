"""Timers for SLA deadlines: a hierarchical timing wheel and a heapq reference.

:class:`TimerWheel` is the engine's hot structure. Every open ticket holds a few deadlines
(minutes to days ahead) and most of them are cancelled because the ticket is handled in time.
The wheel makes ``schedule`` and ``cancel`` O(1), pays the cascade cost only for timers that
survive until they come close to firing, and skips empty slots, so advancing over a long idle
gap costs nothing per empty tick.

Layout (Varghese & Lauck 1987; Kafka's ``TimingWheel``; the Linux 2016 timer wheel)::

    ready heap   deadlines in ticks <= cursor (due now or at the next partial tick)
    level 0      64 slots x 1 tick           (64 s at tick=1 s)
    level 1      64 slots x 64 ticks         (~68 min)
    level 2      64 slots x 4096 ticks       (~2.8 days)
    level 3      64 slots x 262144 ticks     (~194 days)
    overflow     a heap of the rest, moved into the wheel when the top level reaches it

A deadline ``at`` lives in tick ``t = ceil((at - start) / tick)``. A timer is placed at the
level of the highest base-64 digit in which ``t`` differs from the cursor. Non-empty slots are
registered in a small heap of slot start ticks, so ``advance`` visits only occupied slots; a
slot whose start is reached is emptied and its timers either become due or move down a level.
Only the tick index depends on ``tick``, and it is monotone in ``at``, so ``tick`` is a
performance knob and never changes which timers fire or their order.

:class:`HeapTimers` (from :mod:`dispatch_core.timers.heap`, re-exported here) has the same API on
top of :mod:`heapq`, with lazy deletion and asyncio's compaction rule. It is the test oracle and
the benchmark baseline. :class:`Timers` is the protocol both satisfy; the SLA layer depends only
on it.

Examples
--------
>>> wheel = TimerWheel(tick=1.0, start=0.0)
>>> first = wheel.schedule(90.0, "respond T-1")
>>> second = wheel.schedule(30.0, "answer T-2")
>>> wheel.cancel(first)
True
>>> wheel.next_deadline(), len(wheel)
(30.0, 1)
>>> wheel.advance(60.0)
['answer T-2']
>>> wheel.cancel(second)  # it has fired
False
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from operator import attrgetter
from typing import Generic, TypeVar

from dispatch_core.errors import ClockError, InvalidInputError
from dispatch_core.timers.heap import (
    TimerHandle,
    _bad_time,
    _check_handle,
    _finite,
    _LazyHeap,
)

__all__ = ["TimerWheel"]

P = TypeVar("P")

_INF = float("inf")
_NINF = -_INF
_BITS = 6  # 64 slots per level
_SLOTS = 1 << _BITS
_MASK = _SLOTS - 1
_LEVELS = 4
_TOP_SHIFT = _BITS * _LEVELS  # ticks beyond 64**4 from the cursor go to the overflow heap
_BIG_TICK = 1 << 1100  # stands for "beyond any float": keeps the tick index monotone
_new = object.__new__
_by_at = attrgetter("_at")


class TimerWheel(Generic[P]):
    """Hierarchical timing wheel with absolute float deadlines.

    Parameters
    ----------
    tick : float, default 1.0
        Width of a level-0 slot, in seconds. A performance knob only: firing is exact.
    start : float, default 0.0
        The initial time; ``advance`` never goes before it.

    Notes
    -----
    ``schedule`` and ``cancel`` are O(1); ``advance`` costs O(1) per occupied slot reached
    plus O(k log k) for the k timers it fires, plus one move per level for the timers that
    are still pending when their slot comes up (most SLA timers are cancelled before that).

    Examples
    --------
    >>> wheel: TimerWheel[str] = TimerWheel(tick=1.0, start=100.0)
    >>> _ = wheel.schedule(100.0 + 3 * 86400, "complaint C-1: solution due")
    >>> _ = wheel.schedule(100.0 + 180, "inquiry Q-1: answer due")
    >>> _ = wheel.schedule(100.0 + 180, "inquiry Q-2: answer due")  # a tie keeps its order
    >>> wheel.advance(1_000.0)
    ['inquiry Q-1: answer due', 'inquiry Q-2: answer due']
    >>> wheel.next_deadline()
    259300.0
    >>> wheel.advance(10.0)
    Traceback (most recent call last):
    ...
    dispatch_core.errors.ClockError: invalid TimerWheel: now=10.0: is before the last advance ...
    """

    __slots__ = (
        "_bheap",
        "_cur",
        "_inv",
        "_len",
        "_nd_bucket",
        "_nd_handle",
        "_now",
        "_origin",
        "_overflow",
        "_ready",
        "_seq",
        "_slots",
        "_tick",
        "_wake",
    )

    def __init__(self, tick: float = 1.0, *, start: float = 0.0) -> None:
        tick = _finite(tick, "tick", "TimerWheel")
        if tick <= 0.0:
            raise InvalidInputError("tick", tick, "must be greater than 0", model="TimerWheel")
        start = _finite(start, "start", "TimerWheel")
        self._tick = tick
        self._inv = 1.0 / tick
        self._origin = start
        self._now = start
        self._cur = 0  # tick cursor: every slot starting at or before it has been emptied
        self._seq = 0
        self._len = 0
        self._slots: list[set[TimerHandle[P]] | None] = [None] * (_SLOTS * _LEVELS)
        self._bheap: list[tuple[int, int]] = []  # (slot start tick, slot index), non-empty slots
        self._wake: float = _INF  # smallest tick at which a slot or the overflow needs work
        self._ready = _LazyHeap()  # timers in ticks <= cursor
        self._overflow = _LazyHeap()  # timers beyond the top level
        self._nd_bucket: set[TimerHandle[P]] | None = None  # next_deadline cache
        self._nd_handle: TimerHandle[P] | None = None

    # -- inspection ---------------------------------------------------------------------------

    @property
    def tick(self) -> float:
        """Width of a level-0 slot, in seconds."""
        return self._tick

    @property
    def now(self) -> float:
        """The time of the last ``advance`` (initially ``start``)."""
        return self._now

    def __len__(self) -> int:
        return self._len

    def __repr__(self) -> str:
        return f"TimerWheel(tick={self._tick!r}, now={self._now!r}, pending={self._len})"

    # -- mutation -----------------------------------------------------------------------------

    def schedule(  # noqa: PLR0912, PLR0915 - the hot path, inlined on purpose
        self, at: float, payload: P
    ) -> TimerHandle[P]:
        """Arm a timer for the absolute deadline ``at`` (seconds); O(1).

        A deadline at or before ``now`` fires on the next ``advance``.

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
            raise _bad_time("at", at, "TimerWheel")
        seq = self._seq
        self._seq = seq + 1
        self._len += 1
        handle: TimerHandle[P] = _new(TimerHandle)
        handle._at = at
        handle._seq = seq
        handle._payload = payload
        handle._owner = self
        # Inlined _place (this is the hot path).
        x = (at - self._origin) * self._inv
        try:
            t = int(x)
        except OverflowError:
            t = _BIG_TICK
        if t < x:
            t += 1
        cur = self._cur
        d = t ^ cur
        if t <= cur:
            ready = self._ready
            handle._where = ready
            heappush(ready.heap, (at, seq, handle))
            return handle
        if d < 64:
            shift = 0
            index = t & 63
        elif d < 4096:
            shift = 6
            index = 64 + ((t >> 6) & 63)
        elif d < 262144:
            shift = 12
            index = 128 + ((t >> 12) & 63)
        elif d < 16777216:
            shift = 18
            index = 192 + ((t >> 18) & 63)
        else:
            # Inlined _to_overflow and, when the handle becomes the overflow's earliest, its
            # _rewake (whose tick of the top is t): far deadlines are common, e.g. every one
            # scheduled before the first advance of a wheel started at 0.
            overflow = self._overflow
            handle._where = overflow
            heap = overflow.heap
            heappush(heap, (at, seq, handle))
            if heap[0][2] is handle:
                row = (t >> _TOP_SHIFT) << _TOP_SHIFT
                bheap = self._bheap
                self._wake = min(bheap[0][0], row) if bheap else row
            return handle
        slots = self._slots
        bucket = slots[index]
        if bucket is None:
            bucket = slots[index] = set()
            start = (t >> shift) << shift
            heappush(self._bheap, (start, index))
            self._wake = min(self._wake, start)
        elif bucket is self._nd_bucket:
            self._nd_bucket = None
        bucket.add(handle)
        handle._where = bucket
        return handle

    def cancel(self, handle: TimerHandle[P]) -> bool:
        """Disarm a timer in O(1).

        Parameters
        ----------
        handle : TimerHandle
            A handle returned by this wheel's ``schedule``.

        Returns
        -------
        bool
            True if the timer was pending; False if it had fired or was already cancelled.
        """
        try:
            where = handle._where
            owner = handle._owner
        except AttributeError:
            where = owner = None
        if owner is not self:
            _check_handle(handle, self, "TimerWheel")
        if where is None:
            return False
        handle._where = None
        where.discard(handle)
        self._len -= 1
        return True

    def reschedule(self, handle: TimerHandle[P], at: float) -> bool:
        """Move a pending timer to a new deadline, as if cancelled and scheduled again.

        The timer takes a new place in the schedule order (ties fire after older timers).

        Parameters
        ----------
        handle : TimerHandle
            A handle returned by this wheel's ``schedule``.
        at : float
            The new absolute deadline, finite.

        Returns
        -------
        bool
            True if it was pending and has moved; False (and nothing changes) otherwise.

        Examples
        --------
        >>> wheel = TimerWheel()
        >>> h = wheel.schedule(10.0, "a")
        >>> wheel.reschedule(h, 20.0), h.at
        (True, 20.0)
        >>> wheel.advance(15.0), wheel.advance(20.0)
        ([], ['a'])
        >>> wheel.reschedule(h, 30.0)
        False
        """
        at = _finite(at, "at", "TimerWheel")
        _check_handle(handle, self, "TimerWheel")
        where = handle._where
        if where is None:
            return False
        handle._where = None
        where.discard(handle)
        handle._at = at
        handle._seq = self._seq
        self._seq += 1
        self._place(handle, self._tick_of(at))
        return True

    def advance(self, now: float) -> list[P]:
        """Move time forward to ``now`` and fire every timer with ``at <= now``.

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
        if not now >= self._now:  # also catches NaN
            if now < self._now:
                raise ClockError(
                    "now",
                    now,
                    f"is before the last advance ({self._now!r}); time cannot go backwards",
                    model="TimerWheel",
                )
            raise _bad_time("now", now, "TimerWheel")
        if now == _INF:
            raise _bad_time("now", now, "TimerWheel")
        x = (now - self._origin) * self._inv
        try:
            r = int(x)
        except OverflowError:
            r = _BIG_TICK
        if r < x:
            r += 1
        self._now = now
        ready = self._ready
        if r < self._wake:
            # No slot starts by tick r: only the ready heap can hold due timers.
            self._cur = r
            heap = ready.heap
            if not heap or now < heap[0][0]:
                return []
        else:
            self._drain(r)
        out: list[P] = []
        self._len -= ready.pop_due(now, out)
        return out

    def next_deadline(self) -> float | None:
        """Return the earliest pending deadline (exact), or None when nothing is pending.

        Meant for event-driven drivers (SimPy): sleep until this time, then ``advance`` to it.
        """
        if self._ready.heap:
            at = self._ready.top()
            if at is not None:
                return at
        bheap = self._bheap
        slots = self._slots
        handle = self._nd_handle
        if handle is not None and bheap:  # fast path: the cached minimum is still valid
            bucket = self._nd_bucket
            if bucket is not None and handle._where is bucket and slots[bheap[0][1]] is bucket:
                return handle._at
        while bheap:
            index = bheap[0][1]
            bucket = slots[index]
            if bucket:
                handle = self._nd_handle
                if handle is None or handle._where is not bucket or self._nd_bucket is not bucket:
                    handle = min(bucket, key=_by_at)
                    self._nd_bucket = bucket
                    self._nd_handle = handle
                return handle._at
            heappop(bheap)  # a slot emptied by cancellations
            slots[index] = None
            self._rewake()
        return self._overflow.top()

    # -- internals ----------------------------------------------------------------------------

    def _tick_of(self, at: float) -> int:
        x = (at - self._origin) * self._inv
        try:
            t = int(x)
        except OverflowError:
            return _BIG_TICK
        return t + 1 if t < x else t

    def _place(self, handle: TimerHandle[P], t: int) -> None:
        """Put a pending handle (``_where`` unset) where tick ``t`` belongs."""
        cur = self._cur
        if t <= cur:
            ready = self._ready
            handle._where = ready
            heappush(ready.heap, (handle._at, handle._seq, handle))
            return
        d = t ^ cur
        if d >> _TOP_SHIFT:
            self._to_overflow(handle, t)
            return
        level = (d.bit_length() - 1) // _BITS
        shift = level * _BITS
        index = level * _SLOTS + ((t >> shift) & _MASK)
        slots = self._slots
        bucket = slots[index]
        if bucket is None:
            bucket = slots[index] = set()
            start = (t >> shift) << shift
            heappush(self._bheap, (start, index))
            self._wake = min(self._wake, start)
        elif bucket is self._nd_bucket:
            self._nd_bucket = None
        bucket.add(handle)
        handle._where = bucket

    def _to_overflow(self, handle: TimerHandle[P], t: int) -> None:
        overflow = self._overflow
        handle._where = overflow
        heap = overflow.heap
        heappush(heap, (handle._at, handle._seq, handle))
        if heap[0][2] is handle:
            self._rewake()

    def _rewake(self) -> None:
        """Recompute the first tick at which ``advance`` has slot or overflow work to do."""
        wake: float = self._bheap[0][0] if self._bheap else _INF
        heap = self._overflow.heap
        if heap:
            row = (self._tick_of(heap[0][0]) >> _TOP_SHIFT) << _TOP_SHIFT
            wake = min(wake, row)
        self._wake = wake

    def _drain(self, r: int) -> None:
        """Empty every slot starting at or before tick ``r``; move the cursor to ``r``."""
        bheap = self._bheap
        slots = self._slots
        moving: list[TimerHandle[P]] = []
        while bheap and bheap[0][0] <= r:
            index = heappop(bheap)[1]
            bucket = slots[index]
            slots[index] = None
            if bucket:
                moving.extend(bucket)
        overflow = self._overflow
        heap = overflow.heap
        row = r >> _TOP_SHIFT
        while heap and self._tick_of(heap[0][0]) >> _TOP_SHIFT <= row:
            _, seq, handle = heappop(heap)
            if handle._where is overflow and handle._seq == seq:
                moving.append(handle)
            else:
                overflow.stale -= 1
        self._cur = r
        self._nd_bucket = None
        ready = self._ready
        due = ready.heap
        origin = self._origin
        inv = self._inv
        place = self._place
        for handle in moving:
            x = (handle._at - origin) * inv
            t = int(x) if x < _INF else _BIG_TICK
            if t < x:
                t += 1
            if t <= r:
                handle._where = ready
                due.append((handle._at, handle._seq, handle))
            else:
                place(handle, t)
        heapify(due)
        self._rewake()
