"""The analytic plan's tables, as headers and rows of strings: one layout for terminal and HTML.

Every builder returns ``(headers, rows, classes)``; ``classes`` is a status per row (``"green"``,
``"yellow"``, ``"red"`` or ``""``) for the HTML row class or the terminal style. ``compact``
tables (the terminal) use shorter headers and fewer decimals.
"""

from __future__ import annotations

import html
import math

from dispatch_core.planning.hours import DeskState
from dispatch_core.planning.plan import DayPlan, IntervalPlan, Plan
from dispatch_core.planning.status import Approximation, Check

__all__ = ["daily_table", "fmt", "html_table", "interval_rows", "interval_table"]

Table = tuple[list[str], list[list[str]], list[str]]


def fmt(value: float, spec: str = ".0f") -> str:
    """``format(value, spec)``, or ``–`` for infinity and NaN.

    Examples
    --------
    >>> fmt(0.8123, ".1%"), fmt(float("inf"))
    ('81.2%', '–')
    """
    return "–" if math.isinf(value) or math.isnan(value) else format(value, spec)


def html_table(headers: list[str], rows: list[list[str]], classes: list[str] | None = None) -> str:
    """Render an HTML table; the first column left-aligned, ``classes`` per row."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{classes[i]}"' if classes and classes[i] else ""
        cells = "".join(
            f'<td class="l">{html.escape(c)}</td>' if j == 0 else f"<td>{html.escape(c)}</td>"
            for j, c in enumerate(row)
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def interval_rows(day: DayPlan) -> list[IntervalPlan]:
    """Intervals worth showing: those with contacts, a backlog or rostered agents."""
    return [iv for iv in day.intervals if iv.contacts > 0 or iv.backlog > 0 or iv.scheduled > 0]


_SHORT_CHECK = {
    Check.SERVICE_LEVEL: "SL",
    Check.ABANDONMENT: "ab",
    Check.OCCUPANCY: "occ",
    Check.DIGITAL: "dSL",
    Check.TECHNICIANS: "tech",
}
_SHORT_FLAG = {
    Approximation.BACKLOG: "bl",
    Approximation.BLENDED_ABANDONMENT: "bl+ab",
    Approximation.OVERLOAD: "ovl",
}


def _status(iv: IntervalPlan, *, compact: bool) -> str:
    if iv.desk is DeskState.CLOSED:
        return "closed"
    if not compact:
        return iv.grade.label
    letter = iv.status.value[0].upper()
    return f"{letter} {','.join(_SHORT_CHECK[c] for c in iv.checks)}".rstrip()


def _flags(iv: IntervalPlan, *, compact: bool) -> str:
    if iv.desk is DeskState.CLOSED:
        return ""
    if compact:
        return ",".join(_SHORT_FLAG[a] for a in iv.approximations) or "ok"
    return ", ".join(a.value for a in iv.approximations) or "exact"


def _tech(load: float | None) -> str:
    if load is None:
        return "–"
    return "no tech" if math.isinf(load) else f"{load:.0%}"


def interval_table(day: DayPlan, *, compact: bool = False) -> Table:
    """Build the interval grid of one day (the report explains the columns)."""
    rows, classes = [], []
    for iv in interval_rows(day):
        phone, digital = iv.phone, iv.digital
        closed = iv.desk is DeskState.CLOSED
        desk = {DeskState.EVENING: "eve"}.get(iv.desk, iv.desk.value) if compact else iv.desk.value
        rows.append(
            [
                iv.label,
                desk,
                fmt(iv.contacts, ".0f" if compact else ".1f"),
                fmt(iv.backlog, ".0f" if compact else ".1f"),
                fmt(iv.load_erlangs, ".1f" if compact else ".2f"),
                f"{iv.required_phone}+{iv.required_digital}"
                if compact
                else f"{iv.required} ({iv.required_phone}+{iv.required_digital})",
                str(iv.required_heads),
                str(iv.scheduled),
                f"{iv.gap:+d}",
                "–" if closed else fmt(phone.service_level, ".0%" if compact else ".1%"),
                "–" if closed else fmt(phone.asa_s, ".0f" if compact else ".1f"),
                "–" if closed else fmt(phone.p_abandon, ".0%" if compact else ".1%"),
                "–" if closed else fmt(digital.service_level, ".0%" if compact else ".1%"),
                "–" if closed else fmt(iv.occupancy, ".0%"),
                _tech(iv.technician_load),
                _status(iv, compact=compact),
                _flags(iv, compact=compact),
            ]
        )
        classes.append("" if closed else iv.status.value)
    if compact:
        headers = [
            *("time", "desk", "calls", "bl", "Erl", "req", "need", "rost", "±", "SL", "ASA"),
            *("ab", "dSL", "occ", "tech", "status", "Erlang"),
        ]
    else:
        headers = [
            *("time", "desk", "contacts", "carried in", "load (Erl)"),
            *("productive required (phone+digital)", "to roster", "rostered", "over/under"),
            *("SL", "ASA s", "abandon", "digital SL", "occupancy", "technician load"),
            *("status (worst checks)", "Erlang"),
        ]
    return headers, rows, classes


def daily_table(plan: Plan, *, compact: bool = False) -> Table:
    """Build the daily roll-up: where contacts went, staffing, phone figures, technician load."""
    rows, classes = [], []
    for d in plan.days:
        b = d.balance
        rows.append(
            [
                d.name + ("*" if compact and d.events else ""),
                *([] if compact else [", ".join(d.events) or "–"]),
                fmt(b.arrivals),
                fmt(b.carried_in),
                fmt(b.answered),
                fmt(b.abandoned),
                fmt(b.carried_over),
                fmt(b.lost),
                fmt(d.required_agent_hours, ".0f" if compact else ".1f"),
                fmt(d.scheduled_agent_hours, ".0f" if compact else ".1f"),
                str(d.peak_required),
                fmt(d.required_fte, ".1f"),
                str(d.headcount),
                str(d.supervisors),
                fmt(d.service_level, ".1%"),
                fmt(d.p_abandon, ".1%"),
                "no tech"
                if math.isinf(d.technician_utilisation)
                else f"{d.technician_utilisation:.0%}",
            ]
        )
        classes.append(d.technician_status.value if d.technician_utilisation > 1 else "")
    if compact:
        headers = [
            *("day", "arr", "in", "ans", "aband", "over", "lost", "req h", "rost h"),
            *("peak", "FTE", "heads", "sup", "SL", "ab%", "tech"),
        ]
    else:
        headers = [
            *("day", "events", "arrived", "carried in", "answered", "abandoned"),
            *("carried over", "lost", "required agent-h", "rostered agent-h", "peak required"),
            *("FTE on duty", "headcount (+reserve)", "supervisors", "SL", "abandon"),
            "technician load",
        ]
    return headers, rows, classes
