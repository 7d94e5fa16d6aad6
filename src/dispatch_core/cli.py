"""The ``dispatch-core`` command.

Sub-commands are registered in :data:`_COMMANDS`; each gets its own parser and a function that
returns the process exit code. Errors from the library (:class:`DispatchError`) are printed as
one readable line and exit with status 2; nothing else is swallowed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence

from rich.console import Console
from rich.table import Table

from dispatch_core import __version__
from dispatch_core.errors import DispatchError
from dispatch_core.model import DEFAULT_PRIORITY, DEFAULT_TARGETS, Category, StaffMember, Ticket
from dispatch_core.model._base import DomainModel

__all__ = ["main"]

_SCHEMA_MODELS: dict[str, type[DomainModel]] = {"staff": StaffMember, "ticket": Ticket}


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
    out = console or Console()
    func: Callable[[argparse.Namespace, Console], int] = args.func
    try:
        return func(args, out)
    except DispatchError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}")
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
