"""Plots (PNG, matplotlib Agg) and a self-contained HTML report of a staffing :class:`Plan`.

The HTML file embeds its images as base64 data URIs and its styles inline, so it can be mailed
or archived on its own. Every report states the service-level definition it uses.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib as mpl
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from dispatch_core.planning.erlang import evaluate
from dispatch_core.planning.hours import DeskState
from dispatch_core.planning.plan import DayPlan, IntervalPlan, Plan
from dispatch_core.planning.priority import blended
from dispatch_core.planning.status import Status
from dispatch_core.report.simulated import (
    fmt_estimate,
    part_timer_rows,
    simulated_classes,
    simulated_header,
    simulated_rows,
    simulated_rule_rows,
)
from dispatch_core.report.tables import daily_table, html_table, interval_rows, interval_table

if TYPE_CHECKING:  # pragma: no cover - the simulations load only when they are used
    from dispatch_core.planning.roster import RosterPlan
    from dispatch_core.sim.desk.plan import AttainmentCurve, SimDay, SimPlan
    from dispatch_core.sim.field.plan import FieldDay
    from dispatch_core.sim.stats import Estimate

# Headless and explicit: never pick an interactive backend. The plots use Figure objects
# directly (no pyplot state), so the backend only matters for anything else importing pyplot.
mpl.use("Agg")

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

_COLOURS = {Status.GREEN: "#a5d6a7", Status.YELLOW: "#fff176", Status.RED: "#ef9a9a"}
_PNG_METADATA = {"Software": None}  # keep PNG bytes reproducible across matplotlib builds


@dataclass(frozen=True, slots=True)
class Report:
    """Files written by :func:`write_report`."""

    html: Path
    images: tuple[Path, ...]


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata=_PNG_METADATA, bbox_inches="tight")
    return buf.getvalue()


def _hours(day: DayPlan) -> list[float]:
    return [iv.start_minute / 60 for iv in day.intervals]


def load_profile_png(plan: Plan) -> bytes:
    """Offered contacts per interval, one line per day (event days highlighted)."""
    fig = Figure(figsize=(10, 4.2))
    ax = fig.add_subplot()
    for day in plan.days:
        special = bool(plan.scenario.day(day.name).events)
        ax.plot(
            _hours(day),
            [iv.contacts + iv.deferred_contacts for iv in day.intervals],
            label=day.name,
            linewidth=2.4 if special else 1.2,
            color="#c62828" if special else None,
            alpha=1.0 if special else 0.7,
            drawstyle="steps-post",
        )
    ax.set_xlim(0, 24)
    ax.set_xticks(range(0, 25, 2))
    ax.set_xlabel("hour of day")
    ax.set_ylabel(f"contacts per {plan.interval_minutes} min")
    ax.set_title(f"Load profile: {plan.scenario.name}")
    ax.grid(alpha=0.3)
    ax.legend(ncol=4, fontsize=8)
    return _png(fig)


def staffing_grid_png(plan: Plan) -> bytes:
    """Grid of days × intervals coloured by status, annotated with rostered − required heads.

    The colour is the interval's worst check (phone SL, abandonment, occupancy, digital SL,
    technician load); grey while the desk is closed.
    """
    fig = Figure(figsize=(11, 0.5 * len(plan.days) + 1.8))
    ax = fig.add_subplot()
    idle = "#eeeeee"
    colours = [idle, *(_COLOURS[s] for s in (Status.GREEN, Status.YELLOW, Status.RED))]
    code = {Status.GREEN: 1, Status.YELLOW: 2, Status.RED: 3}
    grid = [
        [0 if iv.desk is DeskState.CLOSED else code[iv.status] for iv in day.intervals]
        for day in plan.days
    ]
    ax.imshow(
        grid,
        aspect="auto",
        cmap=ListedColormap(colours),
        vmin=-0.5,
        vmax=3.5,
        extent=(0, 24, len(plan.days), 0),
        interpolation="nearest",
    )
    width = plan.interval_minutes / 60
    if plan.interval_minutes >= 30:
        for row, day in enumerate(plan.days):
            for iv in day.intervals:
                if iv.desk is not DeskState.CLOSED:
                    x = iv.start_minute / 60 + width / 2
                    ax.text(x, row + 0.5, f"{iv.gap:+d}", ha="center", va="center", fontsize=6)
    ax.set_yticks([i + 0.5 for i in range(len(plan.days))], [d.name for d in plan.days])
    ax.set_xticks(range(0, 25, 2))
    ax.set_xlabel("hour of day")
    ax.set_title(
        "Staffing grid: worst of SL, abandonment, occupancy, digital SL, technician load "
        "(green on target, yellow ≤ 10 % off, red worse, grey closed); "
        "numbers: rostered − required heads",
        fontsize=9,
    )
    return _png(fig)


def _peak(day: DayPlan) -> IntervalPlan:
    return max(day.intervals, key=lambda iv: (iv.phone_contacts, -iv.start_minute))


def service_level_png(plan: Plan, day: DayPlan) -> bytes:
    """Phone service level against agents at the day's peak interval (Erlang C and A).

    For a blended desk: the pool's phone and digital service levels against pool agents.
    """
    s = plan.scenario
    sla = s.sla
    peak = _peak(day)
    rate = peak.phone_contacts * 60 / peak.minutes
    top = max(peak.required, peak.productive, 2) + 6
    agents = list(range(1, top + 1))
    fig = Figure(figsize=(8, 4.5))
    ax = fig.add_subplot()
    if peak.blended:
        digital = (peak.digital_contacts + peak.backlog) * 60 / peak.minutes
        pool = [
            blended(
                rate, digital, peak.aht_s, c,
                phone_within_s=sla.phone_within_s, digital_within_s=sla.digital_within_s,
                patience_s=s.patience.mean_s if sla.model == "erlang_a" else None,
            )
            for c in agents
        ]  # fmt: skip
        ax.plot(agents, [m.phone.service_level for m in pool], marker="o", label="phone SL")
        ax.plot(agents, [m.digital.service_level for m in pool], marker="s", label="digital SL")
        ax.plot(agents, [m.phone.p_abandon for m in pool], linestyle=":", label="P(abandon)")
        xlabel = "agents in the blended pool (phone first)"
    else:
        curve_c = [evaluate(rate, peak.aht_s, c, within_s=sla.phone_within_s) for c in agents]
        curve_a = [
            evaluate(rate, peak.aht_s, c, within_s=sla.phone_within_s, patience_s=s.patience.mean_s)
            for c in agents
        ]
        ax.plot(
            agents, [m.service_level for m in curve_c], marker="o", label="Erlang C (no abandon)"
        )
        ax.plot(agents, [m.service_level for m in curve_a], marker="s", label="Erlang A (abandon)")
        ax.plot(agents, [m.p_abandon for m in curve_a], linestyle=":", label="P(abandon), Erlang A")
        xlabel = "productive agents on the phone queue"
    ax.axhline(sla.phone_target, color="#555", linestyle="--", label="target")
    required = peak.required if peak.blended else peak.required_phone
    ax.axvline(required, color="#2e7d32", linestyle="-.", label="required")
    shown = peak.productive if peak.blended else peak.phone_agents
    ax.axvline(shown, color="#c62828", linestyle=":", label="rostered × (1 − shrinkage)")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"answered within {sla.phone_within_s:g} s ÷ offered")
    ax.set_title(
        f"Service level at the {day.name} {peak.label} peak "
        f"({rate:.0f} calls/h, AHT {peak.aht_s:.0f} s)"
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return _png(fig)


def attainment_png(curve: AttainmentCurve) -> bytes:
    """Phone SLA attainment against agents at one interval: simulated (90 % CI) and Erlang."""
    agents = [p.agents for p in curve.points]
    fig = Figure(figsize=(8, 4.5))
    ax = fig.add_subplot()
    series: list[tuple[str, list[Estimate | None], str]] = [
        ("service level", [p.service_level for p in curve.points], "#1565c0"),
        ("abandonment", [p.abandon_rate for p in curve.points], "#c62828"),
    ]
    for name, values, colour in series:
        pts = [(a, e) for a, e in zip(agents, values, strict=True) if e is not None]
        ax.errorbar(
            [a for a, _ in pts],
            [e.mean for _, e in pts],
            yerr=[0.0 if math.isinf(e.half_width) else e.half_width for _, e in pts],
            marker="o",
            capsize=3,
            color=colour,
            label=f"simulated {name}",
        )
    ax.plot(agents, [p.analytic.service_level for p in curve.points], "--", color="#1565c0",
            alpha=0.6, label="Erlang service level")  # fmt: skip
    ax.plot(agents, [p.analytic.p_abandon for p in curve.points], "--", color="#c62828",
            alpha=0.6, label="Erlang abandonment")  # fmt: skip
    ax.axhline(curve.target, color="#555", linestyle=":", label="SL target")
    if curve.max_abandon is not None:
        ax.axhline(curve.max_abandon, color="#c62828", linestyle=":", alpha=0.5)
    ax.axvline(curve.analytic_required, color="#2e7d32", linestyle="-.", label="Erlang required")
    ax.axvline(curve.simulated_required, color="#6a1b9a", linestyle="-", label="sim required")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(f"phone agents at {curve.day} {curve.label} (rest of the day as simulated)")
    ax.set_ylabel(f"answered within {curve.within_s:g} s ÷ offered; abandoned ÷ offered")
    ax.set_title(
        f"SLA attainment vs staffing, {curve.day} {curve.label} "
        f"({curve.rate_per_hour:.0f} calls/h, AHT {curve.aht_s:.0f} s)"
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="center right")
    return _png(fig)


def _sim_html(sim: SimPlan, day: SimDay) -> str:
    rule_headers, rule_body = simulated_rule_rows(sim)
    pt_headers, pt_rows = part_timer_rows(sim)
    classes = simulated_classes(sim, day.name, short_roster=True)
    two_sided = 2 * sim.confidence - 1
    tally = sim.recheck_tally()
    recheck = tally is not None
    blended = (
        " <b>Blended desk</b>: one pool answers phone and digital contacts (phone first, the"
        " digital backlog on its own target); the requirement shown is the pool, simulated"
        " (Erlang does not model the priority)."
        if day.blended
        else ""
    )
    checked = "" if tally is None else f"<p><b>{html.escape(str(tally))}</b></p>"
    misses = ", or the independent re-check misses a target" if recheck else ""
    return f"""
