"""What a desk simulation runs on: contact types and the :class:`DeskSpec`.

Examples
--------
>>> DeskSpec.stationary(200.0, aht_s=180.0, agents=14, hours=1.0).intervals
2
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from dispatch_core.errors import InvalidInputError
from dispatch_core.planning.scenario import AfterHours
from dispatch_core.sim.distributions import Distribution

__all__ = ["ContactType", "DeskSpec"]


@dataclass(frozen=True, slots=True)
class ContactType:
    """A kind of contact: its share of the arrivals and its handling-time distribution.

    Parameters
    ----------
    name : str
        Name (also names the random stream ``"handling:<name>"``).
    share : float
        Fraction of contacts of this type (> 0; the shares of a desk sum to 1).
    handling : Distribution
        Handling (talk + wrap-up) time, seconds.
    """

    name: str
    share: float
    handling: Distribution

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise InvalidInputError("name", self.name, "must be a non-empty string")
        if not (math.isfinite(self.share) and self.share > 0):
            raise InvalidInputError("share", self.share, "must be a finite number > 0")


def _check_float(name: str, value: float, *, positive: bool) -> None:
    ok = isinstance(value, int | float) and math.isfinite(value)
    ok = ok and (value > 0 if positive else value >= 0)
    if not ok:
        raise InvalidInputError(
            name, value, "must be a finite number " + (">" if positive else ">=") + " 0"
        )


@dataclass(frozen=True, slots=True)
class DeskSpec:
    """What to simulate: the arrival profile, the staffing and the contact mix.

    Parameters
    ----------
    interval_s : float
        Length of a planning interval, seconds (e.g. 1800).
    arrival_rates : tuple of float
        Offered contacts per hour, one per interval.
    agents : tuple of int
        Agents on duty, one per interval (same length as ``arrival_rates``).
    contact_types : tuple of ContactType
        The mix; shares must sum to 1 (within 1e-9).
    patience : Distribution or None
        Patience of a waiting caller; ``None`` means nobody abandons.
    answer_within_s : float
        The service-level threshold T, seconds.
    warmup_s : float
        Warm-up before the first interval (not measured), seconds.
    mix : tuple of tuple of float, optional
        Per-interval shares of the contact types (one row per interval, one column per type,
        each row summing to 1, or to 0 where the rate is 0), for mixes that change over the
        day (an evening desk taking only emergencies, a storm raising repairs). ``None``: the
        types' ``share`` everywhere.
    accepts : tuple of tuple of bool, optional
        Whether the desk takes each contact type in each interval (opening hours, an evening
        desk for some categories); ``None``: always.
    after_hours : AfterHours
        What happens to a contact arriving while the desk is closed for it (with ``accepts``).
    """

    interval_s: float
    arrival_rates: tuple[float, ...]
    agents: tuple[int, ...]
    contact_types: tuple[ContactType, ...]
    patience: Distribution | None = None
    answer_within_s: float = 20.0
    warmup_s: float = 0.0
    mix: tuple[tuple[float, ...], ...] | None = None
    accepts: tuple[tuple[bool, ...], ...] | None = None
    after_hours: AfterHours = AfterHours.CARRY_OVER

    def __post_init__(self) -> None:
        _check_float("interval_s", self.interval_s, positive=True)
        _check_float("answer_within_s", self.answer_within_s, positive=False)
        _check_float("warmup_s", self.warmup_s, positive=False)
        if not self.arrival_rates:
            raise InvalidInputError("arrival_rates", self.arrival_rates, "needs one interval")
        for i, rate in enumerate(self.arrival_rates):
            _check_float(f"arrival_rates.{i}", rate, positive=False)
        if len(self.agents) != len(self.arrival_rates):
            raise InvalidInputError(
                "agents", self.agents, f"needs {len(self.arrival_rates)} values, one per interval"
            )
        for i, count in enumerate(self.agents):
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise InvalidInputError(f"agents.{i}", count, "must be an integer >= 0")
        if not self.contact_types:
            raise InvalidInputError("contact_types", self.contact_types, "needs one type")
        names = [t.name for t in self.contact_types]
        if len(set(names)) != len(names):
            raise InvalidInputError("contact_types", names, "names must be unique")
        total = math.fsum(t.share for t in self.contact_types)
        if abs(total - 1.0) > 1e-9:
            raise InvalidInputError("contact_types", total, "shares must sum to 1")
        if self.mix is not None:
            self._check_mix(self.mix)
        if self.accepts is not None:
            types = len(self.contact_types)
            rows = self.accepts
            if len(rows) != len(self.arrival_rates) or any(len(r) != types for r in rows):
                raise InvalidInputError(
                    "accepts", rows, f"needs {len(self.arrival_rates)} rows of {types} flags"
                )
        if self.after_hours not in tuple(AfterHours):
            raise InvalidInputError("after_hours", self.after_hours, "must be an AfterHours")

    def _check_mix(self, mix: tuple[tuple[float, ...], ...]) -> None:
        if len(mix) != len(self.arrival_rates):
            raise InvalidInputError("mix", len(mix), f"needs {len(self.arrival_rates)} rows")
        for i, row in enumerate(mix):
            if len(row) != len(self.contact_types):
                raise InvalidInputError(
                    f"mix.{i}", row, f"needs {len(self.contact_types)} shares, one per type"
                )
            for share in row:
                _check_float(f"mix.{i}", share, positive=False)
            total = math.fsum(row)
            if abs(total - 1.0) > 1e-9 and not (total == 0.0 and self.arrival_rates[i] == 0.0):
                raise InvalidInputError(f"mix.{i}", total, "shares must sum to 1")

    @classmethod
    def stationary(
        cls,
        rate_per_hour: float,
        *,
        aht_s: float,
        agents: int,
        hours: float,
        interval_s: float = 1800.0,
        patience_s: float | None = None,
        answer_within_s: float = 20.0,
        warmup_s: float = 3600.0,
    ) -> DeskSpec:
        """Build an M/M/c (or M/M/c+M with ``patience_s``) desk: constant rate and staffing.

        Examples
        --------
        >>> DeskSpec.stationary(200.0, aht_s=180.0, agents=14, hours=1.0).agents
        (14, 14)
        """
        _check_float("hours", hours, positive=True)
        count = max(1, round(hours * 3600.0 / interval_s))
        patience = None if patience_s is None else Distribution.exponential(patience_s)
        return cls(
            interval_s=interval_s,
            arrival_rates=(float(rate_per_hour),) * count,
            agents=(agents,) * count,
            contact_types=(ContactType("all", 1.0, Distribution.exponential(aht_s)),),
            patience=patience,
            answer_within_s=answer_within_s,
            warmup_s=warmup_s,
        )

    @property
    def intervals(self) -> int:
        """Number of planning intervals."""
        return len(self.arrival_rates)

    @property
    def horizon_s(self) -> float:
        """Measured horizon, seconds (intervals × interval length)."""
        return self.interval_s * len(self.arrival_rates)

    def with_agents(self, agents: Sequence[int]) -> DeskSpec:
        """Return a copy with another staffing (same arrivals: common random numbers)."""
        return replace(self, agents=tuple(agents))
