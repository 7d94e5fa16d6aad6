"""Tables and plots of the technician side (:mod:`dispatch_core.sim.field.plan`).

Examples
--------
>>> field_header()[:4]
['shift', 'hours', 'rostered', 'analytic']
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Sequence

from matplotlib.figure import Figure

from dispatch_core.sim.field.plan import FieldDay
from dispatch_core.sim.field.spec import JUDGED
from dispatch_core.sim.stats import Estimate

__all__ = [
    "field_header",
    "field_html",
    "field_png",
    "field_rollup_rows",
    "field_rows",
    "target_caption",
]

_COLOURS = ("#1565c0", "#c62828", "#2e7d32", "#6a1b9a")


def _pct(est: Estimate | None, *, compact: bool = False) -> str:
    if est is None:
        return "–"
    if compact:
        hw = "" if math.isinf(est.half_width) else f"±{est.half_width * 100:.0f}"
        return f"{est.mean * 100:.0f}{hw}"
    if math.isinf(est.half_width):
        return f"{est.mean:.1%}"
    return f"{est.mean:.1%} ± {est.half_width:.1%}"


_SHORT = ("on-site rep %", "on-site emg %", "fed back %", "complaint %")


def field_header(*, compact: bool = False) -> list[str]:
    """Column names of :func:`field_rows`."""
    if compact:
        return ["shift", "hours", "rost", "Erl", "sim", *_SHORT, "verdict"]
    return ["shift", "hours", "rostered", "analytic", "simulated", *JUDGED, "verdict"]


def _duration(minutes: float) -> str:
    return f"{minutes:g} min" if minutes < 60 else f"{minutes / 60:g} h"


def target_caption(day: FieldDay) -> str:
    """Return the judged targets as the engine's policy has them (``on_site/repair ≤ 1 h``…)."""
    return ", ".join(f"{k} ≤ {_duration(v)}" for k, v in day.targets.items())


def field_rows(day: FieldDay, *, compact: bool = False) -> list[list[str]]:
    """One row per technician shift: rostered, analytic and simulated technicians, attainment."""
    return [
        [
            s.name,
            s.label,
            str(s.rostered),
            str(s.analytic),
            str(s.simulated),
            *(_pct(s.attainment[k], compact=compact) for k in JUDGED),
            s.verdict.short if compact else s.verdict.value,
        ]
        for s in day.shifts
    ]


def field_rollup_rows(days: Sequence[FieldDay]) -> tuple[list[str], list[list[str]]]:
    """Technician-hours and headcount per day: roster, analytic, simulated (with reserve)."""
    headers = [
        "day",
        "tech-h rostered",
        "tech-h analytic",
        "tech-h simulated",
        "heads rostered",
        "heads simulated",
        "reserve",
        "escalations/day",
    ]
    rows = [
        [
            d.day,
            f"{d.rostered_hours:.0f}",
            f"{d.analytic_hours:.0f}",
            f"{d.simulated_hours:.0f}",
            str(d.rostered_headcount),
            str(d.simulated_headcount),
            str(d.simulated_reserve),
            f"{d.escalations.mean:.1f}",
        ]
        for d in days
    ]
    return headers, rows


def field_png(day: FieldDay) -> bytes:
    """SLA attainment per judged metric against the day's technicians (simulated, ± CI)."""
    fig = Figure(figsize=(8, 4.5))
    ax = fig.add_subplot()
    x = [p.technicians for p in day.curve]
    for key, colour in zip(JUDGED, _COLOURS, strict=True):
        pts = [(t, p.attainment[key]) for t, p in zip(x, day.curve, strict=True)]
        shown = [(t, e) for t, e in pts if e is not None]
        if not shown:
            continue
        ax.errorbar(
            [t for t, _ in shown],
            [e.mean for _, e in shown],
            yerr=[0.0 if math.isinf(e.half_width) else e.half_width for _, e in shown],
            marker="o",
            capsize=3,
            color=colour,
            label=key,
        )
    ax.axhline(day.target, color="#555", linestyle=":", label="target")
    found = sum(s.simulated for s in day.shifts)
    ax.axvline(found, color="#6a1b9a", linestyle="-", alpha=0.5, label="sim required")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"technicians on {day.day}'s shifts (each shift ± k from the simulated need)")
    ax.set_ylabel("clocks met ÷ clocks started (whole day)")
    ax.set_title(f"Field SLA attainment vs technicians, {day.day}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return buf.getvalue()


def _table(headers: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def field_html(days: Sequence[FieldDay]) -> str:
    """Return the technician section of the HTML report."""
    if not days:
        return ""
    first = days[0]
    two_sided = 2 * first.confidence - 1
    parts = [
        f"""
<h2>Field simulation: technicians per shift (the real engine in SimPy)</h2>
<p class="note">Contacts answered by the simulated desk become tickets (or are resolved at
first contact); the real engine dispatches them to technicians who travel on a site graph and
work; SLA thresholds reallocate and escalate; agents call back and close the loop. The simulated
requirement is the fewest technicians per shift such that at least {first.target:.0%} of the
clocks of every judged target ({html.escape(target_caption(first))}, from the scenario's
ticket targets) of the tickets opened on the shift's watch are met, with
{first.confidence:.0%} one-sided confidence (search: {first.replications} replications per
level). Every figure shown comes from <b>fresh replications</b> of the answer that the search
never used ({first.verify_replications} in the last verification round; a shift short there
gets a technician more); attainment is pooled over clocks with a Wilson interval (± are
{two_sided:.0%} intervals; never zero width). Verdict: met (the bound meets every target),
thin (too few clocks to prove it), unsure, not met. The search grows each shift from the
Erlang estimate up to a stated limit (max(40, 2 × estimate + 10)); a shift still short
there is reported as not met.</p>
<h3>Technician-hours and headcount</h3>
{_table(*field_rollup_rows(days))}"""
    ]
    for d in days:
        style = ' style="color:#b71c1c;font-weight:bold"' if d.capped else ""
        parts.append(
            f"<h3>Shifts: {html.escape(d.day)}</h3>{_table(field_header(), field_rows(d))}"
            f"<p{style}>{html.escape(d.verdict)}.</p>"
        )
    return "\n".join(parts)
