"""Child process for the crash tests: drives a journalled engine and reports acknowledgements.

Run as ``python -m tests.crash_driver JOURNAL SEED``. For every command whose result came back
(i.e. durable) it prints ``ack <key>`` and flushes, so the parent knows what was acknowledged
before it kills this process with SIGKILL.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import timedelta
from typing import Any

from dispatch_core import commands as c
from dispatch_core.engine import Engine, EngineConfig
from dispatch_core.events import event_to_json
from dispatch_core.testing import FakeDispatcher, FakeSla
from tests.engine_fakes import T0, TICKET_CMDS, real_dispatcher, real_sla, tech, ticket

CONFIG = EngineConfig(snapshot_every=7, group_commit=4)


def parts(seed: int) -> dict[str, Any]:
    """Even seeds run the package's own parts, odd ones the test doubles."""
    if seed % 2 == 0:
        return {"dispatcher": real_dispatcher(), "sla": real_sla(CONFIG)}
    return {"dispatcher": FakeDispatcher(), "sla": FakeSla()}


def script(seed: int, n: int = 400) -> list[c.CommandBase | str]:
    """A deterministic stream of commands (and ``"advance"`` markers)."""
    rng = random.Random(seed)
    out: list[c.CommandBase | str] = []
    at, tickets, staff = T0, 0, 0
    for i in range(n):
        at += timedelta(minutes=rng.randint(0, 20))
        key = f"{seed}-{i}"
        roll = rng.random()
        if staff < 2 or roll < 0.08:
            member = tech(
                f"s{staff}",
                props=rng.sample(["P1", "P2"], rng.randint(1, 2)),
                capacity=rng.randint(1, 3),
            )
            out.append(c.AddStaff(key=key, at=at, member=member))
            staff += 1
        elif roll < 0.35:
            out.append(
                c.OpenTicket(
                    key=key,
                    at=at,
                    ticket=ticket(
                        f"T{tickets}",
                        prop=rng.choice(["P1", "P2"]),
                        at=at,
                        category=rng.choice(["repair", "complaint", "inquiry"]),
                    ),
                )
            )
            tickets += 1
        elif roll < 0.45:
            out.append("advance")
        elif roll < 0.5:
            out.append(c.StaffOffShift(key=key, at=at, staff_id=f"s{rng.randrange(staff)}"))
        elif roll < 0.55:
            out.append(c.StaffOnShift(key=key, at=at, staff_id=f"s{rng.randrange(staff)}"))
        else:
            kind = rng.choice(TICKET_CMDS)
            out.append(kind(key=key, at=at, ticket_id=f"T{rng.randrange(max(tickets, 1))}"))
    return out


def transcript(seed: int) -> str:
    """Every event (and the final snapshot) of an in-memory run of ``script(seed)``, as JSON."""
    eng = Engine(CONFIG, **parts(seed))
    lines, last_at = [], T0
    for item in script(seed):
        if isinstance(item, str):
            events = eng.advance(last_at)
        else:
            last_at = item.at
            result = eng.handle_many([item])[0]
            events = result if isinstance(result, list) else []
        lines.extend(event_to_json(ev) for ev in events)
    lines.append(json.dumps(eng.snapshot(), sort_keys=True))
    return "\n".join(lines)


def main() -> None:
    if sys.argv[1] == "--transcript":
        print(transcript(int(sys.argv[2])))
        return
    path, seed = sys.argv[1], int(sys.argv[2])
    rng = random.Random(seed * 7919)
    eng = Engine.open(path, CONFIG, **parts(seed))
    stream = script(seed)
    i, last_at = 0, T0
    while i < len(stream):
        item = stream[i]
        if item == "advance":
            eng.advance(last_at)
            i += 1
            continue
        batch: list[c.CommandBase] = []
        while i < len(stream) and stream[i] != "advance" and len(batch) < rng.randint(1, 6):
            batch.append(stream[i])  # type: ignore[arg-type]
            i += 1
        results = eng.handle_many(batch)
        for cmd, res in zip(batch, results, strict=True):
            last_at = max(last_at, cmd.at)
            if isinstance(res, list):
                print("ack", cmd.key, flush=True)
    print("done", flush=True)


if __name__ == "__main__":
    main()
