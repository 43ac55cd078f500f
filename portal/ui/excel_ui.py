"""Export, template and import dialogs of the register page (the work is done by portal.excel)."""
from __future__ import annotations

import json
import secrets
from pathlib import Path

from fastapi.responses import FileResponse
from nicegui import app, context, ui
from starlette.background import BackgroundTask

from ..errors import PortalError
from ..excel import annotate, export, importer, template, uploads
from ..i18n import add_messages, t
from ..runtime import rt
from ..store.query import RowQuery
from .ask import ask

add_messages({
    'excel.export_title': ('导出当前视图', 'Export the current view'),
    'excel.export_note': ('按表格当前的筛选、排序、搜索和可见列导出', 'Exports the grid\'s current filters, sort, search and '
                          'visible columns'),
    'excel.start': ('开始导出', 'Export'),
    'excel.done': ('已导出 {rows} 行', '{rows} rows exported'),
    'excel.import_title': ('导入 Excel / CSV', 'Import Excel / CSV'),
    'excel.template': ('下载导入模板', 'Download the template'),
    'excel.blank_cells': ('按「{key}」匹配已有记录:匹配到的更新,其余新增。空白单元格:新记录取默认值,已有记录保留原值'
                          '(要清空某项,请在表格中修改)。',
                          'Rows are matched to existing ones by "{key}": matches are updated, the rest added. A blank '
                          'cell gives a new row the default and leaves an existing row\'s value as it is (to clear a '
                          'value, edit it in the grid).'),
    'excel.all_new': ('每行新增一条记录;空白单元格取该项的默认值。', 'Each row adds a record; a blank cell takes the '
                      'field\'s default.'),
    'excel.rejected_type': ('只能导入 .xlsx 或 .csv 文件;含宏的 .xlsm 和旧版 .xls 请先在 Excel 中另存为 .xlsx',
                            'Only .xlsx and .csv files can be imported; save an .xlsm (macros) or old .xls as .xlsx '
                            'first'),
    'excel.rejected_size': ('文件超过 {limit} MB 的上限,未上传', 'The file is over the {limit} MB limit and was not '
                            'uploaded'),
    'excel.reading': ('正在读取文件…', 'Reading the file…'),
    'excel.checking': ('正在检查:{done:,} / {total:,} 行', 'Checking: {done:,} / {total:,} rows'),
    'excel.upload': ('选择或拖入 .xlsx / .csv 文件', 'Choose or drop an .xlsx / .csv file'),
    'excel.summary': ('新增 {creates:,} 行,更新 {updates:,} 行,无变化 {unchanged:,} 行,错误 {errors:,} 处',
                      '{creates:,} new, {updates:,} updated, {unchanged:,} unchanged, {errors:,} errors'),
    'excel.annotated': ('下载标注了错误的文件', 'Download my file with the errors marked'),
    'excel.valid_only': ('只导入没有错误的行', 'Import the valid rows only'),
    'excel.apply': ('导入', 'Import'),
    'excel.imported': ('已导入:新增 {created:,} 行,更新 {updated:,} 行',
                       'Imported: {created:,} new, {updated:,} updated'),
    'excel.row': ('行', 'Row'), 'excel.column': ('列', 'Column'), 'excel.header': ('表头', 'Header'),
    'excel.value': ('值', 'Value'), 'excel.message': ('问题', 'Problem'),
})


def download_once(path: Path, filename: str) -> None:
    """Send a work file to this browser once and delete it after sending (or when the page goes without
    fetching it; the hourly sweep catches the rest). The URL needs the user's session and an unguessable token."""
    route = f'/download/{secrets.token_urlsafe(24)}'

    async def send() -> FileResponse:
        app.remove_route(route)
        return FileResponse(path, filename=filename, headers={'Cache-Control': 'no-store'},
                            background=BackgroundTask(path.unlink, missing_ok=True))

    def forget() -> None:
        app.remove_route(route)
        path.unlink(missing_ok=True)
    app.get(route, include_in_schema=False)(send)
    context.client.on_delete(forget)
    ui.download.from_url(route, filename)


async def export_dialog(page) -> None:
    lang = page.lang
    state = await ask(f'portalGrid.viewState({page.grid.id})', page.lang)
    st = await ask(f'portalGrid.state[{json.dumps(page.key)}]', page.lang)
    shown = [c for c in state.get('columns', []) if not c.get('hide')]
    side = {'left': 0, None: 1, 'right': 2}         # in the file as on the screen: pinned columns at their sides
    columns = [c['colId'] for c in sorted(shown, key=lambda c: side.get(c.get('pinned'), 1))]
    sort = sorted([c for c in state.get('columns', []) if c.get('sort')], key=lambda c: c.get('sortIndex') or 0)
    query = RowQuery.parse({'filter': state.get('filter') or {}, 'quick': st.get('quick') or '',
                            'queue': st.get('queue'), 'where': st.get('where'),
                            'sort': [{'colId': c['colId'], 'sort': c['sort']} for c in sort]})
    with ui.dialog() as dialog, ui.card().classes('w-[420px]').mark('export-dialog'):
        ui.label(t('excel.export_title', lang)).classes('text-h6')
        ui.label(t('excel.export_note', lang)).classes('text-sm text-grey-7')
        fmt = ui.radio({'xlsx': 'Excel (.xlsx)', 'csv': 'CSV'}, value='xlsx').props('inline').mark('export-format')
        bar = ui.linear_progress(value=0, show_value=False).props('instant-feedback')
        bar.visible = False
        note = ui.label('')

        async def start() -> None:
            bar.visible = True
            out = uploads.work_file('exports', f'.{fmt.value}')

            def progress(done: int, total: int) -> None:
                bar.value = done / total if total else 1
            try:
                result = await export.export(page.actor, page.key, query, out, fmt=fmt.value, columns=columns,
                                             progress=progress)
            except PortalError as exc:
                out.unlink(missing_ok=True)
                note.text = exc.message(lang)
                return
            bar.value = 1
            note.text = t('excel.done', lang, rows=result.rows)
            download_once(result.path, result.filename)
        with ui.row().classes('w-full justify-end'):
            ui.button(t('ui.close', lang), on_click=dialog.close).props('flat')
            ui.button(t('excel.start', lang), on_click=start).mark('export-start')
    dialog.open()


