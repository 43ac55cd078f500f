"""Export what the grid shows (its filters, sort, visible columns, within the user's rights) to .xlsx or CSV:
typed cells, formats, frozen header, autofilter, widths, an info sheet; streamed in constant memory."""
from __future__ import annotations

import asyncio
import csv
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Awaitable, Callable

from .. import records
from ..fields import FieldType
from ..i18n import add_messages, t
from ..people import access, users
from ..rules import conditions
from ..runtime import rt
from ..schema import Actor, FieldSpec, RegisterSchema
from ..store.query import RowQuery
from . import checkcols

add_messages({
    'export.info': ('说明', 'Info'),
    'export.register': ('登记表', 'Register'),
    'export.by': ('导出人', 'Exported by'),
    'export.at': ('导出时间', 'Exported at'),
    'export.rows': ('记录数', 'Rows'),
    'export.filter': ('筛选条件', 'Filters'),
    'export.sort': ('排序', 'Sort'),
    'export.quick': ('搜索', 'Search'),
    'export.none': ('(无)', '(none)'),
})
CHUNK = 2000
FORMULA_START = ('=', '+', '-', '@', '\t', '\r')
Progress = Callable[[int, int], Awaitable[None] | None]


@dataclass(slots=True)
class ExportResult:
    path: Path
    rows: int
    filename: str


def columns_for(register: RegisterSchema, actor: Actor, wanted: list[str] | None) -> list[FieldSpec]:
    """Visible fields, in the grid's order when it is given (hidden-to-the-role fields are never exported)."""
    granted = access.rights(rt().catalog, actor, register.key)
    visible = {f.name: f for f in access.visible_fields(register, granted)}
    if wanted:
        return [visible[name] for name in wanted if name in visible]
    return [f for f in visible.values() if not f.hidden]


async def export(actor: Actor, key: str, query: RowQuery, out: Path, *, fmt: str = 'xlsx',
                 columns: list[str] | None = None, progress: Progress | None = None) -> ExportResult:
    register, _ = records.open_register(actor, key, 'export')
    fields = columns_for(register, actor, columns)
    total = await records.count_rows(actor, key, query)
    names = await users.directory()
    convert = [_cell_converter(f, names, key) for f in fields]
    loop = asyncio.get_running_loop()
    chunks = records.iter_rows(actor, key, query, CHUNK, [f.name for f in fields] + ['checks'])
    checks = [(c, FieldSpec(name=f'checks.{c.id}', type='text', label=checkcols.header(c, 'zh'),
                            label_en=checkcols.header(c, 'en'))) for c in register.row_checklist]
    fields = fields + [spec for _, spec in checks]           # one column per checklist item, after the fields
    convert = convert + [_check_converter(item, actor.lang) for item, _ in checks]
    state = {'written': 0}

    async def next_chunk() -> list[list[Any]] | None:
        try:
            chunk = await chunks.__anext__()
        except StopAsyncIteration:
            return None
        values = [[conv(row.get('checks') if f.name.startswith('checks.') else row.get(f.name), row)
                   for f, conv in zip(fields, convert)] for row in chunk]
        state['written'] += len(values)
        if progress is not None:
            result = progress(state['written'], total)
            if asyncio.iscoroutine(result):
                await result
        return values

    def rows():
        """Pulled by the writer in a worker thread; each chunk is fetched on the event loop."""
        while True:
            values = asyncio.run_coroutine_threadsafe(next_chunk(), loop).result()
            if values is None:
                return
            yield from values
    writer = XlsxSheet if fmt == 'xlsx' else CsvSheet
    info = _info(register, actor, query, total)
    await asyncio.to_thread(writer.write, out, register, fields, actor.lang, rows(), info)
    stamp = rt().now().strftime('%Y%m%d-%H%M')
    return ExportResult(path=out, rows=state['written'], filename=f'{register.title(actor.lang)}-{stamp}.{fmt}')


def _check_converter(item, lang: str) -> Callable[[Any, dict], Any]:
    return lambda checks, row: checkcols.cell(checks, item, lang)


def _cell_converter(spec: FieldSpec, names: dict[str, str], key: str) -> Callable[[Any, dict], Any]:
    """(value, row) -> the cell: a user as 姓名 (login); a file cell as links to its row's files."""
    kind = spec.kind
    if kind.holds_user:
        return lambda v, row: None if v is None else (f'{names[v]} ({v})' if v in names else v)
    if type(kind).cell_in_row is not FieldType.cell_in_row:
        base = rt().settings.public_url
        return lambda v, row: None if v is None else kind.cell_in_row(v, spec, {'register': key, 'id': row['id'],
                                                                                 'base': base})
    return lambda v, row: None if v is None else kind.to_cell(v, spec)


