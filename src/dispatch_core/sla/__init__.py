"""SLA policies, per-ticket SLA clocks, the escalation chain and the complaint-rate alarm.

* :mod:`~dispatch_core.sla.policy`: :class:`SlaPolicy` (targets per category and priority,
  calendars by name, threshold chains as data; TOML/dict loading).
* :mod:`~dispatch_core.sla.tracker`: :class:`SlaTracker` (clocks, pauses, levels fired from a
  timer store); :mod:`~dispatch_core.sla.records`: its :class:`LevelChanged` events and
  :class:`SlaRecord` audit records.
* :mod:`~dispatch_core.sla.complaints`: :class:`ComplaintRateMonitor` and its :class:`Alarm`.
"""

from dispatch_core.sla.complaints import Alarm, ComplaintRateMonitor
from dispatch_core.sla.policy import (
    THRESHOLD_PRESETS,
    Duration,
    EscalationAction,
    MetricPolicy,
    PolicyRule,
    SlaLevel,
    SlaPolicy,
    Threshold,
    parse_duration,
)
from dispatch_core.sla.records import ClockState, LevelChange, LevelChanged, Outcome, SlaRecord
from dispatch_core.sla.tracker import SlaTracker

__all__ = [
    "Alarm",
    "ClockState",
    "ComplaintRateMonitor",
    "Duration",
    "EscalationAction",
    "LevelChange",
    "LevelChanged",
    "MetricPolicy",
    "Outcome",
    "PolicyRule",
    "SlaLevel",
    "SlaPolicy",
    "SlaRecord",
    "SlaTracker",
    "THRESHOLD_PRESETS",
    "Threshold",
    "parse_duration",
]
