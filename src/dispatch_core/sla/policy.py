"""SLA policies: targets per (category, priority), thresholds and the escalation chain, as data.

A policy is a list of rules. Each rule matches a ticket category and/or priority and lists the
metrics it measures (first response, on-site arrival, resolution, feedback), each with a
business-time target and the name of the business calendar it is measured on. The most
specific matching rule wins as a whole: (category, priority) before (category, any) before
(any, priority) before (any, any).

Thresholds are fractions of a metric's target. Crossing one moves the clock to its level and
asks for its action, notifying its role: who is told what is configuration, not code.

Examples
--------
>>> from dispatch_core.model import Category, Priority, SlaMetric
>>> policy = SlaPolicy.default()
>>> policy.metric_for(Category.REPAIR, Priority.NORMAL, SlaMetric.ON_SITE).target
datetime.timedelta(seconds=3600)
>>> [(t.fraction, t.level.value, t.notify.value) for t in policy.thresholds]
[(0.75, 'yellow', 'agent'), (1.0, 'red', 'supervisor'), (1.5, 'red', 'manager')]
>>> SlaPolicy.preset("emergency_4h").metric_for("emergency", None, "on_site").target
datetime.timedelta(seconds=14400)
"""

from __future__ import annotations

import re
import tomllib
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

from pydantic import BeforeValidator, Field, field_validator, model_validator

from dispatch_core.errors import InvalidInputError, ScenarioError
from dispatch_core.model import (
    DEFAULT_PRIORITY,
    DEFAULT_TARGETS,
    Category,
    DomainModel,
    EscalationAction,
    Priority,
    Role,
    SlaLevel,
    SlaMetric,
    SlaTarget,
)

__all__ = [
    "Duration",
    "EscalationAction",
    "MetricPolicy",
    "PolicyRule",
    "SlaLevel",
    "SlaPolicy",
    "THRESHOLD_PRESETS",
    "Threshold",
    "parse_duration",
]

_E = TypeVar("_E", bound=StrEnum)

_UNIT_SECONDS = {"d": 86_400, "h": 3600, "m": 60, "min": 60, "s": 1}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(min|d|h|m|s)", re.IGNORECASE)
_WHOLE = re.compile(r"^\s*(?:\d+(?:\.\d+)?\s*(?:min|d|h|m|s)\s*)+$", re.IGNORECASE)


