"""Reports: plots and self-contained HTML of staffing plans and field days.

Modules
-------
plan
    The staffing plan's tables, PNG plots and HTML report.
field
    The technician side (field days).
"""

from __future__ import annotations

from dispatch_core.report.plan import (
    Report,
    attainment_png,
    fmt_estimate,
    interval_rows,
    load_profile_png,
    part_timer_rows,
    rule_header,
    rule_rows,
    service_level_png,
    simulated_classes,
    simulated_header,
    simulated_rows,
    simulated_rule_rows,
    staffing_grid_png,
    write_report,
)

__all__ = [
    "Report",
    "attainment_png",
    "fmt_estimate",
    "interval_rows",
    "load_profile_png",
    "part_timer_rows",
    "rule_header",
    "rule_rows",
    "service_level_png",
    "simulated_classes",
    "simulated_header",
    "simulated_rows",
    "simulated_rule_rows",
    "staffing_grid_png",
    "write_report",
]
