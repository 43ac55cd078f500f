"""The login page and logout."""
from __future__ import annotations

from fastapi import Request
from nicegui import app, ui

from .. import auth, users
from ..errors import PortalError
from .texts import t


def register_pages() -> None:
    @ui.page('/login')
    async def login_page(request: Request, redirect_to: str = '/', reason: str = '') -> None:
        from ..app import ready
        await ready()
        lang = app.storage.user.get('lang', 'zh')
        if auth.session_state(app.storage.user) == 'ok':
            ui.navigate.to(_safe(redirect_to))
            return
        ui.page_title(f'{t("ui.login", lang)} · {t("ui.brand", lang)}')

        async def attempt() -> None:
            error.text = ''
            try:
                actor = await users.authenticate(username.value or '', password.value or '',
                                                 request.client.host if request.client else None)
            except PortalError as exc:
                error.text = exc.message(lang)
                password.value = ''
                return
            auth.start_session(actor)
            ui.navigate.to(_safe(redirect_to))

        with ui.card().classes('absolute-center w-80 gap-3'):
            ui.label(t('ui.brand', lang) + ('' if lang == 'en' else ' · Ops Portal')).classes('text-h6')
            if reason in ('idle', 'expired'):
                ui.label(t(f'ui.session_{reason}', lang)).classes('text-orange-9 text-sm')
            username = ui.input(t('ui.username', lang)).props('autofocus').classes('w-full').mark('username')
            password = ui.input(t('ui.password', lang), password=True, password_toggle_button=True).classes(
                'w-full').mark('password').on('keydown.enter', attempt)
            error = ui.label('').classes('text-red-8 text-sm').mark('login-error')
            ui.button(t('ui.login', lang), on_click=attempt).classes('w-full').mark('login')

    @ui.page('/logout')
    def logout_page() -> None:
        auth.end_session()
        ui.navigate.to('/login')


def _safe(target: str) -> str:
    """Only same-site paths (no open redirects)."""
    return target if target.startswith('/') and not target.startswith('//') else '/'
