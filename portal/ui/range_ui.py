"""The cell range on the register page: hooks range.js onto the grid (its cellClassRules on every column, its
install after the grid is ready, the status bar under the grid) and handles what the range asks of the server by
websocket — clear (refusals listed per cell) and fill (down, right, the fill handle's series). Copy and the status
bar's figures are plain HTTP reads (portal/web/range_api.py); paste goes to the page's paste preview."""
from __future__ import annotations

import json
from typing import Any

from nicegui import ui

from ..errors import PortalError
from ..i18n import add_messages, t
from ..records import paste as pasting
from ..records import range_fill, ranges
from . import sheet_ui

add_messages({
    'range.size': ('{rows} 行 × {cols} 列', '{rows} rows × {cols} columns'),
    'range.count': ('计数 {n}', 'Count {n}'),
    'range.sum': ('求和 {n}', 'Sum {n}'),
    'range.average': ('平均值 {n}', 'Average {n}'),
    'range.unsummed': ('未能求和：{why}', 'Not summed: {why}'),
    'range.copying': ('正在复制…', 'Copying…'),
    'range.copied': ('已复制 {rows} 行 × {cols} 列', 'Copied {rows} rows × {cols} columns'),
    'range.menu.copy': ('复制', 'Copy'),
    'range.menu.paste': ('粘贴', 'Paste'),
    'range.menu.clear': ('清除内容', 'Clear contents'),
    'range.menu.fill_down': ('向下填充', 'Fill down'),
    'range.menu.fill_right': ('向右填充', 'Fill right'),
    'range.fill_right': ('向右填充', 'Fill right'),
    'range.nothing': ('没有需要修改的单元格', 'No cell needs changing'),
    'range.refused_title': ('未清除的单元格', 'Cells not cleared'),
})
SHOWN_REFUSALS = 500


def attach(page) -> None:
    """Give the page's grid a cell range. Call at the end of RegisterPage.build (after onGridReady is set)."""
    grid, register, granted = page.grid, page.register, page.granted
    for col in grid.options['columnDefs']:
        col[':cellClassRules'] = f'Object.assign({col.get(":cellClassRules") or "{}"}, portalRange.rules)'
    visible = [f for f in register.fields if f.name not in granted.hidden]
    lang = page.lang
    config = {
        'key': page.key, 'lang': lang,
        'columns': ['id', *(f.name for f in visible), '_checks'],
        'numeric': [f.name for f in visible if ranges.is_numeric(f)],
        'editable': bool({'edit', 'approve'} & granted.actions) and not page.actor.preview,
        'texts': {name: t(f'range.{name}', lang) for name in ('size', 'count', 'sum', 'average', 'unsummed', 'copying',
                                                                  'copied')}
        | {'menu': {name: t(f'range.menu.{name}', lang) for name in ('copy', 'paste', 'clear', 'fill_down',
                                                                         'fill_right')}},
    }
    ready = grid.options.get(':onGridReady') or '(p) => {}'
    grid.options[':onGridReady'] = (f'(p) => {{ ({ready})(p); setTimeout(() => portalRange.install({grid.id}, '
                                    f'{json.dumps(config, ensure_ascii=False)}), 0); }}')
    with page.message.parent_slot:      # the line above the grid, right-aligned: on screen whatever the height
        ui.element('div').classes('portal-range-status ml-auto').props(
            f'id=portal-range-status-{page.key}').mark('range-status')
    ui.on(f'portal_range_clear_{grid.id}', lambda e: clear(page, e.args or {}))
    ui.on(f'portal_range_fill_{grid.id}', lambda e: fill(page, e.args or {}))


async def clear(page, args: dict[str, Any]) -> None:
    """Delete/Backspace on a range: every cell the user may clear is cleared as one undoable action; the cells
    refused (read-only columns, required fields, rules, settled rows) are listed with their reasons."""
    lang = page.lang
    try:
        plan = await range_fill.plan_clear(page.actor, page.key, ranges.CellRange.parse(args.get('range')))
        result = await pasting.apply_paste(page.actor, plan, kind='clear') if plan.updates else None
    except PortalError as exc:
        ui.notify(exc.message(lang), type='negative', multi_line=True)
        return
    text = t('range.cleared', lang, cells=result['cells'] if result else 0)
    if plan.errors:
        text += ';' + t('range.refused', lang, n=len(plan.errors))
        _refusals(page, plan)
    page.say(text, bool(plan.errors))
    ui.notify(text, type='warning' if plan.errors else 'positive')
    if result:
        page.refresh()


async def fill(page, args: dict[str, Any]) -> None:
    """Ctrl+D / Ctrl+R / the fill handle: applied at once when every cell is fine, else the fill preview."""
    lang = page.lang
    axis = args.get('axis')
    try:
        plan = await range_fill.plan_fill(page.actor, page.key, ranges.CellRange.parse(args.get('range')),
                                          axis=axis, sources=int(args.get('sources') or 1),
                                          series=bool(args.get('series')))
    except (PortalError, ValueError, TypeError) as exc:
        ui.notify(exc.message(lang) if isinstance(exc, PortalError) else str(exc), type='negative')
        return
    if not plan.errors and not plan.updates:
        page.say(t('range.nothing', lang))
        return
    if not plan.errors:
        await sheet_ui._apply(page, plan, None, 'fill')
        return
    await sheet_ui._preview(page, plan, t('fill.title' if axis == 'down' else 'range.fill_right', lang), kind='fill')


def _refusals(page, plan: pasting.PastePlan) -> None:
    lang = page.lang
    shown = plan.errors[:SHOWN_REFUSALS]
    with ui.dialog() as dialog, ui.card().classes('w-[760px] max-w-full').mark('range-refused'):
        ui.label(t('range.refused_title', lang)).classes('text-h6')
        columns = [{'name': 'row', 'label': t('paste.row', lang), 'field': 'row', 'align': 'left'},
                   {'name': 'field', 'label': t('ui.field', lang), 'field': 'field', 'align': 'left'},
                   {'name': 'old', 'label': t('paste.old', lang), 'field': 'old', 'align': 'left'},
                   {'name': 'error', 'label': t('paste.error', lang), 'field': 'error', 'align': 'left',
                    'classes': 'text-red-8'}]
        rows = [{'id': i, 'row': f'#{c.row_id}', 'field': c.label, 'old': c.old, 'error': c.error}
                for i, c in enumerate(shown)]
        ui.table(columns=columns, rows=rows, row_key='id').props('dense flat virtual-scroll').classes(
            'w-full max-h-[420px]')
        if len(plan.errors) > len(shown):
            ui.label(t('paste.more', lang, n=len(plan.errors) - len(shown))).classes('text-grey-7 text-sm')
        with ui.row().classes('w-full justify-end'):
            ui.button(t('ui.close', lang), on_click=dialog.close).props('flat').mark('range-refused-close')
    dialog.open()
