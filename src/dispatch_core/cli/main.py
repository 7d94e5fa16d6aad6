"""The ``dispatch-core`` command.

Sub-commands are registered in :data:`_COMMANDS`; each gets its own parser and a function that
returns the process exit code. Errors from the library (:class:`DispatchError`) are printed as
one readable line and exit with status 2; nothing else is swallowed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, Future
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from dispatch_core import __version__
from dispatch_core.cli.events import HELP as EVENTS_HELP
from dispatch_core.cli.events import configure as configure_events
from dispatch_core.cli.events import run as run_events
from dispatch_core.errors import DispatchError
from dispatch_core.model import (
    DEFAULT_PRIORITY,
    DEFAULT_TARGETS,
    Category,
    DomainModel,
    StaffMember,
    Ticket,
)
from dispatch_core.planning.scenario import Scenario, default_scenario, load_scenario

if TYPE_CHECKING:
    from dispatch_core.planning.plan import Plan
    from dispatch_core.planning.roster import RosterPlan
    from dispatch_core.sim.desk.plan import SimDay, SimPlan
    from dispatch_core.sim.field.plan import FieldDay

__all__ = ["main"]

_PIPE_WIDTH = 120

_SCHEMA_MODELS: dict[str, type[DomainModel]] = {
    "scenario": Scenario,
    "staff": StaffMember,
    "ticket": Ticket,
}


def _fmt_minutes(seconds: float) -> str:
    minutes = seconds / 60
    if minutes < 60:
        return f"{minutes:g} min"
    hours = minutes / 60
    return f"{hours:g} h"


def _cmd_targets(args: argparse.Namespace, console: Console) -> int:
    """Print the seed service targets per category."""
    table = Table(title="Seed service targets (DESIGN.md; every one configurable)")
    table.add_column("category")
    table.add_column("场景")
    table.add_column("default priority")
    table.add_column("targets")
    for category in Category:
        targets = ", ".join(
            f"{t.metric.value} ≤ {_fmt_minutes(t.target.total_seconds())}"
            for t in DEFAULT_TARGETS[category]
        )
        table.add_row(category.value, category.label_zh, DEFAULT_PRIORITY[category].value, targets)
    console.print(table)
    return 0


def _cmd_schema(args: argparse.Namespace, console: Console) -> int:
    """Print the JSON schema of a domain model."""
    model = _SCHEMA_MODELS[args.model]
    console.print_json(json.dumps(model.model_json_schema(), sort_keys=True))
    return 0


_STYLE = {"green": "green", "yellow": "yellow", "red": "bold red"}

#: Replications per staffing level: ``plan --simulate --quick`` and ``plan --simulate``.
QUICK_REPLICATIONS, REPLICATIONS = 10, 30


def _print_table(
    console: Console,
    title: str,
    table: tuple[list[str], list[list[str]], list[str]],
    *,
    caption: str | None = None,
    left: int = 1,
) -> None:
    """Print ``(headers, rows, classes)``; rows are styled by their class (red/yellow/green)."""
    headers, rows, classes = table
    out = Table(title=title, caption=caption, box=box.SIMPLE_HEAD, pad_edge=False)
    for i, col in enumerate(headers):
        out.add_column(col, justify="left" if i < left else "right")
    for row, cls in zip(rows, classes, strict=True):
        out.add_row(*row, style=_STYLE.get(cls))
    console.print(out)


def _cmd_plan(args: argparse.Namespace, console: Console) -> int:
    """Plan staffing for a scenario: interval table, daily roll-up, rule comparison, report."""
    # Imported here so `dispatch-core targets` does not pay for numpy and matplotlib.
    from dispatch_core.planning.plan import build_plan  # noqa: PLC0415 - lazy: heavy imports
    from dispatch_core.report.plan import (  # noqa: PLC0415 - lazy: heavy imports
        rule_header,
        rule_rows,
        write_report,
    )
    from dispatch_core.report.tables import (  # noqa: PLC0415 - lazy: heavy imports
        daily_table,
        interval_table,
    )

    scenario = load_scenario(args.scenario) if args.scenario else default_scenario()
    if args.day:
        scenario.day(args.day)  # fail early, before any work, on an unknown day
    sim = None
    rosters = None
    field: list[FieldDay] = []
    with ExitStack() as stack, Progress(console=console, transient=True) as progress:
        executor = stack.enter_context(_open_executor(args)) if args.simulate else None
        task = progress.add_task("planning", total=len(scenario.days))
        plan = build_plan(
            scenario,
            interval_minutes=args.interval,
            progress=lambda name: progress.update(task, advance=1, description=f"planned {name}"),
        )
        shown = plan.day(args.day) if args.day else plan.busiest_day
        if args.roster:
            from dispatch_core.planning.roster import propose_rosters  # noqa: PLC0415 - OR-Tools

            progress.update(task, description="proposing rosters (CP-SAT)")
            rosters = propose_rosters(plan)
        if executor is not None:
            # One pool for everything: the field days (the longest tasks) go in first, the
            # desk days queue behind them, and every worker stays busy until the end.
            with _field_days(args, plan, shown.name, progress, executor) as technicians:
                sim = _simulate(args, plan, shown.name, progress, executor)
                field = technicians.results()
        progress.update(task, description="writing report")
        report = (
            None
            if args.no_report
            else write_report(plan, args.out, day=shown.name, sim=sim, field=field, roster=rosters)
        )

    s = scenario
    console.print(f"[bold]{s.name}[/]: {s.estate.households:,} households")
    console.print(f"Service level = {plan.definition}")
    events = ", ".join(shown.events) or "none"
    pool = "blended pool, phone first" if s.desk.blended else "separate phone and digital pools"
    _print_table(
        console,
        f"{shown.name} ({shown.weekday}, events: {events}), {plan.interval_minutes} min, {pool}",
        interval_table(shown, compact=True),
        caption=f"req = productive agents phone+digital; need = to roster after "
        f"{s.staffing.shrinkage:.0%} shrinkage; ± rostered − need; bl = carried in from "
        "closed hours; SL/ASA/ab/dSL/occ projected with rostered × (1 − shrinkage); status = "
        "worst of SL, abandon, occupancy, digital SL, technicians (yellow ≤ 10 % off target); "
        "Erlang: exact, or why not",
        left=2,
    )
    marked = "; ".join(f"{d.name}: {', '.join(d.events)}" for d in plan.days if d.events)
    _print_table(
        console,
        "Daily roll-up",
        daily_table(plan, compact=True),
        caption=f"* events ({marked}); arrived + in (the night before) = answered + aband + "
        "over (to the next day) + lost; req/rost h = productive agent-hours required / rostered "
        "agent-hours; FTE on duty after shrinkage; heads incl. reserve if every day were like "
        "this; tech = technician load (1 − FCR share of field contacts; red above 100 %)",
    )
    rule = Table(title="Headcount: rule of thumb versus Erlang", box=box.SIMPLE_HEAD)
    for i, col in enumerate(rule_header(plan)):
        rule.add_column(col, justify="left" if i == 0 else "right")
    for row in rule_rows(plan):
        rule.add_row(*row)
    console.print(rule)
    if rosters is not None:
        _print_rosters(rosters, shown.name, console)
    if sim is not None:
        _print_simulation(sim, shown.name, console)
        _print_field(field, console)
    if report is not None:
        console.print(f"report: {report.html}")
    return 0


def _print_rosters(rosters: RosterPlan, day: str, console: Console) -> None:
    """Print the proposed roster of ``day``, the per-day summary and the monthly costs."""
    from dispatch_core.report.roster import (  # noqa: PLC0415 - lazy: heavy imports
        cost_rows,
        roster_rows,
        roster_summary_rows,
    )

    chosen = rosters.day(day)
    for title, (headers, rows) in (
        (f"Proposed roster: {day} (CP-SAT, least cost of paid hours)", roster_rows(chosen)),
        (
            "Proposed rosters: every day (evaluated by planning it again)",
            roster_summary_rows(rosters),
        ),
        (
            f"Cost per month ({rosters.cost.currency}), normal week: heads and cost",
            cost_rows(rosters, compact=True),
        ),
    ):
        _print_table(console, title, (headers, rows, [""] * len(rows)))


def _partial(args: argparse.Namespace, name: str, result: object) -> None:
    """Write one finished day's result as JSON under ``<out>/partial/`` (unless --no-report)."""
    if args.no_report:
        return
    folder = Path(args.out) / "partial"
    folder.mkdir(parents=True, exist_ok=True)
    body = dataclasses.asdict(result)  # type: ignore[call-overload]
    text = json.dumps(body, sort_keys=True, default=str, indent=1)
    (folder / f"{name}.json").write_text(text, encoding="utf-8")


