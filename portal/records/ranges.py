"""Cell ranges of the grid, read on the server: a rectangle of row positions (in the grid's order, under its sort,
filter, quick search, queue and condition) × visible columns. The browser's infinite row model holds only the
blocks it cached, so a range is copied (TSV with Excel's quoting, and an HTML table) and summed (count / sum /
average for the status bar) here, with the actor's rights and row scope, as the user sees the values."""
from __future__ import annotations

import html
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from tortoise.expressions import Subquery
from tortoise.functions import Count, Sum

from ..errors import PortalError
from ..i18n import add_messages
from ..people import access, users
from ..runtime import rt
from ..schema import Actor, FieldSpec, RegisterSchema, Rights
from ..store import db
from ..store import query as rq
from .read import LOOKUP_CHUNK, _queryset, _ref_titles, open_register, value_context

add_messages({
    'range.too_big': ('一次最多复制 {n} 个单元格', 'copy at most {n} cells at once'),
})
MAX_ROWS = 1_000_000            # rows of one range (Ctrl+A on a large register is summed, not copied)
MAX_COPY_CELLS = 2_000_000      # cells one copy reads (10,000 × 10 is 100,000)
QUERY_KEYS = ('sort', 'filter', 'quick', 'queue', 'where')
PSEUDO = ('id', '_checks')      # grid columns that are not fields: 编号 and the checklist count


class CellRange(BaseModel):
    """What the browser sends for a range: the grid's query, the first row position, how many rows, the columns
    (display order, visible ones only — anything else is refused)."""

    model_config = ConfigDict(extra='ignore')
    start: int = Field(ge=0, le=100_000_000)
    count: int = Field(ge=1, le=MAX_ROWS)
    columns: list[str] = Field(min_length=1, max_length=500)
    query: rq.RowQuery = Field(default_factory=rq.RowQuery)

    @classmethod
    def parse(cls, data: Any) -> CellRange:
        if not isinstance(data, dict):
            raise PortalError('error.bad_query', detail='a range must be an object')
        query = rq.RowQuery.parse({k: data[k] for k in QUERY_KEYS if data.get(k) is not None})
        try:
            return cls.model_validate({**{k: data.get(k) for k in ('start', 'count', 'columns')}, 'query': query})
        except ValidationError as exc:
            err = exc.errors()[0]
            raise PortalError('error.bad_query', detail=f'{".".join(map(str, err["loc"]))}: {err["msg"]}') from exc

    def fields(self, register: RegisterSchema, granted: Rights) -> list[FieldSpec | str]:
        """The range's columns: a field spec each, or the name of a pseudo column (编号, 检查)."""
        visible = {f.name: f for f in access.visible_fields(register, granted)}
        out: list[FieldSpec | str] = []
        for name in self.columns:
            if name in visible:
                out.append(visible[name])
            elif name in PSEUDO:
                out.append(name)
            else:
                raise PortalError('error.unknown_field', field=name)
        return out


async def range_ids(actor: Actor, key: str, cells: CellRange, *, action: str = 'view') -> list[int]:
    """The ids of the rows at positions start … start + count − 1 of the grid's query (fewer at the end)."""
    register, granted = open_register(actor, key, action)
    ctx = await value_context(actor)
    visible = {f.name: f for f in access.visible_fields(register, granted)}
    qs = await _queryset(register, granted, actor, cells.query, ctx)
    order = rq.order_by(cells.query.sort, visible, register.default_sort)
    return list(await qs.order_by(*order).offset(cells.start).limit(cells.count).values_list('id', flat=True))


async def _range_rows(actor: Actor, key: str, cells: CellRange, register: RegisterSchema, granted: Rights,
                      columns: list[str]) -> list[dict[str, Any]]:
    """The rows of the range, the given columns only, in one read (a copy reads no more than it shows)."""
    ctx = await value_context(actor)
    visible = {f.name: f for f in access.visible_fields(register, granted)}
    qs = await _queryset(register, granted, actor, cells.query, ctx)
    order = rq.order_by(cells.query.sort, visible, register.default_sort)
    return await qs.order_by(*order).offset(cells.start).limit(cells.count).values(*columns)


async def rows_by_id(key: str, ids: list[int], columns: list[str] | None = None) -> list[dict[str, Any]]:
    """Live rows by id, in the order of `ids` (read in chunks; the ids come from a scoped query)."""
    model = db.row_model(key)
    found: dict[int, dict[str, Any]] = {}
    for at in range(0, len(ids), LOOKUP_CHUNK):
        qs = model.filter(id__in=ids[at:at + LOOKUP_CHUNK], deleted_at__isnull=True)
        for row in await (qs.values(*columns) if columns else qs.values()):
            found[row['id']] = row
    return [found[i] for i in ids if i in found]


# --- copy -----------------------------------------------------------------------------------------------------

