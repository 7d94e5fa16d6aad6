"""A scoped pause of Python's cyclic garbage collector, for callers that want the speed.

A simulation run allocates millions of short-lived objects and creates no reference cycles
worth collecting, so the cyclic collector's generation-0 passes are pure overhead (about a
tenth of a field run's time). The library never switches the collector off by itself: that
switch is process-wide, and a library that flips it behind its caller's back changes the
memory behaviour of the whole program. Callers who own the process (a benchmark, a script, a
replication worker) may opt in for one block with :func:`gc_paused`.

Examples
--------
>>> import gc
>>> with gc_paused():
...     gc.isenabled()
False
>>> gc.isenabled()
True
>>> try:
...     with gc_paused():
...         raise KeyError("boom")
... except KeyError:
...     pass
>>> gc.isenabled()  # restored on the way out of an exception too
True
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for the ``with`` block, then restore its state.

    The collector is disabled on entry and re-enabled on exit only if it was enabled on
    entry, so blocks nest and a caller that had disabled it keeps it disabled. Reference
    counting still frees every object that is not part of a cycle; cycles created inside the
    block are collected by the first collection after it. While the block runs the pause is
    process-wide (it is the interpreter's switch): other threads run without the cyclic
    collector too, so use it around a CPU-bound run that owns its process or thread pool, not
    inside a server.

    Yields
    ------
    None

    Examples
    --------
    >>> import gc
    >>> with gc_paused():
    ...     with gc_paused():
    ...         pass
    ...     gc.isenabled()  # the inner block left the outer pause in place
    False
    >>> gc.disable()
    >>> with gc_paused():
    ...     pass
    >>> gc.isenabled()  # disabled before, disabled after
    False
    >>> gc.enable()
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
