"""A FastAPI service around the engine: commands in, events out, errors as HTTP status codes.

Run: ``python examples/fastapi_service.py`` drives the app in-process with FastAPI's
``TestClient`` (no port is opened) and prints each exchange. Serve it for real with
``uvicorn examples.fastapi_service:app`` after setting ``DISPATCH_JOURNAL`` to a journal path.

What it shows:

- :class:`~dispatch_core.engine.aio.AsyncEngine` keeps the event loop free while the journal
  commits (one worker thread, calls in arrival order);
- every :class:`~dispatch_core.errors.DispatchError` maps to one status code (422 bad input,
  404 unknown id, 409 conflict or illegal step, 503 journal unavailable), with the error's
  field and value in the body, so clients never parse messages;
- a retry with the same idempotency key returns the original result.
"""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from dispatch_core import EngineConfig
from dispatch_core.engine.aio import AsyncEngine
from dispatch_core.engine.events import event_to_dict
from dispatch_core.errors import (
    DispatchError,
    DuplicateEntityError,
    IllegalTransitionError,
    InvalidInputError,
    JournalError,
    UnknownEntityError,
)

SITE = {"edges": [{"a": "depot", "b": "B3", "seconds": 240}]}

#: The first matching class wins (subclasses before their bases).
STATUS: tuple[tuple[type[DispatchError], int], ...] = (
    (InvalidInputError, 422),
    (UnknownEntityError, 404),
    (DuplicateEntityError, 409),
    (IllegalTransitionError, 409),
    (JournalError, 503),
    (DispatchError, 400),
)


def status_of(err: DispatchError) -> int:
    """The HTTP status code of a dispatch error."""
    return next(code for cls, code in STATUS if isinstance(err, cls))


def create_app(journal: Path) -> FastAPI:
    """Build the service on the journal at ``journal`` (opened when the app starts)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.engine = await AsyncEngine.open(journal, EngineConfig(site=SITE))
        # The process owns the collector, not the library: everything loaded at start-up
        # (ortools, networkx, pydantic, the engine's state) is moved out of the collector's
        # full passes, which would otherwise pause a request for 40-85 ms now and then.
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            await app.state.engine.aclose()

    app = FastAPI(title="dispatch_core service", lifespan=lifespan)

    @app.exception_handler(DispatchError)
    async def dispatch_error(request: Request, err: DispatchError) -> JSONResponse:
        body: dict[str, Any] = {"error": type(err).__name__, "message": str(err)}
        if isinstance(err, InvalidInputError | UnknownEntityError):
            body["field"] = err.field
        return JSONResponse(status_code=status_of(err), content=body)

    @app.post("/commands")
    async def handle(request: Request) -> list[dict[str, Any]]:
        events = await request.app.state.engine.handle(await request.body())
        return [event_to_dict(ev) for ev in events]

    @app.post("/advance")
    async def advance(now: datetime) -> list[dict[str, Any]]:
        events = await app.state.engine.advance(now)
        return [event_to_dict(ev) for ev in events]

    @app.get("/tickets/{ticket_id}")
    async def ticket(ticket_id: str) -> dict[str, Any]:
        snap = await app.state.engine.snapshot()
        if ticket_id not in snap["tickets"]:
            raise UnknownEntityError("ticket", ticket_id, field="ticket_id")
        found: dict[str, Any] = snap["tickets"][ticket_id]
        return found

    return app


app = create_app(Path(os.environ.get("DISPATCH_JOURNAL", "dispatch.db")))


def main() -> None:
    t0 = datetime(2026, 3, 2, 9, tzinfo=UTC).isoformat()
    wang = {"id": "wang", "home": "depot", "properties": ["P1"]}
    leak = {"id": "T-1", "property_id": "P1", "category": "repair", "location": "B3",
            "opened_at": t0}  # fmt: skip
    calls = [
        ("POST", "/commands", {"type": "add_staff", "key": "k1", "at": t0, "member": wang}),
        ("POST", "/commands", {"type": "open_ticket", "key": "k2", "at": t0, "ticket": leak}),
        ("POST", "/commands", {"type": "open_ticket", "key": "k2", "at": t0, "ticket": leak}),
        ("POST", "/commands", {"type": "accept", "key": "k3", "at": t0, "ticket_id": "T-404"}),
        ("POST", "/commands", {"type": "close", "key": "k4", "at": t0, "ticket_id": "T-1"}),
        ("POST", "/commands", {"type": "open_ticket", "key": "k5", "at": "yesterday"}),
        ("GET", "/tickets/T-1", None),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        service = create_app(Path(tmp) / "service.db")
        with TestClient(service) as client:
            for method, url, body in calls:
                reply = client.request(method, url, json=body)
                shown = reply.json()
                if isinstance(shown, list):
                    shown = [ev["type"] for ev in shown]
                elif "owner" in shown:
                    shown = {k: shown[k] for k in ("status", "owner")}
                print(f"{method} {url} -> {reply.status_code} {shown}")
            later = (datetime.fromisoformat(t0) + timedelta(hours=2)).isoformat()
            reply = client.post("/advance", params={"now": later})
            print(f"POST /advance -> {reply.status_code} {len(reply.json())} events")


if __name__ == "__main__":
    main()
