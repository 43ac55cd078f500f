"""Open pages and their sessions: each websocket event of a page waits for a fresh check of its server-side session
before NiceGUI hands it to any handler; pages whose session ended are sent to the login page — at once when this
process ends it, on a notice (through Redis) when another one does, and by a periodic sweep for idleness."""
from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlencode

from nicegui import Client, background_tasks, ui

from ..events import CLIENT, EventBus
from ..people import sessions
from ..runtime import rt
from ..schema import Actor

log = logging.getLogger(__name__)
_by_client: dict[str, Gate] = {}
_sweeper: list[asyncio.Task] = []


class Gate:
    """Stands between NiceGUI's socket and one page. NiceGUI's socket handler calls `client.handle_event` for every
    event of the page (clicks, value changes, grid edits, `ui.on` events); the gate takes that door, so no handler —
    present or future — runs for a session that ended. Events still pass one by one, in arrival order."""

    def __init__(self, client: Client, actor: Actor, path: str) -> None:
        self.client, self.key, self.username, self.path = client, actor.session, actor.username, path
        self.lock = asyncio.Lock()
        self.closed = False
        self.dispatch = client.handle_event
        client.handle_event = self.handle

    def handle(self, msg: dict) -> None:
        background_tasks.create(self.checked(msg), name='session gate')

    async def checked(self, msg: dict) -> None:
        async with self.lock:           # FIFO: an input's value still reaches the server before the click after it
            if not self.closed:
                state = await sessions.check_key(self.key)        # the user did something: that is activity
                if not state.ok:
                    self.close(state.state)
            if not self.closed:
                token = CLIENT.set(self.client.id)        # the changes its handlers make are this page's own
                try:
                    self.dispatch(msg)
                finally:
                    CLIENT.reset(token)

    def close(self, reason: str) -> None:
        """Send the page to the login page (and back here after it); it stays deaf until it has gone."""
        if self.closed:
            return
        self.closed = True
        _by_client.pop(self.client.id, None)
        if self.client.is_deleted:
            return
        with self.client:
            ui.navigate.to(f'/login?{urlencode({"redirect_to": self.path, "reason": reason})}')


def watch(client: Client, actor: Actor, path: str) -> None:
    """Put a gate on a page built for `actor` (page_actor does this for every page)."""
    if actor.session is None or client.id in _by_client:
        return
    gate = Gate(client, actor, path)
    _by_client[client.id] = gate
    client.on_delete(lambda: _by_client.pop(client.id, None))


def open_pages(username: str | None = None) -> list[Gate]:
    return [g for g in _by_client.values() if username is None or g.username == username]


async def recheck(gates: list[Gate]) -> None:
    """Close the pages among `gates` whose session is no longer valid (without counting as activity)."""
    keys = sorted({g.key for g in gates})
    if not keys:
        return
    found = await sessions.states(keys)
    for gate in gates:
        state = found.get(gate.key)
        if state is not None and not state.ok:
            gate.close(state.state)


def start(bus: EventBus) -> None:
    """Listen for ended sessions and sweep open pages (one per process; a new runtime restarts it)."""
    stop()
    _by_client.clear()
    bus.on_sessions_ended(lambda username: recheck(open_pages(username)))
    _sweeper.append(asyncio.ensure_future(_sweep()))


def stop() -> None:
    while _sweeper:
        _sweeper.pop().cancel()


async def _sweep() -> None:
    settings = rt().settings
    every = settings.session_sweep_seconds or min(30.0, max(1.0, settings.session_idle_minutes * 60 / 4))
    while True:
        await asyncio.sleep(every)
        try:
            await recheck(open_pages())
        except Exception:          # a database hiccup: the next sweep tries again; events are checked anyway
            log.exception('sweeping open pages failed')
