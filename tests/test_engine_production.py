"""The engine as platforms run it: threads, retries, failing subscribers, durable time, the feed."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dispatch_core import Engine, EngineConfig, IdempotencyConflictError, StaffMember, Ticket
from dispatch_core.commands import AddStaff, OpenTicket
from dispatch_core.engine.events import EventBase, event_to_json
from dispatch_core.engine.observe import MetricsObserver
from dispatch_core.errors import ClockError, InvalidInputError

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
SITE = {"edges": [{"a": "depot", "b": "B1", "seconds": 60}]}


def _config(**kw: object) -> EngineConfig:
    return EngineConfig(site=SITE, **kw)  # type: ignore[arg-type]


def _staff(eng: Engine, n: int = 8) -> None:
    for i in range(n):
        member = StaffMember(id=f"s{i}", home="depot", properties=["P1"], capacity=50)
        eng.handle(AddStaff(key=f"s{i}", at=T0, member=member))


def _open(i: int, at: datetime = T0) -> OpenTicket:
    t = Ticket(id=f"T{i}", property_id="P1", category="repair", location="B1", opened_at=at)
    return OpenTicket(key=f"o{i}", at=at, ticket=t)


@pytest.mark.parametrize("durable", [False, True], ids=["memory", "journal"])
def test_eight_threads_each_get_exactly_their_own_events(tmp_path: Path, durable: bool) -> None:
    eng = Engine.open(tmp_path / "j.db", _config()) if durable else Engine(_config())
    _staff(eng)
    replies: dict[int, list[EventBase]] = {}
    errors: list[BaseException] = []

    def worker(w: int) -> None:
        try:
            for j in range(50):
                i = w * 1000 + j
                replies[i] = eng.handle(_open(i))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(replies) == 400
    for i, events in replies.items():
        assert {ev.ticket_id for ev in events} == {f"T{i}"}  # type: ignore[attr-defined]
        assert [ev.type for ev in events] == ["ticket_opened", "ticket_assigned"]
    seqs = sorted(ev.seq for events in replies.values() for ev in events)
    assert seqs == list(range(seqs[0], seqs[0] + 800))  # gapless, nobody's lost or doubled
    assert [ev.seq for ev in eng.events(after=seqs[0] - 1)] == seqs
    eng.close()


def test_a_retry_restamped_with_the_time_of_the_retry_gets_the_original_result() -> None:
    eng = Engine(_config())
    _staff(eng, 1)
    first = eng.handle(_open(1))
    retry = _open(1).model_copy(update={"at": T0 + timedelta(minutes=5)})
    assert eng.handle(retry) == first
    other = _open(2).model_copy(update={"key": "o1"})
    with pytest.raises(IdempotencyConflictError) as info:
        eng.handle(other)
    assert (info.value.field, info.value.seq) == ("key", first[0].seq)
    assert "T2" not in eng.snapshot()["tickets"]


def test_a_failing_subscriber_is_logged_and_the_command_stands(
    caplog: pytest.LogCaptureFixture,
) -> None:
    observer = MetricsObserver()
    eng = Engine(_config(), observer=observer)
    seen: list[int] = []

    def broken(ev: EventBase) -> None:
        raise RuntimeError("the message bus is down")

    eng.subscribe(broken)
    eng.subscribe(lambda ev: seen.append(ev.seq))
    with caplog.at_level(logging.ERROR, logger="dispatch_core"):
        events = eng.handle(
            AddStaff(key="k", at=T0, member=StaffMember(id="w", home="depot", properties=["P1"]))
        )
    assert [ev.seq for ev in events] == seen == [1]  # the next subscriber still got it
    assert "subscriber" in caplog.text
    assert observer.subscriber_failures == 1
    assert observer.commands == 1
    assert [ev.seq for ev in eng.events()] == [1]  # the failed one resumes from the feed


def test_time_that_passed_is_durable(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    with Engine.open(path, _config()) as eng:
        _staff(eng, 1)
        assert eng.advance(T0 + timedelta(hours=2)) == []  # nothing due
        with pytest.raises(ClockError):
            eng.handle(_open(1, T0 + timedelta(hours=1)))
    with Engine.open(path, _config()) as again, pytest.raises(ClockError):
        again.handle(_open(1, T0 + timedelta(hours=1)))  # the reopened engine refuses it too


def test_the_feed_survives_a_reopen_and_consumers_resume_from_their_checkpoint(
    tmp_path: Path,
) -> None:
    path = tmp_path / "j.db"
    with Engine.open(path, _config(snapshot_every=2)) as eng:
        _staff(eng, 2)
        live = [event_to_json(ev) for ev in eng.handle(_open(1))]
        eng.ack("crm", 2)
        with pytest.raises(InvalidInputError, match="seq"):
            eng.ack("crm", 99)
    with Engine.open(path, _config(snapshot_every=2)) as again:
        assert again.checkpoint("crm") == 2
        resumed = again.events(after=again.checkpoint("crm"))
        assert [event_to_json(ev) for ev in resumed] == live
        assert [ev.type for ev in again.ticket_history("T1")] == [
            "ticket_opened",
            "ticket_assigned",
        ]


def test_an_in_memory_feed_says_when_it_no_longer_has_what_was_asked() -> None:
    eng = Engine(_config(event_buffer=2))
    _staff(eng, 3)
    assert [ev.seq for ev in eng.events(after=1)] == [2, 3]
    with pytest.raises(InvalidInputError, match="after"):
        eng.events(after=0)
