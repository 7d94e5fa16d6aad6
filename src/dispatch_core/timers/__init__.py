"""Timer stores: the hierarchical :class:`TimerWheel` and the compacting :class:`HeapTimers`.

Both implement the :class:`Timers` protocol and hand out :class:`TimerHandle` values.

Modules
-------
wheel
    The hierarchical timing wheel (absolute deadlines, O(1) cancel).
heap
    The compacting binary heap (the baseline, and the store for sparse timers).
"""

from __future__ import annotations

from dispatch_core.timers.heap import HeapTimers, TimerHandle, Timers
from dispatch_core.timers.wheel import TimerWheel

__all__ = ["HeapTimers", "TimerHandle", "TimerWheel", "Timers"]