def parse_duration(value: object) -> object:
    """Read ``"15min"``, ``"1h30m"``, ``"2d"``, ``"90s"`` or a number of seconds as a timedelta.

    Anything else is returned unchanged for pydantic (a timedelta, ISO 8601 ``"PT2H"``...).

    Examples
    --------
    >>> parse_duration("1h30m"), parse_duration(90)
    (datetime.timedelta(seconds=5400), datetime.timedelta(seconds=90))
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    if isinstance(value, str) and _WHOLE.match(value):
        seconds = sum(float(n) * _UNIT_SECONDS[u.lower()] for n, u in _PART.findall(value))
        return timedelta(seconds=seconds)
    return value


#: A duration: a timedelta, seconds, ``"15min"``/``"1h30m"``/``"2d"``, or ISO 8601 ``"PT2H"``.
Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class Threshold(DomainModel):
    """One step of the escalation chain.

    Parameters
    ----------
    fraction : float
        Elapsed business time as a fraction of the target (``0.75`` = 75 %), in (0, 100].
    level : SlaLevel
        The level the clock moves to (yellow or red).
    action : EscalationAction
        What is asked for.
    notify : Role, optional
        Who is told.
    strict : bool, default False
        Fire only once the fraction is *exceeded* (one second after reaching it; precision is
        the second), for "late by more than 10 %" style bands.
    """

    fraction: Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)]
    level: SlaLevel
    action: EscalationAction = EscalationAction.NOTIFY
    notify: Role | None = None
    strict: bool = False

    @field_validator("level")
    @classmethod
    def _not_green(cls, value: SlaLevel) -> SlaLevel:
        if value is SlaLevel.GREEN:
            msg = "a threshold moves a clock to yellow or red"
            raise ValueError(msg)
        return value


def _th(fraction: float, level: SlaLevel, action: EscalationAction, notify: Role, **kw: Any) -> Any:
    return Threshold(fraction=fraction, level=level, action=action, notify=notify, **kw)


_Y, _R = SlaLevel.YELLOW, SlaLevel.RED
_REALLOC, _ESC = EscalationAction.REALLOCATE, EscalationAction.ESCALATE

#: Named threshold chains: ``"warn"`` (default: yellow at 75 %, red at 100 %, manager at
#: 150 %) and ``"delay_bands"`` (the plans' bands: yellow when > 10 % late, red when > 20 %).
THRESHOLD_PRESETS: dict[str, tuple[Threshold, ...]] = {
    "warn": (
        _th(0.75, _Y, _REALLOC, Role.AGENT),
        _th(1.0, _R, _ESC, Role.SUPERVISOR),
        _th(1.5, _R, _ESC, Role.MANAGER),
    ),
    "delay_bands": (
        _th(1.10, _Y, _REALLOC, Role.AGENT, strict=True),
        _th(1.20, _R, _ESC, Role.SUPERVISOR, strict=True),
        _th(1.50, _R, _ESC, Role.MANAGER, strict=True),
    ),
}


def _preset(value: object) -> object:
    if isinstance(value, str):
        if value not in THRESHOLD_PRESETS:
            msg = f"unknown threshold preset; known: {', '.join(sorted(THRESHOLD_PRESETS))}"
            raise ValueError(msg)
        return THRESHOLD_PRESETS[value]
    return value


def _check_chain(chain: tuple[Threshold, ...]) -> tuple[Threshold, ...]:
    fractions = [t.fraction for t in chain]
    if fractions != sorted(set(fractions)):
        msg = "thresholds must have strictly increasing fractions"
        raise ValueError(msg)
    ranks = [t.level.rank for t in chain]
    if ranks != sorted(ranks):
        msg = "threshold levels may not go down (green → yellow → red)"
        raise ValueError(msg)
    return chain


#: An escalation chain: a preset name or a list of thresholds in increasing order.
ThresholdChain = Annotated[tuple[Threshold, ...], BeforeValidator(_preset)]


class MetricPolicy(SlaTarget):
    """A metric's target, the calendar it is measured on, and optionally its own chain.

    An :class:`~dispatch_core.model.SlaTarget` whose target also accepts ``"1h30m"``-style
    text, plus an optional threshold chain of its own.

    Examples
    --------
    >>> MetricPolicy(metric="on_site", target="1h", calendar="office").target
    datetime.timedelta(seconds=3600)
    """

    target: Duration
    thresholds: ThresholdChain | None = None

    @field_validator("thresholds")
    @classmethod
    def _chain(cls, value: tuple[Threshold, ...] | None) -> tuple[Threshold, ...] | None:
        return None if value is None else _check_chain(value)


class PolicyRule(DomainModel):
    """The metrics for tickets of one category and/or priority (``None`` matches any)."""

    category: Category | None = None
    priority: Priority | None = None
    metrics: Annotated[tuple[MetricPolicy, ...], Field(min_length=1)]

    @field_validator("metrics")
    @classmethod
    def _unique(cls, value: tuple[MetricPolicy, ...]) -> tuple[MetricPolicy, ...]:
        names = [m.metric for m in value]
        if len(names) != len(set(names)):
            msg = "each metric may be listed once per rule"
            raise ValueError(msg)
        return value


class SlaPolicy(DomainModel):
    """Rules per (category, priority) plus the default escalation chain.

    Parameters
    ----------
    thresholds : tuple of Threshold or str, default "warn"
        The escalation chain of every metric that does not carry its own; a preset name from
        :data:`THRESHOLD_PRESETS` is accepted.
    rules : tuple of PolicyRule
        At most one rule per (category, priority) pair.
    """

    thresholds: ThresholdChain = THRESHOLD_PRESETS["warn"]
    rules: Annotated[tuple[PolicyRule, ...], Field(min_length=1)]

    @field_validator("thresholds")
    @classmethod
    def _chain(cls, value: tuple[Threshold, ...]) -> tuple[Threshold, ...]:
        if not value:
            msg = "at least one threshold is needed"
            raise ValueError(msg)
        return _check_chain(value)

    @model_validator(mode="after")
    def _unique_rules(self) -> SlaPolicy:
        seen: set[tuple[Category | None, Priority | None]] = set()
        for rule in self.rules:
            key = (rule.category, rule.priority)
            if key in seen:
                msg = f"two rules for category={key[0]} priority={key[1]}"
                raise ValueError(msg)
            seen.add(key)
        return self

    # ------------------------------------------------------------------ constructors

    @classmethod
    def default(
        cls,
        *,
        thresholds: str | tuple[Threshold, ...] = "warn",
        emergency_on_site: timedelta = timedelta(hours=2),
        calendar: str = "always",
    ) -> SlaPolicy:
        """Return the seed targets of DESIGN.md (``DEFAULT_TARGETS``), one rule per category.

        Parameters
        ----------
        thresholds : str or tuple of Threshold, default "warn"
            Escalation chain or preset name.
        emergency_on_site : timedelta, default 2 h
            Emergency repair response; some provinces allow 4 h.
        calendar : str, default "always"
            Calendar name for every metric.
        """
        rules = []
        for category, targets in DEFAULT_TARGETS.items():
            metrics = []
            for t in targets:
                target = t.target
                if category is Category.EMERGENCY and t.metric is SlaMetric.ON_SITE:
                    target = emergency_on_site
                metrics.append({"metric": t.metric, "target": target, "calendar": calendar})
            rules.append({"category": category, "metrics": metrics})
        return cls.model_validate({"thresholds": thresholds, "rules": rules})

    @classmethod
    def preset(cls, name: str) -> SlaPolicy:
        """Return a named policy: ``"default"``, ``"emergency_4h"`` or ``"delay_bands"``."""
        if name == "default":
            return cls.default()
        if name == "emergency_4h":
            return cls.default(emergency_on_site=timedelta(hours=4))
        if name == "delay_bands":
            return cls.default(thresholds="delay_bands")
        raise InvalidInputError("name", name, "known: default, delay_bands, emergency_4h")

    @classmethod
    def from_dict(cls, data: Any) -> SlaPolicy:
        """Validate a mapping (e.g. parsed JSON/TOML); errors name the bad key's path."""
        return cls.model_validate(data)

    @classmethod
    def from_toml(cls, source: str | Path) -> SlaPolicy:
        """Load a policy from TOML text or a ``.toml`` file path.

        Raises
        ------
        ScenarioError
            On bad TOML or a bad value; ``field`` is the dotted key path (``rules.0.metrics.1
            .target``) and ``line`` its line when it can be found.

        Examples
        --------
        >>> text = '''
        ... thresholds = "delay_bands"
        ... [[rules]]
        ... category = "repair"
        ... metrics = [{ metric = "on_site", target = "1h", calendar = "office" }]
        ... '''
        >>> SlaPolicy.from_toml(text).rules[0].metrics[0].calendar
        'office'
        >>> SlaPolicy.from_toml(text.replace('"1h"', '"soon"'))
        Traceback (most recent call last):
        ...
        dispatch_core.errors.ScenarioError: invalid policy, line 5: rules.0.metrics.0.target=...
        """
        name = "policy"
        if isinstance(source, Path):
            name = str(source)
            try:
                text = source.read_text(encoding="utf-8")
            except OSError as exc:
                raise ScenarioError("path", str(source), str(exc), source=name) from None
        else:
            text = source
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            found = re.search(r"line (\d+)", str(exc))
            line = int(found[1]) if found else None
            if line is None and "end of document" in str(exc):
                line = max(1, len(text.splitlines()))
            raise ScenarioError("<toml>", None, str(exc), line=line, source=name) from None
        try:
            return cls.model_validate(data)
        except InvalidInputError as exc:
            raise ScenarioError(
                exc.field,
                exc.value,
                exc.reason,
                line=_line_of(text, exc.field, exc.value),
                source=name,
                errors=exc.errors,
            ) from None

    # ------------------------------------------------------------------ lookups

    def rule_for(self, category: Category | str, priority: Priority | str | None) -> PolicyRule:
        """Return the most specific rule for a ticket (``priority=None``: the category default).

        Raises
        ------
        InvalidInputError
            If no rule matches.
        """
        cat = _enum(Category, category, "category")
        prio = DEFAULT_PRIORITY[cat] if priority is None else _enum(Priority, priority, "priority")
        by_key = {(r.category, r.priority): r for r in self.rules}
        for key in ((cat, prio), (cat, None), (None, prio), (None, None)):
            rule = by_key.get(key)
            if rule is not None:
                return rule
        raise InvalidInputError("category", cat, f"no SLA rule matches (priority {prio})")

    def metrics_for(
        self, category: Category | str, priority: Priority | str | None
    ) -> tuple[MetricPolicy, ...]:
        """Return every metric measured for a ticket of this category and priority."""
        return self.rule_for(category, priority).metrics

    def metric_for(
        self, category: Category | str, priority: Priority | str | None, metric: SlaMetric | str
    ) -> MetricPolicy:
        """Return one metric's policy for a ticket of this category and priority.

        Raises
        ------
        InvalidInputError
            If the matching rule does not measure ``metric``.
        """
        wanted = _enum(SlaMetric, metric, "metric")
        for m in self.metrics_for(category, priority):
            if m.metric is wanted:
                return m
        raise InvalidInputError("metric", wanted, f"not measured for category {category}")

    def thresholds_for(self, metric: MetricPolicy) -> tuple[Threshold, ...]:
        """Return the metric's own chain, or the policy's."""
        return metric.thresholds if metric.thresholds is not None else self.thresholds

    def calendar_names(self) -> frozenset[str]:
        """Return every calendar name the policy refers to."""
        return frozenset(m.calendar for r in self.rules for m in r.metrics)


def _enum(kind: type[_E], value: object, field: str) -> _E:
    if isinstance(value, kind):
        return value
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            pass
    known = ", ".join(e.value for e in kind)
    raise InvalidInputError(field, value, f"expected one of: {known}")


def _line_of(text: str, path: str, value: object) -> int | None:
    """Best-effort line of the key at the end of dotted ``path`` (preferring one with value)."""
    keys = [p for p in path.split(".") if not p.isdigit()]
    if not keys:
        return None
    pattern = re.compile(rf"(^|[{{,\s]){re.escape(keys[-1])}\s*=")
    lines = [i for i, line in enumerate(text.splitlines(), 1) if pattern.search(line)]
    shown = str(value)
    for i in lines:
        if shown and shown in text.splitlines()[i - 1]:
            return i
    return lines[0] if lines else None
