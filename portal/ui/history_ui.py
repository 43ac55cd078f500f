"""Row history panel, recycle bin dialog (register page) and the change log page."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from nicegui import ui

from .. import records
from ..errors import PermissionDenied, PortalError
from ..i18n import add_messages, t
from ..people import access
from ..records import history
from ..runtime import rt
from .frame import frame, page_actor

add_messages({
    'hist.title': ('记录 #{id} 的历史', 'History of row #{id}'),
    'hist.at': ('时间(北京时间)', 'When (Asia/Shanghai)'), 'hist.who': ('操作人', 'Who'), 'hist.event': ('事件', 'Event'),
    'hist.field': ('字段', 'Field'), 'hist.change': ('原值 → 新值', 'Old → new'), 'hist.source': ('来源', 'Source'),
    'bin.title': ('回收站 · {register}', 'Recycle bin · {register}'),
    'bin.deleted_at': ('删除时间', 'Deleted'), 'bin.deleted_by': ('删除人', 'By'), 'bin.batch': ('批次', 'Batch'),
    'bin.restore': ('恢复', 'Restore'), 'bin.restore_batch': ('恢复整批', 'Restore batch'),
    'bin.empty': ('回收站是空的', 'The recycle bin is empty'),
    'bin.restored': ('已恢复 {n} 条', '{n} rows restored'),
    'log.register': ('登记表', 'Register'), 'log.user': ('操作人(登录名)', 'User (login)'),
    'log.field': ('字段名', 'Field name'), 'log.since': ('从', 'From'), 'log.until': ('到', 'To'),
    'log.search': ('查询', 'Search'), 'log.row': ('记录', 'Row'), 'log.all': ('全部', 'All'),
    'hist.empty': ('(空)', '(empty)'),
})


def local_time(value: datetime | None) -> str:
    """Timestamps are stored as the department's wall time (PORTAL_TZ, Asia/Shanghai by default)."""
    if value is None:
        return ''
    if value.tzinfo is not None:
        value = value.astimezone(ZoneInfo(rt().settings.timezone))
    return value.strftime('%Y-%m-%d %H:%M:%S')


def _table(entries: list[dict], lang: str, with_row: bool = False):
    columns = [{'name': 'at', 'label': t('hist.at', lang), 'field': 'at', 'align': 'left'},
               {'name': 'actor', 'label': t('hist.who', lang), 'field': 'actor', 'align': 'left'},
               {'name': 'event', 'label': t('hist.event', lang), 'field': 'event', 'align': 'left'}]
    if with_row:
        columns.append({'name': 'row', 'label': t('log.row', lang), 'field': 'row', 'align': 'left'})
    columns += [{'name': 'field', 'label': t('hist.field', lang), 'field': 'field', 'align': 'left'},
                {'name': 'change', 'label': t('hist.change', lang), 'field': 'change', 'align': 'left',
                 'classes': 'whitespace-normal', 'style': 'max-width: 420px'},
                {'name': 'source', 'label': t('hist.source', lang), 'field': 'source', 'align': 'left'}]
    catalog = rt().catalog

    def where(e: dict) -> str:
        register = catalog.register(e['register'])
        title = register.title(lang) if register else e['register']
        return f'{title} #{e["row_id"]}' if e['row_id'] else title

    def field(e: dict) -> str:
        register = catalog.register(e['register'])
        spec = register.field(e['field']) if register and e['field'] else None
        return spec.title(lang) if spec else (e['field'] or '')

    def change(e: dict) -> str:
        if e['field'] is None:                           # a whole-row event (create, delete, restore, system)
            return str(e['new'] if e['new'] is not None else '')
        old = t('hist.empty', lang) if e['old'] in ('', None) else e['old']
        return f'{old} → {"" if e["new"] is None else e["new"]}'
    rows = [{'id': e['id'], 'at': local_time(e['at']), 'actor': e['actor'], 'event': e['event'], 'row': where(e),
             'field': field(e), 'change': change(e), 'source': e['source']} for e in entries]
    return ui.table(columns=columns, rows=rows, row_key='id').props('dense flat wrap-cells').classes('w-full')


