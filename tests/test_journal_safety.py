"""The journal under real-use faults: one writer, stale snapshots, damaged files, the event feed.

Damage is done to real files (bit flips, bursts, truncation of the database and of its WAL,
bad metadata) and the oracle is exact: opening a damaged journal either raises a
:class:`~dispatch_core.errors.JournalError` subclass, or recovers a state equal to the state
after some prefix of the commands that were written.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from dispatch_core import Engine, EngineConfig, StaffMember, Ticket
from dispatch_core.commands import Acknowledge, AddStaff, CommandBase, OpenTicket, Resolve
from dispatch_core.engine.journal import Journal
from dispatch_core.errors import (
    InvalidInputError,
    JournalCorruptError,
    JournalError,
    JournalLockedError,
)

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
SITE = {"edges": [{"a": "depot", "b": "B1", "seconds": 240}, {"a": "B1", "b": "B2", "seconds": 60}]}


def _config(**kw: Any) -> EngineConfig:
    return EngineConfig(site=SITE, **kw)


@cache
def _commands() -> tuple[CommandBase, ...]:
    cmds: list[CommandBase] = [
        AddStaff(
            key=f"s{i}",
            at=T0,
            member=StaffMember(id=f"s{i}", home="depot", properties=["P1"], capacity=3),
        )
        for i in range(3)
    ]
    at = T0
    for i in range(6):
        at += timedelta(minutes=7)
        t = Ticket(id=f"T{i}", property_id="P1", category="repair", location="B2", opened_at=at)
        cmds.append(OpenTicket(key=f"o{i}", at=at, ticket=t))
        if i % 2 == 0:
            cmds.append(Acknowledge(key=f"a{i}", at=at + timedelta(minutes=1), ticket_id=t.id))
    cmds.append(Resolve(key="r0", at=at + timedelta(minutes=30), ticket_id="T0"))
    return tuple(cmds)


@cache
def _prefix_states() -> tuple[str, ...]:
    """The snapshot (as JSON) after each prefix of the commands, the empty one first."""
    eng = Engine(_config())
    states = [json.dumps(eng.snapshot(), sort_keys=True)]
    for cmd in _commands():
        eng.handle(cmd)
        states.append(json.dumps(eng.snapshot(), sort_keys=True))
    return tuple(states)


def _write(path: Path, *, snapshot_every: int = 4) -> None:
    with Engine.open(path, _config(snapshot_every=snapshot_every)) as eng:
        for cmd in _commands():
            eng.handle(cmd)


# -- one writer -----------------------------------------------------------------------------


def test_a_second_opener_in_this_process_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with Journal(path):
        with pytest.raises(JournalLockedError) as info:
            Journal(path)
        assert info.value.path == str(path)
        assert isinstance(info.value, JournalError)
    with Journal(path) as again:  # released on close
        assert again.last_seq == 0


def test_a_second_engine_is_refused_and_the_first_keeps_working(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with Engine.open(path, _config()) as first:
        first.handle(_commands()[0])
        with pytest.raises(JournalLockedError):
            Engine.open(path, _config())
        first.handle(_commands()[1])  # unaffected
    with Engine.open(path, _config()) as reopened:
        assert sorted(reopened.snapshot()["staff"]) == ["s0", "s1"]


_HOLDER = textwrap.dedent(
    """
    import sys, time
    from dispatch_core.engine.journal import Journal
    j = Journal(sys.argv[1])
    print("held", flush=True)
    time.sleep(60)
    """
)


def test_another_process_holding_the_journal_is_refused_until_it_dies(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    holder = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _HOLDER, str(path)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(JournalLockedError):
            Journal(path)
    finally:
        holder.send_signal(signal.SIGKILL)  # no clean-up: the OS releases the lock
        holder.wait(timeout=30)
        if holder.stdout is not None:
            holder.stdout.close()
    with Journal(path) as j:
        assert j.last_seq == 0


# -- snapshots must match the log they claim to cover ---------------------------------------


def test_a_stale_snapshot_is_not_loaded_over_newer_history(tmp_path: Path) -> None:
    """Issue 14: snapshot_every=2, 6 AddStaff, log cut back to 3, 3 new commands, reopen."""
    path = tmp_path / "j.db"
    members = [StaffMember(id=f"s{i}", home="depot", properties=["P1"]) for i in range(6)]
    with Engine.open(path, _config(snapshot_every=2)) as eng:
        for m in members:
            eng.handle(AddStaff(key=m.id, at=T0, member=m))
    db = sqlite3.connect(path)
    db.execute("DELETE FROM log WHERE seq > 3")
    db.commit()
    db.close()
    with Engine.open(path, _config(snapshot_every=2)) as eng:
        assert sorted(eng.snapshot()["staff"]) == ["s0", "s1", "s2"]
        for i in range(3):
            eng.handle(
                AddStaff(key=f"n{i}", at=T0, member=members[i].model_copy(update={"id": f"n{i}"}))
            )
    with Engine.open(path, _config(snapshot_every=2)) as eng:
        assert sorted(eng.snapshot()["staff"]) == ["n0", "n1", "n2", "s0", "s1", "s2"]


def test_a_format_1_journal_is_upgraded_and_replayed(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    _write(path)
    db = sqlite3.connect(path)  # rebuild the 0.1.0 layout: no log_crc, no events, format 1
    db.executescript(
        """
        CREATE TABLE old AS SELECT seq, body, crc FROM snapshot;
        DROP TABLE snapshot; ALTER TABLE old RENAME TO snapshot;
        DROP TABLE events; DROP TABLE consumers;
        UPDATE meta SET v = '1' WHERE k = 'format';
        """
    )
    db.close()
    with Engine.open(path, _config()) as eng:
        assert json.dumps(eng.snapshot(), sort_keys=True) == _prefix_states()[-1]
    with Journal(path) as j:
        assert j.meta("config") is not None
        assert j.latest_snapshot() is None  # unproven snapshots are not used


# -- the event feed at the journal level ------------------------------------------------------


def test_events_are_numbered_on_and_checkpoints_only_move_forward(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with Journal(path) as j:
        j.append([("cmd", "{}")], [(1, "T1", "a"), (2, None, "b")])
        j.append([("cmd", "{}"), ("cmd", "{}")], [(3, "T1", "c")])
        with pytest.raises(InvalidInputError, match="seq"):
            j.append([("cmd", "{}")], [(3, "T1", "again")])
        assert [(e.seq, e.record, e.body) for e in j.events()] == [
            (1, 1, "a"),
            (2, 1, "b"),
            (3, 3, "c"),
        ]
        assert [e.seq for e in j.events(after=1, limit=1)] == [2]
        assert [e.body for e in j.ticket_events("T1")] == ["a", "c"]
        j.ack("crm", 2)
        j.ack("crm", 1)  # older: ignored
        assert (j.checkpoint("crm"), j.checkpoint("other")) == (2, 0)
        for bad in (-1, 4, True):
            with pytest.raises(InvalidInputError, match="seq"):
                j.ack("crm", bad)  # type: ignore[arg-type]
        with pytest.raises(InvalidInputError, match="consumer"):
            j.ack("", 1)
    with Journal(path) as j:
        assert (j.last_event, j.checkpoint("crm")) == (3, 2)


def test_a_damaged_event_raises_typed(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with Journal(path) as j:
        j.append([("cmd", "{}")], [(1, "T1", "a")])
    db = sqlite3.connect(path)
    db.execute("UPDATE events SET body = 'b'")
    db.commit()
    db.close()
    with Journal(path) as j, pytest.raises(JournalCorruptError, match="event 1"):
        j.events()


# -- byte-level damage ------------------------------------------------------------------------


def _image(tmp: Path) -> tuple[Path, Path]:
    """A crash image: the database file and its WAL copied while the engine is still open."""
    src = tmp / "live.db"
    eng = Engine.open(src, _config(snapshot_every=4, synchronous="NORMAL"))
    for cmd in _commands():
        eng.handle(cmd)
    image = tmp / "image"
    image.mkdir()
    for suffix in ("", "-wal"):
        if Path(f"{src}{suffix}").exists():
            shutil.copyfile(f"{src}{suffix}", image / f"j.db{suffix}")
    eng.close()
    return image / "j.db", image / "j.db-wal"


def _damage(rng: random.Random, db: Path, wal: Path) -> str:
    targets = [p for p in (db, wal) if p.exists() and p.stat().st_size > 0]
    target = rng.choice(targets)
    data = bytearray(target.read_bytes())
    how = rng.choice(["flip", "burst", "truncate", "meta"])
    if how == "flip":
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    elif how == "burst":
        start = rng.randrange(len(data))
        for i in range(start, min(len(data), start + rng.randint(1, 512))):
            data[i] = rng.randrange(256)
    elif how == "truncate":
        del data[rng.randrange(len(data)) :]
    target.write_bytes(bytes(data))
    if how == "meta":  # bad stored configuration or format: well-formed SQLite, bad content
        con = sqlite3.connect(db)
        key, value = rng.choice([("config", "{not json"), ("config", "[1]"), ("format", "9")])
        try:
            con.execute("UPDATE meta SET v = ? WHERE k = ?", (value, key))
            con.commit()
        except sqlite3.DatabaseError:
            pass  # the file was already unreadable: that is damage too
        finally:
            con.close()
    return f"{how} {target.name}"


def _check_damaged_open(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    db, wal = _image(tmp_path)
    what = _damage(rng, db, wal)
    try:
        eng = Engine.open(db, _config(snapshot_every=4))
    except JournalError:
        return  # typed, and names the journal
    except Exception as exc:  # the defect under test: anything else escaping
        pytest.fail(f"seed {seed} ({what}): untyped {type(exc).__name__}: {exc}")
    with eng:
        state = json.dumps(eng.snapshot(), sort_keys=True)
    assert state in _prefix_states(), f"seed {seed} ({what}): not a prefix of the history"


@pytest.mark.parametrize("seed", range(24))
def test_damaged_journal_gives_a_prefix_or_a_typed_error(tmp_path: Path, seed: int) -> None:
    _check_damaged_open(tmp_path, seed)


@pytest.mark.slow
def test_damaged_journal_torture(tmp_path: Path) -> None:
    for seed in range(1000, 1400):
        case = tmp_path / str(seed)
        case.mkdir()
        _check_damaged_open(case, seed)
