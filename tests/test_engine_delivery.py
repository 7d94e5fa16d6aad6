"""At-least-once delivery under SIGKILL: a service killed between commit and delivery loses nothing.

A driver process (:mod:`tests.delivery_driver`) handles commands on a journalled engine and
delivers the events to a sink file, acknowledging each delivery to the journal's consumer
checkpoint. The test SIGKILLs it at seeded random moments — parked right after a commit
(committed, not delivered), on reading a commit (in the middle of delivering it), or after a
random delay (recovery, a transaction, a sink write, the ack) — and starts it again, until
the script is done. Then the sink, de-duplicated by ``seq``, must be the journal's whole event
list, in order, without gaps, and every acknowledged command's events must be in it.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from dispatch_core.engine.feed import EventFeed
from dispatch_core.events import event_to_json
from tests.delivery_driver import script_length

ROOT = Path(__file__).parents[1]
_TIMEOUT_S = 120.0


@dataclass
class Acked:
    """What the driver printed for one accepted command: its events' seqs and their CRC."""

    key: str
    seqs: list[int]
    crc: int


@dataclass
class Session:
    """One life of the driver as the parent saw it."""

    seed: int
    plan: str
    killed: bool
    acked: list[Acked] = field(default_factory=list)
    done: bool = False


class Driver:
    """The forking driver process and the line protocol of :mod:`tests.delivery_driver`."""

    def __init__(self, journal: Path, sink: Path, seed: int, n: int, synchronous: str) -> None:
        self.proc = subprocess.Popen(  # noqa: S603 - our own driver module
            [sys.executable, "-m", "tests.delivery_driver", str(journal), str(sink), str(seed),
             str(n), synchronous],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        )  # fmt: skip
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self._in, self._out = self.proc.stdin, self.proc.stdout.fileno()
        self._buf = b""

    def line(self, timeout: float) -> str | None:
        """The next line printed, or ``None`` when none came within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._out], [], [], left)[0]:
                return None
            chunk = os.read(self._out, 65536)
            if not chunk:
                raise AssertionError("the driver process ended")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\n", 1)
        return raw.decode()

    def send(self, text: str) -> None:
        self._in.write(text.encode() + b"\n")
        self._in.flush()

    def session(self, session_seed: int, plan: str, arg: float) -> Session:
        """Run one session; ``plan`` says when to kill it (``"none"``: let it finish)."""
        where = plan.removeprefix("park-") if plan.startswith("park-") else "-"
        self.send(f"run {session_seed} {where} {int(arg)}")
        first = self.line(_TIMEOUT_S)
        assert first is not None
        assert first.startswith("pid "), first
        pid = int(first.split()[1])
        out = Session(session_seed, plan, killed=False)
        started, commits = time.monotonic(), 0
        while True:
            wait = started + arg - time.monotonic() if plan == "delay" else _TIMEOUT_S
            got = self.line(max(wait, 0.0))
            if got is None:
                assert plan == "delay", f"session {session_seed} printed nothing for a while"
                break
            self._note(out, got)
            if got == "commit":
                commits += 1
                if plan == "commit" and commits >= arg:
                    break
            if got in ("done", "parked"):
                break
        if not out.done:
            os.kill(pid, signal.SIGKILL)  # a zombie until "reap": the pid is still ours
            out.killed = True
        self.send("reap")
        while (got := self.line(_TIMEOUT_S)) is not None and not got.startswith("exit "):
            self._note(out, got)  # printed before the kill landed
        assert got is not None
        status = int(got.split()[2])
        assert status == (signal.SIGKILL if out.killed else 0), got
        return out

    @staticmethod
    def _note(out: Session, got: str) -> None:
        assert not got.startswith("error"), got
        if got.startswith("ack "):
            _, key, seqs, crc = got.split()
            out.acked.append(Acked(key, [] if seqs == "-" else _ints(seqs), int(crc)))
        elif got == "done":
            out.done = True

    def close(self) -> None:
        self._in.close()
        self.proc.wait(timeout=_TIMEOUT_S)
        assert self.proc.stdout is not None
        self.proc.stdout.close()


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",")]


def _plan(rng: random.Random) -> tuple[str, float]:
    """When to kill: parked after a commit or before an ack, on a commit, or after a delay."""
    plan = rng.choice(["park-commit", "park-ack", "commit", "delay"])
    if plan == "delay":
        return plan, rng.uniform(0.0, 0.1)
    return plan, rng.randint(1, 3)


@dataclass
class Segment:
    """The sink lines one session wrote: where it resumed, and what it delivered."""

    start: int
    session: int
    delivered: list[tuple[int, str]] = field(default_factory=list)
    torn: int = 0


def _segments(sink: Path, journal: dict[int, str]) -> list[Segment]:
    """Split the sink by session; a line cut by a kill must end its session's segment."""
    segments: list[Segment] = []
    for raw in sink.read_bytes().decode().split("\n")[:-1]:
        tag, _, body = raw.partition("\t")
        if tag == "start":
            start, session = body.split("\t")
            segments.append(Segment(int(start), int(session)))
            continue
        seg = segments[-1]
        assert not seg.torn, "a line after a torn one in the same session"
        if tag.isdigit() and journal.get(int(tag)) == body:
            seg.delivered.append((int(tag), body))
        else:
            seg.torn += 1  # a prefix of a line: the kill landed in the middle of a write
    return segments


