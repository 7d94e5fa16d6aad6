"""What a field run counts per ticket: SLA clocks met per interval, and how each loop ended.

The engine's live state holds open work only (a closed ticket leaves it), so the field driver
folds each ticket into a :class:`TicketTally` when its loop is about to end, and the tickets
still open when the run stops at the end.

Examples
--------
>>> from datetime import UTC, datetime
>>> from dispatch_core.engine.lifecycle import Status
>>> from dispatch_core.engine.records import TicketRecord
>>> from dispatch_core.model import SlaMetric, Ticket
>>> at = datetime(2026, 3, 2, 9, tzinfo=UTC)
>>> rec = TicketRecord(ticket=Ticket(id="T1", property_id="P1", category="repair",
...                                  location="B1", opened_at=at),
...                    status=Status.RESOLVED, opened_at=at)
>>> rec.metrics = (SlaMetric.ON_SITE,)
>>> rec.sla_results.append((SlaMetric.ON_SITE, True))
>>> tally = TicketTally(intervals=2)
>>> tally.add(rec, interval=1, ended=Status.CLOSED)
>>> tally.met, tally.total, tally.closed
({'on_site/repair': [0, 1]}, {'on_site/repair': [0, 1]}, 1)
"""

from __future__ import annotations

from dispatch_core.engine.lifecycle import Status
from dispatch_core.engine.records import TicketRecord
from dispatch_core.model import Category, SlaMetric

__all__ = ["TicketTally"]


class TicketTally:
    """SLA clocks per ``metric/category`` and interval of intake, and loops by how they ended.

    Parameters
    ----------
    intervals : int
        Intervals of the run (a ticket counts in the interval its contact arrived in).
    """

    __slots__ = ("_keys", "cancelled", "closed", "intervals", "met", "open", "total")

    def __init__(self, intervals: int) -> None:
        self.intervals = intervals
        self.met: dict[str, list[int]] = {}
        self.total: dict[str, list[int]] = {}
        self._keys: dict[tuple[SlaMetric, Category], str] = {}
        self.closed = self.cancelled = self.open = 0

    def copy(self) -> TicketTally:
        """Return an independent copy (adding to it leaves this one as it is)."""
        out = TicketTally(self.intervals)
        out.met = {k: list(v) for k, v in self.met.items()}
        out.total = {k: list(v) for k, v in self.total.items()}
        out._keys = dict(self._keys)
        out.closed, out.cancelled, out.open = self.closed, self.cancelled, self.open
        return out

    @property
    def tickets(self) -> int:
        """Tickets counted so far."""
        return self.closed + self.cancelled + self.open

    def add(self, rec: TicketRecord, *, interval: int, ended: Status | None = None) -> None:
        """Count ``rec``: ``ended`` is how its loop ends (``None``: still open at the end)."""
        category = rec.ticket.category
        results = rec.sla_results  # (metric, met) per stopped clock, in stop order
        for metric in rec.metrics:
            key = self._keys.get((metric, category))
            if key is None:
                key = self._keys[metric, category] = f"{metric.value}/{category.value}"
                self.total[key], self.met[key] = [0] * self.intervals, [0] * self.intervals
            self.total[key][interval] += 1
            hit = False
            for stopped, ok in results:  # a metric's last result counts
                if stopped is metric:
                    hit = ok
            if hit:
                self.met[key][interval] += 1
        if ended is Status.CLOSED:
            self.closed += 1
        elif ended is Status.CANCELLED:
            self.cancelled += 1
        else:
            self.open += 1
