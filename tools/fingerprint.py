"""Behaviour fingerprint: SHA-256 over every event's JSON, the FieldRun and the engine snapshot.

Refactors that must not change behaviour print the same three digests before and after:

- ``engine``: the engine benchmark's workload (benchmarks/test_bench_engine.py), in memory;
- ``field``: the field pipeline benchmark's run (benchmarks/test_bench_sim.py), seed 1;
- ``scarce``: the same field day with 4 technicians (escalations, unassignable tickets).

Run: ``.venv/bin/python tools/fingerprint.py`` (``--parts`` adds one digest per part: the
events, the snapshot and the FieldRun, to tell which one a change moved).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import simpy

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from dispatch_core.events import event_to_json
from dispatch_core.sim.streams import Streams
from test_bench_engine import engine_in_memory, workload
from test_bench_sim import _field_spec

try:
    from dispatch_core.sim.field.driver import FieldModel
except ImportError:  # the layout before the architecture issue
    from dispatch_core.sim.field import FieldModel  # type: ignore[no-redef]


PARTS = "--parts" in sys.argv


def _digest(events: list[Any], snapshot: dict[str, Any], run: object | None) -> str:
    h = hashlib.sha256()
    parts = [hashlib.sha256() for _ in range(3)]
    for ev in events:
        for x in (h, parts[0]):
            x.update(event_to_json(ev).encode())
            x.update(b"\n")
    for x in (h, parts[1]):
        x.update(json.dumps(snapshot, sort_keys=True, default=str).encode())
    if run is not None:
        for x in (h, parts[2]):
            x.update(repr(dataclasses.asdict(run)).encode())  # type: ignore[call-overload]
    if PARTS:
        names = ("events", "snapshot", "run")
        return h.hexdigest() + "".join(
            f"\n  {n:8} {p.hexdigest()[:16]}" for n, p in zip(names, parts, strict=True)
        )
    return h.hexdigest()


def engine_digest() -> str:
    eng = engine_in_memory()
    events: list[Any] = []
    eng.subscribe(events.append)
    for cmd in workload():
        eng.handle(cmd)
    return _digest(events, eng.snapshot(), None)


def field_digest(technicians: int | None = None) -> str:
    spec = _field_spec()
    if technicians is not None:
        shift = dataclasses.replace(spec.shifts[0], technicians=technicians)
        spec = dataclasses.replace(spec, shifts=(shift,))
    env = simpy.Environment()
    model = FieldModel(env, spec, Streams(1, replication=0))
    events: list[Any] = []
    model.engine.subscribe(events.append)
    model.start()
    env.run(until=model.horizon_s)
    return _digest(events, model.engine.snapshot(), model.result())


if __name__ == "__main__":
    print("engine", engine_digest())
    print("field ", field_digest())
    print("scarce", field_digest(4))
