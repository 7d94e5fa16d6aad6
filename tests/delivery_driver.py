"""Child process for the delivery tests: an engine that commits, then delivers its events.

Run as ``python -m tests.delivery_driver JOURNAL SINK SEED N SYNC``. The process imports
everything once and then serves sessions: for each line ``run S WHERE K`` on its standard input
it forks a child that runs :func:`session` (session seed ``S``, parked at ``WHERE`` the
``K``-th time, script of ``N`` commands, ``synchronous=SYNC``) and prints ``pid <pid>``; the
line ``reap`` waits for that child and prints ``exit <pid> <status>``. The parent SIGKILLs the
child whenever it likes (the zombie keeps its pid until ``reap``, so a kill never hits another
process), and hundreds of kills cost a fork each instead of an interpreter start.

A session is the loop of a real service: open the journal (recovery), resume the consumer
``sink`` from its checkpoint, then repeatedly handle a batch of commands (one transaction),
print what was acknowledged, and deliver the new events to the sink file before acknowledging
them to the journal (``ack`` after delivery). Its own seeded generator adds pauses right
after a commit, between the sink writes and between the writes and the ack, so that kills
land in every window. The sink is a text file of lines
``start\\t<checkpoint>\\t<session seed>`` (a session began there) and
``<seq>\\t<event json>``; a line cut by a kill is closed with a newline by the next session
before it writes.

Lines printed (each one ``write``, so they never interleave): ``ack <key> <seqs> <crc>`` for
every accepted command (its events' ``seq`` list and the CRC32 of their JSON, joined by
newlines), ``commit`` after each batch, ``parked``, ``done`` when the script is finished.
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
import time
import traceback
import zlib
from collections.abc import Callable
from pathlib import Path

from dispatch_core import commands as c
from dispatch_core.engine import Engine, EngineConfig
from dispatch_core.engine.feed import EventFeed
from dispatch_core.errors import ClockError
from dispatch_core.events import EventBase, event_to_json
from tests.crash_driver import parts, script


def config(synchronous: str) -> EngineConfig:
    """Small group commits and frequent snapshots, so that kills land in and around them."""
    return EngineConfig(snapshot_every=25, group_commit=4, synchronous=synchronous)  # type: ignore[arg-type]


CONSUMER = "sink"


def script_length(kills: int) -> int:
    """Commands in the script of a run with ``kills`` kills (about ten per session)."""
    return max(240, 10 * kills)


def _say(line: str) -> None:
    os.write(1, (line + "\n").encode())


def _sink_writer(sink: Path) -> Callable[[str], None]:
    fd = os.open(sink, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    if os.fstat(fd).st_size:
        with sink.open("rb") as f:
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":  # the last session was killed in the middle of a line
                os.write(fd, b"\n")
    return lambda text: _write_all(fd, text.encode())


def _write_all(fd: int, data: bytes) -> None:
    while data:
        data = data[os.write(fd, data) :]


def _resume_position(eng: Engine, items: list[c.CommandBase | str]) -> int:
    """Index of the first script item after the last command the journal has accepted."""
    for i in range(len(items) - 1, -1, -1):
        item = items[i]
        if not isinstance(item, str) and eng.result(item.key) is not None:
            return i + 1
    return 0


def session(
    journal: Path,
    sink: Path,
    seed: int,
    session_seed: int,
    n: int,
    *,
    synchronous: str = "FULL",
    park: str = "",
    park_after: int = 0,
) -> None:
    """One life of the service (see the module docstring); returns when the script is done.

    With ``park="commit"`` the session stops dead after its ``park_after``-th commit, before
    delivering anything of it; with ``park="ack"`` after its ``park_after``-th delivery to the
    sink, before acknowledging it. It prints ``parked`` and waits there to be killed: a kill in
    that very window, whatever the machine's load.
    """
    rng = random.Random(session_seed)
    items = script(seed, n)
    eng = Engine.open(journal, config(synchronous), **parts(seed))
    # Half the sessions consume through a separate reader, as another process would.
    feed = EventFeed(journal) if rng.random() < 0.5 else None
    write = _sink_writer(sink)
    after = eng.checkpoint(CONSUMER) if feed is None else feed.checkpoint(CONSUMER)
    write(f"start\t{after}\t{session_seed}\n")

    def parked(where: str, count: int) -> None:
        if park == where and count == park_after:
            _say("parked")
            time.sleep(600)  # until the parent's SIGKILL

    deliveries = 0

    def deliver() -> None:
        nonlocal after, deliveries
        while True:
            limit = rng.randint(1, 12)
            if feed is None:
                bodies = [(ev.seq, event_to_json(ev)) for ev in eng.events(after, limit)]
            else:
                bodies = [(it.seq, event_to_json(it.event)) for it in feed.read(after, limit)]
            if not bodies:
                return
            lines = [f"{seq}\t{body}\n" for seq, body in bodies]
            if rng.random() < 0.5:
                write("".join(lines))
            else:
                for line in lines:
                    write(line)
                    if rng.random() < 0.05:
                        time.sleep(0.001)  # a kill may land between two writes
            deliveries += 1
            parked("ack", deliveries)
            if rng.random() < 0.1:
                time.sleep(0.002)  # ... or between the delivery and its ack
            after = bodies[-1][0]
            if rng.random() < 0.8:  # sometimes the ack waits for the next round
                if feed is None:
                    eng.ack(CONSUMER, after)
                else:
                    feed.ack(CONSUMER, after)

    deliver()  # what was committed but not delivered before the last kill
    i = _resume_position(eng, items)
    commits = 0
    last_at = None
    for item in items[:i]:
        if not isinstance(item, str):
            last_at = item.at
    while i < len(items):
        item = items[i]
        if isinstance(item, str):
            i += 1
            if last_at is not None:
                # A command that was refused may have moved time past it: then nothing to do.
                with contextlib.suppress(ClockError):
                    eng.advance(last_at)
            continue
        batch: list[c.CommandBase] = []
        size = rng.randint(1, 6)
        while i < len(items) and not isinstance(items[i], str) and len(batch) < size:
            batch.append(items[i])  # type: ignore[arg-type]
            i += 1
        results = eng.handle_many(batch)
        for cmd, res in zip(batch, results, strict=True):
            last_at = cmd.at
            if isinstance(res, list):
                _say(f"ack {cmd.key} {_seqs(res)} {_crc(res)}")
        _say("commit")
        commits += 1
        parked("commit", commits)
        if rng.random() < 0.5:
            time.sleep(0.003)  # committed, not yet delivered: the window under test
        deliver()
    deliver()
    _say("done")
    if feed is not None:
        feed.close()
    eng.close()


def _seqs(events: list[EventBase]) -> str:
    return ",".join(str(ev.seq) for ev in events) or "-"


def _crc(events: list[EventBase]) -> int:
    return zlib.crc32("\n".join(event_to_json(ev) for ev in events).encode())


def serve(journal: Path, sink: Path, seed: int, n: int, synchronous: str) -> None:
    """Fork one session per ``run S WHERE K`` line; ``reap`` waits for it (module docstring)."""
    child = 0
    for line in sys.stdin:
        word, *args = line.split()
        if word == "run":
            sys.stdout.flush()
            child = os.fork()
            if child == 0:
                status = 0
                try:
                    session(
                        journal,
                        sink,
                        seed,
                        int(args[0]),
                        n,
                        synchronous=synchronous,
                        park=args[1],
                        park_after=int(args[2]),
                    )
                except BaseException as exc:
                    traceback.print_exc()
                    _say(f"error {exc!r}")
                    status = 1
                os._exit(status)
            _say(f"pid {child}")
        elif word == "reap":
            _, status = os.waitpid(child, 0)
            _say(f"exit {child} {status}")


if __name__ == "__main__":
    journal_arg, sink_arg, seed_arg, n_arg, sync_arg = sys.argv[1:6]
    serve(Path(journal_arg), Path(sink_arg), int(seed_arg), int(n_arg), sync_arg)
