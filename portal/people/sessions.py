"""Server-side login sessions: issued at login through a one-time ticket, checked on every request and websocket
event, ended by logout, idleness, lifetime, disabling, a password reset or change — in every process at once."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from ..runtime import rt
from ..store.models import Session, User

TICKET_SECONDS = 60          # a login ticket is redeemed by the browser's very next request
COOKIE_KEY = 'sid'           # where the signed session cookie keeps the secret
REASONS = ('logout', 'idle', 'expired', 'disabled', 'reset', 'password')


@dataclass(frozen=True, slots=True)
class State:
    """What a session secret (or key) is worth now: 'ok', 'none' (no such session) or why it ended."""

    state: str
    username: str | None = None
    key: str | None = None

    @property
    def ok(self) -> bool:
        return self.state == 'ok'


NONE = State('none')


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def begin(username: str, *, browser: str | None, ip: str | None = None) -> str:
    """After a successful login: a one-time ticket that only the browser `browser` (its id) may redeem."""
    ticket = secrets.token_urlsafe(32)
    now = rt().now()
    await Session.create(key=digest(ticket), username=username, pending=True, browser=digest(browser or ''),
                         created_at=now, seen_at=now, ip=ip)
    return ticket


async def redeem(ticket: str, browser: str | None) -> str | None:
    """Turn a fresh ticket into the session secret for the browser's cookie (once; None when refused)."""
    if not ticket:
        return None
    now = rt().now()
    row = await Session.get_or_none(key=digest(ticket), pending=True)
    if row is None or row.browser != digest(browser or '') or now - row.created_at > timedelta(
            seconds=TICKET_SECONDS):
        return None
    secret = secrets.token_urlsafe(32)
    taken = await Session.filter(id=row.id, pending=True).update(key=digest(secret), pending=False, browser=None,
                                                                 created_at=now, seen_at=now)
    return secret if taken == 1 else None


async def check(secret: str | None, *, touch: bool = True) -> State:
    """The state of the session whose secret a cookie holds; `touch` counts this as activity."""
    return await check_key(digest(secret), touch=touch) if secret else NONE


async def check_key(key: str | None, *, touch: bool = True) -> State:
    """The state of a session by its key (what pages keep); ends it when idle, over its lifetime, or when its user is
    no longer active (however that came about — users.update_user ends the sessions itself)."""
    if not key:
        return NONE
    row = await Session.get_or_none(key=key, pending=False)
    if row is None:
        return NONE
    if row.ended_at is not None:
        return State(row.end_reason or 'logout', row.username, key)
    now = rt().now()
    due = _due(row, now) or (None if await User.exists(username=row.username, active=True) else 'disabled')
    if due:
        await end_key(key, due, username=row.username)
        return State(due, row.username, key)
    if touch and (now - row.seen_at).total_seconds() >= _touch_seconds():
        await Session.filter(id=row.id).update(seen_at=now)
    return State('ok', row.username, key)


async def states(keys: list[str]) -> dict[str, State]:
    """Several sessions at once without counting as activity (the sweep over open pages)."""
    out = {key: NONE for key in keys}
    now = rt().now()
    for row in await Session.filter(key__in=keys, pending=False):
        reason = (row.end_reason or 'logout') if row.ended_at is not None else _due(row, now)
        if reason and row.ended_at is None:
            await end_key(row.key, reason, username=row.username)
        out[row.key] = State(reason or 'ok', row.username, row.key)
    return out


async def end(secret: str | None, reason: str = 'logout') -> None:
    if secret:
        await end_key(digest(secret), reason)


async def end_key(key: str, reason: str, *, username: str | None = None) -> None:
    ended = await Session.filter(key=key, ended_at=None).update(ended_at=rt().now(), end_reason=reason)
    if ended and username is None:
        username = (await Session.get(key=key)).username
    if ended:
        await rt().bus.sessions_ended(username)


async def end_all(username: str, reason: str, *, keep: str | None = None) -> int:
    """End every session of a user (but `keep`, a session key: a password change keeps the one it was made in)."""
    query = Session.filter(username=username, ended_at=None)
    if keep:
        query = query.exclude(key=keep)
    count = await query.update(ended_at=rt().now(), end_reason=reason)
    await rt().bus.sessions_ended(username)
    return count


def _due(row: Session, now) -> str | None:
    settings = rt().settings
    if now - row.created_at > timedelta(hours=settings.session_max_hours):
        return 'expired'
    if now - row.seen_at > timedelta(minutes=settings.session_idle_minutes):
        return 'idle'
    return None


def _touch_seconds() -> float:
    """How stale `seen_at` may get before a use writes it again (a fraction of the idle time, at most 30 s)."""
    return min(30.0, rt().settings.session_idle_minutes * 60 / 4)
