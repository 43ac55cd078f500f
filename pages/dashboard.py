"""/dashboard: the viewer's declared dashboard (numbers, charts, lists) and /reports with .xlsx downloads."""
from __future__ import annotations

import time

from nicegui import ui

from pages import pay_report
from portal.dashboards import reports, widgets
from portal.errors import PortalError
from portal.i18n import add_messages, yes_no
from portal.rules.conditions import month_start
from portal.runtime import rt
from portal.ui.frame import frame, page_actor
from portal.ui.texts import t

add_messages({
    'dash.none': ('您的角色没有仪表盘', 'Your role has no dashboard'),
    'dash.vs': ('较上期 {change}', '{change} vs previous'),
    'dash.timing': ('数据查询用时 {ms} ms', 'Data queries took {ms} ms'),
    'dash.more': ('共 {n} 条,查看全部 →', '{n} in all, see them →'),
    'dash.rate': ('{num} / {den}(近 {days} 天)', '{num} / {den} (last {days} days)'),
    'dash.empty': ('暂无数据', 'No data'),
    'rep.title': ('报表', 'Reports'), 'rep.month': ('月份', 'Month'), 'rep.download': ('导出 Excel', 'Download .xlsx'),
    'rep.show': ('查看', 'Show'),
})


def register() -> None:
    ui.page('/dashboard')(dashboard_page)
    ui.page('/reports')(reports_page)


async def dashboard_page(key: str = '') -> None:
    actor = await page_actor('/dashboard')
    if actor is None:
        return
    lang = actor.lang
    catalog = rt().catalog
    key = key if key in catalog.dashboards and 'admin' in actor.roles else widgets.dashboard_for(actor)
    title = catalog.dashboards[key].title(lang) if key else t('ui.dashboard', lang)
    with frame(actor, title):
        if key is None:
            ui.label(t('dash.none', lang)).classes('text-h6')
            return
        start = time.perf_counter()
        items = await widgets.dashboard_data(actor, key, rt().today())
        elapsed = round((time.perf_counter() - start) * 1000)
        with ui.grid(columns=12).classes('w-full gap-3'):
            for widget, data in items:
                if data is None:
                    continue
                with ui.card().classes(f'col-span-12 md:col-span-{widget.width} gap-1').mark(
                        f'widget-{widget.id}'):
                    ui.label(widget.label(lang)).classes('text-subtitle2 text-grey-8')
                    _render(widget, data, lang)
        ui.label(t('dash.timing', lang, ms=elapsed)).classes('text-xs text-grey-6').mark('dash-timing')


async def reports_page(name: str = '', month: str = '') -> None:
    actor = await page_actor('/reports')
    if actor is None:
        return
    lang = actor.lang
    catalog = rt().catalog
    month = month or month_start(rt().today()).strftime('%Y-%m')
    with frame(actor, t('rep.title', lang)):
        options = {k: r.title(lang) for k, r in catalog.reports.items()}
        name = name if name in options else next(iter(options), '')
        with ui.row().classes('items-end gap-2'):
            pick = ui.select(options, value=name).classes('w-56').mark('report-name')
            when = ui.input(t('rep.month', lang), value=month).props('type=month stack-label').classes(
                'w-40').mark('report-month')
            ui.button(t('rep.show', lang), on_click=lambda: ui.navigate.to(
                f'/reports?name={pick.value}&month={when.value}')).mark('report-show')

            async def download() -> None:
                try:
                    data = await reports.report_xlsx(actor, pick.value, when.value)
                except PortalError as exc:
                    ui.notify(exc.message(lang), type='negative')
                    return
                ui.download(data, f'{options[pick.value]}-{when.value}.xlsx')
            ui.button(t('rep.download', lang), icon='download', on_click=download).props('outline').mark(
                'report-download')
        if not name:
            return
        try:
            table = await reports.run(actor, name, month)
        except PortalError as exc:
            ui.label(exc.message(lang)).classes('text-red-8')
            return
        if any('links' in row for row in table['rows']) or 'closed' in table:     # figures link to their rows
            if 'closed' in table:                                                  # the pay sheet: 月结
                await pay_report.closing_bar(actor, table, month, lang)
            pay_report.linked_table(table['columns'], table['rows'], lang)
            return
        _table(table['columns'], table['rows'], lang).mark('report-table')


def _render(widget, data: dict, lang: str) -> None:
    """Show a widget's data the way its kind presents it (the kind declares it; the page knows no kind)."""
    kind = widgets.get_kind(widget.kind)
    PRESENTERS[kind.presentation](widget, kind, data, lang)


def _number(widget, kind, data: dict, lang: str) -> None:
    value = data['value']
    shown = f'{value:,.1f}' if isinstance(value, float) and not value.is_integer() else f'{int(value):,}'
    label = ui.label(shown + widget.params.unit).classes('text-h4 text-blue-9 cursor-pointer').mark('value')
    link = kind.link(widget, data)
    if link:
        label.on('click', lambda link=link: ui.navigate.to(link))
    if data.get('change') is not None:
        change = data['change']
        ui.label(t('dash.vs', lang, change=f'{"▲" if change >= 0 else "▼"} {abs(change)}%')).classes(
            'text-xs ' + ('text-green-8' if change >= 0 else 'text-red-8'))


def _ratio(widget, kind, data: dict, lang: str) -> None:
    value = data['value']
    ui.label('—' if value is None else f'{value}%').classes('text-h4 text-blue-9').mark('value')
    ui.label(t('dash.rate', lang, num=data['numerator'], den=data['denominator'], days=data['days'])).classes(
        'text-xs text-grey-7')


def _chart(widget, kind, data: dict, lang: str) -> None:
    options = kind.chart(widget, data, lang)
    if not (data.get('items') or any(any(v) for v in data.get('series', {}).values())):
        ui.label(t('dash.empty', lang)).classes('text-grey-6')
        return
    def clicked(e) -> None:
        link = kind.link(widget, {'name': e.name, 'series_name': e.series_name})
        if link:
            ui.navigate.to(link)
    ui.echart(options, on_point_click=clicked).classes('w-full h-64').mark('chart')


def _list(widget, kind, data: dict, lang: str) -> None:
    for item in data['items']:
        with ui.row().classes('w-full justify-between cursor-pointer').on(
                'click', lambda item=item: ui.navigate.to(kind.link(widget, {'name': item['key']}))):
            ui.label(str(item['key']))
            ui.label(f'{item["value"]:,}').classes('text-blue-9')
    if not data['items']:
        ui.label(t('dash.empty', lang)).classes('text-grey-6')


def _table_widget(widget, kind, data: dict, lang: str) -> None:
    link = kind.link(widget, {})
    if 'total' in data and link:
        ui.link(t('dash.more', lang, n=data['total']), link).classes('text-orange-9').mark('overdue-count')
    _table(data['columns'], data['rows'], lang)


PRESENTERS = {'number': _number, 'ratio': _ratio, 'chart': _chart, 'list': _list, 'table': _table_widget}


def _table(columns, rows, lang: str):
    cols = [{'name': c, 'label': en if lang == 'en' else zh, 'field': c, 'align': 'left'} for c, zh, en in columns]
    shown = [{k: (yes_no(v, lang) if isinstance(v, bool) else v) for k, v in r.items()} | {'_i': i}
             for i, r in enumerate(rows)]
    return ui.table(columns=cols, rows=shown, row_key='_i').props('dense flat').classes('w-full')
