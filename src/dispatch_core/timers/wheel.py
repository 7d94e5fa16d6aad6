"""The hierarchical timing wheel for SLA deadlines, with cascades spread over time.

:class:`TimerWheel` is the engine's hot structure. Every open ticket holds a few deadlines
(minutes to days ahead) and most of them are cancelled because the ticket is handled in time.
The wheel makes ``schedule`` and ``cancel`` O(1), pays the cascade cost only for timers that
survive until they come close to firing, spreads that cost over many ``advance`` calls, and
skips empty slots, so advancing over a long idle gap costs nothing per empty tick.

Layout (after Varghese & Lauck 1987, Kafka's ``TimingWheel`` and the Linux timer wheel)::

    near heap    the timers of the current and the next level-1 slot (exact order)
    level 1      slots of 128 ticks         (~2 min at tick=1 s)
    level 2      slots of 128**2 ticks      (~4.6 h)
    level 3      slots of 128**3 ticks      (~24 days)
    overflow     a heap of the timers 128**4 ticks (~8.5 years) or more ahead

A deadline ``at`` lives in tick ``t = ceil((at - start) / tick)``. At the cursor ``c`` (the
tick of the last ``advance``), level ``k`` *holds* its slots from number ``(c >> 7k) + 2`` on;
the slot just before them, ``(c >> 7k) + 1``, is *draining*. ``_place``, the one placement
rule, puts a timer at the highest level whose slot for ``t`` it holds (the near heap when there
is none, the overflow beyond the top level). A draining slot takes no new timers: while the
cursor crosses the 128**k ticks before its start, ``advance`` moves its timers one level down
(through ``_place``) at the pace the crossing sets, a few per call, so no single ``advance``
pays for a whole cascade. The overflow hands each timer to the top level when the cursor comes
within 128**4 ticks of it. Only the tick index depends on ``tick``, and it is monotone in
``at``, so ``tick`` is a performance knob and never changes which timers fire or their order.

:class:`~dispatch_core.timers.heap.HeapTimers` has the same API on top of :mod:`heapq`; it is
the test oracle and the benchmark baseline.

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

from bisect import bisect_right
from collections.abc import Iterable
from heapq import heappop, heappush
from math import ceil
from operator import attrgetter
from typing import Generic, TypeVar

from dispatch_core.errors import InvalidInputError
from dispatch_core.timers.handle import (
    LazyHeap,
    TimerHandle,
    check_advance,
    check_handle,
    finite_seconds,
)

__all__ = ["TimerWheel"]

P = TypeVar("P")

_INF = float("inf")
_NINF = -_INF
_BITS = 7  # 128 slots per level
_LEVELS = 3  # wheel levels between the near heap and the overflow
_SHIFTS = tuple(_BITS * level for level in range(_LEVELS + 1))  # slot width 1 << _SHIFTS[k]
_HORIZON = 1 << (_BITS * (_LEVELS + 1))  # overflow timers are this many ticks ahead or more
#: A draining slot on pace is visited when this many of its timers are due to move: fewer
#: visits cost less per moved timer; it never lags its pace by more than this either.
_BATCH = 8
#: No ``advance`` paces more than this many timers down (reaching a slot empties it, though).
_BUDGET = 3
#: A draining slot aims to be empty 1/2**_LEAD of its drain before its start, so that reaching
#: it finds little left even after a long jump.
_LEAD = 3
_BIG_TICK = 1 << 1100  # stands for "beyond any float": keeps the tick index monotone
_new = object.__new__
_by_at = attrgetter("_at")


class _Draining(Generic[P]):
    """One level's draining slot: where it is, and the pace at which it empties."""

    __slots__ = ("bucket", "end", "full", "level", "number", "size", "span", "start")

    def __init__(self, level: int) -> None:
        self.level = level
        self.number = 0  # the draining slot's number (its ticks: number << shift on)
        self.start = 0  # its first tick
        self.end = 0  # the tick by which it should be empty, a little before ``start``
        self.span = 1  # ticks from when it started draining to ``end``
        self.size = 0  # how many timers it held then
        self.full = 1  # ticks from when it started draining to ``start``
        self.bucket: set[TimerHandle[P]] | None = None


