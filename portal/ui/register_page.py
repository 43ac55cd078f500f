"""The generic register page at /r/<key>: a server-backed grid generated from the register's schema."""
from __future__ import annotations

import json
from typing import Any

from nicegui import background_tasks, ui

from .. import records
from ..errors import Conflict, NotFound, PermissionDenied, PortalError, ValidationFailed
from ..events import ChangeEvent
from ..people import access, users
from ..records import payload, undo
from ..records import saved_views as views
from ..runtime import rt
from ..schema import Actor, RegisterSchema, Rights
from .ask import ask
from . import columns as grid
from . import cell_saves, excel_ui, form, history_ui, range_ui, regulation_ui, sheet_ui, views_ui
from .frame import frame, page_actor
from .texts import name_once, t


class RegisterPage:
    def __init__(self, actor: Actor, register: RegisterSchema, granted: Rights, *, queue: str | None,
                 where: dict | None) -> None:
        self.actor, self.register, self.granted = actor, register, granted
        self.key, self.lang = register.key, actor.lang
        self.queue, self.where = queue, where
        self.grid: ui.aggrid | None = None
        self.message: ui.label | None = None
        self.saves = cell_saves.OwnSaves()

    # --- layout -----------------------------------------------------------------------------------------------
    async def build(self) -> None:
        self._toolbar()
        regulation_ui.checklist_panel(self.register, self.lang)
        with ui.row().classes('w-full gap-2'):
            self.message = ui.label('').classes('portal-message').props(f'id=portal-message-{self.key}')
            ui.element('span').classes('portal-message').props(f'id=portal-fetch-{self.key}')
        ctx = grid.field_context(rt().catalog, await users.directory(), self.lang)
        options = grid.grid_options(self.register, self.granted, self.lang, ctx, 'null')
        self.grid = ui.aggrid(options, theme='quartz', auto_size_columns=False).classes('portal-grid w-full').mark('grid')
        state = {'quick': '', 'queue': self.queue, 'where': self.where, 'countText': t('ui.rows', self.lang)}
        gid = self.grid.id
        self.grid.options[':datasource'] = (f"(portalGrid.state['{self.key}'] = Object.assign({json.dumps(state)}, "
                                            f"{{gridId: {gid}}}), portalGrid.datasource('{self.key}'))")
        self.grid.options[':onGridReady'] = f"(p) => setTimeout(() => portalGrid.install('{self.key}', {gid}), 0)"
        self.grid.on('cellValueChanged', self._on_cell)
        for name, handler in (('undo', self.undo), ('redo', self.redo), ('fill', self._on_fill),
                              ('clear', self._on_clear), ('paste', self._on_paste), ('checks', self._on_checks)):
            ui.on(f'portal_{name}_{gid}', handler)
        unsubscribe = rt().bus.subscribe(self.key, self._on_change)
        ui.context.client.on_delete(unsubscribe)
        if not self.queue and not self.where:
            default = await views.default_view(self.actor, self.key)
            if default:
                self.grid.options[':onGridReady'] = (
                    f"(p) => setTimeout(() => {{ portalGrid.install('{self.key}', {gid}); "
                    f"portalGrid.applyView({gid}, {json.dumps(default['state'], ensure_ascii=False)}); }}, 0)")
                views_ui.show_active(self, default['name'])
        range_ui.attach(self)     # the cell range: selection, copy, clear, fill, status bar (portal/ui/range_ui.py)

    def _toolbar(self) -> None:
        lang, actions = self.lang, self.granted.actions
        writable = not self.actor.preview
        with ui.row().classes('w-full items-center gap-2'):
            ui.label(self.register.title(lang)).classes('text-h6')
            ui.label('…').props(f'id=portal-count-{self.key}').classes('text-grey-7').mark('row-count')
            views_ui.active_label(self)
            if self.queue:
                queue = next((q for q in self.register.queues if q.id == self.queue), None)
                if queue:
                    ui.chip(t('ui.filtered_by_queue', lang, queue=queue.title(lang)), removable=True,
                            on_value_change=lambda: ui.navigate.to(f'/r/{self.key}')).props('color=orange-2')
            if self.where:
                ui.chip(', '.join(f'{k}={v}' for k, v in self.where.items()), removable=True,
                        on_value_change=lambda: ui.navigate.to(f'/r/{self.key}')).props('color=blue-2')
            ui.space()
            quick = ui.input(placeholder=t('ui.search', lang)).props(
                'dense outlined clearable debounce=400').classes('w-56 portal-quick').mark('quick')
            quick.on_value_change(lambda e: ui.run_javascript(
                f'portalGrid.setQuick({json.dumps(self.key)}, {json.dumps(e.value or "")})'))
        with ui.row().classes('w-full items-center gap-1'):
            if 'create' in actions and writable:
                ui.button(t('ui.add', lang), icon='add', on_click=self.add).props('dense').mark('add')
            ui.button(t('ui.open', lang), icon='open_in_new', on_click=self.open_focused).props(
                'dense flat').mark('open')
            if 'create' in actions and writable:
                ui.button(t('ui.duplicate', lang), icon='content_copy', on_click=self.duplicate).props(
                    'dense flat').mark('duplicate')
            if 'delete' in actions and writable:
                ui.button(t('ui.delete', lang), icon='delete', on_click=self.delete).props(
                    'dense flat color=negative').mark('delete')
            if 'edit' in actions and writable:
                ui.button(t('ui.fill', lang), icon='south', on_click=lambda: ui.run_javascript(
                    f'portalGrid.command({self.grid.id}, "fill")')).props('dense flat').mark('fill').tooltip(
                    t('ui.fill_tip', lang))
            if ({'edit', 'create', 'delete'} & actions) and writable:
                ui.button(t('ui.undo', lang), icon='undo', on_click=lambda: self.undo()).props(
                    'dense flat').mark('undo').tooltip('Ctrl+Z')
                ui.button(t('ui.redo', lang), icon='redo', on_click=lambda: self.redo()).props(
                    'dense flat').mark('redo').tooltip('Ctrl+Y')
            self.extra_tools = ui.row().classes('items-center gap-1')
            ui.button(t('ui.history', lang), icon='history', on_click=self.show_history).props(
                'dense flat').mark('history')
            if 'delete' in actions and writable:
                ui.button(t('ui.recycle', lang), icon='restore_from_trash',
                          on_click=lambda: history_ui.recycle_dialog(self)).props('dense flat').mark('recycle')
            self._views_menu()
            views_ui.column_chooser(self)
            if 'export' in actions:
                ui.button(t('ui.export', lang), icon='file_download', on_click=lambda: excel_ui.export_dialog(
                    self)).props('dense flat').mark('export')
            if 'import' in actions and writable:
                ui.button(t('ui.import', lang), icon='file_upload', on_click=lambda: excel_ui.import_dialog(
                    self)).props('dense flat').mark('import')
        regulation_ui.clause_links(self.register, self.lang)   # always on its own line under the toolbar

    def _views_menu(self) -> None:
        views_ui.views_menu(self)

    def apply_view(self, state: dict) -> None:
        views_ui.apply_view(self, state)

    # --- grid helpers -----------------------------------------------------------------------------------------
    def show(self, row: dict[str, Any], errors: dict[str, str] | None = None) -> None:
        data = payload(self.register, self.granted, row)
        data['_errors'] = errors or {}
        ui.run_javascript(f'portalGrid.applyRow({self.grid.id}, {json.dumps(data, ensure_ascii=False)})')

    def refresh(self, background: bool = False) -> None:
        ui.run_javascript(f'portalGrid.refresh({json.dumps(self.key)}, {json.dumps(background)})')

    def say(self, text: str, error: bool = False) -> None:
        self.message.text = text
        self.message.classes(add='portal-error' if error else '', remove='' if error else 'portal-error')

    def label_of(self, col: str) -> str:
        spec = self.register.field(col)
        return spec.title(self.lang) if spec else col

    def about(self, col: str, message: str) -> str:
        return name_once(self.label_of(col) if col else '', message, self.lang)

    async def focused(self) -> dict | None:
        return await ask(f'portalGrid.focused(portalGrid.api({self.grid.id}))', self.lang)

    async def selected_ids(self) -> list[int]:
        rows = await ask(f'portalGrid.api({self.grid.id}).getSelectedRows().map(r => r.id)', self.lang)
        return [int(i) for i in rows or []]

    # --- editing ----------------------------------------------------------------------------------------------
    async def _on_cell(self, e) -> None:
        args = e.args
        if args.get('source') not in ('edit', None) or not args.get('data'):
            return
        row_id, col = int(args['data']['id']), args['colId']
        await self.save_cell(row_id, col, args.get('newValue'), args['data'].get('_v'))

    async def save_cell(self, row_id: int, col: str, value: Any, version: int | None, *, force: bool = False) -> None:
        """Save one cell. This page's own saves of a row run one after the other and build on the version the
        page itself wrote last (the grid may still show the one before): only someone else's change conflicts."""
        async with self.saves.lock(row_id):
            seen = self.saves.seen(row_id, version)
            try:
                saved = await records.update_row(self.actor, self.key, row_id, {col: value}, version=seen,
                                                 source='grid')
            except ValidationFailed as exc:
                messages = exc.by_field(self.lang)
                await self._revert(row_id, messages)
                self.say(f'#{row_id} ' + ';'.join(self.about(f, m) for f, m in messages.items()), True)
                ui.notify(next(iter(messages.values())), type='negative', multi_line=True)
                return
            except Conflict as exc:
                self._conflict(row_id, col, value, exc)
                return
            except (PermissionDenied, NotFound, PortalError) as exc:
                await self._revert(row_id, {col: exc.message(self.lang)})
                self.say(f'#{row_id} {exc.message(self.lang)}', True)
                ui.notify(exc.message(self.lang), type='negative', multi_line=True)
                return
            self.saves.wrote(row_id, seen, saved.get('version'))
        self.show(saved)
        self.say('')
        wf = self.register.workflow
        if wf is not None and col == wf.field and saved.get(col) is not None:
            ui.notify(t('ui.moved_to', self.lang, id=row_id, state=saved[col]), type='positive')

    async def _revert(self, row_id: int, errors: dict[str, str]) -> None:
        try:
            current = await records.get_row(self.actor, self.key, row_id)
        except PortalError:
            self.refresh()
            return
        self.show(current, errors)

    def _conflict(self, row_id: int, col: str, mine: Any, exc: Conflict) -> None:
        cell_saves.conflict_dialog(self, row_id, col, mine, exc)

    def refocus(self, row_id: int, col: str) -> None:
        ui.run_javascript(f'portalGrid.refocus({self.grid.id}, {int(row_id)}, {json.dumps(col)})')

    async def _on_change(self, event: ChangeEvent) -> None:
        """Another tab/user/process changed rows: update them in place (fetched with this user's rights). Changes
        this page made itself are skipped: it showed the saved row (or refreshed) already."""
        if self.grid is None or self.grid.is_deleted or event.client == self.grid.client.id:
            return
        background_tasks.create(self._apply_change(event), name='live-update')

    async def _apply_change(self, event: ChangeEvent) -> None:
        with self.grid:
            if event.kind != 'update':
                self.refresh(background=True)
                return
            for row_id in event.row_ids[:200]:
                try:
                    row = await records.get_row(self.actor, self.key, row_id)
                except (NotFound, PermissionDenied):
                    self.refresh(background=True)
                    return
                self.show(row)

    # --- toolbar actions --------------------------------------------------------------------------------------
    async def add(self) -> None:
        await form.open_record(self.actor, self.register, self.granted, None, self._after_form)

    async def open_focused(self) -> None:
        row_id = await self._one_row()
        if row_id is None:
            return
        try:
            row = await records.get_row(self.actor, self.key, row_id)
        except PortalError as exc:
            ui.notify(exc.message(self.lang), type='negative')
            return
        await form.open_record(self.actor, self.register, self.granted, row, self._after_form)

    async def duplicate(self) -> None:
        row_id = await self._one_row()
        if row_id is None:
            return
        row = await records.get_row(self.actor, self.key, row_id)
        await form.open_record(self.actor, self.register, self.granted, row, self._after_form, duplicate=True)

    async def show_history(self) -> None:
        row_id = await self._one_row()
        if row_id is not None:
            await history_ui.history_dialog(self, row_id)

    async def _one_row(self) -> int | None:
        selected = await self.selected_ids()
        if len(selected) == 1:
            return selected[0]
        focus = await self.focused()
        if focus and focus.get('rowId') is not None:
            return int(focus['rowId'])
        ui.notify(t('ui.select_one', self.lang), type='warning')
        return None

    async def _after_form(self, row: dict[str, Any]) -> None:
        self.refresh()
        if row.get('id') is not None and 'version' in row:
            self.show(row)

    async def delete(self) -> None:
        ids = await self.selected_ids()
        if not ids:                                  # nothing ticked: the focused row, as 打开/历史/复制行 do
            row_id = await self._one_row()
            if row_id is None:
                return
            ids = [row_id]
        with ui.dialog() as dialog, ui.card():
            ui.label(t('ui.confirm_delete', self.lang, n=len(ids)))
            with ui.row().classes('w-full justify-end'):
                ui.button(t('ui.cancel', self.lang), on_click=lambda: dialog.submit(False)).props('flat')
                ui.button(t('ui.delete', self.lang), on_click=lambda: dialog.submit(True)).props(
                    'color=negative').mark('confirm-delete')
        if not await dialog:
            return
        try:
            await records.delete_rows(self.actor, self.key, ids)
        except PortalError as exc:
            ui.notify(exc.message(self.lang), type='negative')
            return
        ui.notify(t('ui.deleted', self.lang, n=len(ids)), type='positive')
        ui.run_javascript(f'portalGrid.api({self.grid.id}).deselectAll()')
        self.refresh()

    # --- spreadsheet power (portal.records.paste and portal.records.undo) -------------------------------------------
    async def undo(self, e=None) -> None:
        await self._sheet('undo')

    async def redo(self, e=None) -> None:
        await self._sheet('redo')

    async def _sheet(self, which: str) -> None:
        try:
            result = await getattr(undo, which)(self.actor, self.key)
        except PortalError as exc:
            self.say(exc.message(self.lang), True)
            ui.notify(exc.message(self.lang), type='warning', multi_line=True)
            return
        self.say(result.message(self.lang))
        ui.notify(result.message(self.lang), type='positive')
        self.refresh()

    async def _on_clear(self, e) -> None:
        args = e.args or {}
        if args.get('rowId') is None or not args.get('colId'):
            return
        spec = self.register.field(args['colId'])
        if spec is None or not access.writable(spec, self.granted):
            return
        await self.save_cell(int(args['rowId']), args['colId'], None, args.get('version'))

    async def _on_checks(self, e) -> None:
        """The 检查 cell was clicked (or Enter on it): the row's checklist, to tick items where the work is."""
        args = e.args or {}
        if args.get('rowId') is None or not self.register.row_checklist:
            return
        row_id = int(args['rowId'])
        try:
            row = await records.get_row(self.actor, self.key, row_id)
        except PortalError as exc:
            ui.notify(exc.message(self.lang), type='negative')
            return

        async def ticked(saved: dict[str, Any]) -> None:
            self.show(saved)
        with ui.dialog() as dialog, ui.card().classes('w-[560px] max-w-full').mark('checks-dialog'):
            ui.label(t('ui.row_checks_title', self.lang, id=row_id)).classes('text-subtitle1')
            form.checklist(self.actor, self.register, row, ticked, await users.directory(), heading=False)
            with ui.row().classes('w-full justify-end'):
                ui.button(t('ui.close', self.lang), on_click=dialog.close).props('flat').mark('checks-close')
        dialog.on('hide', lambda: self.refocus(row_id, '_checks'))
        dialog.open()

    async def _on_fill(self, e) -> None:
        await sheet_ui.fill_down(self, e.args or {})

    async def _on_paste(self, e) -> None:
        await sheet_ui.paste(self, e.args or {})


def register_pages() -> None:

    @ui.page('/r/{key}')
    async def register_page(key: str, queue: str | None = None, where: str | None = None) -> None:
        actor = await page_actor(f'/r/{key}')
        if actor is None:
            return
        register = rt().catalog.register(key)
        if register is None:
            with frame(actor, t('ui.not_found', actor.lang)):
                ui.label(t('ui.not_found', actor.lang)).classes('text-h6')
            return
        granted = access.rights(rt().catalog, actor, key)
        with frame(actor, register.title(actor.lang)):
            if 'view' not in granted.actions:
                ui.label(t('ui.no_access', actor.lang, register=register.title(actor.lang))).classes(
                    'text-h6 text-red-8').mark('no-access')
                return
            parsed_where = None
            if where:
                try:
                    parsed_where = json.loads(where)
                except ValueError:
                    parsed_where = None
            page = RegisterPage(actor, register, granted, queue=queue, where=parsed_where)
            await page.build()



