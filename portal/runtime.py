"""The running portal's state: settings, the current (last good) catalog, the event bus and the clock."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Callable
from zoneinfo import ZoneInfo

from .config import Settings
from .events import EventBus
from .schema import Catalog


@dataclass(kw_only=True)
class Runtime:
    settings: Settings
    catalog: Catalog
    bus: EventBus = field(default_factory=EventBus)
    clock: Callable[[], datetime] | None = None   # tests freeze time here
    bridge: object | None = None                  # the Redis bridge of change events, when several processes run
    deployment: str = ''                          # this portal's id (its database's), naming its Redis channels
    schema_reload: dict | None = None             # this process's last schema reload: at, ok, problems, registers
    schema_problems: list = field(default_factory=list)   # why the schema files on disk are not in use (else empty)
    schema_pending: dict | None = None            # schema files waiting for an admin's go-ahead: at, steps, held, notes
    schema_listeners: list = field(default_factory=list)  # open pages hearing of schema switches and refusals
    reload_lock: asyncio.Lock = field(default_factory=asyncio.Lock)   # one schema reload at a time per process
    schema_seen: Catalog | None = None            # the schema files last switched to or held (boot._acted_on)

    def on_schema(self, listener: Callable) -> Callable[[], None]:
        """`listener(changed)` after a schema reload: the register keys whose schema changed (a switch), or None
        (the files were refused; `schema_problems` says why). Returns the unsubscribe function."""
        self.schema_listeners.append(listener)
        return lambda: self.schema_listeners.remove(listener) if listener in self.schema_listeners else None

    async def schema_changed(self, changed: set[str] | None) -> None:
        for listener in list(self.schema_listeners):
            try:
                result = listener(changed)
                if asyncio.iscoroutine(result):
                    await result
            except Exception:       # one closed page must not stop the others hearing of it
                logging.getLogger(__name__).exception('a schema listener failed')

    def now(self) -> datetime:
        """Wall-clock time of the department (naive, in settings.timezone): how every timestamp is stored."""
        if self.clock is not None:
            return self.clock()
        return datetime.now(ZoneInfo(self.settings.timezone)).replace(tzinfo=None, microsecond=0)

    def today(self) -> date:
        return self.now().date()


_current: Runtime | None = None


def set_runtime(runtime: Runtime | None) -> None:
    global _current
    _current = runtime


def rt() -> Runtime:
    if _current is None:
        raise RuntimeError('the portal runtime is not initialised')
    return _current


def catalog() -> Catalog:
    return rt().catalog


startup_tasks: dict[str, asyncio.Task] = {}    # 'task': the serving process's engine start; 'stats': statistics upkeep


async def ready() -> None:
    """Wait until the serving process's engine has started (pages and endpoints call this first)."""
    task = startup_tasks.get('task')
    if task is not None:
        await task
