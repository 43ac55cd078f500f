"""The generic register page at /r/<key>: a server-backed grid generated from the register's schema."""
from __future__ import annotations


import json
from typing import Any

from nicegui import background_tasks, ui

from .. import access, grid, records, users
from ..access import Actor
from ..errors import Conflict, NotFound, PermissionDenied, PortalError, ValidationFailed
from ..events import ChangeEvent
from ..runtime import rt
from ..schema import RegisterSchema, Rights
from . import form, regulation_ui
from .texts import name_once, t


class RegisterPage:
    def __init__(self, actor: Actor, register: RegisterSchema, granted: Rights, *, queue: str | None,
                 where: dict | None) -> None:
        self.actor, self.register, self.granted = actor, register, granted
        self.key, self.lang = register.key, actor.lang
        self.queue, self.where = queue, where
        self.grid: ui.aggrid | None = None
        self.message: ui.label | None = None

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
                              ('clear', self._on_clear), ('paste', self._on_paste)):
            ui.on(f'portal_{name}_{gid}', handler)
        unsubscribe = rt().bus.subscribe(self.key, self._on_change)
        ui.context.client.on_delete(unsubscribe)
        if not self.queue and not self.where:
            from .. import views
            default = await views.default_view(self.actor, self.key)
            if default:
                self.grid.options[':onGridReady'] = (
                    f"(p) => setTimeout(() => {{ portalGrid.install('{self.key}', {gid}); "
                    f"portalGrid.applyView({gid}, {json.dumps(default['state'], ensure_ascii=False)}); }}, 0)")

    def _toolbar(self) -> None:
        lang, actions = self.lang, self.granted.actions
        writable = not self.actor.preview
        with ui.row().classes('w-full items-center gap-2'):
            ui.label(self.register.title(lang)).classes('text-h6')
            ui.label('…').props(f'id=portal-count-{self.key}').classes('text-grey-7').mark('row-count')
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
                f'dense outlined clearable debounce=400 id=portal-quick-{self.key}').classes('w-56').mark('quick')
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
            if ({'edit', 'create', 'delete'} & actions) and writable:
                ui.button(t('ui.undo', lang), icon='undo', on_click=lambda: self.undo()).props(
                    'dense flat').mark('undo').tooltip('Ctrl+Z')
                ui.button(t('ui.redo', lang), icon='redo', on_click=lambda: self.redo()).props(
                    'dense flat').mark('redo').tooltip('Ctrl+Y')
            self.extra_tools = ui.row().classes('items-center gap-1')
            ui.button(t('ui.history', lang), icon='history', on_click=self.show_history).props(
                'dense flat').mark('history')
            if 'delete' in actions and writable:
                from . import history_ui
                ui.button(t('ui.recycle', lang), icon='restore_from_trash',
                          on_click=lambda: history_ui.recycle_dialog(self)).props('dense flat').mark('recycle')
            self._views_menu()
            from . import excel_ui
            if 'export' in actions:
                ui.button(t('ui.export', lang), icon='file_download', on_click=lambda: excel_ui.export_dialog(
                    self)).props('dense flat').mark('export')
            if 'import' in actions and writable:
                ui.button(t('ui.import', lang), icon='file_upload', on_click=lambda: excel_ui.import_dialog(
                    self)).props('dense flat').mark('import')
        regulation_ui.clause_links(self.register, self.lang)   # always on its own line under the toolbar

    def _views_menu(self) -> None:
        with ui.button(t('ui.views', self.lang), icon='view_list').props('dense flat').mark('views'):
            self.views_menu = ui.menu()
        background_tasks.create(self._fill_views(), name='views')

    async def _fill_views(self) -> None:
        from .. import views
        lang = self.lang
        self.views_menu.clear()
        with self.views_menu:
            for view in await views.list_views(self.actor, self.key):
                label = view['name'] + (' ★' if view['is_default'] else '') + (
                    f' · {rt().catalog.roles[view["role"]].title(lang)}' if view['role'] in rt().catalog.roles else '')
                ui.menu_item(label, on_click=lambda v=view: self.apply_view(v['state'])).mark(f'view-{view["name"]}')
            ui.separator()
            ui.menu_item(t('view.save', lang), on_click=self._save_view_dialog).mark('view-save')

    def apply_view(self, state: dict) -> None:
        ui.run_javascript(f'portalGrid.applyView({self.grid.id}, {json.dumps(state, ensure_ascii=False)}); '
                          f'portalGrid.setQuick({json.dumps(self.key)}, {json.dumps(state.get("quick") or "")})')

    async def _save_view_dialog(self) -> None:
        from .. import views
        lang = self.lang
        state = await ui.run_javascript(f'portalGrid.viewState({self.grid.id})')
        state['quick'] = await ui.run_javascript(f'portalGrid.state[{json.dumps(self.key)}].quick || ""')
        admin = access.is_admin(rt().catalog, self.actor)
        with ui.dialog() as dialog, ui.card().classes('w-96'):
            ui.label(t('view.save', lang)).classes('text-h6')
            name = ui.input(t('view.name_label', lang)).classes('w-full').mark('view-name')
            default = ui.checkbox(t('view.default', lang)).mark('view-default')
            role = ui.select({r: s.title(lang) for r, s in rt().catalog.roles.items()}, clearable=True,
                             label=t('view.publish', lang)).classes('w-full') if admin else None

            async def save() -> None:
                try:
                    await views.save_view(self.actor, self.key, name.value or '', state, default=default.value,
                                          role=role.value if role else None)
                except PortalError as exc:
                    ui.notify(exc.message(lang), type='negative')
                    return
                dialog.close()
                ui.notify(t('ui.saved', lang), type='positive')
                await self._fill_views()
            with ui.row().classes('w-full justify-end'):
                ui.button(t('ui.cancel', lang), on_click=dialog.close).props('flat')
                ui.button(t('ui.save', lang), on_click=save).mark('view-save-ok')
        dialog.open()

    # --- grid helpers -----------------------------------------------------------------------------------------
    def show(self, row: dict[str, Any], errors: dict[str, str] | None = None) -> None:
        data = grid.payload(self.register, self.granted, row)
        data['_errors'] = errors or {}
        ui.run_javascript(f'portalGrid.applyRow({self.grid.id}, {json.dumps(data, ensure_ascii=False)})')

    def refresh(self) -> None:
        ui.run_javascript(f'portalGrid.refresh({json.dumps(self.key)})')

    def say(self, text: str, error: bool = False) -> None:
        self.message.text = text
        self.message.classes(add='portal-error' if error else '', remove='' if error else 'portal-error')

    def label_of(self, col: str) -> str:
        spec = self.register.field(col)
        return spec.title(self.lang) if spec else col

    def about(self, col: str, message: str) -> str:
        return name_once(self.label_of(col) if col else '', message, self.lang)

    async def focused(self) -> dict | None:
        return await ui.run_javascript(f'portalGrid.focused(portalGrid.api({self.grid.id}))')

    async def selected_ids(self) -> list[int]:
        rows = await ui.run_javascript(f'portalGrid.api({self.grid.id}).getSelectedRows().map(r => r.id)')
        return [int(i) for i in rows or []]

    # --- editing ----------------------------------------------------------------------------------------------
    async def _on_cell(self, e) -> None:
        args = e.args
        if args.get('source') not in ('edit', None) or not args.get('data'):
            return
        row_id, col = int(args['data']['id']), args['colId']
        await self.save_cell(row_id, col, args.get('newValue'), args['data'].get('_v'))

    async def save_cell(self, row_id: int, col: str, value: Any, version: int | None, *, force: bool = False) -> None:
        try:
            saved = await records.update_row(self.actor, self.key, row_id, {col: value}, version=version,
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
        self.show(saved)
        self.say('')

    async def _revert(self, row_id: int, errors: dict[str, str]) -> None:
        try:
            current = await records.get_row(self.actor, self.key, row_id)
        except PortalError:
            self.refresh()
            return
        self.show(current, errors)

    def _conflict(self, row_id: int, col: str, mine: Any, exc: Conflict) -> None:
        theirs = exc.current or {}
        spec = self.register.field(col)
        shown = spec.kind.text(theirs.get(col), spec, self.lang) if spec else str(theirs.get(col))
        with ui.dialog() as dialog, ui.card().classes('w-[520px]').mark('conflict-dialog'):
            ui.label(t('ui.conflict_title', self.lang)).classes('text-h6')
            ui.label(exc.message(self.lang)).classes('text-sm')
            with ui.grid(columns=2).classes('w-full gap-2'):
                ui.label(t('ui.theirs', self.lang)).classes('text-grey-7')
                ui.label(t('ui.yours', self.lang)).classes('text-grey-7')
                ui.label(f'{self.label_of(col)}:{shown or "(空)"}').mark('theirs')
                ui.label(f'{self.label_of(col)}:{mine if mine not in (None, "") else "(空)"}').mark('yours')

            async def keep() -> None:
                dialog.close()
                self.show(theirs)
                self.say('')

            async def overwrite() -> None:
                dialog.close()
                await self.save_cell(row_id, col, mine, theirs.get('version'))
            with ui.row().classes('w-full justify-end'):
                ui.button(t('ui.keep_theirs', self.lang), on_click=keep).props('flat').mark('keep-theirs')
                ui.button(t('ui.overwrite', self.lang), on_click=overwrite).props('color=negative').mark('overwrite')
        dialog.open()

    async def _on_change(self, event: ChangeEvent) -> None:
        """Another tab/user/process changed rows: update them in place (fetched with this user's rights)."""
        if self.grid is None or self.grid.is_deleted:
            return
        background_tasks.create(self._apply_change(event), name='live-update')

    async def _apply_change(self, event: ChangeEvent) -> None:
        with self.grid:
            if event.kind != 'update':
                self.refresh()
                return
            for row_id in event.row_ids[:200]:
                try:
                    row = await records.get_row(self.actor, self.key, row_id)
                except (NotFound, PermissionDenied):
                    self.refresh()
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
        from . import history_ui
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
        if not ids:
            ui.notify(t('ui.select_rows', self.lang), type='warning')
            return
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

    # --- spreadsheet power (portal.sheet) ---------------------------------------------------------------------
    async def undo(self, e=None) -> None:
        await self._sheet('undo')

    async def redo(self, e=None) -> None:
        await self._sheet('redo')

    async def _sheet(self, which: str) -> None:
        from .. import sheet
        try:
            result = await getattr(sheet, which)(self.actor, self.key)
        except PortalError as exc:
            self.say(exc.message(self.lang), True)
            ui.notify(exc.message(self.lang), type='warning', multi_line=True)
            return
        self.say(result.message(self.lang))
        self.refresh()

    async def _on_clear(self, e) -> None:
        args = e.args or {}
        if args.get('rowId') is None or not args.get('colId'):
            return
        spec = self.register.field(args['colId'])
        if spec is None or not access.writable(spec, self.granted):
            return
        await self.save_cell(int(args['rowId']), args['colId'], None, args.get('version'))

    async def _on_fill(self, e) -> None:
        from . import sheet_ui
        await sheet_ui.fill_down(self, e.args or {})

    async def _on_paste(self, e) -> None:
        from . import sheet_ui
        await sheet_ui.paste(self, e.args or {})


def register_pages() -> None:
    from .frame import frame, page_actor

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



