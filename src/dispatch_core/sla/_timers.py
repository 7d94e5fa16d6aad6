"""The timer-store interface the SLA tracker needs, and a small heap implementation of it.

``dispatch_core.timers.TimerWheel`` satisfies :class:`Timers`; until it is the default, the
tracker uses :class:`HeapTimers` (same contract, ``O(log n)`` schedule, lazy cancel).
"""

from __future__ import annotations

import heapq
import math
from typing import Any, Protocol, runtime_checkable

from dispatch_core.errors import ClockError, InvalidInputError

__all__ = ["HeapTimers", "Timers"]

_COMPACT_MIN = 1024


@runtime_checkable
class Timers(Protocol):
    """Absolute-deadline timer store (POSIX seconds as floats), as ``TimerWheel`` in DESIGN."""

    def schedule(self, at: float, payload: Any) -> Any:
        """Arm ``payload`` to fire at ``at``; return a handle for :meth:`cancel`."""
        ...

    def cancel(self, handle: Any) -> bool:
        """Disarm; True if it was still pending."""
        ...

    def advance(self, now: float) -> list[Any]:
        """Return the payloads with ``at <= now``, ordered by (at, schedule order)."""
        ...

    def next_deadline(self) -> float | None:
        """Return the earliest pending deadline, or None."""
        ...

    def __len__(self) -> int: ...


class HeapTimers:
    """A binary-heap :class:`Timers`; cancelled entries are dropped lazily.

    Examples
    --------
    >>> t = HeapTimers()
    >>> a = t.schedule(5.0, "a"); b = t.schedule(3.0, "b"); c = t.schedule(5.0, "c")
    >>> t.cancel(b), t.cancel(b), len(t)
    (True, False, 2)
    >>> t.next_deadline(), t.advance(10.0), len(t)
    (5.0, ['a', 'c'], 0)
    """

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, Any]] = []
        self._live: set[int] = set()
        self._seq = 0
        self._now = -math.inf

    def schedule(self, at: float, payload: Any) -> int:
        """Arm ``payload`` at ``at`` (a past deadline fires on the next advance)."""
        if not isinstance(at, int | float) or not math.isfinite(at):
            raise InvalidInputError("at", at, "expected finite seconds", model="HeapTimers")
        handle = self._seq
        self._seq += 1
        heapq.heappush(self._heap, (float(at), handle, payload))
        self._live.add(handle)
        return handle

    def cancel(self, handle: Any) -> bool:
        """Disarm ``handle``; True if it was still pending."""
        if handle not in self._live:
            return False
        self._live.discard(handle)
        if len(self._heap) > _COMPACT_MIN and len(self._heap) > 2 * len(self._live):
            self._heap = [e for e in self._heap if e[1] in self._live]
            heapq.heapify(self._heap)
        return True

    def advance(self, now: float) -> list[Any]:
        """Pop every pending payload with ``at <= now`` in (at, schedule order)."""
        if now < self._now:
            raise ClockError("now", now, f"is before {self._now}", model="HeapTimers")
        self._now = now
        due: list[Any] = []
        heap, live = self._heap, self._live
        while heap and heap[0][0] <= now:
            _, handle, payload = heapq.heappop(heap)
            if handle in live:
                live.discard(handle)
                due.append(payload)
        return due

    def next_deadline(self) -> float | None:
        """Return the earliest pending deadline, or None."""
        heap = self._heap
        while heap and heap[0][1] not in self._live:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def __len__(self) -> int:
        return len(self._live)
