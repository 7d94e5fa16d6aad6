"""Progress of ``dispatch-core plan --simulate``: one step per staffing level, with an ETA.

On a terminal the steps drive a ``rich`` progress bar; otherwise (``make run``, CI logs) plain
lines go to standard error, at most one every :data:`PLAIN_EVERY_S` seconds plus one per
finished day. The total is an estimate (a search does not know in advance how many levels it
will try): it starts from the open intervals and is corrected as days finish.

Examples
--------
>>> import io
>>> out = io.StringIO()
>>> ticks = iter(range(0, 100, 5))
>>> p = SimProgress(expected=4, plain=out, clock=lambda: float(next(ticks)))
>>> p.step("mon phone"); p.step("mon phone")
>>> print(out.getvalue().strip())
[    5 s] 1/~4 levels (25%), ETA 15 s: mon phone
[   10 s] 2/~4 levels (50%), ETA 10 s: mon phone
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TextIO

from rich.progress import Progress, TaskID

__all__ = ["PLAIN_EVERY_S", "SimProgress", "expected_levels"]

#: Least seconds between two plain progress lines.
PLAIN_EVERY_S = 2.0


def expected_levels(open_intervals: int) -> int:
    """Rough staffing levels one day's two queues take: searched, verified, rostered.

    Examples
    --------
    >>> expected_levels(28)
    98
    """
    return round(open_intervals * 2 * 1.6) + 8


class SimProgress:
    """Count evaluated staffing levels and show them with an ETA.

    Parameters
    ----------
    expected : int
        Estimated levels in all (:func:`expected_levels` per day).
    bar : tuple of (Progress, TaskID), optional
        A rich progress bar and its task to drive (on a terminal).
    plain : TextIO, optional
        Where plain lines go when there is no bar.
    clock : callable
        Seconds (monotonic); injectable for tests.
    """

    def __init__(
        self,
        *,
        expected: int,
        bar: tuple[Progress, TaskID] | None = None,
        plain: TextIO | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._expected = max(1, expected)
        self._bar = bar
        self._plain = plain
        self._clock = clock
        self._start = clock()
        self._last_line = -PLAIN_EVERY_S
        self._done = 0
        self._lock = threading.Lock()  # steps arrive from the relay thread

    @property
    def done(self) -> int:
        """Levels evaluated so far."""
        return self._done

    def step(self, label: str) -> None:
        """Record one simulated staffing level of ``label`` (``"<day> <queue>"``)."""
        with self._lock:
            self._done += 1
            self._expected = max(self._expected, self._done)
            self._show(label, force=False)

    def correct(self, estimated: int, actual: int, label: str) -> None:
        """Record a finished day: its estimate of levels is replaced by the actual count."""
        with self._lock:
            self._expected = max(self._done, self._expected - estimated + actual)
            self._show(f"{label} done", force=True)

    def _show(self, label: str, *, force: bool) -> None:
        now = self._clock()
        elapsed = now - self._start
        rate = self._done / elapsed if elapsed > 0 else 0.0
        left = (self._expected - self._done) / rate if rate > 0 else float("inf")
        early = self._done < 0.02 * self._expected  # the first levels pay for the pool's start
        eta = "?" if early or left == float("inf") else f"{left:.0f} s"
        if self._bar is not None:
            progress, task = self._bar
            progress.update(
                task,
                completed=self._done,
                total=self._expected,
                description=f"simulating {label}: level {self._done:,}/~{self._expected:,}",
            )
            return
        if self._plain is None or (not force and now - self._last_line < PLAIN_EVERY_S):
            return
        self._last_line = now
        share = self._done / self._expected
        self._plain.write(
            f"[{elapsed:5.0f} s] {self._done:,}/~{self._expected:,} levels ({share:.0%}), "
            f"ETA {eta}: {label}\n"
        )
        self._plain.flush()