#: Modules the local pool's fork server imports once, so that its workers start warm.
_WORKER_MODULES = ("dispatch_core.sim.desk.plan", "dispatch_core.sim.field.plan", __name__)


@contextmanager
def _open_executor(args: argparse.Namespace) -> Iterator[Executor]:
    """Open the run's one executor at once: its workers warm up while the plan is built."""
    from dispatch_core.sim.replicate import executor_for  # noqa: PLC0415 - lazy: heavy

    with executor_for(args.scheduler, workers=args.workers, preload=_WORKER_MODULES) as pool:
        pool.submit(int)  # starts the fork server (importing the simulation) and a worker
        yield pool


def _simulate(
    args: argparse.Namespace, plan: Plan, day: str, progress: Progress, executor: Executor
) -> SimPlan:
    """Run the simulation of ``plan``: progress per staffing level with an ETA, partial files."""
    from dispatch_core.cli.progress import (  # noqa: PLC0415 - lazy: heavy
        SimProgress,
        expected_levels,
    )
    from dispatch_core.sim.desk.plan import simulate_plan  # noqa: PLC0415 - lazy: heavy

    replications = args.replications or (QUICK_REPLICATIONS if args.quick else REPLICATIONS)
    guess = {
        d.name: expected_levels(sum(1 for iv in d.intervals if iv.desk != "closed"))
        for d in plan.days
    }
    terminal = progress.console.is_terminal
    task = progress.add_task(f"simulating, {replications} replications/level", total=None)
    meter = SimProgress(
        expected=sum(guess.values()),
        bar=(progress, task) if terminal else None,
        plain=None if terminal else sys.stderr,
    )

    def on_day(sim_day: SimDay) -> None:
        meter.correct(guess[sim_day.name], sim_day.evaluations, sim_day.name)
        _partial(args, f"sim-{sim_day.name}", sim_day)

    return simulate_plan(
        plan,
        replications=replications,
        seed=args.seed,
        confidence=args.confidence,
        executor=executor,
        curve_day=day,
        on_day=on_day,
        on_evaluation=meter.step,
        recheck_replications=args.verify or 0,
    )


