"""Login sessions in NiceGUI's user storage, one auth middleware with an explicit allow-list, and the
current actor of a request or page (with inactivity timeout and absolute lifetime)."""
from __future__ import annotations

import time
from urllib.parse import quote

from fastapi.responses import JSONResponse, RedirectResponse
from nicegui import app

from . import users
from .access import Actor
from .runtime import rt

# paths reachable without a session: the login page, NiceGUI's own assets, our static files,
# and the REST API (which authenticates each request with an API token instead)
ALLOW_PREFIXES = ('/login', '/_nicegui/', '/portal-static/', '/api/v1/', '/favicon.ico', '/healthz')
clock = time.time   # tests move time forward here


def allowed_without_login(path: str) -> bool:
    return path in ('/login', '/healthz') or any(path.startswith(p) for p in ALLOW_PREFIXES if p.endswith('/'))


def start_session(actor: Actor) -> None:
    now = clock()
    app.storage.user.update({'username': actor.username, 'login_at': now, 'seen_at': now, 'lang': actor.lang})
    app.storage.user.pop('view_as', None)


def end_session() -> None:
    for key in ('username', 'login_at', 'seen_at', 'view_as'):
        app.storage.user.pop(key, None)


def session_state(store: dict) -> str:
    """'none', 'idle' (inactive too long), 'expired' (absolute lifetime over) or 'ok'."""
    if not store.get('username'):
        return 'none'
    settings = rt().settings
    now = clock()
    if now - store.get('login_at', 0) > settings.session_max_hours * 3600:
        return 'expired'
    if now - store.get('seen_at', 0) > settings.session_idle_minutes * 60:
        return 'idle'
    return 'ok'


def touch() -> None:
    store = app.storage.user
    now = clock()
    if now - store.get('seen_at', 0) > 15:   # storage writes are not free; a 15 s granularity is plenty
        store['seen_at'] = now


async def current_actor() -> Actor | None:
    """The signed-in user of this request/page (None = not signed in or session over)."""
    from .app import ready
    await ready()
    store = app.storage.user
    if session_state(store) != 'ok':
        return None
    touch()
    actor = await _actor(store['username'])
    if actor is None:
        return None
    lang = store.get('lang', actor.lang)
    view_as = store.get('view_as')
    if view_as and 'admin' in actor.roles and view_as in rt().catalog.roles:
        return Actor(username=actor.username, display_name=actor.display_name, roles=(view_as,), lang=lang,
                     preview=True)
    return Actor(username=actor.username, display_name=actor.display_name, roles=actor.roles, lang=lang)


async def _actor(username: str) -> Actor | None:
    return await users.cached_actor(username)


def forget_actor(username: str | None = None) -> None:
    users.forget_actor(username)


class AuthMiddleware:
    """Every page and endpoint needs a valid session, except the allow-list above (a plain ASGI middleware:
    the grid fetches blocks through it many times a second)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope['type'] != 'http' or allowed_without_login(scope['path']):
            await self.app(scope, receive, send)
            return
        path = scope['path']
        state = session_state(app.storage.user)
        if state != 'ok':
            if state != 'none':
                end_session()
            if path.startswith(('/grid/', '/download/')) or scope['method'] != 'GET':
                response = JSONResponse({'detail': '请重新登录 · please sign in'}, status_code=401)
            else:
                reason = '' if state == 'none' else f'&reason={state}'
                response = RedirectResponse(f'/login?redirect_to={quote(path)}{reason}')
            await response(scope, receive, send)
            return
        touch()
        await self.app(scope, receive, send)