<h2>Simulation: analytic versus simulated staffing</h2>
<p class="note">How each number was obtained. <b>Search</b>: {sim.replications} replications
per staffing level (seed {sim.seed}, common random numbers), from the Erlang estimate, for the
fewest agents per interval whose phone service level and abandonment (and digital service
level) meet the targets with {sim.confidence:.0%} one-sided confidence; it only chooses the
staffing. <b>Verification</b>: the chosen staffing simulated again on fresh seeds the search
never used ({sim.verify_replications} replications in the first round, up to 3 rounds: an
agent added where a point estimate misses a target, the replications doubled while an interval
is undecided); every figure and verdict shown comes from the last round.
Proportions are pooled over replications with a Wilson interval on the effective contacts
(never zero width); ± are {two_sided:.0%} intervals (their end is the one-sided bound).
Verdict <i>met</i> (ok): the bound meets every target, a claim at this confidence;
<i>thin</i>: too few contacts for any outcome to prove it, the point estimates meet it;
<i>unsure</i> (?): the estimates meet it, the interval reaches across; <i>not_met</i> (NO): a
point estimate misses. Only <i>met</i> is a claim.
{sim.replications_run:,} desk-days simulated. The SLA targets are judged, not the occupancy
cap.{blended}</p>{checked}
<h3>Headcount: rule of thumb, Erlang, simulation</h3>
{html_table(rule_headers, rule_body)}
<h3>Part-timers on event days</h3>
{html_table(pt_headers, pt_rows) if pt_rows else '<p class="note">No event days.</p>'}
<h3>Intervals: {html.escape(day.name)} (red: rostered below the simulated requirement{misses})</h3>
{html_table(simulated_header(recheck=recheck), simulated_rows(day, recheck=recheck), classes)}
"""


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans CJK SC",sans-serif;
margin:24px auto;max-width:1180px;color:#222;background:#fff}
h1{font-size:1.6em;margin-bottom:0}h2{margin-top:1.6em;border-bottom:2px solid #eee}
table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{padding:3px 8px;border:1px solid #ddd;text-align:right}
th{background:#f5f5f5}td.l,th.l{text-align:left}
.green{background:#c8e6c9}.yellow{background:#fff59d}.red{background:#ef9a9a}
.note{color:#555;font-size:13px}img{max-width:100%;border:1px solid #eee;margin:6px 0}
"""


