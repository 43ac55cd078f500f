"""Export what the grid shows (its filters, sort, visible columns, within the user's rights) to .xlsx or CSV:
typed cells, formats, frozen header, autofilter, widths, an info sheet; streamed in constant memory."""
from __future__ import annotations

import asyncio
import csv

from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Awaitable, Callable

import xlsxwriter

from .. import access, records, users
from ..access import Actor
from ..i18n import add_messages, t
from ..query import RowQuery
from ..runtime import rt
from ..schema import FieldSpec, RegisterSchema

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
    convert = [_cell_converter(f, names) for f in fields]
    writer = (XlsxSheet if fmt == 'xlsx' else CsvSheet)(out, register, fields, actor.lang)
    written = 0
    async for chunk in records.iter_rows(actor, key, query, CHUNK, [f.name for f in fields]):
        values = [[conv(row.get(f.name)) for f, conv in zip(fields, convert)] for row in chunk]
        await asyncio.to_thread(writer.write_rows, values)     # cell work off the event loop
        written += len(values)
        if progress is not None:
            result = progress(written, total)
            if asyncio.iscoroutine(result):
                await result
    await asyncio.to_thread(writer.close, _info(register, actor, query, written))
    stamp = rt().now().strftime('%Y%m%d-%H%M')
    return ExportResult(path=out, rows=written, filename=f'{register.title(actor.lang)}-{stamp}.{fmt}')


def _cell_converter(spec: FieldSpec, names: dict[str, str]) -> Callable[[Any], Any]:
    kind = spec.kind
    if kind.holds_user:
        return lambda v: None if v is None else (f'{names[v]} ({v})' if v in names else v)
    return lambda v: None if v is None else kind.to_cell(v, spec)


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
    sort = ', '.join(f'{(register.field(s.colId) or register.fields[0]).title(lang)} {"↓" if s.sort == "desc" else "↑"}'
                     for s in query.sort) or none
    return [(t('export.register', lang), f'{register.title(lang)} ({register.key})'),
            (t('export.by', lang), actor.name), (t('export.at', lang), rt().now().strftime('%Y-%m-%d %H:%M:%S')),
            (t('export.rows', lang), str(rows)), (t('export.filter', lang), '; '.join(filters) or none),
            (t('export.sort', lang), sort), (t('export.quick', lang), query.quick or none)]


def _width(spec: FieldSpec) -> float:
    if spec.width:
        return max(8, min(60, spec.width / 7))
    return {'textarea': 40, 'date': 12, 'datetime': 17, 'time': 8, 'checkbox': 8}.get(spec.kind.input_kind, 14)


class XlsxSheet:
    """XlsxWriter in constant-memory mode: each row goes to disk as it is written."""

    def __init__(self, out: Path, register: RegisterSchema, fields: list[FieldSpec], lang: str) -> None:
        self.book = xlsxwriter.Workbook(str(out), {'constant_memory': True, 'strings_to_formulas': False,
                                                  'strings_to_urls': False, 'strings_to_numbers': False})
        self.sheet = self.book.add_worksheet(register.key[:31])
        header = self.book.add_format({'bold': True, 'bg_color': '#E8F0FE', 'border': 1, 'text_wrap': True})
        self.formats = []
        for i, spec in enumerate(fields):
            fmt = spec.kind.cell_format(spec)
            self.formats.append(self.book.add_format({'num_format': fmt}) if fmt else None)
            self.sheet.set_column(i, i, _width(spec))
            self.sheet.write_string(0, i, spec.title(lang), header)
        self.sheet.freeze_panes(1, 0)
        self.fields, self.lang, self.row = fields, lang, 1

    def write_rows(self, rows: list[list[Any]]) -> None:
        sheet, formats = self.sheet, self.formats
        for values in rows:
            r = self.row
            for c, value in enumerate(values):
                if value is None or value == '':
                    continue
                if isinstance(value, str):
                    sheet.write_string(r, c, value)           # never a formula, whatever it starts with
                elif isinstance(value, bool):
                    sheet.write_boolean(r, c, value)
                elif isinstance(value, (int, float)):
                    sheet.write_number(r, c, value, formats[c])
                elif isinstance(value, (datetime, date, time)):
                    sheet.write_datetime(r, c, value, formats[c])
                else:
                    sheet.write_string(r, c, str(value))
            self.row += 1

    def close(self, info: list[tuple[str, str]]) -> None:
        if self.fields:
            self.sheet.autofilter(0, 0, max(self.row - 1, 0), len(self.fields) - 1)
        sheet = self.book.add_worksheet(t('export.info', self.lang))
        bold = self.book.add_format({'bold': True})
        sheet.set_column(0, 0, 14)
        sheet.set_column(1, 1, 80)
        for r, (name, value) in enumerate(info):
            sheet.write_string(r, 0, name, bold)
            sheet.write_string(r, 1, value)
        self.book.close()


class CsvSheet:
    """UTF-8 with a BOM (Excel opens it in Chinese correctly); text that Excel would run as a formula is quoted."""

    def __init__(self, out: Path, register: RegisterSchema, fields: list[FieldSpec], lang: str) -> None:
        self.file = open(out, 'w', encoding='utf-8-sig', newline='')
        self.writer = csv.writer(self.file)
        self.writer.writerow([f.title(lang) for f in fields])

    def write_rows(self, rows: list[list[Any]]) -> None:
        self.writer.writerows([[_csv_value(v) for v in row] for row in rows])

    def close(self, info: list[tuple[str, str]]) -> None:
        self.file.close()


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


