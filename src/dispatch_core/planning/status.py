"""Red, yellow and green for a planned interval: what the rostered agents would deliver.

An interval's status is the **worst** of its checks, each of a projected figure against its
target or cap, in the plans' delay-band language (green on target, yellow a little off, red
well off):

=================  ===================================  ======================  ==========
check              figure                               green                   yellow
=================  ===================================  ======================  ==========
``SL``             phone service level                  ≥ target                ≥ 90 % of it
``abandon``        phone abandonment                    ≤ cap                   ≤ 110 % of it
``occupancy``      desk occupancy (both queues)         ≤ cap                   ≤ 110 % of it
``digital SL``     digital service level                ≥ target                ≥ 90 % of it
``technicians``    technician load (field work ÷        ≤ 100 %                 (none)
                   technician time on shift)
=================  ===================================  ======================  ==========

Anything worse than yellow is red; technician load above 100 % is red. The grade names the
checks at the worst level, so a row can say *why* it is red.

Examples
--------
>>> grade = grade_interval(
...     service_level=(0.637, 0.80), abandon=(0.147, 0.05), occupancy=(0.9, 0.85),
...     digital_service_level=(0.95, 0.90), technician_load=0.7)
>>> grade.status.value, [c.value for c in grade.checks], grade.label
('red', ['SL', 'abandon'], 'red: SL, abandon')
>>> grade_interval(service_level=(0.79, 0.80)).label
'yellow: SL'
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Approximation",
    "Check",
    "Grade",
    "Status",
    "YELLOW_BAND",
    "grade_interval",
]

#: How far off a target (as a share of the target) still counts as yellow.
YELLOW_BAND = 0.10


class Status(StrEnum):
    """Projected figures against their targets, in the red/yellow/green language."""

    GREEN = "green"  # every target met
    YELLOW = "yellow"  # some target missed by at most YELLOW_BAND of itself
    RED = "red"  # some target missed by more (or technicians over 100 % loaded)


class Check(StrEnum):
    """A figure an interval is graded on."""

    SERVICE_LEVEL = "SL"
    ABANDONMENT = "abandon"
    OCCUPANCY = "occupancy"
    DIGITAL = "digital SL"
    TECHNICIANS = "technicians"


class Approximation(StrEnum):
    """Why an interval's Erlang figures are not exact (the report names each)."""

    BACKLOG = "backlog"  # carried-over contacts arrive as a burst; spread over the interval
    BLENDED_ABANDONMENT = "blended+abandon"  # phone-first pool with abandoning callers
    OVERLOAD = "overload"  # a queue gets more work than its agents can do: no steady state


_ORDER = {Status.GREEN: 0, Status.YELLOW: 1, Status.RED: 2}


@dataclass(frozen=True, slots=True)
class Grade:
    """An interval's status and the checks that set it (empty when green)."""

    status: Status
    checks: tuple[Check, ...] = ()

    @property
    def label(self) -> str:
        """``"red: SL, abandon"`` (just ``"green"`` when every check passes)."""
        if not self.checks:
            return self.status.value
        return f"{self.status.value}: {', '.join(c.value for c in self.checks)}"


def _at_least(value: float, target: float) -> Status:
    if value >= target - 1e-12:
        return Status.GREEN
    return Status.YELLOW if value >= target * (1.0 - YELLOW_BAND) else Status.RED


def _at_most(value: float, cap: float) -> Status:
    if value <= cap + 1e-12:
        return Status.GREEN
    return Status.YELLOW if value <= cap * (1.0 + YELLOW_BAND) else Status.RED


def grade_interval(
    *,
    service_level: tuple[float, float] | None = None,
    abandon: tuple[float, float] | None = None,
    occupancy: tuple[float, float] | None = None,
    digital_service_level: tuple[float, float] | None = None,
    technician_load: float | None = None,
) -> Grade:
    """Grade one interval; every check is ``(projected, target or cap)`` or ``None`` (skip).

    Parameters
    ----------
    service_level, digital_service_level : (float, float), optional
        Projected service level and its target (higher is better).
    abandon, occupancy : (float, float), optional
        Projected abandonment / occupancy and its cap (lower is better).
    technician_load : float, optional
        Field work ÷ technician time on shift (``inf`` when work arrives with nobody on).

    Returns
    -------
    Grade
    """
    found: list[tuple[Check, Status]] = []
    if service_level is not None:
        found.append((Check.SERVICE_LEVEL, _at_least(*service_level)))
    if abandon is not None:
        found.append((Check.ABANDONMENT, _at_most(*abandon)))
    if occupancy is not None:
        found.append((Check.OCCUPANCY, _at_most(*occupancy)))
    if digital_service_level is not None:
        found.append((Check.DIGITAL, _at_least(*digital_service_level)))
    if technician_load is not None:
        found.append((Check.TECHNICIANS, Status.GREEN if technician_load <= 1.0 else Status.RED))
    worst = max((s for _, s in found), key=_ORDER.__getitem__, default=Status.GREEN)
    if worst is Status.GREEN:
        return Grade(Status.GREEN)
    return Grade(worst, tuple(c for c, s in found if s is worst))