async def history_dialog(page, row_id: int) -> None:
    lang = page.lang
    try:
        entries = await history.row_timeline(page.actor, page.key, row_id)
    except PortalError as exc:
        ui.notify(exc.message(lang), type='negative')
        return
    with ui.dialog() as dialog, ui.card().classes('w-[1000px] max-w-full').mark('history-dialog'):
        ui.label(t('hist.title', lang, id=row_id)).classes('text-h6')
        _table(entries, lang).classes('max-h-[520px]').mark('history-table')
        with ui.row().classes('w-full justify-end'):
            ui.button(t('ui.close', lang), on_click=dialog.close).props('flat')
    dialog.open()


async def recycle_dialog(page) -> None:
    lang = page.lang
    with ui.dialog() as dialog, ui.card().classes('w-[820px] max-w-full').mark('recycle-dialog'):
        ui.label(t('bin.title', lang, register=page.register.title(lang))).classes('text-h6')
        body = ui.column().classes('w-full')

        async def fill() -> None:
            body.clear()
            rows = await history.recycle_bin(page.actor, page.key)
            with body:
                if not rows:
                    ui.label(t('bin.empty', lang)).classes('text-grey-7')
                for row in rows:
                    with ui.row().classes('items-center gap-3 w-full').mark(f'bin-row-{row["id"]}'):
                        ui.label(f'#{row["id"]}').classes('w-14 text-grey-7')
                        ui.label(row['title']).classes('w-48')
                        ui.label(local_time(row['deleted_at'])).classes('w-40 text-sm')
                        ui.label(row['deleted_by'] or '').classes('w-20 text-sm')
                        ui.label(row['batch'][:8]).classes('w-20 text-xs font-mono text-grey-7')
                        ui.button(t('bin.restore', lang), on_click=lambda r=row: restore([r['id']])).props(
                            'dense flat').mark(f'bin-restore-{row["id"]}')
                        ui.button(t('bin.restore_batch', lang), on_click=lambda r=row: restore_batch(r['batch'])
                                  ).props('dense flat').mark(f'bin-batch-{row["id"]}')

        async def restored(action) -> None:
            try:
                n = await action
            except PortalError as exc:
                ui.notify(exc.message(lang), type='negative')
                return
            ui.notify(t('bin.restored', lang, n=n), type='positive')
            page.refresh()
            await fill()

        async def restore(ids: list[int]) -> None:
            await restored(records.restore_rows(page.actor, page.key, ids))

        async def restore_batch(batch: str) -> None:
            await restored(history.restore_batch(page.actor, page.key, batch))
        await fill()
        with ui.row().classes('w-full justify-end'):
            ui.button(t('ui.close', lang), on_click=dialog.close).props('flat')
    dialog.open()


def register_pages() -> None:

    @ui.page('/changes')
    async def changes_page(register: str = '', user: str = '', field: str = '', since: str = '',
                           until: str = '') -> None:
        actor = await page_actor('/changes')
        if actor is None:
            return
        lang = actor.lang
        catalog = rt().catalog
        with frame(actor, t('ui.changelog', lang)):
            entries, problem = None, None
            try:
                entries = await history.change_log(
                    actor, register=register or None, user=user or None, field=field or None,
                    since=datetime.fromisoformat(since) if since else None,
                    until=datetime.fromisoformat(until) if until else None)
            except PermissionDenied as exc:                      # no form for someone who may not search
                ui.label(exc.message(lang)).classes('text-red-8').mark('log-error')
                return
            except (PortalError, ValueError) as exc:
                problem = exc.message(lang) if isinstance(exc, PortalError) else str(exc)
            options = {'': t('log.all', lang)} | {r.key: r.title(lang) for r in catalog.ordered()
                                                   if access.is_admin(catalog, actor) or
                                                   access.can(catalog, actor, r.key, 'approve')}
            with ui.row().classes('items-end gap-2'):
                reg = ui.select(options, value=register if register in options else '',
                                label=t('log.register', lang)).classes('w-44').mark('log-register')
                who = ui.input(t('log.user', lang), value=user).classes('w-36')
                name = ui.input(t('log.field', lang), value=field).classes('w-36')
                start = ui.input(t('log.since', lang), value=since).props('type=date stack-label').classes('w-40')
                end = ui.input(t('log.until', lang), value=until).props('type=date stack-label').classes('w-40')
                ui.button(t('log.search', lang), on_click=lambda: ui.navigate.to(
                    f'/changes?register={reg.value or ""}&user={who.value or ""}&field={name.value or ""}'
                    f'&since={start.value or ""}&until={end.value or ""}')).mark('log-search')
            if problem is not None:
                ui.label(problem).classes('text-red-8').mark('log-error')
                return
            _table(entries, lang, with_row=True).mark('log-table')
