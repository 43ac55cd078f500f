"""The shared page frame: header, navigation of the registers the user may see, user menu."""
from __future__ import annotations

from contextlib import contextmanager

from nicegui import app, ui

from .. import access, auth
from ..access import Actor
from ..runtime import rt
from .texts import t


async def page_actor(path: str) -> Actor | None:
    """The signed-in user of a page; None after sending the browser to the login page (and back to `path`)."""
    actor = await auth.current_actor()
    if actor is None:
        ui.navigate.to(f'/login?redirect_to={path}')
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
        ui.button(t('ui.language', lang), on_click=_toggle_language).props('flat color=white dense').mark('lang')
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
        yield


def _nav(icon: str, label: str, target: str, mark: str | None = None) -> None:
    with ui.item(on_click=lambda: ui.navigate.to(target)).props('clickable') as item:
        with ui.item_section().props('avatar'):
            ui.icon(icon if '_' in icon or icon.isalpha() else 'table_view', size='sm').classes('text-grey-8')
        with ui.item_section():
            ui.item_label(label)
    if mark:
        item.mark(mark)


def _dashboard_of(actor: Actor) -> str | None:
    from ..widgets import dashboard_for
    return dashboard_for(actor)


async def _toggle_language() -> None:
    from .. import users
    store = app.storage.user
    store['lang'] = 'en' if store.get('lang', 'zh') == 'zh' else 'zh'
    if store.get('username'):
        await users.set_language(store['username'], store['lang'])
    ui.navigate.reload()


def _leave_preview() -> None:
    app.storage.user.pop('view_as', None)
    ui.navigate.to('/admin')
