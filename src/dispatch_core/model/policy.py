"""SLA targets: which metric, how long, on which business calendar."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from pydantic import field_validator

from dispatch_core.model._base import DomainModel, Identifier
from dispatch_core.model.ticket import Category

__all__ = ["DEFAULT_TARGETS", "SlaLevel", "SlaMetric", "SlaTarget"]


class SlaMetric(StrEnum):
    """A milestone in the ticket loop that carries a service target."""

    FIRST_RESPONSE = "first_response"
    ON_SITE = "on_site"
    RESOLUTION = "resolution"
    FEEDBACK = "feedback"


class SlaLevel(StrEnum):
    """Traffic-light state of an SLA clock."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"

    @property
    def rank(self) -> int:
        """0 for green, 1 for yellow, 2 for red."""
        return _LEVEL_RANK[self]


_LEVEL_RANK = {SlaLevel.GREEN: 0, SlaLevel.YELLOW: 1, SlaLevel.RED: 2}


class SlaTarget(DomainModel):
    """A service target: ``metric`` reached within ``target`` of business time.

    Examples
    --------
    >>> SlaTarget(metric="on_site", target=timedelta(hours=1)).target
    datetime.timedelta(seconds=3600)
    """

    metric: SlaMetric
    target: timedelta
    calendar: Identifier = "always"

    @field_validator("target")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            msg = "must be a positive duration"
            raise ValueError(msg)
        return value


def _t(metric: SlaMetric, **delta: float) -> SlaTarget:
    return SlaTarget(metric=metric, target=timedelta(**delta))


_M = SlaMetric

#: Seed service targets from the industry plans (DESIGN.md), per category.
DEFAULT_TARGETS: dict[Category, tuple[SlaTarget, ...]] = {
    Category.INQUIRY: (_t(_M.FIRST_RESPONSE, minutes=3), _t(_M.RESOLUTION, hours=24)),
    Category.REPAIR: (
        _t(_M.FIRST_RESPONSE, minutes=15),
        _t(_M.ON_SITE, hours=1),
        _t(_M.FEEDBACK, hours=24),
    ),
    Category.COMPLAINT: (_t(_M.FIRST_RESPONSE, minutes=15), _t(_M.RESOLUTION, hours=48)),
    Category.FEE_COLLECTION: (_t(_M.FIRST_RESPONSE, minutes=15), _t(_M.RESOLUTION, hours=48)),
    Category.COMMUNITY_ACTIVITY: (_t(_M.FIRST_RESPONSE, minutes=15),),
    Category.EMERGENCY: (_t(_M.FIRST_RESPONSE, minutes=3), _t(_M.ON_SITE, hours=2)),
    Category.VALUE_ADDED: (_t(_M.FIRST_RESPONSE, minutes=15), _t(_M.RESOLUTION, hours=48)),
    Category.SMART_PLATFORM: (_t(_M.FIRST_RESPONSE, minutes=15), _t(_M.RESOLUTION, hours=24)),
}