def rule_header(plan: Plan) -> list[str]:
    """Column headers of the rule-of-thumb comparison."""
    r = plan.rule
    return [
        "",
        f"rule: 1 per {r.households_per_agent} households",
        "Erlang: normal week",
        f"Erlang: every day like {r.peak_day}",
    ]


def rule_rows(plan: Plan) -> list[list[str]]:
    """Rows of the rule-of-thumb comparison: what, rule, Erlang normal week, Erlang peak day."""
    r = plan.rule
    rows: list[tuple[str, int, int, int]] = [
        ("agents", r.rule_agents, r.erlang_agents, r.peak_day_agents),
        ("supervisors (1 per 5)", r.rule_supervisors, r.erlang_supervisors, r.peak_day_supervisors),
        ("reserve", r.rule_reserve, r.erlang_reserve, r.peak_day_reserve),
        ("manager", r.managers, r.managers, r.managers),
    ]
    total = ("total", *(sum(int(row[i]) for row in rows) for i in (1, 2, 3)))
    return [[str(c) for c in row] for row in [*rows, total]]


def _interval_note(plan: Plan) -> str:
    s = plan.scenario
    sla = s.sla
    abandon = "" if sla.max_abandon is None else f", abandonment ≤ {sla.max_abandon:.0%}"
    pool = (
        "One blended pool answers both queues, phone first: Erlang holds exactly for it when "
        "nobody abandons (phone waits are exponential, digital waits a sum of busy periods); "
        "with abandoning callers the figures are a pessimistic approximation, flagged "
        "<i>blended+abandon</i> where projected abandonment reaches 1 %."
        if s.desk.blended
        else "Separate phone and digital pools: the phone queue is staffed first, the digital "
        "queue gets the rest."
    )
    return f"""<p class="note">Required agents are <b>productive</b> agents (Erlang
{html.escape(sla.model)}); <i>to roster</i> adds {s.staffing.shrinkage:.0%} shrinkage. The
projection uses rostered × (1 − shrinkage) productive agents. Colour: the worst of phone SL
(target {sla.phone_target:.0%} in {sla.phone_within_s:g} s), abandonment, occupancy
(cap {sla.max_occupancy:.0%}{abandon}), digital SL ({sla.digital_target:.0%} in
{sla.digital_within_s / 60:g} min) and technician load (red above 100 %): green on target,
yellow off by at most 10 % of it, red worse; the status names the checks. {pool}
<i>Erlang</i> says where the figures are exact, or why not: <i>backlog</i> (work carried
from closed hours arrives as a burst at the opening; spread over the interval), <i>overload</i>
(more work than the agents can do; it waits for the next interval). Contacts arriving while
the desk is closed for them: phone {html.escape(s.desk.after_hours_phone.value)}, digital
{html.escape(s.desk.after_hours_digital.value)} (carried to the next opening).</p>"""