async def copy_cells(actor: Actor, key: str, cells: CellRange) -> list[list[str]]:
    """The range's cells as the user reads them: choice and yes/no labels, user display names, linked rows'
    titles, clause citations, dates as text; hidden columns are refused (they never reach the browser)."""
    register, granted = open_register(actor, key, 'view')
    specs = cells.fields(register, granted)
    if len(specs) * cells.count > MAX_COPY_CELLS:
        raise PortalError('range.too_big', n=f'{MAX_COPY_CELLS:,}')
    names = [s.name for s in specs if isinstance(s, FieldSpec)]
    rows = await _range_rows(actor, key, cells, register, granted, ['id', 'checks', *names])
    for spec in specs:
        if isinstance(spec, FieldSpec) and spec.ref:
            await _ref_titles(spec, actor, rows)
    texts = [await _texter(register, spec, actor.lang) for spec in specs]
    return [[text(row) for text in texts] for row in rows]


async def _texter(register: RegisterSchema, spec: FieldSpec | str, lang: str) -> Callable[[dict], str]:
    """How one column reads as text, the way the grid shows it."""
    if spec == 'id':
        return lambda row: str(row['id'])
    if spec == '_checks':
        items = [c.id for c in register.row_checklist]
        return lambda row: f'{sum(1 for i in items if (row.get("checks") or {}).get(i))}/{len(items)}'
    name, kind = spec.name, spec.kind
    if kind.holds_user:
        names = await users.directory()
        return lambda row: '' if row.get(name) is None else names.get(row[name], row[name])
    if kind.name == 'clause':
        catalog = rt().catalog
        return lambda row: '' if row.get(name) is None else catalog.clause_label(row[name], lang)
    if spec.ref:
        return lambda row: '' if row.get(name) is None else row.get(f'{name}__title') or f'#{row[name]}'
    text = kind.text
    return lambda row: '' if row.get(name) is None else text(row[name], spec, lang)


def tsv(cells: list[list[str]]) -> str:
    """Tab-separated text as Excel puts it on the clipboard: a cell holding a tab, a line break or a quote is
    quoted, its quotes doubled; rows end with CRLF (none after the last, so one cell pastes as itself)."""
    def quoted(text: str) -> str:
        if '\t' in text or '\n' in text or '\r' in text or '"' in text:
            return '"' + text.replace('"', '""') + '"'
        return text
    return '\r\n'.join('\t'.join(quoted(c) for c in row) for row in cells)


def html_table(cells: list[list[str]]) -> str:
    """The same cells as an HTML table (what Excel, WPS and mail editors paste as a table). The cells are escaped
    in one pass, joined by two private-use characters that no cell holds (else cell by cell)."""
    cell, row = '\ue000', '\ue001'
    joined = row.join(cell.join(r) for r in cells)
    if joined.count(cell) + joined.count(row) != sum(len(r) - 1 for r in cells) + max(len(cells) - 1, 0):
        body = '</td></tr><tr><td>'.join('</td><td>'.join(html.escape(c, quote=False) for c in r) for r in cells)
    else:
        body = html.escape(joined, quote=False).replace(cell, '</td><td>').replace(row, '</td></tr><tr><td>')
    body = body.replace('\r\n', '\n').replace('\n', '<br style="mso-data-placement:same-cell">')
    return f'<meta charset="utf-8"><table><tr><td>{body}</td></tr></table>'


# --- status bar -----------------------------------------------------------------------------------------------

async def summarize(actor: Actor, key: str, cells: CellRange, *, whole: bool = False) -> dict[str, Any]:
    """Count of filled cells, and count / sum / average of the numbers, over the range — aggregated by the
    database (a range of a million rows is never read into the portal). `whole`: the range is every row of
    the query (Ctrl+A), so no row positions are needed."""
    register, granted = open_register(actor, key, 'view')
    specs = cells.fields(register, granted)
    ctx = await value_context(actor)
    qs = await _queryset(register, granted, actor, cells.query, ctx)
    if not whole:
        visible = {f.name: f for f in access.visible_fields(register, granted)}
        order = rq.order_by(cells.query.sort, visible, register.default_sort)
        inner = qs.order_by(*order).offset(cells.start).limit(cells.count).values('id')
        qs = db.row_model(key).filter(id__in=Subquery(inner))
    fields = [s for s in specs if isinstance(s, FieldSpec)]
    numeric = [s for s in fields if is_numeric(s)]
    aggregates = {'n_rows': Count('id')}
    aggregates.update({f'c{i}': Count(s.name) for i, s in enumerate(fields)})
    aggregates.update({f's{i}': Sum(s.name) for i, s in enumerate(numeric)})
    found = (await qs.annotate(**aggregates).values(*aggregates))[0]
    rows = found['n_rows'] or 0
    filled = sum(found[f'c{i}'] or 0 for i in range(len(fields))) + rows * (len(specs) - len(fields))
    numbers = sum(found[f'c{fields.index(s)}'] or 0 for s in numeric)
    total = sum((Decimal(str(found[f's{i}'])) for i in range(len(numeric)) if found[f's{i}'] is not None),
                Decimal(0))
    return {'rows': rows, 'cells': filled, 'numbers': numbers, 'sum': str(total) if numbers else None,
            'average': str(total / numbers) if numbers else None}


def is_numeric(spec: FieldSpec) -> bool:
    """A column the status bar sums: integers, decimals and money (not links to rows, which are numbers too)."""
    return spec.kind.filter_kind == 'number' and not spec.ref