def _info(register: RegisterSchema, actor: Actor, query: RowQuery, rows: int) -> list[tuple[str, str]]:
    lang = actor.lang
    none = t('export.none', lang)
    filters = []
    for col, model in (query.filter or {}).items():
        spec = register.field(col)
        label = spec.title(lang) if spec else col
        if 'values' in model:
            filters.append(f'{label} ∈ {", ".join(map(str, model["values"]))}')
        else:
            bits = [str(model.get(k)) for k in ('type', 'filter', 'filterTo', 'dateFrom', 'dateTo') if model.get(k)]
            filters.append(f'{label}: {" ".join(bits)}')
    if query.queue:
        filters.append(f'queue: {query.queue}')
    if query.where:
        filters.append(', '.join(f'{k} = {v}' for k, v in query.where.items()))
    items = [(s.colId, s.sort) for s in query.sort] or list(register.default_sort)    # the order the rows are in
    sort = ', '.join(f'{_title(register, c, lang)} {"↓" if d == "desc" else "↑"}' for c, d in items) or none
    return [(t('export.register', lang), f'{register.title(lang)} ({register.key})'),
            (t('export.by', lang), actor.name), (t('export.at', lang), rt().now().strftime('%Y-%m-%d %H:%M:%S')),
            (t('export.rows', lang), str(rows)), (t('export.filter', lang), '; '.join(filters) or none),
            (t('export.sort', lang), sort), (t('export.quick', lang), query.quick or none)]


def _title(register, name: str, lang: str) -> str:
    spec = conditions.field_of(register, name)      # a field, or a system column such as 编号 (id)
    return spec.title(lang) if spec else name


def _width(spec: FieldSpec) -> float:
    if spec.width:
        return max(8, min(60, spec.width / 7))
    return {'textarea': 40, 'date': 12, 'datetime': 17, 'time': 8, 'checkbox': 8}.get(spec.kind.input_kind, 14)


class XlsxSheet:
    """rust_xlsxwriter (through rustpy-xlsxwriter) pulls the rows from a generator: constant memory, and about
    eight times faster than XlsxWriter or pyexcelerate here (see bench/README.md). Strings are always written
    as strings, never as formulas."""

    @staticmethod
    def write(out: Path, register: RegisterSchema, fields: list[FieldSpec], lang: str, rows, info) -> None:
        from rustpy_xlsxwriter import FastExcel, Format
        headers = _headers(fields, lang)
        formats = {}
        for header, spec in zip(headers, fields):
            fmt = spec.kind.cell_format(spec)
            if fmt:
                formats[header] = Format().set_num_format(fmt)
        header_format = Format().set_bold().set_background_color('#E8F0FE').set_border('thin').set_text_wrap()
        records_ = (dict(zip(headers, values)) for values in rows)
        info_rows = [{t('export.info', lang): name, ' ': value} for name, value in info]
        (FastExcel(str(out)).freeze(row=1, sheet=register.key[:31])
         .format(datetime_format='yyyy-mm-dd hh:mm', na_rep='')
         .sheet(register.key[:31], _with_header(records_, headers), column_widths=[_width(f) for f in fields],
                column_formats=formats, header_format=header_format, autofilter=True)
         .sheet(t('export.info', lang), info_rows, column_widths=[16, 80])
         .save())


def _headers(fields: list[FieldSpec], lang: str) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for spec in fields:
        name = spec.title(lang)
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f'{name} ({spec.name})')
    return out


def _with_header(records_, headers: list[str]):
    """The writer takes the header from the first record's keys (an empty export still gets its header)."""
    first = next(records_, None)
    yield first if first is not None else {h: None for h in headers}
    yield from records_


class CsvSheet:
    """UTF-8 with a BOM (Excel opens it in Chinese correctly); text that Excel would run as a formula is quoted."""

    @staticmethod
    def write(out: Path, register: RegisterSchema, fields: list[FieldSpec], lang: str, rows, info) -> None:
        with open(out, 'w', encoding='utf-8-sig', newline='') as file:
            writer = csv.writer(file)
            writer.writerow(_headers(fields, lang))
            writer.writerows([_csv_value(v) for v in values] for values in rows)


def _csv_value(value: Any) -> Any:
    if value is None:
        return ''
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_START) else value
    if isinstance(value, datetime):
        return value.strftime('%Y-%m-%d %H:%M')
    if isinstance(value, (date, time)):
        return value.isoformat()[:8] if isinstance(value, time) and value.second == 0 else value.isoformat()
    return value


def to_bytes(path: Path) -> bytes:
    return Path(path).read_bytes()


