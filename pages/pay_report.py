"""The pay sheet on /reports?name=pay_sheet: every figure that has rows behind it is a link to the register page
filtered to exactly those rows (/r/<register>?where=…); the month's closing (月结) state, its corrections, and the
button the leadership role closes the month with."""
from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import quote

from nicegui import ui

from portal.dashboards import pay
from portal.errors import PortalError
from portal.i18n import add_messages
from portal.records import closing
from portal.ui.texts import t

add_messages({
    'payui.closed': ('{month} 已月结({by},{at}):该月的考勤、处罚、奖励、指标、考核只读;更正须填写原因,显示为调整',
                     '{month} is closed ({by}, {at}): its rows are read-only; corrections need a reason and show '
                     'as adjustments'),
    'payui.open': ('{month} 尚未月结', '{month} is not closed'),
    'payui.close': ('月结', 'Close the month'),
    'payui.closed_ok': ('{month} 已月结', '{month} closed'),
    'payui.corrections': ('月结后的更正', 'Corrections after closing'),
    'payui.correction': ('{register} #{row} · {reason} · {note} · {actor}', '{register} #{row} · {reason} · {note} · '
                         '{actor}'),
})


def _shown(value) -> str:
    if value is None:
        return '—'
    if isinstance(value, (Decimal, float, int)) and not isinstance(value, bool):
        return f'{Decimal(str(value)):,.2f}'
    return str(value)


def _href(link: dict) -> str:
    return f'/r/{link["register"]}?where={quote(json.dumps(link["where"], ensure_ascii=False))}'


def linked_table(columns, rows, lang: str) -> None:
    with ui.element('table').classes('w-full text-sm').mark('report-table'):
        with ui.element('tr'):
            for _, zh, en in columns:
                with ui.element('th').classes('text-left px-2 py-1 bg-blue-1'):
                    ui.label(en if lang == 'en' else zh)
        for row in rows:
            mark = row.get('mark') or row.get('login')
            with ui.element('tr').classes('border-b'):
                for key, _, _ in columns:
                    with ui.element('td').classes('px-2 py-1'):
                        link = (row.get('links') or {}).get(key)
                        if link:
                            shown = ui.link(_shown(row.get(key)), _href(link)).classes('text-blue-9')
                        else:
                            shown = ui.label(_shown(row.get(key)))
                        shown.mark(f'pay-{mark}-{key}').props(f'data-figure={mark}-{key}')


async def closing_bar(actor, table: dict, month: str, lang: str) -> None:
    closed = table.get('closed')
    if closed:
        ui.label(t('payui.closed', lang, month=month, by=closed['closed_by'],
                   at=str(closed['closed_at'])[:16])).classes('text-orange-9').mark('pay-closed')
    else:
        with ui.row().classes('items-center gap-2'):
            ui.label(t('payui.open', lang, month=month)).mark('pay-open')
            if closing.may_close(actor):
                async def close() -> None:
                    try:
                        await pay.close_month(actor, month)
                    except PortalError as exc:
                        ui.notify(exc.message(lang), type='negative')
                        return
                    ui.notify(t('payui.closed_ok', lang, month=month), type='positive')
                    ui.navigate.to(f'/reports?name=pay_sheet&month={month}')
                ui.button(t('payui.close', lang), icon='lock', on_click=close).mark('pay-close')
    if table.get('corrections'):
        ui.label(t('payui.corrections', lang)).classes('text-subtitle2')
        for c in table['corrections']:
            ui.label(t('payui.correction', lang, register=c['register'], row=c['row_id'], reason=c['reason'],
                       note=c['note'] or '—', actor=c['actor'])).classes('text-sm').mark('pay-correction')