async def import_dialog(page) -> None:
    lang = page.lang
    with ui.dialog() as dialog, ui.card().classes('w-[860px] max-w-full').mark('import-dialog'):
        ui.label(t('excel.import_title', lang)).classes('text-h6')

        async def get_template() -> None:
            data = await template.template(page.actor, page.key)
            ui.download(data, template.filename(page.actor, page.key))
        ui.button(t('excel.template', lang), icon='download', on_click=get_template).props('flat dense').mark(
            'template')
        register = rt().catalog.register(page.key)
        keys = '+'.join(register.field(n).title(lang) for n in register.natural_key)
        ui.label(t('excel.blank_cells', lang, key=keys) if keys else t('excel.all_new', lang)).classes(
            'text-caption text-grey-8').mark('import-rules')
        result = ui.column().classes('w-full')
        held: dict[str, importer.ImportPlan | None] = {'plan': None}      # the upload on show, deleted when done

        def done_with_upload() -> None:
            uploads.discard(held['plan'])
            held['plan'] = None
        dialog.on_value_change(lambda e: None if e.value else done_with_upload())
        context.client.on_delete(done_with_upload)

        async def uploaded(e) -> None:
            done_with_upload()
            result.clear()
            with result:
                checking = ui.label(t('excel.reading', lang)).mark('import-checking')
                bar = ui.linear_progress(value=0, show_value=False)

            def progress(done: int, total: int) -> None:
                checking.text = t('excel.checking', lang, done=done, total=total)
                bar.value = done / total if total else 1
            try:
                plan = await uploads.receive(page.actor, page.key, e.file.name, e.file.size(), e.file.save,
                                             progress=progress)
            except PortalError as exc:
                plan, error = None, exc.message(lang)
            held['plan'] = plan
            result.clear()                     # the progress line gives way to the preview or the refusal
            with result:
                if plan is None:
                    ui.label(error).classes('text-red-8').mark('import-error')
                else:
                    _preview(page, plan, dialog)
        limit = rt().settings.import_max_mb

        def rejected(e) -> None:
            """The uploader's own filters (type, size) refuse a file before it is sent: say why."""
            reasons = {r.get('failedPropValidation') for r in (e.args or []) if isinstance(r, dict)}
            result.clear()
            with result:
                ui.label(t('excel.rejected_size', lang, limit=limit) if 'max-file-size' in reasons
                         else t('excel.rejected_type', lang)).classes('text-red-8').mark('import-error')
        upload = ui.upload(label=t('excel.upload', lang), auto_upload=True, on_upload=uploaded,
                           max_file_size=limit * 1024 * 1024).props('accept=".xlsx,.csv"').classes('w-full')
        upload.mark('import-upload').on('rejected', rejected)
        with ui.row().classes('w-full justify-end'):
            ui.button(t('ui.close', lang), on_click=dialog.close).props('flat')
    dialog.open()


def _preview(page, plan: importer.ImportPlan, dialog) -> None:
    lang = page.lang
    for problem in plan.file_problems:
        ui.label(problem).classes('text-red-8').mark('import-file-problem')
    errors = len(plan.problems) + len(plan.file_problems)      # a problem of the file counts too
    ui.label(t('excel.summary', lang, creates=len(plan.creates), updates=len(plan.updates),
               unchanged=plan.unchanged, errors=errors)).mark('import-summary')
    if plan.problems:
        columns = [{'name': n, 'label': t(f'excel.{n}', lang), 'field': n, 'align': 'left'}
                   for n in ('row', 'column', 'header', 'value', 'message')]
        rows = [{'id': i, 'row': p.row, 'column': p.column, 'header': p.header,
                 'value': '' if p.value is None else str(p.value)[:60], 'message': p.message(lang)}
                for i, p in enumerate(plan.problems[:500])]
        ui.table(columns=columns, rows=rows, row_key='id').props('dense flat virtual-scroll').classes(
            'w-full max-h-80').mark('import-problems')

        def download() -> None:
            ui.download(annotate.annotated(plan, lang), annotate.filename(plan, lang))
        ui.button(t('excel.annotated', lang), icon='download', on_click=download).props('outline').mark(
            'import-annotated')
    valid_only = ui.checkbox(t('excel.valid_only', lang)).mark('import-valid-only')
    valid_only.visible = bool(plan.problems)
    bar = ui.linear_progress(value=0, show_value=False)
    bar.visible = False

    async def apply() -> None:
        bar.visible = True

        def progress(done: int, total: int) -> None:
            bar.value = done / total if total else 1
        try:
            outcome = await importer.apply_import(page.actor, plan, valid_only=valid_only.value, progress=progress)
        except PortalError as exc:
            ui.notify(exc.message(lang), type='negative', multi_line=True)
            return
        ui.notify(t('excel.imported', lang, **{k: outcome[k] for k in ('created', 'updated')}), type='positive')
        page.say(t('excel.imported', lang, **{k: outcome[k] for k in ('created', 'updated')}))
        dialog.close()
        page.refresh()
    button = ui.button(t('excel.apply', lang), icon='upload', on_click=apply).mark('import-apply')
    if plan.file_problems or not (plan.creates or plan.updates):
        button.disable()
