"""What a field simulation runs on, and what it returns: shifts, the spec, one run's KPIs.

See :mod:`dispatch_core.sim.field.driver` for the model itself.

Examples
--------
>>> TechShift("early", 8 * 3600.0, 16 * 3600.0, 4).covers(9 * 3600.0)
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from dispatch_core.engine.config import EngineConfig
from dispatch_core.errors import InvalidInputError
from dispatch_core.model import Category
from dispatch_core.sim.desk.model import DeskRun, DeskSpec
from dispatch_core.sim.distributions import Distribution
from dispatch_core.sla.policy import SlaPolicy

__all__ = [
    "DAY_S",
    "EPOCH",
    "FIELD_CATEGORIES",
    "FIELD_SKILLS",
    "FieldRun",
    "FieldSpec",
    "JUDGED",
    "TechShift",
]

#: Simulated time 0 (midnight of a Tuesday); any aware datetime would do.
EPOCH = datetime(2026, 7, 7, tzinfo=UTC)
#: Categories worked by technicians on site; the others go to case officers.
FIELD_CATEGORIES = frozenset({Category.REPAIR, Category.EMERGENCY})
#: Field skills; a field ticket requires one of them (drawn), every technician has them all.
FIELD_SKILLS = ("electrical", "general", "plumbing")
#: Seconds in a day.
DAY_S = 86_400.0
#: The targets a staffing search judges (``metric/category`` keys of the engine's SLA clocks).
JUDGED = ("on_site/repair", "on_site/emergency", "feedback/repair", "resolution/complaint")

_DAY_S = 86_400.0


@dataclass(frozen=True, slots=True)
class TechShift:
    """Technicians on duty every day between ``start_s`` and ``end_s`` (seconds after midnight).

    Examples
    --------
    >>> TechShift("early", 8 * 3600.0, 16 * 3600.0, 4).hours
    8.0
    """

    name: str
    start_s: float
    end_s: float
    technicians: int

    def __post_init__(self) -> None:
        if not self.name or not self.name.replace("-", "").replace("_", "").isalnum():
            raise InvalidInputError("name", self.name, "must be letters, digits, - or _")
        if not 0.0 <= self.start_s < self.end_s <= DAY_S:
            raise InvalidInputError("end_s", (self.start_s, self.end_s), "need 0 <= start < end")
        count = self.technicians
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise InvalidInputError("technicians", count, "must be an integer >= 0")

    @property
    def hours(self) -> float:
        """Length of the shift, hours."""
        return (self.end_s - self.start_s) / 3600.0

    def covers(self, t: float) -> bool:
        """Whether second-of-day ``t`` is inside ``[start_s, end_s)``."""
        return self.start_s <= t < self.end_s


def _default_config() -> EngineConfig:
    return EngineConfig(idempotency_keys=0)  # the simulation never retries a command


def _default_work() -> Distribution:
    return Distribution.lognormal(2700.0, cv=0.5)


def _default_case() -> Distribution:
    return Distribution.lognormal(8 * 3600.0, cv=1.0)


def _default_followup() -> Distribution:
    return Distribution.exponential(2 * 3600.0)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """What to simulate: desks, technician shifts, resolution and the site.

    Parameters
    ----------
    desks : tuple of (str, DeskSpec)
        Named desks (e.g. ``("phone", …)``, ``("digital", …)``) on the same intervals, warm-up
        0, contact types named after :class:`~dispatch_core.model.Category` values.
    shifts : tuple of TechShift
        The technicians' roster (repeated every day of the run).
    first_contact : float
        Share of answered contacts resolved at first contact (no ticket).
    work : Distribution
        A technician's hands-on time on site, seconds (travel comes on top).
    casework : Distribution
        A case officer's time to resolve a non-field ticket, seconds.
    followup_after : Distribution
        Delay from resolution to the follow-up call, seconds (then moved into desk hours).
    followup_hours : tuple of float
        Desk hours of follow-up calls, seconds after midnight ``(open, close)``.
    case_officers : int
        Case officers (capacity 50 each, always on duty).
    site_rows, site_cols, site_seed : int
        The :meth:`~dispatch_core.site.SiteGraph.grid` site; node ``n0-0`` is the depot.
    communities : int
        Properties (小区): the grid's columns are split into this many bands.
    drain_days : int
        Days simulated after the day of contacts (>= 2 covers the 48-hour targets).
    engine_config : EngineConfig
        The engine's configuration (SLA chain, redispatch limit…); by default the package's
        defaults with 128 remembered idempotency keys (the simulation never retries, and a
        smaller table keeps the garbage collector's work small).
    sla_policy : SlaPolicy, optional
        The ticket targets the engine's SLA tracker runs on (a scenario's
        ``[sla.ticket_targets]``); ``None``: the engine's default policy for ``engine_config``.
    """

    desks: tuple[tuple[str, DeskSpec], ...]
    shifts: tuple[TechShift, ...]
    first_contact: float = 0.6
    work: Distribution = field(default_factory=_default_work)
    casework: Distribution = field(default_factory=_default_case)
    followup_after: Distribution = field(default_factory=_default_followup)
    followup_hours: tuple[float, float] = (8 * 3600.0, 20 * 3600.0)
    case_officers: int = 4
    site_rows: int = 8
    site_cols: int = 10
    site_seed: int = 0
    communities: int = 4
    drain_days: int = 2
    engine_config: EngineConfig = field(default_factory=_default_config)
    sla_policy: SlaPolicy | None = None

    def __post_init__(self) -> None:
        if not self.desks:
            raise InvalidInputError("desks", self.desks, "needs at least one desk")
        first = self.desks[0][1]
        for name, desk in self.desks:
            if desk.interval_s != first.interval_s or desk.intervals != first.intervals:
                raise InvalidInputError(f"desks.{name}", desk, "all desks share the intervals")
            if desk.warmup_s != 0.0:
                raise InvalidInputError(f"desks.{name}.warmup_s", desk.warmup_s, "must be 0")
            for t in desk.contact_types:
                if t.name not in Category.__members__.values():
                    raise InvalidInputError(f"desks.{name}", t.name, "type must be a Category")
        if len({n for n, _ in self.desks}) != len(self.desks):
            raise InvalidInputError("desks", [n for n, _ in self.desks], "names must be unique")
        if len({s.name for s in self.shifts}) != len(self.shifts):
            raise InvalidInputError("shifts", self.shifts, "shift names must be unique")
        if not 0.0 <= self.first_contact <= 1.0:
            raise InvalidInputError("first_contact", self.first_contact, "must be in [0, 1]")
        for name in ("case_officers", "drain_days"):
            if getattr(self, name) < 0:
                raise InvalidInputError(name, getattr(self, name), "must be >= 0")
        if self.site_rows * self.site_cols < 2 or not 1 <= self.communities <= self.site_cols:
            raise InvalidInputError("communities", self.communities, "1..site_cols, 2+ nodes")

    @property
    def interval_s(self) -> float:
        """Length of a KPI interval, seconds."""
        return self.desks[0][1].interval_s

    @property
    def intervals(self) -> int:
        """Number of KPI intervals."""
        return self.desks[0][1].intervals

    @property
    def technicians(self) -> tuple[int, ...]:
        """Technicians per shift."""
        return tuple(s.technicians for s in self.shifts)

    def with_technicians(self, counts: Sequence[int]) -> FieldSpec:
        """Return a copy with ``counts[i]`` technicians on shift ``i`` (same contacts: CRN)."""
        if len(counts) != len(self.shifts):
            raise InvalidInputError("counts", counts, f"needs {len(self.shifts)} values")
        shifts = tuple(
            replace(s, technicians=int(c)) for s, c in zip(self.shifts, counts, strict=True)
        )
        return replace(self, shifts=shifts)


@dataclass(frozen=True, slots=True)
class FieldRun:
    """KPIs of one field replication.

    ``sla_met[key][i]`` / ``sla_total[key][i]``: SLA clocks of ``key`` (``"metric/category"``)
    met / started for tickets whose contact arrived in interval ``i``. Counters cover the whole
    run; ``engine_kpis`` is the engine's own KPI report at the end.
    """

    interval_s: float
    desks: tuple[tuple[str, DeskRun], ...]
    sla_met: dict[str, tuple[int, ...]]
    sla_total: dict[str, tuple[int, ...]]
    answered: int
    first_contact: int
    tickets_opened: int
    closed: int
    open_at_end: int
    cancelled: int
    unassignable: int
    reassigned: int
    escalations: int
    yellow: int
    red: int
    followups: int
    followups_within_24h: int
    commands: int
    events: int
    engine_kpis: dict[str, Any]

    def attainment(self, key: str, intervals: Sequence[int] | None = None) -> float | None:
        """Met ÷ started for ``key`` over ``intervals`` (all by default); ``None`` if none."""
        met, total = self.sla_met.get(key), self.sla_total.get(key)
        if met is None or total is None:
            return None
        rows = range(len(total)) if intervals is None else intervals
        n = sum(total[i] for i in rows)
        return sum(met[i] for i in rows) / n if n else None

    @property
    def contacts(self) -> int:
        """Contacts offered to all desks."""
        return sum(run.offered for _, run in self.desks)
