"""The login page, the hand-off that starts a session in a fresh cookie, and logout."""
from __future__ import annotations

import uuid
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import app, ui

from ..errors import PortalError
from ..people import sessions, users
from ..runtime import ready
from ..web import auth
from ..web.safe_url import safe_path
from .texts import t

ENDED = {'idle': 'ui.session_idle', 'expired': 'ui.session_expired', 'disabled': 'ui.session_ended',
         'reset': 'ui.session_ended', 'password': 'ui.session_ended'}


def register_pages() -> None:
    @ui.page('/login', response_timeout=30)     # the first start (migration, demo rows) may still be under way
    async def login_page(request: Request, redirect_to: str = '/', reason: str = '') -> None:
        await ready()
        target = safe_path(redirect_to)
        lang = app.storage.user.get('lang', 'zh')
        if (await sessions.check(request.session.get(auth.SECRET), touch=False)).ok:
            ui.navigate.to(target)
            return
        ui.page_title(f'{t("ui.login", lang)} · {t("ui.brand", lang)}')
        browser = request.session.get('id')
        ip = request.client.host if request.client else None

        async def attempt() -> None:
            error.text = ''
            try:
                actor = await users.authenticate(username.value or '', password.value or '', ip)
            except PortalError as exc:
                error.text = exc.message(lang)
                password.value = ''
                return
            ticket = await sessions.begin(actor.username, browser=browser, ip=ip)
            ui.navigate.to(f'/login/complete?{urlencode({"ticket": ticket, "redirect_to": target})}')

        with ui.card().classes('absolute-center w-80 gap-3'):
            ui.label(t('ui.brand', lang) + ('' if lang == 'en' else ' · Ops Portal')).classes('text-h6')
            if reason in ENDED:
                ui.label(t(ENDED[reason], lang)).classes('text-orange-9 text-sm').mark('session-ended')
            username = ui.input(t('ui.username', lang)).props('autofocus').classes('w-full').mark('username')
            password = ui.input(t('ui.password', lang), password=True, password_toggle_button=True).classes(
                'w-full').mark('password').on('keydown.enter', attempt)
            error = ui.label('').classes('text-red-8 text-sm').mark('login-error')
            ui.button(t('ui.login', lang), on_click=attempt).classes('w-full').mark('login')

    @app.get('/login/complete')
    async def complete_login(request: Request, ticket: str = '', redirect_to: str = '/') -> RedirectResponse:
        """Redeem the login ticket in a fresh cookie: a new browser id (so NiceGUI's user storage starts anew) and
        the session secret. A cookie someone planted or copied before the login is worth nothing after it."""
        await ready()
        secret = await sessions.redeem(ticket, request.session.get('id'))
        if secret is None:
            return RedirectResponse('/login', status_code=303)
        request.session.clear()
        request.session.update({'id': str(uuid.uuid4()), auth.SECRET: secret})
        return RedirectResponse(safe_path(redirect_to), status_code=303)

    @app.get('/logout')
    async def logout(request: Request) -> RedirectResponse:
        await ready()
        await sessions.end(request.session.pop(auth.SECRET, None), 'logout')
        return RedirectResponse('/login', status_code=303)
