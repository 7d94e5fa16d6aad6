"""Build domain values, see the typed errors, and export a JSON schema.

Run: ``python examples/domain_model.py``
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from dispatch_core import InvalidInputError, StaffMember, Ticket


def main() -> None:
    ticket = Ticket(
        id="T-1001",
        property_id="garden-court",
        category="repair",
        location="block-3",
        required_skills=[{"skill": "plumbing", "min_level": 2}],
        work_minutes=45,
        opened_at=datetime(2026, 3, 2, 9, 15, tzinfo=UTC),
    )
    plumber = StaffMember(
        id="tech-7",
        skills=[{"name": "plumbing", "level": 3}],
        home="depot",
        properties=["garden-court"],
        capacity=2,
    )
    print(f"{ticket.id}: {ticket.category.value} ({ticket.category.label_zh}), {ticket.priority}")
    print(f"{plumber.id} plumbing level {plumber.skill_level('plumbing')}")

    for bad in ({"work_minutes": -5}, {"opened_at": datetime(2026, 3, 2, 9, 15)}):  # noqa: DTZ001
        try:
            Ticket(**{**ticket.model_dump(), **bad})
        except InvalidInputError as err:
            print(f"rejected: field={err.field!r}: {err.reason}")

    schema = Ticket.model_json_schema()
    print("schema fields:", ", ".join(sorted(schema["properties"])))
    print(json.dumps(json.loads(ticket.model_dump_json()), sort_keys=True))


if __name__ == "__main__":
    main()
