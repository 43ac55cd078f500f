"""One auth middleware with an explicit allow-list: every other request needs a live server-side session (see
portal.sessions; the cookie carries only its secret). And the signed-in actor of a request or page."""
from __future__ import annotations

import dataclasses
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse
from nicegui import app
from nicegui.storage import request_contextvar

from ..people import sessions, users
from ..store import db
from ..runtime import ready, rt
from ..schema import Actor

# paths reachable without a session: the login page (and its hand-off), logout, NiceGUI's own assets, our static
# files, and the REST API (which authenticates each request with an API token instead)
OPEN_PATHS = ('/login', '/login/complete', '/logout', '/favicon.ico', '/healthz')
ALLOW_PREFIXES = ('/_nicegui/', '/portal-static/', '/api/v1/')
# ... except what NiceGUI serves into a signed-in page: uploads posted by its elements, files it hands out
SESSION_PREFIXES = ('/_nicegui/client/', '/_nicegui/auto/')
SECRET = sessions.COOKIE_KEY
BACKGROUND = b'x-portal-background'       # a request the page made by itself (live refresh): not the user's activity


def allowed_without_login(path: str) -> bool:
    if path.startswith(SESSION_PREFIXES):
        return False
    return path in OPEN_PATHS or path.startswith(ALLOW_PREFIXES)


async def request_session(request: Request) -> sessions.State:
    """The session of a request (checked once while it is answered: the middleware leaves its answer in
    request.state; later — a page's websocket events keep its request — it is checked again)."""
    state = getattr(request.state, 'portal_session', None)
    if state is None or getattr(request.state, 'responded', False):
        state = await sessions.check(request.session.get(SECRET))
        request.state.portal_session = state
    return state


async def current_actor(request: Request | None = None) -> Actor | None:
    """The signed-in user of this request/page (None = not signed in or session over)."""
    await ready()
    request = request or request_contextvar.get()
    if request is None:
        return None
    state = await request_session(request)
    if not state.ok:
        return None
    actor = await users.cached_actor(state.username)
    if actor is None:
        return None
    store = app.storage.user
    actor = dataclasses.replace(actor, lang=store.get('lang', actor.lang), session=state.key)
    view_as = store.get('view_as')
    if view_as and 'admin' in actor.roles and view_as in rt().catalog.roles:
        return dataclasses.replace(actor, roles=(view_as,), preview=True)
    return actor


def forget_actor(username: str | None = None) -> None:
    users.forget_actor(username)


class AuthMiddleware:
    """Every page and endpoint needs a live session, except the allow-list above (a plain ASGI middleware: the grid
    fetches blocks through it many times a second; the check is one primary-key read)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope['type'] == 'http':
            await db.settled()                 # not while a schema switch re-initialises the connections
        if scope['type'] != 'http' or allowed_without_login(scope['path']):
            await self.app(scope, receive, send)
            return
        await ready()
        background = any(name == BACKGROUND for name, _ in scope.get('headers', ()))
        state = await sessions.check((scope.get('session') or {}).get(SECRET), touch=not background)
        scope.setdefault('state', {})['portal_session'] = state
        if state.ok:
            await self.app(scope, receive, send)
            return
        path = scope['path']
        if path.startswith(('/grid/', '/download/', '/_nicegui/')) or scope['method'] != 'GET':
            response = JSONResponse({'detail': '请重新登录 · please sign in', 'reason': state.state}, status_code=401)
        else:
            reason = '' if state.state == 'none' else f'&reason={state.state}'
            response = RedirectResponse(f'/login?redirect_to={quote(path)}{reason}')
        await response(scope, receive, send)
