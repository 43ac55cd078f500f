"""Paste preview and fill down on the register page (the work is done by portal.records.paste)."""
from __future__ import annotations

from typing import Any

from nicegui import ui

from ..errors import PortalError
from ..i18n import add_messages, t
from ..records import paste as pasting

add_messages({
    'paste.title': ('粘贴预览', 'Paste preview'),
    'paste.summary': ('{changes} 处修改({updates} 行修改,{creates} 行新增),{errors} 处错误',
                      '{changes} changes ({updates} rows changed, {creates} new rows), {errors} errors'),
    'paste.apply': ('应用有效的修改', 'Apply the valid changes'),
    'paste.row': ('行', 'Row'),
    'paste.old': ('原值', 'Old'),
    'paste.new': ('新值', 'New'),
    'paste.error': ('错误', 'Error'),
    'paste.new_row': ('新行', 'new'),
    'paste.more': ('… 另有 {n} 处未显示', '… {n} more not shown'),
    'fill.title': ('向下填充', 'Fill down'),
    'fill.need': ('请勾选要填充的行,并把光标放在源单元格上', 'Select the rows to fill and focus the source cell'),
})
PREVIEW_LIMIT = 500


async def paste(page, args: dict[str, Any]) -> None:
    lang = page.lang
    if args.get('rowIndex') is None or not args.get('text'):
        return
    try:
        plan = await pasting.plan_paste(page.actor, page.key, args['text'], start_row=int(args['rowIndex']),
                                      start_col=args.get('colId') or '', columns=args.get('columns') or [],
                                      query=args.get('query') or {})
    except PortalError as exc:
        ui.notify(exc.message(lang), type='negative', multi_line=True)
        return
    await _preview(page, plan, t('paste.title', lang))


async def fill_down(page, args: dict[str, Any]) -> None:
    lang = page.lang
    selected = [int(i) for i in args.get('selected') or []]
    if args.get('rowId') is None or not args.get('colId') or not selected:
        ui.notify(t('fill.need', lang), type='warning')
        return
    try:
        plan = await pasting.plan_fill(page.actor, page.key, args['colId'], int(args['rowId']), selected)
    except PortalError as exc:
        ui.notify(exc.message(lang), type='negative')
        return
    if not plan.errors and plan.updates:
        await _apply(page, plan, None, 'fill')
        return
    await _preview(page, plan, t('fill.title', lang), kind='fill')


async def _preview(page, plan: pasting.PastePlan, title: str, kind: str = 'paste') -> None:
    lang = page.lang
    shown = [c for c in plan.cells if c.error or c.changed or c.row_id is None][:PREVIEW_LIMIT]
    total = len([c for c in plan.cells if c.error or c.changed or c.row_id is None])
    with ui.dialog() as dialog, ui.card().classes('w-[900px] max-w-full').mark('paste-preview'):
        ui.label(title).classes('text-h6')
        for problem in plan.problems:
            ui.label(problem).classes('text-red-8')
        ui.label(t('paste.summary', lang, changes=plan.changes, updates=len(plan.updates),
                   creates=len(plan.creates), errors=len(plan.errors))).mark('paste-summary')
        columns = [{'name': 'row', 'label': t('paste.row', lang), 'field': 'row', 'align': 'left'},
                   {'name': 'field', 'label': t('ui.field', lang), 'field': 'field', 'align': 'left'},
                   {'name': 'old', 'label': t('paste.old', lang), 'field': 'old', 'align': 'left'},
                   {'name': 'new', 'label': t('paste.new', lang), 'field': 'new', 'align': 'left'},
                   {'name': 'error', 'label': t('paste.error', lang), 'field': 'error', 'align': 'left',
                    'classes': 'text-red-8', 'headerClasses': 'text-red-8' if plan.errors else ''}]
        rows = [{'id': i, 'row': f'#{c.row_id}' if c.row_id else f'{t("paste.new_row", lang)} {c.row + 1}',
                 'field': c.label, 'old': c.old, 'new': c.new or c.raw, 'error': c.error}
                for i, c in enumerate(shown)]
        ui.table(columns=columns, rows=rows, row_key='id').props('dense flat virtual-scroll').classes(
            'w-full max-h-[420px]').mark('paste-table')
        if total > len(shown):
            ui.label(t('paste.more', lang, n=total - len(shown))).classes('text-grey-7 text-sm')
        with ui.row().classes('w-full justify-end'):
            ui.button(t('ui.cancel', lang), on_click=dialog.close).props('flat').mark('paste-cancel')
            apply = ui.button(t('paste.apply', lang), on_click=lambda: _apply(page, plan, dialog, kind)).mark(
                'paste-apply')
            if not plan.changes:
                apply.disable()
    dialog.open()


async def _apply(page, plan: pasting.PastePlan, dialog, kind: str) -> None:
    lang = page.lang
    try:
        result = await pasting.apply_paste(page.actor, plan, kind=kind)
    except PortalError as exc:
        ui.notify(exc.message(lang), type='negative', multi_line=True)
        return
    if dialog is not None:
        dialog.close()
    page.say(t('sheet.applied', lang, cells=result['cells'], new=result['created']))
    ui.notify(t('sheet.applied', lang, cells=result['cells'], new=result['created']), type='positive')
    page.refresh()
