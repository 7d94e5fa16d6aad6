"""Timer stores: the hierarchical :class:`TimerWheel` and the compacting :class:`HeapTimers`.

Both implement the :class:`Timers` protocol and hand out :class:`TimerHandle` values.

Modules
-------
handle
    What both share: :class:`TimerHandle`, :class:`Timers`, the lazy heap, input checks.
wheel
    The hierarchical timing wheel (absolute deadlines, O(1) cancel, spread cascades).
heap
    The compacting binary heap (the baseline and the test oracle).
"""

from __future__ import annotations

from dispatch_core.timers.handle import TimerHandle, Timers
from dispatch_core.timers.heap import HeapTimers
from dispatch_core.timers.wheel import TimerWheel

__all__ = ["HeapTimers", "TimerHandle", "TimerWheel", "Timers"]
