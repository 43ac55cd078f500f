"""Clearing and filling a cell range on the server. Each cell is planned like a pasted cell — the column's rights,
the field type, the rules and the row's workflow lock — so a refusal is named per cell and the rest is applied by
`paste.apply_paste` as one undoable action. Fill copies the first row(s) of the range down or its first column(s)
right, or, from the fill handle, continues a series the way Excel does (1, 2 → 3, 4, 5; dates by their step;
P-0001, P-0002 → P-0003); anything that forms no series is repeated."""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise
from typing import Any

from ..errors import PortalError
from ..fields import FieldError
from ..i18n import add_messages, t
from ..people import access
from ..schema import Actor, FieldSpec
from .paste import MAX_PASTE_ROWS, Cell, PastePlan, _Planner
from .ranges import CellRange, range_ids, rows_by_id
from .read import open_register, value_context

add_messages({
    'range.cleared': ('已清除 {cells} 个单元格', '{cells} cells cleared'),
    'range.refused': ('{n} 个单元格未清除', '{n} cells not cleared'),
    'range.bad_fill': ('填充方向只能是向下或向右', 'fill goes down or right'),
    'range.readonly_col': ('只读列', 'read-only column'),
    'action.clear': ('清除 {n} 个单元格', 'clear {n} cells'),
})
AXES = ('down', 'right')
_TRAILING_NUMBER = re.compile(r'^(.*?)(\d+)$', re.DOTALL)


class _Range:
    """A range loaded for writing: the register, the rights, the columns and the full rows under it."""

    @classmethod
    async def load(cls, actor: Actor, key: str, cells: CellRange) -> _Range:
        self = cls()
        if cells.count > MAX_PASTE_ROWS:
            raise PortalError('sheet.too_many', n=MAX_PASTE_ROWS)
        self.register, self.granted = open_register(actor, key, 'edit')
        self.specs = cells.fields(self.register, self.granted)
        ids = await range_ids(actor, key, cells, action='edit')
        self.rows = await rows_by_id(key, ids)        # full rows: the rules read hidden columns too
        self.ctx = await value_context(actor)
        self.plan = PastePlan(register=key)
        self.planner = _Planner(self.plan, actor, self.register, self.granted, self.ctx, [])
        self.planner.olds = {r['id']: r for r in self.rows}
        self.lang = actor.lang
        return self

    def row(self, i: int, row: dict[str, Any], new: dict[str, Any], failed: dict[str, str] | None = None) -> None:
        """One row's new values as cells: read-only columns and values its column refuses are named per cell;
        the rest is checked together (rules across fields, required fields, the row's lock)."""
        cells, values = [], {}
        for name, value in {**new, **dict.fromkeys(failed or {})}.items():
            spec = self.register.field(name)
            error = (failed or {}).get(name, '')
            if not error and value == row.get(name):
                continue
            cell = Cell(i, row['id'], name, spec.title(self.lang), raw=self.text(spec, value),
                        old=self.text(spec, row.get(name)), new='' if error else self.text(spec, value),
                        error=error, changed=not error)
            if not error and not access.writable(spec, self.granted):
                cell.error = t('range.readonly_col', self.lang)
            cells.append(cell)
            if not cell.error:
                values[name] = value
        self.plan.cells.extend(cells)
        if values:
            self.planner.update(row, cells, values)

    def text(self, spec: FieldSpec, value: Any) -> str:
        return spec.kind.text(value, spec, self.lang) if value is not None else ''


async def plan_clear(actor: Actor, key: str, cells: CellRange) -> PastePlan:
    """Empty every filled cell of the range (编号 and 检查 are not fields and stay as they are)."""
    target = await _Range.load(actor, key, cells)
    fields = [s for s in target.specs if isinstance(s, FieldSpec)]
    for i, row in enumerate(target.rows):
        target.row(i, row, {s.name: None for s in fields if row.get(s.name) not in (None, '', [])})
    return target.plan


async def plan_fill(actor: Actor, key: str, cells: CellRange, *, axis: str, sources: int = 1,
                    series: bool = False) -> PastePlan:
    """Fill the range from its first `sources` rows (down) or columns (right): copied, or continued as a series
    when `series` (the fill handle) and the sources form one."""
    if axis not in AXES:
        raise PortalError('range.bad_fill')
    target = await _Range.load(actor, key, cells)
    specs, rows, sources = target.specs, target.rows, max(1, sources)
    if axis == 'down':
        news: list[dict[str, Any]] = [{} for _ in rows]
        for spec in specs:
            if isinstance(spec, FieldSpec) and len(rows) > sources:
                line = [r.get(spec.name) for r in rows[:sources]]
                for new, (value, _) in zip(news[sources:], continuation(line, len(rows) - sources, series)):
                    new[spec.name] = value
        for i in range(sources, len(rows)):
            target.row(i, rows[i], news[i])
        return target.plan
    origins = specs[:sources]
    for i, row in enumerate(rows):
        line = [row.get(s.name) if isinstance(s, FieldSpec) else row['id'] if s == 'id' else None for s in origins]
        new, failed = {}, {}
        for spec, (value, origin) in zip(specs[sources:], continuation(line, len(specs) - sources, series)):
            if not isinstance(spec, FieldSpec):
                continue
            try:
                new[spec.name] = _into(value, origins[origin] if origin is not None else None, spec, target.ctx)
            except FieldError as exc:
                failed[spec.name] = t(exc.key, target.lang, **exc.params)
        target.row(i, row, new, failed)
    return target.plan


def _into(value: Any, origin: FieldSpec | str | None, spec: FieldSpec, ctx) -> Any:
    """A value of one column (or of a series) as a value of another: read as its text is read when typed."""
    if value is None or origin is spec:
        return value
    raw = origin.kind.text(value, origin, 'zh') if isinstance(origin, FieldSpec) else value
    parsed = spec.kind.parse(raw, spec, ctx)
    spec.kind.check(parsed, spec)
    return parsed


# --- series ---------------------------------------------------------------------------------------------------

def continuation(values: list[Any], n: int, series: bool) -> list[tuple[Any, int | None]]:
    """The next `n` values after `values`: (value, None) continuing a series, or (value, index of the source
    repeated). A series needs two or more sources with one step: numbers, dates, date-times, or texts that
    end in a number after the same prefix."""
    step = _series(values) if series and len(values) >= 2 else None
    if step is None:
        return [(values[k % len(values)], k % len(values)) for k in range(n)]
    return [(step(len(values) + k), None) for k in range(n)]


def _series(values: list[Any]) -> Callable[[int], Any] | None:
    if all(isinstance(v, (int, Decimal)) and not isinstance(v, bool) for v in values):
        first, step = values[0], _one_step(values)
        return None if step is None else (lambda k: first + step * k)
    for kind in (datetime, date):
        if all(type(v) is kind for v in values):
            first, step = values[0], _one_step(values)
            return None if step is None else (lambda k, first=first, step=step: first + step * k)
    if all(isinstance(v, str) for v in values):
        parts = [_TRAILING_NUMBER.match(v) for v in values]
        if all(parts) and len({p[1] for p in parts}) == 1:
            prefix, digits = parts[0][1], len(parts[0][2])
            first, step = int(parts[0][2]), _one_step([int(p[2]) for p in parts])
            if step is not None:
                return lambda k: f'{prefix}{max(0, first + step * k):0{digits}d}'
    return None


def _one_step(values: list[Any]) -> Any:
    """The difference between neighbours when it is the same all along (and not zero), else None."""
    steps = {b - a for a, b in pairwise(values)}
    if len(steps) != 1:
        return None
    step = steps.pop()
    return step if step else None
