"""Saved views on the register page: the views menu (apply, save, rename, delete, make default, share with a
role), the active view's name, and the column chooser (hidden columns are kept in a saved view). The work is done
by portal.records.saved_views."""
from __future__ import annotations

import json

from nicegui import background_tasks, ui

from ..errors import PortalError
from ..i18n import add_messages
from ..records import saved_views as views
from ..runtime import rt
from .ask import ask
from .texts import t

add_messages({
    'view.active': ('视图:{name}', 'View: {name}'),
    'view.none': ('未保存的视图', 'Unsaved view'),
    'view.manage': ('管理视图…', 'Manage views…'),
    'view.rename': ('重命名', 'Rename'),
    'view.make_default': ('设为默认', 'Make default'),
    'view.deleted': ('已删除视图「{name}」', 'View "{name}" deleted'),
    'view.applied': ('已切换到视图「{name}」', 'Switched to view "{name}"'),
    'view.columns': ('列', 'Columns'),
    'view.columns_tip': ('显示或隐藏列(保存视图时一并保存)', 'Show or hide columns (kept when the view is saved)'),
})


def active_label(page) -> None:
    """The name of the view the grid shows (set when a view is applied or saved)."""
    page.active_view = ui.label(t('view.active', page.lang, name=t('view.none', page.lang))).classes(
        'text-xs text-grey-7').mark('active-view')


def show_active(page, name: str | None) -> None:
    if getattr(page, 'active_view', None) is not None:
        page.active_view.text = t('view.active', page.lang, name=name or t('view.none', page.lang))


def views_menu(page) -> None:
    page.view_dialogs = ui.element('span')      # the dialogs live here: refilling the menu must not delete them
    with ui.button(t('ui.views', page.lang), icon='view_list').props('dense flat').mark('views'):
        page.views_menu = ui.menu()
    background_tasks.create(fill_views(page), name='views')


async def fill_views(page) -> None:
    lang = page.lang
    page.views_menu.clear()
    with page.views_menu:
        for view in await views.list_views(page.actor, page.key):
            label = view['name'] + (' ★' if view['is_default'] else '') + (
                f' · {rt().catalog.roles[view["role"]].title(lang)}' if view['role'] in rt().catalog.roles else '')
            ui.menu_item(label, on_click=lambda v=view: apply_view(page, v['state'], v['name'])).mark(
                f'view-{view["name"]}')
        ui.separator()
        ui.menu_item(t('view.save', lang), on_click=lambda: save_view_dialog(page)).mark('view-save')
        ui.menu_item(t('view.manage', lang), on_click=lambda: manage_dialog(page)).mark('view-manage')


def apply_view(page, state: dict, name: str | None = None) -> None:
    ui.run_javascript(f'portalGrid.applyView({page.grid.id}, {json.dumps(state, ensure_ascii=False)}); '
                      f'portalGrid.setQuick({json.dumps(page.key)}, {json.dumps(state.get("quick") or "")})')
    show_active(page, name)
    if name:
        ui.notify(t('view.applied', page.lang, name=name), type='info')


async def save_view_dialog(page) -> None:
    lang = page.lang
    state = await ask(f'portalGrid.viewState({page.grid.id})', page.lang)
    state['quick'] = await ask(f'portalGrid.state[{json.dumps(page.key)}].quick || ""', page.lang)
    sharer = views.may_share(page.actor, page.key) and not page.actor.preview
    with page.view_dialogs, ui.dialog() as dialog, ui.card().classes('w-96'):
        ui.label(t('view.save', lang)).classes('text-h6')
        name = ui.input(t('view.name_label', lang)).classes('w-full').mark('view-name')
        default = ui.checkbox(t('view.default', lang)).mark('view-default')
        role = ui.select({r: s.title(lang) for r, s in rt().catalog.roles.items()}, clearable=True,
                         label=t('view.publish', lang)).classes('w-full').mark('view-role') if sharer else None

        async def save() -> None:
            try:
                await views.save_view(page.actor, page.key, name.value or '', state, default=default.value,
                                      role=role.value if role else None)
            except PortalError as exc:
                ui.notify(exc.message(lang), type='negative')
                return
            dialog.close()
            ui.notify(t('ui.saved', lang), type='positive')
            show_active(page, (name.value or '').strip())
            await fill_views(page)
        with ui.row().classes('w-full justify-end'):
            ui.button(t('ui.cancel', lang), on_click=dialog.close).props('flat')
            ui.button(t('ui.save', lang), on_click=save).mark('view-save-ok')
    dialog.open()


async def manage_dialog(page) -> None:
    """Rename, delete, make default: one line per view the user may change."""
    lang = page.lang
    sharer = views.may_share(page.actor, page.key)
    with page.view_dialogs, ui.dialog() as dialog, ui.card().classes('w-[560px] max-w-full').mark('views-dialog'):
        ui.label(t('view.manage', lang)).classes('text-h6')
        body = ui.column().classes('w-full gap-1')

        async def run(action, done: str | None = None) -> None:
            try:
                await action
            except PortalError as exc:
                ui.notify(exc.message(lang), type='negative')
                return
            ui.notify(done or t('ui.saved', lang), type='positive')
            await fill()
            await fill_views(page)

        async def fill() -> None:
            body.clear()
            with body:
                for view in await views.list_views(page.actor, page.key):
                    mine = view['role'] is None
                    line = ui.row().classes('items-center gap-2 w-full no-wrap').mark(f'manage-{view["name"]}')
                    line.props['data-view'] = view['name']
                    with line:
                        name = ui.input(value=view['name']).props('dense').classes('w-48')
                        name.set_enabled(mine or sharer)
                        role = rt().catalog.roles.get(view['role'])
                        ui.label(('★ ' if view['is_default'] else '') + (role.title(lang) if role else '')).classes(
                            'text-xs text-grey-7 w-20')
                        ui.button(t('view.rename', lang), on_click=lambda v=view, n=name: run(
                            views.rename_view(page.actor, page.key, v['id'], n.value or ''))).props(
                            'dense flat').mark('view-rename').set_enabled(mine or sharer)
                        ui.button(t('view.make_default', lang), on_click=lambda v=view: run(
                            views.set_default(page.actor, page.key, v['id']))).props('dense flat').mark(
                            'view-default-set')
                        ui.button(t('ui.delete', lang), on_click=lambda v=view: run(
                            views.delete_view(page.actor, page.key, v['id']),
                            t('view.deleted', lang, name=v['name']))).props('dense flat color=negative').mark(
                            'view-delete').set_enabled(mine or sharer)
        await fill()
        with ui.row().classes('w-full justify-end'):
            ui.button(t('ui.close', lang), on_click=dialog.close).props('flat')
    dialog.open()


def column_chooser(page) -> None:
    """A button with one box per column: untick to hide it (AG Grid Community has no column tool panel)."""
    lang = page.lang
    with ui.button(t('view.columns', lang), icon='view_column').props('dense flat').mark('columns').tooltip(
            t('view.columns_tip', lang)):
        menu = ui.menu().props('auto-close=false')

    async def fill() -> None:
        columns = await ask(f'portalGrid.columns({page.grid.id})', page.lang)
        menu.clear()
        with menu, ui.column().classes('gap-0 p-2'):
            for col in columns or []:
                ui.checkbox(col['header'], value=not col['hide'], on_change=lambda e, c=col['colId']: ui.run_javascript(
                    f'portalGrid.showColumn({page.grid.id}, {json.dumps(c)}, {json.dumps(bool(e.value))})')).props(
                    'dense').mark(f'column-{col["colId"]}')
    menu.on('before-show', fill)