def _html(
    plan: Plan, day: DayPlan, images: dict[str, bytes], sim: str = "", roster: str = ""
) -> str:
    s = plan.scenario
    imgs = "".join(
        f'<h3>{html.escape(title)}</h3><img alt="{html.escape(title)}" '
        f'src="data:image/png;base64,{base64.b64encode(data).decode("ascii")}">'
        for title, data in images.items()
    )
    rule_headers = rule_header(plan)
    hours = sorted({s.desk.day_hours(d.weekday).label for d in s.days})
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Staffing plan – {html.escape(s.name)}</title><style>{_CSS}</style></head>
<body>
<h1>Staffing plan: {html.escape(s.name)}</h1>
<p class="note">{html.escape(s.scenario.description)}<br>
{s.estate.households:,} households, {s.estate.communities} communities;
{plan.interval_minutes}-minute intervals; queue model {html.escape(s.sla.model)};
phone target {s.sla.phone_target:.0%} within {s.sla.phone_within_s:g} s,
digital {s.sla.digital_target:.0%} within {s.sla.digital_within_s / 60:g} min;
desk hours {html.escape("; ".join(hours))}.<br>
<b>Service level definition:</b> {html.escape(plan.definition)}.</p>
<h2>Headcount versus the rule of thumb</h2>
{html_table(rule_headers, rule_rows(plan))}
<p class="note">Headcount after {s.staffing.shrinkage:.0%} shrinkage, {s.staffing.reserve:.0%}
reserve, {s.staffing.workdays_per_week:g} working days a week of {s.staffing.shift_hours:g} h.</p>
<h2>Daily roll-up</h2>
<p class="note">Every day balances: arrived + carried in (the night before) = answered +
abandoned + carried over (to the next day) + lost, projected with the rostered agents.
Technician jobs are the 1 − FCR share of the repair and emergency contacts answered; a
technician load above 100 % is red.</p>
{html_table(*daily_table(plan))}
<h2>Intervals: {html.escape(day.name)}</h2>
{_interval_note(plan)}
{html_table(*interval_table(day))}
{roster}
{sim}
<h2>Charts</h2>
{imgs}
<p class="note">Generated by dispatch_core (analytic Erlang planner).</p>
</body></html>
"""


def write_report(
    plan: Plan,
    out_dir: str | Path,
    *,
    day: str | None = None,
    sim: SimPlan | None = None,
    field: Sequence[FieldDay] = (),
    roster: RosterPlan | None = None,
) -> Report:
    """Write the PNG plots and ``report.html`` into ``out_dir`` (created if missing).

    Parameters
    ----------
    plan : Plan
        The plan to report.
    out_dir : str or Path
        Output directory.
    day : str, optional
        Day shown interval by interval (default: the busiest day).
    sim : SimPlan, optional
        Simulated staffing to set beside the analytic plan (tables and the attainment curve).
    field : sequence of FieldDay
        Technician staffing from the field simulation (tables and attainment curves).
    roster : RosterPlan, optional
        Proposed rosters (tables and the coverage chart of the day shown).

    Returns
    -------
    Report
        Paths of the HTML file and the images.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    chosen = plan.day(day) if day else plan.busiest_day
    images = {
        "Load profile": ("load_profile.png", load_profile_png(plan)),
        "Staffing grid": ("staffing_grid.png", staffing_grid_png(plan)),
        f"Service-level curve ({chosen.name} peak)": (
            "service_level.png",
            service_level_png(plan, chosen),
        ),
    }
    if roster is not None:
        from dispatch_core.report.roster import coverage_png  # noqa: PLC0415 - only with rosters

        images[f"Roster coverage ({chosen.name})"] = (
            "roster_coverage.png",
            coverage_png(roster.day(chosen.name), chosen),
        )
    if sim is not None and sim.curve is not None:
        images[f"SLA attainment vs staffing ({sim.curve.day} {sim.curve.label})"] = (
            "attainment.png",
            attainment_png(sim.curve),
        )
    if field:
        from dispatch_core.report.field import field_png  # noqa: PLC0415 - only with sims

        for fd in field:
            images[f"Field SLA attainment vs technicians ({fd.day})"] = (
                f"field_attainment_{fd.day}.png",
                field_png(fd),
            )
    paths = []
    for name, data in images.values():
        path = out / name
        path.write_bytes(data)
        paths.append(path)
    page = out / "report.html"
    extra = "" if sim is None else _sim_html(sim, sim.day(chosen.name))
    if field:
        from dispatch_core.report.field import field_html  # noqa: PLC0415 - only with sims

        extra += field_html(field)
    rosters = ""
    if roster is not None:
        from dispatch_core.report.roster import roster_html  # noqa: PLC0415 - only with rosters

        rosters = roster_html(roster, chosen.name)
    pictures = {title: data for title, (_, data) in images.items()}
    page.write_text(_html(plan, chosen, pictures, extra, rosters), encoding="utf-8")
    return Report(html=page, images=tuple(paths))
