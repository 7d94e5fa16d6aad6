"""Observability without imposed choices: one small callbacks protocol, stdlib logging.

The engine reports what it does to one :class:`EngineObserver` (the default,
:class:`NullObserver`, does nothing). :class:`MetricsObserver` keeps counters and a latency
histogram in memory; :func:`prometheus_observer` exports the same figures through the optional
``prometheus-client`` package (``pip install dispatch_core[prometheus]``). Log records go to the
``dispatch_core`` logger hierarchy; the library installs no handler.

Examples
--------
>>> m = MetricsObserver()
>>> m.command_handled("open_ticket", 0.0004, accepted=True)
>>> m.command_handled("accept", 0.002, accepted=False)
>>> m.commands, m.rejected, m.latency.count(0.001)
(2, 1, 1)
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = [
    "EngineObserver",
    "Histogram",
    "LATENCY_BUCKETS_S",
    "MetricsObserver",
    "NullObserver",
    "prometheus_observer",
]

#: Upper bounds (seconds) of the latency histogram's buckets.
LATENCY_BUCKETS_S = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1, 1.0)


class EngineObserver(Protocol):
    """What the engine tells an observer. Every method must be cheap and must not raise."""

    def command_handled(self, kind: str, seconds: float, *, accepted: bool) -> None:
        """Report one handled command (``accepted`` false when it was rejected)."""
        ...

    def events_emitted(self, count: int) -> None:
        """Report ``count`` events that became durable."""
        ...

    def journal_committed(self, records: int, seconds: float) -> None:
        """Report a journal transaction of ``records`` records that took ``seconds``."""
        ...

    def subscriber_failed(self) -> None:
        """Report a subscriber that raised (the engine logged it and carried on)."""
        ...


class NullObserver:
    """The default observer: does nothing."""

    def command_handled(self, kind: str, seconds: float, *, accepted: bool) -> None:
        """Do nothing."""

    def events_emitted(self, count: int) -> None:
        """Do nothing."""

    def journal_committed(self, records: int, seconds: float) -> None:
        """Do nothing."""

    def subscriber_failed(self) -> None:
        """Do nothing."""


@dataclass(slots=True)
class Histogram:
    """Cumulative-bucket histogram of durations (seconds), Prometheus style."""

    bounds: tuple[float, ...] = LATENCY_BUCKETS_S
    counts: list[int] = field(default_factory=list)
    total: int = 0
    sum_s: float = 0.0

    def observe(self, seconds: float) -> None:
        """Add one duration."""
        if not self.counts:
            self.counts = [0] * (len(self.bounds) + 1)
        self.counts[bisect.bisect_left(self.bounds, seconds)] += 1
        self.total += 1
        self.sum_s += seconds

    def count(self, upto_s: float) -> int:
        """Return how many durations were ≤ ``upto_s`` (``upto_s`` must be a bucket bound)."""
        if upto_s not in self.bounds:
            msg = f"upto_s={upto_s!r} is not one of the bucket bounds {self.bounds}"
            raise ValueError(msg)
        return sum(self.counts[: self.bounds.index(upto_s) + 1])


@dataclass(slots=True)
class MetricsObserver:
    """Counters and a command-latency histogram, kept in memory (read them any time)."""

    commands: int = 0
    rejected: int = 0
    events: int = 0
    commits: int = 0
    records: int = 0
    subscriber_failures: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    latency: Histogram = field(default_factory=Histogram)
    commit_latency: Histogram = field(default_factory=Histogram)

    def command_handled(self, kind: str, seconds: float, *, accepted: bool) -> None:
        """Count the command and its latency."""
        self.commands += 1
        self.rejected += not accepted
        self.by_kind[kind] += 1
        self.latency.observe(seconds)

    def events_emitted(self, count: int) -> None:
        """Count events."""
        self.events += count

    def journal_committed(self, records: int, seconds: float) -> None:
        """Count a commit and its latency."""
        self.commits += 1
        self.records += records
        self.commit_latency.observe(seconds)

    def subscriber_failed(self) -> None:
        """Count a failing subscriber."""
        self.subscriber_failures += 1


def prometheus_observer(registry: Any = None, *, prefix: str = "dispatch_core") -> EngineObserver:
    """Return an observer that exports counters and histograms through ``prometheus-client``.

    Parameters
    ----------
    registry : prometheus_client.CollectorRegistry, optional
        Where the metrics are registered (default: the client's global registry).
    prefix : str
        Metric name prefix.

    Raises
    ------
    ImportError
        If ``prometheus-client`` is not installed (``pip install dispatch_core[prometheus]``).
    """
    from prometheus_client import REGISTRY, Counter, Histogram  # noqa: PLC0415 - optional extra

    reg = REGISTRY if registry is None else registry
    return _Prometheus(
        commands=Counter(
            f"{prefix}_commands", "Commands handled", ["kind", "outcome"], registry=reg
        ),
        events=Counter(f"{prefix}_events", "Events made durable", registry=reg),
        latency=Histogram(
            f"{prefix}_command_seconds", "Command latency", buckets=LATENCY_BUCKETS_S,
            registry=reg,
        ),
        commit=Histogram(
            f"{prefix}_commit_seconds", "Journal commit latency", buckets=LATENCY_BUCKETS_S,
            registry=reg,
        ),
        failures=Counter(f"{prefix}_subscriber_failures", "Subscribers that raised", registry=reg),
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Prometheus:
    commands: Any
    events: Any
    latency: Any
    commit: Any
    failures: Any

    def command_handled(self, kind: str, seconds: float, *, accepted: bool) -> None:
        self.commands.labels(kind=kind, outcome="accepted" if accepted else "rejected").inc()
        self.latency.observe(seconds)

    def events_emitted(self, count: int) -> None:
        self.events.inc(count)

    def journal_committed(self, records: int, seconds: float) -> None:
        self.commit.observe(seconds)

    def subscriber_failed(self) -> None:
        self.failures.inc()
