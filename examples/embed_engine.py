"""A property platform embedding the engine: wall clock, durable journal, event subscriber.

Run: ``python examples/embed_engine.py``. It opens a journal in a temporary directory, feeds a
few commands stamped with the real time, forwards every event to a "message bus" (a list
here), crashes nothing, then reopens the journal to show that the state survives.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from dispatch_core import SystemClock
from dispatch_core.commands import (
    Accept,
    AddStaff,
    ArriveOnSite,
    OpenTicket,
    RecordFeedback,
    Resolve,
)
from dispatch_core.engine import Engine, EngineConfig
from dispatch_core.events import EventBase, event_to_json
from dispatch_core.model import StaffMember, Ticket
from dispatch_core.site import SiteGraph


def main() -> None:
    clock = SystemClock()
    site = SiteGraph.from_edges(
        [
            ("gate", "depot", 60.0),
            ("depot", "B1", 120.0),
            ("depot", "B2", 150.0),
            ("B1", "B2", 90.0),
        ]
    )
    config = EngineConfig()
    bus: list[str] = []

    def forward(event: EventBase) -> None:
        # A real platform would publish to Kafka/AMQP/webhooks; consumers de-duplicate on seq.
        bus.append(event_to_json(event))

    with tempfile.TemporaryDirectory() as tmp:
        journal = Path(tmp) / "engine.db"
        with Engine.open(journal, config, clock=clock, site=site) as engine:
            engine.subscribe(forward)
            now = clock.now()
            engine.handle(
                AddStaff(
                    key="staff-wang",
                    at=now,
                    member=StaffMember(
                        id="wang",
                        home="depot",
                        properties={"garden-court"},
                        capacity=3,
                        skills=[{"name": "plumbing", "level": 4}],
                    ),
                )
            )
            ticket = Ticket(
                id="WO-1001",
                property_id="garden-court",
                category="repair",
                location="B2",
                required_skills=[{"skill": "plumbing", "min_level": 2}],
                work_minutes=40,
                opened_at=now,
                resident_ref="r-7f3a",
            )
            opened = OpenTicket(key="open-WO-1001", at=clock.now(), ticket=ticket)
            for cmd in (
                opened,
                Accept(key="accept-WO-1001", at=clock.now(), ticket_id="WO-1001"),
                ArriveOnSite(key="arrive-WO-1001", at=clock.now(), ticket_id="WO-1001"),
                Resolve(key="resolve-WO-1001", at=clock.now(), ticket_id="WO-1001"),
                RecordFeedback(key="rate-WO-1001", at=clock.now(), ticket_id="WO-1001", rating=5),
            ):
                engine.handle(cmd)
            # A client retrying after a timeout gets the original answer, nothing twice.
            retry = engine.handle(opened)
            assert [ev.seq for ev in retry] == [2, 3]
            engine.advance()  # fire any due SLA thresholds (uses the engine's clock)
            before = engine.snapshot()

        with Engine.open(journal, config, clock=clock, site=site) as engine:  # after a restart
            after = engine.snapshot()
        assert after == before

    print(f"{len(bus)} events forwarded:")
    for line in bus:
        event = json.loads(line)
        print(f"  #{event['seq']:>2} {event['type']}")
    kpis = after["kpis"]
    print("status after restart:", after["tickets"]["WO-1001"]["status"])
    print("first-contact resolution:", kpis["first_contact_resolution"])
    print("SLA attainment:", json.dumps(kpis["sla_attainment"], sort_keys=True))


if __name__ == "__main__":
    main()