class TimerWheel(Generic[P]):
    """Hierarchical timing wheel with absolute float deadlines.

    Parameters
    ----------
    tick : float, default 1.0
        Width of a tick, in seconds. A performance knob only: firing is exact.
    start : float, default 0.0
        The initial time; ``advance`` never goes before it.

    Notes
    -----
    ``schedule`` and ``cancel`` are O(1). ``advance`` pops the timers it fires from a small
    heap (O(log n) each) and moves a bounded batch of the timers that are still pending when
    their slot comes close; each timer moves at most once per level, and most SLA timers are
    cancelled before their first move. :attr:`cascaded` counts the moves.

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
        "_cascaded",
        "_draining",
        "_edges",
        "_inv",
        "_len",
        "_near",
        "_next",
        "_now",
        "_origin",
        "_overflow",
        "_seq",
        "_slots",
        "_tick",
        "_wake",
        "_wakes",
    )

    def __init__(self, tick: float = 1.0, *, start: float = 0.0) -> None:
        tick = finite_seconds(tick, "tick", "TimerWheel")
        if tick <= 0.0:
            raise InvalidInputError("tick", tick, "must be greater than 0", model="TimerWheel")
        start = finite_seconds(start, "start", "TimerWheel")
        self._tick = tick
        self._inv = 1.0 / tick
        self._origin = start
        self._now = start
        self._seq = 0
        self._len = 0
        self._cascaded = 0
        self._near = LazyHeap()  # timers in ticks before _edges[0]
        self._overflow = LazyHeap()  # timers in ticks from _edges[-1] on
        # _slots[k]: level k's slots by slot number (t >> _SHIFTS[k]); index 0 is unused.
        self._slots: list[dict[int, set[TimerHandle[P]]]] = [{} for _ in range(_LEVELS + 1)]
        # Each level's draining slot, the nearest level first.
        self._draining: tuple[_Draining[P], ...] = tuple(
            _Draining(level) for level in range(1, _LEVELS + 1)
        )
        # _wakes[k]: the first tick at which level k has work (0: the overflow); _wake: min.
        self._wakes: list[int | float] = [_INF] + [0] * _LEVELS
        self._wake: int | float = 0
        # _edges[k - 1]: the first tick level k holds; _edges[-1]: the first overflow tick.
        self._edges = [0] * (_LEVELS + 1)
        self._next: float = _INF  # the earliest pending deadline; -inf: unknown; inf: none
        self._step(0)

    # -- inspection ---------------------------------------------------------------------------

    @property
    def tick(self) -> float:
        """Width of a tick, in seconds."""
        return self._tick

    @property
    def now(self) -> float:
        """The time of the last ``advance`` (initially ``start``)."""
        return self._now

    @property
    def cascaded(self) -> int:
        """How many times a pending timer has moved down a level (a cost diagnostic).

        Examples
        --------
        >>> wheel = TimerWheel()
        >>> _ = wheel.schedule(40_000.0, "a")  # on level 2 at tick=1
        >>> [wheel.advance(float(now)) for now in range(0, 40_001, 1_000)][-1]
        ['a']
        >>> wheel.cascaded  # to level 1, then to the near heap
        2
        """
        return self._cascaded

    def __len__(self) -> int:
        return self._len

    def __repr__(self) -> str:
        return f"TimerWheel(tick={self._tick!r}, now={self._now!r}, pending={self._len})"

    # -- mutation -----------------------------------------------------------------------------

    def schedule(self, at: float, payload: P) -> TimerHandle[P]:
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
        at = finite_seconds(at, "at", "TimerWheel")
        seq = self._seq
        self._seq = seq + 1
        self._len += 1
        handle: TimerHandle[P] = _new(TimerHandle)
        handle._at = at
        handle._seq = seq
        handle._payload = payload
        handle._owner = self
        self._place(handle)
        if at < self._next:  # noqa: PLR1730 - a compare is cheaper than min() on this path
            self._next = at
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
            check_handle(handle, self, "TimerWheel")
        if where is None:
            return False
        handle._where = None
        where.discard(handle)
        self._len -= 1
        if handle._at == self._next:
            self._next = _NINF
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
        at = finite_seconds(at, "at", "TimerWheel")
        check_handle(handle, self, "TimerWheel")
        where = handle._where
        if where is None:
            return False
        handle._where = None
        where.discard(handle)
        handle._at = at
        handle._seq = self._seq
        self._seq += 1
        self._place(handle)
        self._next = _NINF
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
        check_advance(now, self._now, "TimerWheel")
        self._now = now
        r = self._tick_of(now)
        if r >= self._wake:
            self._step(r)
        near = self._near
        heap = near.heap
        if not heap or now < heap[0][0]:
            return []
        out: list[P] = []
        fired = near.pop_due(now, out)
        if fired:
            self._len -= fired
            self._next = _NINF
        return out

    def next_deadline(self) -> float | None:
        """Return the earliest pending deadline (exact), or None when nothing is pending.

        Meant for event-driven drivers (SimPy): sleep until this time, then ``advance`` to it.
        """
        at = self._next
        if at == _NINF:
            at = self._next = self._earliest()
        return None if at == _INF else at

    # -- internals ----------------------------------------------------------------------------

    def _tick_of(self, at: float) -> int:
        try:
            return ceil((at - self._origin) * self._inv)
        except OverflowError:
            return _BIG_TICK

    def _place(self, handle: TimerHandle[P]) -> None:
        """Put a pending handle (``_where`` stale or None) where its deadline belongs.

        The one placement rule, for ``schedule``, ``reschedule`` and every cascade: the near
        heap before ``_edges[0]``, level ``k`` from ``_edges[k - 1]``, the overflow from
        ``_edges[-1]`` on.
        """
        # inlined: _tick_of, as placement is the hot path of schedule and of every cascade.
        try:
            t = ceil((handle._at - self._origin) * self._inv)
        except OverflowError:
            t = _BIG_TICK
        level = bisect_right(self._edges, t)
        if level == 0:
            near = self._near
            handle._where = near
            heappush(near.heap, (handle._at, handle._seq, handle))
        elif level <= _LEVELS:
            slots = self._slots[level]
            number = t >> _SHIFTS[level]
            bucket = slots.get(number)
            if bucket is None:
                slots[number] = bucket = {handle}
            else:
                bucket.add(handle)
            handle._where = bucket
        else:
            overflow = self._overflow
            handle._where = overflow
            heap = overflow.heap
            heappush(heap, (handle._at, handle._seq, handle))
            wake = t - _HORIZON + 1  # the first tick at which it is to be released
            if heap[0][2] is handle and wake < self._wakes[0]:
                self._wakes[0] = wake
                self._wake = min(self._wake, wake)

    def _step(self, r: int) -> None:
        """Move the cursor to tick ``r`` and do the level work that is due by then.

        A level whose draining slot the cursor has reached empties it (``_turn``), and the
        other levels wait a tick. A draining slot that held ``size`` timers when it began to
        drain, ``span`` ticks before its ``end`` (a little before its start), keeps
        ``ceil(size * (end - r) / span)`` of them and moves the rest down; it comes back when
        :data:`_BATCH` more are due. One step moves at most :data:`_BUDGET` timers this way,
        the nearest level first; a level held back returns on the next ``advance``. Only when
        it would hold more than :data:`_BATCH` above ``ceil(size * (start - r) / full)``
        (``full``: the ticks from when it began to drain to its start) does it move that
        excess at once, so that reaching its start finds at most a batch left however sparse
        the advances.
        """
        self._edges[_LEVELS] = r + _HORIZON
        wakes = self._wakes
        place = self._place
        moved = 0
        budget = _BUDGET
        for drain in self._draining:  # the nearest level first: its start is the most urgent
            level = drain.level
            if r < wakes[level]:
                continue
            if r >= drain.start:
                moved += self._turn(drain, r)
                budget = 0  # a turn is this step's work: the other levels wait a tick
            bucket = drain.bucket
            wake = drain.start
            if bucket:
                size = drain.size
                span = drain.span
                end = drain.end
                left = len(bucket)
                # keep ceil(size * (end - r) / span), none from ``end`` on
                extra = left + (-size * (end - r)) // span if r < end else left
                if extra > budget:  # behind: catch up on the next advance, but be empty by start
                    need = left + (-size * (wake - r)) // drain.full - _BATCH
                    extra = max(budget, need)
                    wake = r + 1
                if extra > 0:
                    budget = max(0, budget - extra)
                    moved += extra
                    pop = bucket.pop
                    for _ in range(extra):
                        place(pop())
                if wake > r + 1 and bucket:  # on pace: come back when _BATCH more are due
                    ahead = len(bucket) - _BATCH
                    wake = max(r + 1, end - (ahead * span) // size if ahead > 0 else end)
            wakes[level] = wake
        if r >= wakes[0]:
            moved += self._release(r)
        self._wake = min(wakes)
        self._cascaded += moved

    def _turn(self, drain: _Draining[P], r: int) -> int:
        """Empty every slot of ``drain``'s level that tick ``r`` has reached; drain the next."""
        level = drain.level
        shift = _SHIFTS[level]
        slots = self._slots[level]
        place = self._place
        here = r >> shift
        self._edges[level - 1] = (here + 2) << shift
        number = drain.number
        if here - number < len(slots):
            keys: Iterable[int] = range(number, here + 1)
        else:  # a long jump: fewer slots than numbers passed
            keys = [key for key in slots if key <= here]
        moved = 0
        for key in keys:
            bucket = slots.pop(key, None)
            if bucket:
                moved += len(bucket)
                for handle in bucket:
                    place(handle)
        drain.number = number = here + 1
        drain.start = start = number << shift
        drain.end = end = start - ((start - r) >> _LEAD)
        drain.span = max(1, end - r)
        drain.full = start - r
        drain.bucket = bucket = slots.get(number)
        drain.size = len(bucket) if bucket else 0
        return moved

    def _release(self, r: int) -> int:
        """Hand the overflow's timers within ``_HORIZON`` ticks of ``r`` to the wheel."""
        overflow = self._overflow
        heap = overflow.heap
        place = self._place
        moved = 0
        wake: int | float = _INF
        while heap:
            at, seq, handle = heap[0]
            if handle._where is overflow and handle._seq == seq:
                t = self._tick_of(at)
                if t - _HORIZON >= r:
                    wake = t - _HORIZON + 1
                    break
                heappop(heap)
                place(handle)
                moved += 1
            else:
                heappop(heap)
                overflow.stale -= 1
        self._wakes[0] = wake
        return moved

    def _earliest(self) -> float:
        """Find the earliest pending deadline (inf: none): the near heap, then what may beat it."""
        top = self._near.top()
        best = _INF if top is None else top
        bound = self._tick_of(best)
        for drain in self._draining:
            if drain.start > bound:
                break  # every slot of this level and the ones above starts after ``best``
            shift = _SHIFTS[drain.level]
            slots = self._slots[drain.level]
            for key in sorted(slots):
                if key << shift > bound:
                    break
                bucket = slots[key]
                if not bucket:  # emptied by cancellations
                    del slots[key]
                    continue
                at = min(bucket, key=_by_at)._at
                if at < best:
                    best = at
                    bound = self._tick_of(at)
                break
        far = self._overflow.top()
        if far is not None and far < best:
            best = far
        return best
