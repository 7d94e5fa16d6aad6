"""The roster part of a staffing report: proposed shifts, coverage against requirement, costs.

Tables are plain ``(headers, rows)`` of strings, shared by the terminal (``dispatch-core plan
--roster``) and the HTML report; :func:`coverage_png` draws agents on duty against the
requirement over one day.
"""

from __future__ import annotations

import html
import io

from matplotlib.figure import Figure

from dispatch_core.planning.cost import MonthlyCost
from dispatch_core.planning.plan import DayPlan
from dispatch_core.planning.roster import DayRoster, RosterPlan
from dispatch_core.report.tables import html_table

__all__ = ["cost_rows", "coverage_png", "roster_html", "roster_rows", "roster_summary_rows"]

_PNG_METADATA = {"Software": None}  # reproducible PNG bytes across matplotlib builds


def roster_rows(day: DayRoster) -> tuple[list[str], list[list[str]]]:
    """Headers and rows: the shifts of one proposed roster, in start order."""
    headers = ["shift", "kind", "hours (break)", "agents", "paid h"]
    rows = [
        [
            r.pattern.name,
            "part-time" if r.pattern.part_time else "full-time",
            r.pattern.label,
            str(r.agents),
            f"{r.agents * r.pattern.paid_hours:.1f}",
        ]
        for r in day.shifts
    ]
    return headers, rows


def _money(value: float) -> str:
    return f"{value:,.0f}"


def cost_rows(rosters: RosterPlan, *, compact: bool = False) -> tuple[list[str], list[list[str]]]:
    """Headers and rows: monthly cost by role of the proposal, the baseline and the rule.

    ``compact`` (the terminal): short headers (proposed, scaled shifts, rule).
    """
    names = (
        ("proposed", "scaled shifts", "rule")
        if compact
        else ("proposed roster", "scenario shifts scaled to meet targets", "rule of thumb")
    )
    plans: list[tuple[str, MonthlyCost | None]] = list(
        zip(names, (rosters.cost, rosters.baseline_cost, rosters.rule_cost), strict=True)
    )
    headers = ["role"]
    for name, _ in plans:
        headers += [name if compact else f"{name}: heads", "per month"]
    roles = [line.role for line in rosters.cost.lines]
    rows = []
    for i, role in enumerate(roles):
        row = [role]
        for _, plan in plans:
            if plan is None:
                row += ["–", "–"]
                continue
            line = plan.lines[i]
            row += [f"{line.heads:,.0f}", _money(line.total)]
        rows.append(row)
    total = ["total"]
    for _, plan in plans:
        total += ["", "–" if plan is None else _money(plan.total)]
    rows.append(total)
    return headers, rows


def roster_summary_rows(rosters: RosterPlan) -> tuple[list[str], list[list[str]]]:
    """Headers and rows: per day, the proposal's hours and whether it covers and meets targets."""
    headers = [
        *("day", "full-time h", "part-time h", "covers", "meets targets", "optimal"),
        *("baseline FT h", "baseline PT h"),
    ]
    rows = []
    for day, base in zip(rosters.days, rosters.baseline, strict=True):
        rows.append(
            [
                day.day,
                f"{day.full_time_hours:.1f}",
                f"{day.part_time_hours:.1f}",
                "yes" if day.covered else "NO",
                "yes" if day.meets_targets else "NO",
                "yes" if day.optimal else "time limit",
                "–" if base is None else f"{base.full_time_hours:.1f}",
                "–" if base is None else f"{base.part_time_hours:.1f}",
            ]
        )
    return headers, rows


def coverage_png(day: DayRoster, plan: DayPlan) -> bytes:
    """Agents on duty in the proposed roster against the requirement and the scenario's roster."""
    minutes = plan.intervals[0].minutes
    hours = [iv.start_minute / 60 for iv in plan.intervals] + [24.0]

    def steps(values: list[int]) -> list[int]:
        return [*values, values[-1]]

    fig = Figure(figsize=(10, 4.2))
    ax = fig.add_subplot()
    ax.step(hours, steps(list(day.required)), where="post", color="#c62828", linewidth=2.2,
            label="required (after shrinkage)")  # fmt: skip
    ax.step(hours, steps(list(day.on_duty)), where="post", color="#1565c0", linewidth=1.6,
            label="proposed roster, on duty")  # fmt: skip
    ax.step(hours, steps([iv.scheduled for iv in plan.intervals]), where="post", color="#777",
            linestyle="--", linewidth=1.2, label="scenario roster")  # fmt: skip
    ax.set_xlim(0, 24)
    ax.set_xticks(range(0, 25, 2))
    ax.set_xlabel("hour of day")
    ax.set_ylabel(f"agents per {minutes}-min interval")
    ax.set_title(f"Roster coverage against requirement: {day.day}")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata=_PNG_METADATA, bbox_inches="tight")
    return buf.getvalue()


def roster_html(rosters: RosterPlan, day: str) -> str:
    """Return the report section: costs, the per-day summary and the shifts of ``day``."""
    chosen = rosters.day(day)
    currency = html.escape(rosters.cost.currency)
    saving = (
        ""
        if rosters.baseline_cost is None
        else f" ({rosters.baseline_cost.total - rosters.cost.total:,.0f} {currency} per month "
        "less than the scenario's shifts scaled to meet the same targets)"
    )
    return f"""
<h2>Proposed roster</h2>
<p class="note">Shifts chosen by CP-SAT to cover every interval's requirement (agents to
roster after shrinkage) at the least cost of paid hours, with the scenario's break rules and
part-timer cap; each roster is evaluated by planning the day again with its agents on duty.
The baseline is the scenario's own shifts scaled by the smallest factor that covers every
interval. Monthly costs are for the normal week (days without named events).</p>
<h3>Cost per month ({currency}){html.escape(saving)}</h3>
{html_table(*cost_rows(rosters))}
<h3>Days</h3>
{html_table(*roster_summary_rows(rosters))}
<h3>Shifts: {html.escape(chosen.day)}</h3>
{html_table(*roster_rows(chosen))}
"""