#: Replications per technician staffing level with ``--quick`` (the field run is heavier).
QUICK_FIELD_REPLICATIONS = 5


@dataclass(frozen=True, slots=True)
class _FieldLevel:
    """Progress of one field day in a worker: each staffing level goes through ``relay``."""

    relay: Callable[[str], None]
    day: str

    def __call__(self, counts: tuple[int, ...]) -> None:
        self.relay(f"field {self.day}: technicians {counts}")


@dataclass(frozen=True, slots=True)
class _FieldRuns:
    """The field days submitted to the pool, collected in order (partial files as they come)."""

    args: argparse.Namespace
    futures: tuple[tuple[str, Future[FieldDay]], ...]

    def results(self) -> list[FieldDay]:
        out = []
        for name, future in self.futures:
            found = future.result()
            _partial(self.args, f"field-{name}", found)
            out.append(found)
        return out


@contextmanager
def _field_days(
    args: argparse.Namespace, plan: Plan, day: str, progress: Progress, executor: Executor
) -> Iterator[_FieldRuns]:
    """Submit the technician sizing of the shown day and of every event day (one task each)."""
    from dispatch_core.sim.field.plan import simulate_field_day  # noqa: PLC0415 - lazy: heavy
    from dispatch_core.sim.replicate import relay_calls  # noqa: PLC0415

    scenario = plan.scenario
    names = [day] + [d.name for d in plan.days if d.events and d.name != day]
    names = [n for n in names if any(s.technicians for s in scenario.shifts)]
    quick = QUICK_FIELD_REPLICATIONS if args.quick else REPLICATIONS
    replications = args.replications or quick
    task = progress.add_task("field simulation", total=None)
    terminal = progress.console.is_terminal

    def on_level(message: str) -> None:
        progress.update(task, advance=1, description=message)
        if not terminal:
            print(message, file=sys.stderr)

    with relay_calls(executor, on_level) as relay:
        futures = tuple(
            (
                name,
                executor.submit(
                    simulate_field_day,
                    scenario,
                    name,
                    interval_minutes=plan.interval_minutes,
                    replications=replications,
                    seed=args.seed,
                    confidence=args.confidence,
                    on_evaluation=None if relay is None else _FieldLevel(relay, name),
                ),
            )
            for name in names
        )
        yield _FieldRuns(args, futures)


