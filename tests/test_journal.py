from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dispatch_core.engine.journal import Journal, checksum
from dispatch_core.errors import InvalidInputError, JournalCorruptError, JournalError


def _fill(path: Path, n: int) -> None:
    with Journal(path) as j:
        j.append([("cmd", f'{{"n":{i}}}') for i in range(n)])


def test_append_read_and_reopen(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    _fill(path, 5)
    with Journal(path, synchronous="NORMAL") as j:
        assert j.last_seq == 5
        assert [s for s, _, _ in j.read()] == [1, 2, 3, 4, 5]
        assert [s for s, _, _ in j.read(after=3)] == [4, 5]
        assert j.append([("tick", "{}")]) == 6


def _corrupt(path: Path, seq: int) -> None:
    db = sqlite3.connect(path)
    db.execute("UPDATE log SET body = body || 'x' WHERE seq = ?", (seq,))
    db.commit()
    db.close()


def test_torn_last_record_is_discarded(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    _fill(path, 4)
    _corrupt(path, 4)
    with Journal(path) as j:
        assert [s for s, _, _ in j.read()] == [1, 2, 3]
        assert j.last_seq == 3
        assert j.append([("cmd", "{}")]) == 4  # the slot is reused
    with Journal(path) as j:
        assert [s for s, _, _ in j.read()] == [1, 2, 3, 4]


def test_corruption_in_the_middle_raises(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    _fill(path, 4)
    _corrupt(path, 2)
    with Journal(path) as j, pytest.raises(JournalCorruptError):
        list(j.read())


def test_gap_in_numbering_raises(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    _fill(path, 4)
    db = sqlite3.connect(path)
    db.execute("DELETE FROM log WHERE seq = 2")
    db.commit()
    db.close()
    with Journal(path) as j, pytest.raises(JournalCorruptError):
        list(j.read())


def test_snapshots_keep_the_newest_valid(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    _fill(path, 10)
    with Journal(path, keep_snapshots=2) as j:
        assert j.latest_snapshot() is None
        for seq in (3, 6, 9):
            j.write_snapshot(seq, f'{{"s":{seq}}}')
        assert j.latest_snapshot() == (9, '{"s":9}')
    db = sqlite3.connect(path)
    assert [r[0] for r in db.execute("SELECT seq FROM snapshot ORDER BY seq")] == [6, 9]
    db.execute("UPDATE snapshot SET body = 'garbage' WHERE seq = 9")
    db.commit()
    db.close()
    with Journal(path) as j:
        assert j.latest_snapshot() == (6, '{"s":6}')


def test_checksum_covers_seq_kind_and_body() -> None:
    base = checksum(1, "cmd", "{}")
    assert base != checksum(2, "cmd", "{}")
    assert base != checksum(1, "tick", "{}")
    assert base != checksum(1, "cmd", "{ }")


def test_bad_settings_and_foreign_files(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError):
        Journal(tmp_path / "x.db", synchronous="OFF")  # type: ignore[arg-type]
    bad = tmp_path / "not-a-db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(JournalError):
        Journal(bad)


def test_the_write_ahead_log_starts_over_under_continuous_writes(tmp_path: Path) -> None:
    """Checkpoints run off the writer's path and still let SQLite reuse the log file.

    Without the checkpointer's last, locked round a passive checkpoint never reaches the end
    of a log that keeps growing, and the file grows by ~14 kB a commit (84 MB here).
    """
    path = tmp_path / "j.db"
    body = "x" * 300
    with Journal(path, synchronous="NORMAL") as j:
        for i in range(6000):
            j.append([("cmd", body)], [(i + 1, "T", body)])
        wal = (tmp_path / "j.db-wal").stat().st_size
        assert wal < 40_000_000, wal
        assert len(list(j.read())) == 6000
    with Journal(path) as again:  # everything is there after the last checkpoint on close
        assert again.last_seq == 6000
        assert len(again.events(after=5990)) == 10


def test_events_past_the_end_of_the_log_are_dropped_on_open(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with Journal(path) as j:
        j.append([("cmd", "{}")], [(1, "T-1", '{"seq":1}')])
        two = [(2, None, '{"seq":2}'), (3, None, '{"seq":3}')]
        j.append([("cmd", "{}"), ("cmd", "{}")], two, owners=[0, 1])
    db = sqlite3.connect(path)
    db.execute("DELETE FROM log WHERE seq = 3")  # the log was cut back after its events
    db.commit()
    db.close()
    with Journal(path) as again:
        assert [e.seq for e in again.events()] == [1, 2]  # the dropped record's events went


@pytest.mark.parametrize("owners", [[0], [0, 2], [-1, 0], [1, 0, 0]])
def test_owners_that_do_not_name_a_record_per_event_are_refused(
    tmp_path: Path, owners: list[int]
) -> None:
    events = [(1, "T-1", '{"seq":1}'), (2, "T-1", '{"seq":2}')]
    with Journal(tmp_path / "j.db") as j:
        with pytest.raises(InvalidInputError, match="owners"):
            j.append([("cmd", "{}"), ("cmd", "{}")], events, owners=owners)
        assert (j.last_seq, j.last_event) == (0, 0)  # nothing of the batch was written
        j.append([("cmd", "{}"), ("cmd", "{}")], events, owners=[0, 0])
        assert [(e.seq, e.record) for e in j.events()] == [(1, 1), (2, 1)]  # not the last
