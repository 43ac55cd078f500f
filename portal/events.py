"""Change events for live grids: publish after commit; subscribers re-read rows with their own rights.

Events carry ids and field names, never values, so hidden columns cannot leak through them. The in-process
bus can be bridged to Redis (portal.redis_events) so several portal processes see each other's changes."""
from __future__ import annotations

import asyncio
import logging
import os
import uuid
from dataclasses import asdict, dataclass, field
from typing import Awaitable, Callable

log = logging.getLogger(__name__)
PROCESS_ID = f'{os.getpid()}-{uuid.uuid4().hex[:6]}'


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    register: str
    row_ids: tuple[int, ...]
    kind: str                      # create, update, delete, restore
    actor: str
    fields: tuple[str, ...] = ()
    origin: str = field(default=PROCESS_ID)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ChangeEvent:
        return cls(register=data['register'], row_ids=tuple(data['row_ids']), kind=data['kind'],
                   actor=data['actor'], fields=tuple(data.get('fields', ())), origin=data.get('origin', ''))


Listener = Callable[[ChangeEvent], Awaitable[None] | None]


class EventBus:
    def __init__(self) -> None:
        self._listeners: dict[str, list[Listener]] = {}
        self._forwarders: list[Callable[[ChangeEvent], Awaitable[None]]] = []

    def subscribe(self, register: str, listener: Listener) -> Callable[[], None]:
        """Listen to one register ('*' = all); returns the unsubscribe function."""
        self._listeners.setdefault(register, []).append(listener)

        def unsubscribe() -> None:
            listeners = self._listeners.get(register, [])
            if listener in listeners:
                listeners.remove(listener)
        return unsubscribe

    def add_forwarder(self, forward: Callable[[ChangeEvent], Awaitable[None]]) -> None:
        self._forwarders.append(forward)

    async def publish(self, event: ChangeEvent) -> None:
        """Deliver locally, then forward to other processes."""
        await self.deliver(event)
        for forward in self._forwarders:
            try:
                await forward(event)
            except Exception:   # a broken bridge must not fail the write that already committed
                log.exception('forwarding a change event failed')

    async def deliver(self, event: ChangeEvent) -> None:
        for listener in [*self._listeners.get(event.register, []), *self._listeners.get('*', [])]:
            try:
                result = listener(event)
                if asyncio.iscoroutine(result):
                    await result
            except Exception:
                log.exception('a change listener failed')

    def listener_count(self, register: str) -> int:
        return len(self._listeners.get(register, []))
