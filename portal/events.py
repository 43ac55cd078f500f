"""Change events for live grids: publish after commit; subscribers re-read rows with their own rights.

Events carry ids and field names, never values, so hidden columns cannot leak through them. The in-process
bus can be bridged to Redis (portal.store.redis_events) so several portal processes see each other's changes."""
from __future__ import annotations

import asyncio
import logging
import os
import uuid
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from typing import Awaitable, Callable

log = logging.getLogger(__name__)
PROCESS_ID = f'{os.getpid()}-{uuid.uuid4().hex[:6]}'
# the open page whose event is being handled (set by the page's event gate): changes it makes carry it, so that
# page skips its own change (it already shows the saved row) while every other page re-reads the row
CLIENT: ContextVar[str | None] = ContextVar('portal_client', default=None)


@dataclass(frozen=True, slots=True)
class ChangeEvent:
    register: str
    row_ids: tuple[int, ...]
    kind: str                      # create, update, delete, restore
    actor: str
    fields: tuple[str, ...] = ()
    origin: str = field(default=PROCESS_ID)                 # the process
    client: str | None = field(default_factory=CLIENT.get)  # the page, if a page made it

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ChangeEvent:
        return cls(register=data['register'], row_ids=tuple(data['row_ids']), kind=data['kind'],
                   actor=data['actor'], fields=tuple(data.get('fields', ())), origin=data.get('origin', ''),
                   client=data.get('client'))


Listener = Callable[[ChangeEvent], Awaitable[None] | None]


class EventBus:
    def __init__(self) -> None:
        self._listeners: dict[str, list[Listener]] = {}
        self._forwarders: list[Callable[[ChangeEvent], Awaitable[None]]] = []
        self._session_listeners: list[Callable[[str], Awaitable[None] | None]] = []
        self._session_forwarders: list[Callable[[str], Awaitable[None]]] = []
        self._notice_listeners: dict[str, list[Callable[[dict], Awaitable[None] | None]]] = {}
        self._notice_forwarders: list[Callable[[str, dict], Awaitable[None]]] = []

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
        await _call_all([*self._listeners.get(event.register, []), *self._listeners.get('*', [])], event, 'change')

    # --- sessions that ended (a user disabled, a password reset …): open pages of that user re-check theirs
    def on_sessions_ended(self, listener: Callable[[str], Awaitable[None] | None]) -> None:
        self._session_listeners.append(listener)

    def add_session_forwarder(self, forward: Callable[[str], Awaitable[None]]) -> None:
        self._session_forwarders.append(forward)

    async def sessions_ended(self, username: str) -> None:
        """Tell this process's listeners, then the other processes, that some sessions of `username` ended."""
        await self.deliver_sessions_ended(username)
        for forward in self._session_forwarders:
            try:
                await forward(username)
            except Exception:   # the database already says so; other processes will see it on their next check
                log.exception('forwarding a session notice failed')

    async def deliver_sessions_ended(self, username: str) -> None:
        await _call_all(list(self._session_listeners), username, 'session')

    # --- notices to every process of the deployment (e.g. 'schemas': the schema files were reloaded)
    def on_notice(self, kind: str, listener: Callable[[dict], Awaitable[None] | None]) -> None:
        self._notice_listeners.setdefault(kind, []).append(listener)

    def add_notice_forwarder(self, forward: Callable[[str, dict], Awaitable[None]]) -> None:
        self._notice_forwarders.append(forward)

    async def notice(self, kind: str, data: dict | None = None) -> None:
        """Tell the OTHER processes (this one has acted already)."""
        for forward in self._notice_forwarders:
            try:
                await forward(kind, data or {})
            except Exception:
                log.exception('forwarding a notice failed')

    async def deliver_notice(self, kind: str, data: dict) -> None:
        await _call_all(list(self._notice_listeners.get(kind, [])), data, 'notice')

    def listener_count(self, register: str) -> int:
        return len(self._listeners.get(register, []))


async def _call_all(listeners: list[Callable], argument, what: str) -> None:
    """Call each listener (plain or async) with `argument`; one that fails is logged and the others still hear."""
    for listener in listeners:
        try:
            result = listener(argument)
            if asyncio.iscoroutine(result):
                await result
        except Exception:
            log.exception('a %s listener failed', what)
