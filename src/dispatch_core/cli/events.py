"""``dispatch-core events JOURNAL``: print a journal's events as JSON lines.

Reads through :class:`~dispatch_core.engine.feed.EventFeed`, so it works while the engine that
holds the journal keeps running. ``--follow`` keeps printing new events as they are stored;
``--consumer NAME`` starts after that consumer's checkpoint and, with ``--ack``, moves the
checkpoint as lines are written (at-least-once delivery to whatever reads standard output).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from dispatch_core.engine.events import event_to_json
from dispatch_core.engine.feed import EventFeed

__all__ = ["HELP", "configure", "run"]

#: The sub-command's one-line help.
HELP = "print a journal's events as JSON lines (works while the engine runs)"


def configure(events: argparse.ArgumentParser) -> None:
    """Add the ``events`` sub-command's arguments to its parser."""
    events.add_argument("journal", type=Path, help="the engine's journal file")
    events.add_argument("--after", type=int, default=None, help="start after this seq (0)")
    events.add_argument("--limit", type=int, default=None, help="print at most N events")
    events.add_argument("--follow", action="store_true", help="keep printing new events")
    events.add_argument("--poll", type=float, default=0.5, help="seconds between polls (0.5)")
    events.add_argument("--consumer", help="start after this consumer's checkpoint")
    events.add_argument(
        "--ack", action="store_true", help="with --consumer: move its checkpoint as it prints"
    )
    events.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print the events; return the exit status (0)."""
    stream = out if out is not None else sys.stdout
    with EventFeed(args.journal) as feed:
        after = args.after
        if after is None:
            after = feed.checkpoint(args.consumer) if args.consumer else 0
        items = (
            feed.follow(after, poll_s=args.poll)
            if args.follow
            else iter(feed.read(after=after, limit=args.limit))
        )
        for printed, item in enumerate(items, start=1):
            stream.write(event_to_json(item.event) + "\n")
            stream.flush()
            if args.consumer and args.ack:
                feed.ack(args.consumer, item.seq)
            if args.limit is not None and printed >= args.limit:
                break
    return 0
