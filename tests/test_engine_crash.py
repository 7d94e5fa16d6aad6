"""Crash tests: a child process drives a journalled engine and is killed with SIGKILL."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from dispatch_core.engine import Engine
from tests.crash_driver import CONFIG, parts

ROOT = Path(__file__).parents[1]


def _open(path: Path, seed: int) -> Engine:
    return Engine.open(path, CONFIG, **parts(seed))


def crash_once(tmp: Path, seed: int) -> None:
    rng = random.Random(seed)
    path = tmp / f"crash-{seed}.db"
    acked: list[str] = []
    proc = subprocess.Popen(  # noqa: S603 - our own driver module
        [sys.executable, "-m", "tests.crash_driver", str(path), str(seed)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    kill_after = rng.randint(0, 120)
    started = time.monotonic()
    for line in proc.stdout:
        if line.startswith("ack "):
            acked.append(line.split()[1])
        if len(acked) >= kill_after or time.monotonic() - started > 60:
            break
    time.sleep(rng.random() * 0.05)  # land the kill at a random point of the next batch
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    for line in proc.stdout:  # acks printed before the kill landed
        if line.startswith("ack "):
            acked.append(line.split()[1])
    proc.stdout.close()

    db = sqlite3.connect(path)
    keys = [json.loads(b)["key"] for (b,) in db.execute("SELECT body FROM log WHERE kind='cmd'")]
    db.close()
    assert len(keys) == len(set(keys)), "a command was journalled twice"
    assert set(acked) <= set(keys), "an acknowledged command was lost"

    with _open(path, seed) as eng:
        recovered = eng.snapshot()
        assert all(eng.result(key) is not None for key in acked)
        now = eng.state.now
    # a fresh replay of the whole log (no snapshots) gives the same state
    fresh = tmp / f"fresh-{seed}.db"
    shutil.copy(path, fresh)
    db = sqlite3.connect(fresh)
    db.execute("DELETE FROM snapshot")
    db.commit()
    db.close()
    with _open(fresh, seed) as eng:
        assert eng.snapshot() == recovered
    # overdue SLA timers fire on the first advance after recovery
    if now is not None:
        with _open(path, seed) as eng:
            due = eng.next_deadline()
            later = now + timedelta(days=30)
            fired = eng.advance(later)
            if due is not None and due <= later:
                assert fired
            after = eng.next_deadline()
            assert after is None or after > later


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_crash_recovery_fast(tmp_path: Path, seed: int) -> None:
    crash_once(tmp_path, seed)


@pytest.mark.slow
def test_crash_recovery_many(tmp_path: Path) -> None:
    for seed in range(100, 160):
        crash_once(tmp_path, seed)


@pytest.mark.parametrize("seed", [4, 5])
def test_byte_identical_events_across_processes(seed: int) -> None:
    """Same commands → same event bytes, even with different string-hash seeds."""
    outs = []
    for hashseed in ("1", "2"):
        proc = subprocess.run(  # noqa: S603 - our own driver module
            [sys.executable, "-m", "tests.crash_driver", "--transcript", str(seed)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": hashseed},
        )
        outs.append(proc.stdout)
    assert outs[0] == outs[1]
    assert outs[0].count("ticket_assigned") > 0
