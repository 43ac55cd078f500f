"""The shared page frame: header, navigation of the registers the user may see, user menu."""
from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import urlencode

from nicegui import app, ui

from ..dashboards.widgets import dashboard_for
from ..people import access, users
from ..runtime import rt
from ..schema import Actor
from ..web import auth
from . import session_gate
from .texts import t

SETTINGS = '/settings'


async def page_actor(path: str) -> Actor | None:
    """The signed-in user of a page; None after sending the browser to the login page (and back to `path`), or to
    the password form first when their password no longer passes the policy. Every page built for the actor gets a
    session gate: its websocket events run only while the session lives (portal.ui.session_gate)."""
    actor = await auth.current_actor()
    if actor is None:
        ui.navigate.to(f'/login?{urlencode({"redirect_to": path})}')
        return None
    if actor.password_change_due and path != SETTINGS and not actor.preview:
        ui.navigate.to(SETTINGS)
        return None
    session_gate.watch(ui.context.client, actor, path)
    return actor


@contextmanager
def frame(actor: Actor, title: str):
    lang = actor.lang
    catalog = rt().catalog
    ui.page_title(f'{title} · {t("ui.brand", lang)}')
    with ui.header(elevated=True).classes('items-center gap-2 px-3 py-1 bg-blue-8'):
        ui.button(icon='menu', on_click=lambda: drawer.toggle()).props('flat round color=white dense')
        brand = t('ui.brand', lang) + ('' if lang == 'en' else ' · Ops Portal')
        ui.link(brand, '/').classes('text-white text-h6 no-underline')
        ui.label('/').classes('text-blue-2')
        ui.label(title).classes('text-subtitle1').mark('page-title')
        ui.space()
        if actor.preview:
            role = catalog.roles[actor.roles[0]].title(lang)
            ui.badge(t('ui.preview', lang, role=role), color='orange').mark('preview-badge')
            ui.button(t('ui.preview_exit', lang), on_click=_leave_preview).props('flat color=white dense')
        ui.button(t('ui.language', lang), on_click=lambda: _toggle_language(actor)).props(
            'flat color=white dense').mark('lang')
        with ui.button(actor.name, icon='account_circle').props('flat color=white no-caps').mark('user-menu'):
            with ui.menu():
                ui.menu_item(t('ui.settings', lang), on_click=lambda: ui.navigate.to('/settings'))
                ui.menu_item(t('ui.logout', lang), on_click=lambda: ui.navigate.to('/logout')).mark('logout')
    with ui.left_drawer(value=True, bordered=True).classes('portal-nav bg-grey-1').props('width=210') as drawer:
        with ui.list().props('dense'):
            _nav('home', t('ui.home', lang), '/')
            if _dashboard_of(actor):
                _nav('dashboard', t('ui.dashboard', lang), '/dashboard')
            ui.item_label(t('ui.registers', lang)).props('header').classes('text-grey-7')
            for register in access.registers_for(catalog, actor):
                _nav(register.icon, register.title(lang), f'/r/{register.key}', mark=f'nav-{register.key}')
            ui.separator()
            _nav('menu_book', t('ui.regulations', lang), '/regulations')
            _nav('summarize', t('ui.reports', lang), '/reports')
            if access.is_admin(catalog, actor) or any(access.can(catalog, actor, r, 'approve')
                                                      for r in catalog.registers):
                _nav('history', t('ui.changelog', lang), '/changes')
            if access.is_admin(catalog, actor) and not actor.preview:
                _nav('manage_accounts', t('ui.admin', lang), '/admin')
    with ui.column().classes('w-full gap-2 p-3'):
        _schema_watch(actor)
        yield


def _schema_watch(actor: Actor) -> None:
    """Hot reload as a page sees it: administrators get the refused schema files' problems at the top of every
    page (while the portal keeps the last good schemas); a page of a register whose schema changed reloads itself,
    so an open grid shows a new column without anyone pressing anything."""
    client = ui.context.client
    admin = access.is_admin(rt().catalog, actor) and not actor.preview
    banner = ui.column().classes('w-full gap-0').mark('schema-problems')
    request = getattr(client, 'request', None)
    path = request.url.path if request is not None else ''
    keys = set(rt().catalog.registers)

    def show() -> None:
        banner.clear()
        problems, pending = rt().schema_problems, rt().schema_pending
        if not admin:
            return
        if problems:
            with banner, ui.card().classes('w-full bg-red-1 q-pa-sm'):
                ui.label(t('ui.schema_refused', actor.lang, count=len(problems))).classes(
                    'text-red-9 text-weight-medium')
                for problem in problems[:20]:
                    ui.label(str(problem)).classes('text-xs font-mono text-red-9')
        elif pending and path != '/admin':         # (the admin page shows the whole plan with its buttons)
            with banner, ui.card().classes('w-full bg-amber-1 q-pa-sm').mark('schema-pending'):
                ui.label(t('ui.schema_pending', actor.lang, count=len(pending['steps']))).classes(
                    'text-amber-10 text-weight-medium')
                for line in pending['held'][:20]:
                    ui.label(line).classes('text-xs font-mono text-amber-10')
                ui.link(t('ui.schema_pending_go', actor.lang), '/admin#migration').classes('text-sm')

    async def changed(registers: set[str] | None) -> None:
        if registers is not None and (path.startswith('/r/') and path.split('/')[2] in registers
                                      or set(rt().catalog.registers) != keys):
            client.run_javascript('location.reload()')
            return
        show()
    show()
    client.on_delete(rt().on_schema(changed))


def _nav(icon: str, label: str, target: str, mark: str | None = None) -> None:
    with ui.item(on_click=lambda: ui.navigate.to(target)).props('clickable') as item:
        with ui.item_section().props('avatar'):
            ui.icon(icon if '_' in icon or icon.isalpha() else 'table_view', size='sm').classes('text-grey-8')
        with ui.item_section():
            ui.item_label(label)
    if mark:
        item.mark(mark)


def _dashboard_of(actor: Actor) -> str | None:
    return dashboard_for(actor)


async def _toggle_language(actor: Actor) -> None:
    lang = 'en' if actor.lang == 'zh' else 'zh'
    app.storage.user['lang'] = lang
    await users.set_language(actor.username, lang)
    users.forget_actor(actor.username)
    ui.navigate.reload()


def _leave_preview() -> None:
    app.storage.user.pop('view_as', None)
    ui.navigate.to('/admin')