def kill_and_resume(tmp: Path, seed: int, kills: int, synchronous: str) -> dict[str, int]:
    """SIGKILL the driver ``kills`` times, finish the script, and check the delivered stream.

    With ``synchronous="NORMAL"`` (WAL without a sync per commit) the claim is the same: a
    process crash loses no acknowledged command and no event; only power loss may.
    """
    rng = random.Random(seed)
    journal, sink = tmp / f"delivery-{seed}.db", tmp / f"sink-{seed}.txt"
    driver = Driver(journal, sink, seed, script_length(kills), synchronous)
    sessions: list[Session] = []
    try:
        while len(sessions) < kills:
            plan, arg = _plan(rng)
            sessions.append(driver.session(rng.randrange(2**32), plan, arg))
            assert not sessions[-1].done, "the script ended before the last kill"
        sessions.append(driver.session(rng.randrange(2**32), "none", 0))
    finally:
        driver.close()
    assert sessions[-1].done
    assert all(s.killed for s in sessions[:-1])

    with EventFeed(journal) as feed:
        stored = {item.seq: event_to_json(item.event) for item in feed.read()}
    assert list(stored) == list(range(1, len(stored) + 1)), "the journal's events have a gap"

    segments = _segments(sink, stored)
    by_seed = {s.seed: s for s in sessions}
    assert len(by_seed) == len(sessions)
    assert [by_seed[seg.session] for seg in segments] == [  # killed before: nothing to show
        s for s in sessions if s.seed in {seg.session for seg in segments}
    ]
    assert not any(s.acked for s in sessions if s not in [by_seed[g.session] for g in segments])
    assert segments[-1].torn == 0
    assert segments[-1].session == sessions[-1].seed
    first_seen: dict[int, str] = {}
    redelivered = 0
    window = 0  # sessions killed with events committed but not yet delivered
    resumed = 0
    for seg in segments:
        sess = by_seed[seg.session]
        # The checkpoint never runs ahead of delivery, and never goes back.
        assert resumed <= seg.start <= max(first_seen, default=0)
        resumed = seg.start
        seqs = [seq for seq, _ in seg.delivered]
        assert seqs == list(range(seg.start + 1, seg.start + 1 + len(seqs))), "out of order"
        for seq, body in seg.delivered:
            if seq in first_seen:
                redelivered += 1
            first_seen.setdefault(seq, body)
        committed = max((max(a.seqs) for a in sess.acked if a.seqs), default=0)
        if sess.killed and committed > max(seqs, default=seg.start):
            window += 1
    # De-duplicated by seq, the delivered stream is the journal's event list.
    assert list(first_seen) == list(stored)
    assert first_seen == stored
    # Every acknowledged command's events are stored (and so delivered), byte for byte.
    acked = [a for s in sessions for a in s.acked]
    for a in acked:
        text = "\n".join(stored[seq] for seq in a.seqs)
        assert zlib.crc32(text.encode()) == a.crc, f"command {a.key}: events differ"
    return {
        "kills": kills,
        "events": len(stored),
        "acked_commands": len(acked),
        "redelivered": redelivered,
        "killed_between_commit_and_delivery": window,
        "torn_sink_lines": sum(seg.torn for seg in segments),
        "parked_after_commit": sum(s.plan == "park-commit" for s in sessions),
        "parked_before_ack": sum(s.plan == "park-ack" for s in sessions),
    }


@pytest.mark.parametrize(("seed", "synchronous"), [(2, "FULL"), (3, "NORMAL")])
def test_a_consumer_resuming_from_its_checkpoint_gets_every_event_once_in_order(
    tmp_path: Path, seed: int, synchronous: str
) -> None:
    stats = kill_and_resume(tmp_path, seed, kills=8, synchronous=synchronous)
    print(stats)
    assert stats["parked_after_commit"] > 0
    assert stats["parked_before_ack"] > 0
    assert stats["killed_between_commit_and_delivery"] > 0
    assert stats["redelivered"] > 0  # at-least-once was exercised, not only once-and-done


@pytest.mark.slow
@pytest.mark.parametrize(("seed", "synchronous"), [(100, "FULL"), (101, "NORMAL")])
def test_three_hundred_kills(tmp_path: Path, seed: int, synchronous: str) -> None:
    stats = kill_and_resume(tmp_path, seed, kills=300, synchronous=synchronous)
    print(stats)
    assert stats["kills"] >= 300
    assert stats["killed_between_commit_and_delivery"] >= stats["parked_after_commit"] // 2 > 25
    assert stats["redelivered"] > 0
