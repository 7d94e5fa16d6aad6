"""The engine for asyncio platforms: one worker thread, awaitable calls.

:class:`AsyncEngine` runs an :class:`~dispatch_core.engine.Engine` on a single worker thread, so
an ASGI service (FastAPI, Starlette…) can ``await`` commands without blocking its event loop
while the journal commits. Calls are carried out one at a time, in the order they were made;
each caller gets its own command's events.

Examples
--------
>>> import asyncio
>>> from datetime import UTC, datetime
>>> from dispatch_core import EngineConfig, StaffMember
>>> from dispatch_core.commands import AddStaff
>>> async def main() -> list[str]:
...     site = {"edges": [{"a": "depot", "b": "B1", "seconds": 60}]}
...     async with AsyncEngine.in_memory(EngineConfig(site=site)) as eng:
...         at = datetime(2026, 3, 2, 9, tzinfo=UTC)
...         member = StaffMember(id="wang", home="depot", properties=["P1"])
...         events = await eng.handle(AddStaff(key="k1", at=at, member=member))
...         return [ev.type for ev in events]
>>> asyncio.run(main())
['staff_changed']
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from dispatch_core.engine.config import EngineConfig
from dispatch_core.engine.core import Engine
from dispatch_core.engine.events import EventBase
from dispatch_core.errors import DispatchError

__all__ = ["AsyncEngine"]

_T = TypeVar("_T")


class AsyncEngine:
    """An :class:`Engine` behind one worker thread, with awaitable methods.

    Parameters
    ----------
    engine : Engine
        The engine to run; it is used only from the worker thread from now on.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dispatch-core")

    @classmethod
    def in_memory(cls, config: EngineConfig | None = None, **parts: Any) -> AsyncEngine:
        """Wrap a new in-memory :class:`Engine` (``Engine(config, **parts)``)."""
        return cls(Engine(config, **parts))

    @classmethod
    async def open(
        cls, path: str | Path, config: EngineConfig | None = None, **parts: Any
    ) -> AsyncEngine:
        """Open a durable engine (``Engine.open``) on the worker thread and wrap it."""
        worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dispatch-core")
        loop = asyncio.get_running_loop()
        try:
            engine = await loop.run_in_executor(worker, lambda: Engine.open(path, config, **parts))
        finally:
            worker.shutdown(wait=True)
        return cls(engine)

    async def _run(self, call: Callable[[], _T]) -> _T:
        return await asyncio.get_running_loop().run_in_executor(self._worker, call)

    async def handle(self, command: Any) -> list[EventBase]:
        """Await :meth:`Engine.handle` (its events once durable)."""
        return await self._run(lambda: self._engine.handle(command))

    async def handle_many(self, commands: Iterable[Any]) -> list[list[EventBase] | DispatchError]:
        """Await :meth:`Engine.handle_many` (group commit)."""
        batch = list(commands) if isinstance(commands, Iterable) else commands
        return await self._run(lambda: self._engine.handle_many(batch))

    async def advance(self, now: datetime | None = None) -> list[EventBase]:
        """Await :meth:`Engine.advance`."""
        return await self._run(lambda: self._engine.advance(now))

    async def next_deadline(self) -> datetime | None:
        """Await :meth:`Engine.next_deadline`."""
        return await self._run(self._engine.next_deadline)

    async def snapshot(self, *, property_id: str | None = None) -> dict[str, Any]:
        """Await :meth:`Engine.snapshot`."""
        return await self._run(lambda: self._engine.snapshot(property_id=property_id))

    async def aclose(self) -> None:
        """Close the engine (its journal) and stop the worker thread."""
        try:
            await self._run(self._engine.close)
        finally:
            self._worker.shutdown(wait=True)

    async def __aenter__(self) -> AsyncEngine:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
