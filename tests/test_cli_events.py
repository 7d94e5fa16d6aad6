"""``dispatch-core events``: the event feed as JSON lines, readable while the engine runs."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from dispatch_core import Engine, EngineConfig, StaffMember, Ticket
from dispatch_core.commands import AddStaff, OpenTicket

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
SITE = {"edges": [{"a": "depot", "b": "B1", "seconds": 60}]}


def _cli(*args: str) -> list[dict[str, object]]:
    out = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "dispatch_core.cli.main", "events", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout
    return [json.loads(line) for line in out.splitlines()]


def test_events_are_printed_in_order_while_the_engine_holds_the_journal(tmp_path: Path) -> None:
    path = tmp_path / "desk.db"
    with Engine.open(path, EngineConfig(site=SITE)) as eng:
        member = StaffMember(id="wang", home="depot", properties=["P1"])
        eng.handle(AddStaff(key="k1", at=T0, member=member))
        t = Ticket(id="T-1", property_id="P1", category="repair", location="B1", opened_at=T0)
        live = eng.handle(OpenTicket(key="k2", at=T0, ticket=t))
        lines = _cli(str(path))  # another process, the engine still open
        assert [ev["seq"] for ev in lines] == [1, 2, 3]
        assert [ev["type"] for ev in lines[1:]] == [ev.type for ev in live]
        assert [ev["seq"] for ev in _cli(str(path), "--after", "2")] == [3]
        assert [ev["seq"] for ev in _cli(str(path), "--limit", "1")] == [1]
        # a consumer that acknowledges as it prints resumes after its checkpoint
        assert len(_cli(str(path), "--consumer", "crm", "--ack", "--limit", "2")) == 2
        assert [ev["seq"] for ev in _cli(str(path), "--consumer", "crm")] == [3]
        assert eng.checkpoint("crm") == 2