def _print_field(days: list[FieldDay], console: Console) -> None:
    """Print the technician tables."""
    from dispatch_core.report.field import (  # noqa: PLC0415 - lazy: heavy imports
        field_header,
        field_rollup_rows,
        field_rows,
        target_caption,
    )

    for fd in days:
        table = Table(
            title=f"{fd.day}: technicians per shift, analytic versus simulated "
            f"(search {fd.replications} replications/level, figures from "
            f"{fd.verify_replications} fresh ones, {fd.confidence:.0%} one-sided confidence, "
            f"target {fd.target:.0%} of clocks met)",
            caption=f"clocks met % ± interval: {target_caption(fd)} (the scenario's ticket "
            "targets); tickets opened on the shift's watch",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
        )
        for i, col in enumerate(field_header(compact=True)):
            table.add_column(col, justify="left" if i < 2 else "right")
        for row in field_rows(fd, compact=True):
            table.add_row(*row)
        console.print(table)
        console.print(f"[bold red]{fd.verdict}[/]" if fd.capped else fd.verdict)
    if days:
        headers, rows = field_rollup_rows(days)
        out = Table(title="Technician-hours and headcount", box=box.SIMPLE_HEAD)
        for i, col in enumerate(headers):
            out.add_column(col, justify="left" if i == 0 else "right")
        for row in rows:
            out.add_row(*row)
        console.print(out)


def _print_simulation(sim: SimPlan, day: str, console: Console) -> None:
    """Print the analytic-versus-simulated tables."""
    from dispatch_core.report.plan import (  # noqa: PLC0415 - lazy: heavy imports
        part_timer_rows,
        simulated_classes,
        simulated_header,
        simulated_rows,
        simulated_rule_rows,
    )

    recheck = sim.recheck_replications > 0
    table = Table(
        title=f"{day}: Erlang versus simulated agents (search {sim.replications} "
        f"replications/level; figures from {sim.verify_replications} fresh replications; "
        f"{sim.confidence:.0%} one-sided confidence)",
        caption="req = phone+digital; SL % / ASA s / abandon %: phone, at the simulated "
        "requirement (sim, fresh verification replications the search never used) and as "
        f"rostered (rost); pooled, ± {2 * sim.confidence - 1:.0%} Wilson intervals; verdict "
        "(phone/digital): ok = the bound meets the targets (a claim), thin = too few contacts "
        "to prove it, ? = estimates meet but undecided, NO = an estimate misses"
        + (
            f"; chk: independent re-check, {sim.recheck_replications} replications (red: it "
            "misses a target)"
            if recheck
            else ""
        ),
        box=box.SIMPLE_HEAD,
        pad_edge=False,
    )
    for i, col in enumerate(simulated_header(compact=True, recheck=recheck)):
        table.add_column(col, justify="left" if i < 2 else "right")
    rows = simulated_rows(sim.day(day), compact=True, recheck=recheck)
    for row, cls in zip(rows, simulated_classes(sim, day), strict=True):
        table.add_row(*row, style=_STYLE.get(cls))
    console.print(table)
    if sim.day(day).blended:
        console.print(
            "blended desk: one pool answers phone and digital (phone first, digital backlog on "
            "its own target); sim req = the pool (+0); simulated, not Erlang"
        )
    tally = sim.recheck_tally()
    if tally is not None:
        console.print(f"[bold]{tally}[/]" if tally.holds else f"[bold red]{tally}[/]")
    for title, (headers, rows) in (
        ("Headcount: rule of thumb, Erlang, simulation", simulated_rule_rows(sim)),
        ("Part-timers on event days (beyond full-time desk agents)", part_timer_rows(sim)),
    ):
        out = Table(title=title, box=box.SIMPLE_HEAD)
        for i, col in enumerate(headers):
            out.add_column(col, justify="left" if i == 0 else "right")
        for row in rows:
            out.add_row(*row)
        console.print(out)
    console.print(f"simulated {sim.replications_run:,} desk-days (seed {sim.seed})")


