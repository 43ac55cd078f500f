"""The running portal's state: settings, the current (last good) catalog, the event bus and the clock."""
from __future__ import annotations

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
