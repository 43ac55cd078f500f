"""Paste and fill on the server: a pasted block (or a filled column) mapped onto the grid as the user sees it,
every cell parsed and validated into a plan to preview, then applied as one undoable action."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from ..errors import FieldProblem, PermissionDenied, PortalError
from ..fields import FieldError
from ..i18n import add_messages, t
from ..people import access
from ..runtime import rt
from ..schema import Actor
from ..store import db, stats
from ..store.query import RowQuery
from . import closing, refs
from .read import get_row, list_rows, open_register, value_context
from .validation import key_problems, prepare_create, prepare_update
from .write import session

add_messages({
    'sheet.readonly_col': ('只读列,不能粘贴', 'read-only column'),
    'sheet.no_col': ('超出最后一列', 'beyond the last column'),
    'sheet.no_create': ('无新增权限,不能在末尾追加新行', 'you may not add rows'),
    'sheet.too_many': ('一次最多粘贴 {n} 行', 'paste at most {n} rows at once'),
    'sheet.nothing': ('没有可应用的修改', 'nothing to apply'),
    'sheet.applied': ('已应用 {cells} 个单元格({new} 行新增)', '{cells} cells applied ({new} new rows)'),
    'sheet.repeat_key': ('与粘贴内容的第 {n} 行重复({key})', 'repeats row {n} of the pasted block ({key})'),
})
MAX_PASTE_ROWS = 5000


@dataclass(slots=True)
class Cell:
    row: int                 # 0-based position in the pasted block
    row_id: int | None       # None = a new row
    field: str
    label: str
    raw: str
    old: str = ''
    new: str = ''
    error: str = ''
    changed: bool = False


@dataclass(slots=True)
class PastePlan:
    register: str
    cells: list[Cell] = field(default_factory=list)
    updates: dict[int, tuple[int, dict[str, Any]]] = field(default_factory=dict)   # row_id -> (version, values)
    creates: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)                              # block-level refusals
    olds: dict[int, dict[str, Any]] = field(default_factory=dict)                  # rows as planned (full)
    create_rows: list[int] = field(default_factory=list)                          # block row of each create

    @property
    def errors(self) -> list[Cell]:
        return [c for c in self.cells if c.error]

    @property
    def changes(self) -> int:
        return sum(len(v) for _, v in self.updates.values()) + sum(len(v) for v in self.creates)


def parse_tsv(text: str) -> list[list[str]]:
    """Excel/WPS clipboard text: tab-separated, CRLF lines, quoted cells may hold tabs and line breaks."""
    text = text.replace('\r\n', '\n').replace('\r', '\n')
    if text.endswith('\n'):
        text = text[:-1]
    rows = list(csv.reader(io.StringIO(text), delimiter='\t', quotechar='"'))
    return [r for r in rows if any(cell.strip() for cell in r)] if len(rows) > 1 else rows


async def plan_paste(actor: Actor, key: str, text: str, *, start_row: int, start_col: str, columns: list[str],
                     query: dict[str, Any] | None = None) -> PastePlan:
    """Map a pasted block onto the grid as the user sees it (same sort/filter), parse and validate every
    cell; rows past the end become new rows. Nothing is written."""
    register, granted = open_register(actor, key, 'edit')
    block = parse_tsv(text)
    plan = PastePlan(register=key)
    if len(block) > MAX_PASTE_ROWS:
        plan.problems.append(t('sheet.too_many', actor.lang, n=MAX_PASTE_ROWS))
        return plan
    fields = [c for c in columns if register.field(c) is not None and c not in granted.hidden]
    start = fields.index(start_col) if start_col in fields else 0   # on the id/checks column: first field
    existing = await _rows_under(actor, key, query, start_row, len(block))
    ctx = await value_context(actor)
    await refs.resolve(register, (dict(zip(fields[start:], values)) for values in block), ctx)
    planner = _Planner(plan, actor, register, granted, ctx, fields[start:])
    if existing:
        full = await db.row_model(key).filter(id__in=[r['id'] for r in existing]).values()
        planner.olds = {r['id']: r for r in full}
    for i, values in enumerate(block):
        planner.row(i, values, existing[i] if i < len(existing) else None)
    await _mark_taken_keys(plan, register, planner.ctx, actor.lang)
    await _mark_closed_months(plan, register, actor.lang)
    return plan


async def _mark_closed_months(plan: PastePlan, register, lang: str) -> None:
    """Rows dated in a closed month (月结; the register's month_field, before or after the paste): their cells are
    marked in the preview and they stay out of the plan — applying them would be refused."""
    name = register.month_field
    if name is None or not (plan.updates or plan.creates):
        return
    closed = await closing.closed_months()
    if not closed:
        return

    def hit(*rows: dict[str, Any]) -> str | None:
        return next((m for m in (closing.month_of(r.get(name)) for r in rows) if m in closed), None)

    def message(month: str) -> str:
        return t('closing.locked', lang, month=month, register=register.title(lang))
    for row_id, (_, values) in list(plan.updates.items()):
        if (month := hit(plan.olds[row_id], values)) is not None:
            del plan.updates[row_id]
            for cell in plan.cells:
                if cell.row_id == row_id and cell.field in values:
                    cell.error = message(month)
    for n in reversed(range(len(plan.creates))):
        if (month := hit(plan.creates[n])) is not None:
            row = plan.create_rows.pop(n)
            plan.creates.pop(n)
            for cell in plan.cells:
                if cell.row == row and cell.row_id is None:
                    cell.error = cell.error or message(month)


async def _rows_under(actor: Actor, key: str, query: dict[str, Any] | None, start_row: int, n: int) -> list[dict]:
    """The rows the block lands on, in the grid's order (fewer at the end of the register)."""
    base = RowQuery.parse({**(query or {}), 'start': start_row, 'limit': max(1, min(n, 1000))})
    existing: list[dict[str, Any]] = []
    while len(existing) < n:
        chunk = await list_rows(actor, key, base.model_copy(update={
            'start': start_row + len(existing), 'limit': min(1000, n - len(existing))}))
        existing.extend(chunk)
        if len(chunk) < base.limit:
            break
    return existing


def shown(spec, value: Any, ctx, lang: str) -> str:
    """A value as the grid shows it (previews): a person by name, a clause by its citation."""
    text = spec.kind.text(value, spec, lang)
    if text and spec.kind.holds_user and ctx.users:
        return ctx.users.get(text, text)
    if text and spec.kind.name == 'clause':
        return rt().catalog.clause_label(text, lang)
    return text


class _Planner:
    """The pasted rows one by one: cells parsed by their field types, then a create or an update per row."""

    def __init__(self, plan: PastePlan, actor: Actor, register, granted, ctx, targets: list[str]) -> None:
        self.plan, self.actor, self.register, self.granted, self.ctx = plan, actor, register, granted, ctx
        self.targets, self.lang = targets, actor.lang
        self.olds: dict[int, dict[str, Any]] = {}

    def row(self, i: int, values: list[str], target: dict | None) -> None:
        cells, raw = self.cells(i, values, target)
        self.plan.cells.extend(cells)
        good = {c.field for c in cells if not c.error and (c.changed or target is None)}
        values_in = {name: raw[name] for name in good if name in raw}
        if target is None:
            self.create(i, cells, values_in)
        elif values_in:
            self.update(self.olds[target['id']], cells, values_in)

    def cells(self, i: int, values: list[str], target: dict | None) -> tuple[list[Cell], dict[str, Any]]:
        row_id = target['id'] if target else None
        raw: dict[str, Any] = {}
        cells: list[Cell] = []
        for j, text_value in enumerate(values):
            if j >= len(self.targets):
                if text_value.strip():
                    self.plan.cells.append(Cell(i, row_id, '', '', text_value, error=t('sheet.no_col', self.lang)))
                continue
            spec = self.register.field(self.targets[j])
            cell = Cell(i, row_id, spec.name, spec.title(self.lang), text_value)
            cells.append(cell)
            if target is not None:           # the old value shows on refused cells too
                cell.old = shown(spec, self.olds[row_id].get(spec.name), self.ctx, self.lang)
            if not access.writable(spec, self.granted):
                cell.error = t('sheet.readonly_col', self.lang)
                continue
            try:
                value = spec.kind.parse(text_value, spec, self.ctx)
                spec.kind.check(value, spec)
            except FieldError as exc:
                cell.error = t(exc.key, self.lang, **exc.params)
                continue
            if target is not None:
                cell.changed = self.olds[row_id].get(spec.name) != value
            cell.new = shown(spec, value, self.ctx, self.lang)
            if target is None or cell.changed:
                raw[spec.name] = value
        return cells, raw

    def create(self, i: int, cells: list[Cell], values_in: dict[str, Any]) -> None:
        if 'create' not in self.granted.actions:
            for c in cells:
                c.error = c.error or t('sheet.no_create', self.lang)
            return
        row, problems = prepare_create(self.register, self.granted, self.actor,
                                               _as_input(self.register, values_in), self.ctx)
        _attach(problems, cells, self.lang)
        if any(p.field not in {c.field for c in cells} for p in problems):
            for c in cells:
                c.error = c.error or _first_other(problems, cells, self.lang)
            return
        ok = {c.field for c in cells if not c.error and c.field in values_in}
        self.plan.creates.append({name: values_in[name] for name in ok})
        self.plan.create_rows.append(i)

    def update(self, old: dict[str, Any], cells: list[Cell], values_in: dict[str, Any]) -> None:
        try:
            row, changed, problems = prepare_update(self.register, self.granted, self.actor, old,
                                                            _as_input(self.register, values_in), self.ctx)
        except PermissionDenied as exc:      # a settled row, a move not for this person: these cells only
            for c in cells:
                c.error = c.error or exc.message(self.lang)
            return
        _attach(problems, cells, self.lang)
        if _first_other(problems, cells, self.lang):
            # a rule across fields (e.g. 不合格数量 ≤ 数量) fails on a column outside the block: mark the
            # pasted cells that break it on their own, keep the rest if they pass together
            _blame(self.register, self.granted, self.actor, old, values_in, cells, self.ctx)
        ok = {name: values_in[name] for name in values_in if not next(c for c in cells if c.field == name).error}
        if ok:
            self.plan.updates[old['id']] = (old['version'], ok)
            self.plan.olds[old['id']] = old


async def _mark_taken_keys(plan: PastePlan, register, ctx, lang: str) -> None:
    """Rows whose natural key (订单号 + 货号) another live row — or another row of the block — already has: their
    cells are marked and they stay out of the plan (the service would refuse the whole block)."""
    key = register.natural_key
    if not key:
        return
    seen: dict[tuple, int] = {}
    defaults = {n: register.field(n).kind.default(register.field(n), ctx) for n in key}
    candidates = [(i, None, {**defaults, **values}) for i, values in zip(plan.create_rows, plan.creates)]
    candidates += [(None, row_id, {**plan.olds[row_id], **values}) for row_id, (_, values) in plan.updates.items()
                   if set(key) & set(values)]
    for i, row_id, row in candidates:
        if i is None:
            i = next(c.row for c in plan.cells if c.row_id == row_id)
        values = tuple(row.get(n) for n in key)
        if None in values:
            continue
        problems = await key_problems(register, row, list(key), row_id)
        message = problems[0].message(lang) if problems else ''
        if not message and values in seen:
            message = t('sheet.repeat_key', lang, n=seen[values] + 1, key=' / '.join(map(str, values)))
        seen.setdefault(values, i)
        if not message:
            continue
        for cell in plan.cells:
            if (cell.row_id == row_id if row_id is not None else (cell.row == i and cell.row_id is None)):
                cell.error = cell.error or message
        if row_id is not None:
            plan.updates.pop(row_id)
        else:
            index = plan.create_rows.index(i)
            plan.creates.pop(index)
            plan.create_rows.pop(index)


def _as_input(register, values: dict[str, Any]) -> dict[str, Any]:
    """Parsed values back to their JSON form, so the service parses them again exactly as from the grid."""
    return {k: register.field(k).kind.to_json(v, register.field(k)) for k, v in values.items()}


def _attach(problems: list[FieldProblem], cells: list[Cell], lang: str) -> None:
    for problem in problems:
        for cell in cells:
            if cell.field == problem.field and not cell.error:
                cell.error = problem.message(lang)


def _blame(register, granted, actor: Actor, old: dict[str, Any], values: dict[str, Any], cells: list[Cell],
           ctx) -> None:
    def failing(subset: dict[str, Any]) -> str:
        problems = prepare_update(register, granted, actor, old, _as_input(register, subset), ctx)[2]
        return _first_other(problems, cells, actor.lang) or next((p.message(actor.lang) for p in problems), '')

    by_cell = {c.field: c for c in cells}
    for name in values:
        message = failing({name: values[name]})
        if message:
            by_cell[name].error = by_cell[name].error or message
    rest = {name: value for name, value in values.items() if not by_cell[name].error}
    message = failing(rest) if rest else ''
    for name in rest if message else ():
        by_cell[name].error = by_cell[name].error or message


def _first_other(problems: list[FieldProblem], cells: list[Cell], lang: str) -> str:
    names = {c.field for c in cells}
    other = next((p for p in problems if p.field not in names), None)
    return other.message(lang) if other else ''


async def apply_paste(actor: Actor, plan: PastePlan, *, kind: str = 'paste') -> dict[str, int]:
    """Write the valid cells of a plan in one transaction as one undoable action."""
    if not plan.updates and not plan.creates:
        raise PortalError('sheet.nothing')
    async with session(actor, plan.register, 'edit', source=kind, kind=kind,
                               summary=str(plan.changes)) as writer:
        register = writer.register
        for row_id, (version, values) in plan.updates.items():
            await writer.update(row_id, _as_input(register, values), version, plan.olds.get(row_id))
        if plan.creates:
            if 'create' not in writer.granted.actions:
                raise PermissionDenied('sheet.no_create')
            for values in plan.creates:
                await writer.create(_as_input(register, values))
    await stats.after_write(plan.register, len(plan.updates) + len(plan.creates))     # a large paste
    return {'cells': plan.changes, 'updated': len(plan.updates), 'created': len(plan.creates)}


async def plan_fill(actor: Actor, key: str, col: str, source_row: int, target_rows: list[int]) -> PastePlan:
    """Fill down: the value of `col` in `source_row` onto the other target rows, validated like a paste."""
    register, granted = open_register(actor, key, 'edit')
    source = await get_row(actor, key, source_row)
    spec = register.field(col)
    if spec is None or col in granted.hidden:
        raise PortalError('error.unknown_field', field=col)
    value = spec.kind.to_json(source.get(col), spec)
    plan = PastePlan(register=key)
    ctx = await value_context(actor)
    for i, row_id in enumerate(r for r in target_rows if r != source_row):
        cell = Cell(i, row_id, col, spec.title(actor.lang), '' if value is None else str(value))
        plan.cells.append(cell)
        if not access.writable(spec, granted):
            cell.error = t('sheet.readonly_col', actor.lang)
            continue
        try:
            old = await get_row(actor, key, row_id)
        except PortalError as exc:
            cell.error = exc.message(actor.lang)
            continue
        full = (await db.row_model(key).filter(id=row_id).values())[0]
        cell.old = shown(spec, old.get(col), ctx, actor.lang)
        cell.new = shown(spec, source.get(col), ctx, actor.lang)
        if old.get(col) == source.get(col):
            continue
        cell.changed = True
        try:
            _, _, problems = prepare_update(register, granted, actor, full, {col: value}, ctx)
        except PermissionDenied as exc:
            cell.error = exc.message(actor.lang)
            continue
        _attach(problems, [cell], actor.lang)
        if not cell.error:
            plan.updates[row_id] = (full['version'], {col: source.get(col)})
    return plan