def _interval(text: str) -> int:
    value = int(text)
    if value not in (15, 30, 60):
        msg = f"interval must be 15, 30 or 60 minutes, not {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _replications(text: str) -> int:
    value = int(text)
    if value < 2:
        msg = f"replications must be at least 2, not {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _workers(text: str) -> int:
    value = int(text)
    if value < 1:
        msg = f"workers must be at least 1, not {value}"
        raise argparse.ArgumentTypeError(msg)
    return value


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dispatch-core",
        description="Dispatch and SLA engine for property-management service desks.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    targets = sub.add_parser("targets", help="show the seed service targets per category")
    targets.set_defaults(func=_cmd_targets)
    schema = sub.add_parser("schema", help="print the JSON schema of a domain model")
    schema.add_argument("model", choices=sorted(_SCHEMA_MODELS))
    schema.set_defaults(func=_cmd_schema)
    plan = sub.add_parser(
        "plan",
        help="staffing plan per interval with an HTML report (default: the built-in estate)",
    )
    plan.add_argument("scenario", nargs="?", type=Path, help="scenario TOML file")
    plan.add_argument("--out", type=Path, default=Path("out"), help="report directory (out/)")
    plan.add_argument("--interval", type=_interval, default=30, metavar="{15,30,60}")
    plan.add_argument("--day", help="day shown interval by interval (default: the busiest)")
    plan.add_argument("--no-report", action="store_true", help="print only, write no files")
    plan.add_argument(
        "--roster",
        action="store_true",
        help="propose least-cost shifts covering every interval (CP-SAT) and cost them",
    )
    sim = plan.add_argument_group("simulation")
    sim.add_argument(
        "--simulate", action="store_true", help="re-size the plan with SimPy replications"
    )
    sim.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_REPLICATIONS} replications per level (default {REPLICATIONS})",
    )
    sim.add_argument("--replications", type=_replications, metavar="N")
    sim.add_argument("--seed", type=int, default=0, help="master seed (0)")
    sim.add_argument(
        "--confidence", type=float, default=0.95, help="one-sided confidence of targets (0.95)"
    )
    sim.add_argument("--scheduler", metavar="ADDR", help="dask.distributed scheduler address")
    sim.add_argument(
        "--verify",
        type=_replications,
        metavar="N",
        help="re-check the answer with N fresh replications (a seed nothing else uses) and "
        "print it beside the claim",
    )
    sim.add_argument(
        "--workers", type=_workers, metavar="N", help="local worker processes (every core)"
    )
    plan.set_defaults(func=_cmd_plan)
    configure_events(sub.add_parser("events", help=EVENTS_HELP))
    return parser


def main(argv: Sequence[str] | None = None, *, console: Console | None = None) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).
    console : rich.console.Console, optional
        Where to print (default: standard output).
    """
    parser = _build_parser()
    args = parser.parse_args(argv)
    # Piped output (make run, CI logs) would otherwise be cut to 80 columns.
    out = console or Console(width=None if sys.stdout.isatty() else _PIPE_WIDTH)
    try:
        if args.command == "events":  # JSON lines on plain standard output, not rich
            return run_events(args, sys.stdout)
        func: Callable[[argparse.Namespace, Console], int] = args.func
        return func(args, out)
    except DispatchError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
