"""Tables of the simulated staffing plan: estimates with their intervals, verdicts per interval.

:mod:`dispatch_core.report.plan` puts them into the terminal output and the HTML report.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from dispatch_core.report.tables import fmt

if TYPE_CHECKING:  # pragma: no cover - the simulations load only when they are used
    from dispatch_core.sim.desk.plan import SimDay, SimInterval, SimPlan
    from dispatch_core.sim.stats import Estimate

__all__ = [
    "fmt_estimate",
    "part_timer_rows",
    "simulated_classes",
    "simulated_header",
    "simulated_rows",
    "simulated_rule_rows",
]


def fmt_estimate(est: Estimate | None, spec: str = ".1%") -> str:
    """``mean ± half width`` (``–`` when nothing was offered).

    Examples
    --------
    >>> from dispatch_core.sim.stats import Estimate
    >>> fmt_estimate(Estimate(0.9, 0.02, 10, 0.9))
    '90.0% ± 2.0%'
    >>> fmt_estimate(None)
    '–'
    """
    if est is None:
        return "–"
    half = "–" if math.isinf(est.half_width) else format(est.half_width, spec)
    return f"{format(est.mean, spec)} ± {half}"


def simulated_header(*, compact: bool = False, recheck: bool = False) -> list[str]:
    """Column headers of the analytic-versus-simulated interval table.

    ``recheck``: add the independent re-check's columns (``--verify N``).
    """
    check = ["SL chk", "ab chk", "dSL chk"] if recheck else []
    if compact:
        return [
            *("time", "desk", "Erl req", "sim req", "rost", "SL sim"),
            *("ASA sim", "ab sim", "verdict", "SL rost", "ab rost", *check),
        ]
    return [
        *("time", "desk", "Erlang req", "sim req", "rostered"),
        *("sim SL", "sim ASA s", "sim abandon", "verdict (phone/digital)"),
        *("sim SL rostered", "sim abandon rostered", *check),
    ]


def _verdict(iv: SimInterval, *, compact: bool = False) -> str:
    """Phone verdict, and the digital one after a slash when they differ."""
    phone, digital = iv.verdict, iv.digital_verdict
    if compact:
        return phone.short if phone == digital else f"{phone.short}/{digital.short}"
    return phone.value if phone == digital else f"{phone.value}/{digital.value}"


def _compact(est: Estimate | None, scale: float = 100.0) -> str:
    if est is None:
        return "–"
    half = "–" if math.isinf(est.half_width) else f"{est.half_width * scale:.0f}"
    return f"{est.mean * scale:.0f}±{half}"


def simulated_rows(day: SimDay, *, compact: bool = False, recheck: bool = False) -> list[list[str]]:
    """Rows of the analytic-versus-simulated interval table (open intervals only).

    Requirements are ``total (phone+digital)``; SL, ASA and abandonment are the phone queue's,
    at the simulated requirement and with the rostered agents. ``compact``: percentages and
    seconds as ``mean±half`` integers, requirements as ``phone+digital`` (terminal tables).
    """
    if compact:
        return [
            [
                iv.label,
                {"evening": "eve"}.get(iv.desk, iv.desk),
                f"{iv.analytic_phone}+{iv.analytic_digital}",
                f"{iv.phone}+{iv.digital}",
                str(iv.rostered),
                _compact(iv.service_level),
                _compact(iv.asa_s, 1.0),
                _compact(iv.abandon_rate),
                _verdict(iv, compact=True),
                _compact(iv.rostered_service_level),
                _compact(iv.rostered_abandon_rate),
                *(
                    [
                        _compact(iv.recheck_service_level),
                        _compact(iv.recheck_abandon_rate),
                        _compact(iv.recheck_digital_service_level),
                    ]
                    if recheck
                    else []
                ),
            ]
            for iv in day.intervals
            if _shown(iv)
        ]
    return [
        [
            iv.label,
            iv.desk,
            f"{iv.analytic_required} ({iv.analytic_phone}+{iv.analytic_digital})",
            f"{iv.required} ({iv.phone}+{iv.digital})",
            str(iv.rostered),
            fmt_estimate(iv.service_level),
            fmt_estimate(iv.asa_s, ".1f"),
            fmt_estimate(iv.abandon_rate),
            _verdict(iv),
            fmt_estimate(iv.rostered_service_level),
            fmt_estimate(iv.rostered_abandon_rate),
            *(
                [
                    fmt_estimate(iv.recheck_service_level),
                    fmt_estimate(iv.recheck_abandon_rate),
                    fmt_estimate(iv.recheck_digital_service_level),
                ]
                if recheck
                else []
            ),
        ]
        for iv in day.intervals
        if _shown(iv)
    ]


def _shown(iv: SimInterval) -> bool:
    """Whether the interval table has a row for ``iv`` (open, or staffed anyway)."""
    return iv.desk != "closed" or bool(iv.required or iv.rostered)


def simulated_classes(sim: SimPlan, day: str, *, short_roster: bool = False) -> list[str]:
    """Row classes of :func:`simulated_rows`: ``"red"`` where the re-check misses a target.

    A row is red when the independent re-check (``--verify N``) misses a target of its phone
    or digital queue (:meth:`~dispatch_core.sim.desk.plan.SimPlan.recheck_misses`) and, with
    ``short_roster``, also where the rostered agents are below the simulated requirement.
    """
    shown = sim.day(day)
    return [
        "red" if miss or (short_roster and iv.required > iv.rostered) else ""
        for iv, miss in zip(shown.intervals, sim.recheck_misses(day), strict=True)
        if _shown(iv)
    ]


def simulated_rule_rows(sim: SimPlan) -> tuple[list[str], list[list[str]]]:
    """Headers and rows: the rule of thumb, Erlang and simulation, normal week and peak day."""
    e, r = sim.plan.rule, sim.rule
    headers = [
        "",
        f"rule: 1 per {r.households_per_agent} households",
        "Erlang: normal week",
        "simulated: normal week",
        f"Erlang: every day like {e.peak_day}",
        f"simulated: every day like {r.peak_day}",
    ]
    per = sim.plan.scenario.staffing.agents_per_supervisor
    rows: list[tuple[str, int, int, int, int, int]] = [
        ("agents", r.rule_agents, e.erlang_agents, r.erlang_agents, e.peak_day_agents,
         r.peak_day_agents),
        (f"supervisors (1 per {per})", r.rule_supervisors, e.erlang_supervisors,
         r.erlang_supervisors, e.peak_day_supervisors, r.peak_day_supervisors),
        ("reserve", r.rule_reserve, e.erlang_reserve, r.erlang_reserve, e.peak_day_reserve,
         r.peak_day_reserve),
        ("manager", *(r.managers,) * 5),
    ]  # fmt: skip
    total = ("total", *(sum(int(row[i]) for row in rows) for i in range(1, 6)))
    return headers, [[str(c) for c in row] for row in [*rows, total]]


def part_timer_rows(sim: SimPlan) -> tuple[list[str], list[list[str]]]:
    """Headers and rows: part-timers each event day needs beyond its full-time agents."""
    headers = [
        *("day", "rost peak", "rost h", "Erl peak", "Erl h", "Erl call-in"),
        *("sim peak", "sim h", "sim call-in"),
    ]
    rows = [
        [
            p.day,
            str(p.rostered_peak),
            fmt(p.rostered_hours, ".1f"),
            str(p.analytic_peak),
            fmt(p.analytic_hours, ".1f"),
            str(p.analytic_headcount),
            str(p.peak),
            fmt(p.hours, ".1f"),
            str(p.headcount),
        ]
        for p in sim.part_timers
    ]
    return headers, rows
