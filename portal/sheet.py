"""Spreadsheet power on the server: paste plans (parse, validate, preview, apply), fill down, and
undo/redo of a user's own actions rebuilt from the audit trail."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from . import access, records
from .access import Actor
from .audit import decode
from .errors import FieldProblem, PermissionDenied, PortalError
from .fields import FieldError
from .i18n import add_messages, t
from .models import AuditEntry, UserAction
from .query import RowQuery
from .runtime import rt

add_messages({
    'sheet.readonly_col': ('只读列,不能粘贴', 'read-only column'),
    'sheet.no_col': ('超出最后一列', 'beyond the last column'),
    'sheet.no_create': ('无新增权限,不能在末尾追加新行', 'you may not add rows'),
    'sheet.too_many': ('一次最多粘贴 {n} 行', 'paste at most {n} rows at once'),
    'sheet.nothing': ('没有可应用的修改', 'nothing to apply'),
    'sheet.applied': ('已应用 {cells} 个单元格({new} 行新增)', '{cells} cells applied ({new} new rows)'),
    'undo.nothing': ('没有可撤销的操作', 'Nothing to undo'),
    'redo.nothing': ('没有可重做的操作', 'Nothing to redo'),
    'undo.blocked': ('无法撤销:记录 #{row} 的「{label}」之后已被 {by} 修改', 'Cannot undo: {by} changed row #{row} '
                     '("{label}") afterwards'),
    'redo.blocked': ('无法重做:记录 #{row} 的「{label}」之后已被修改', 'Cannot redo: row #{row} ("{label}") changed since'),
    'undo.done': ('已撤销:{summary}', 'Undone: {summary}'),
    'redo.done': ('已重做:{summary}', 'Redone: {summary}'),
    'action.create': ('新增 {n} 行', 'add {n} rows'),
    'action.edit': ('修改 {n} 个单元格', 'edit {n} cells'),
    'action.paste': ('粘贴 {n} 个单元格', 'paste {n} cells'),
    'action.fill': ('向下填充 {n} 个单元格', 'fill {n} cells'),
    'action.delete': ('删除 {n} 行', 'delete {n} rows'),
    'action.restore': ('恢复 {n} 行', 'restore {n} rows'),
    'action.check': ('勾选检查项', 'tick a checklist item'),
    'action.import': ('导入 {n} 行', 'import {n} rows'),
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
    register, granted = records.open_register(actor, key, 'edit')
    block = parse_tsv(text)
    plan = PastePlan(register=key)
    if len(block) > MAX_PASTE_ROWS:
        plan.problems.append(t('sheet.too_many', actor.lang, n=MAX_PASTE_ROWS))
        return plan
    fields = [c for c in columns if register.field(c) is not None and c not in granted.hidden]
    start = fields.index(start_col) if start_col in fields else 0   # on the id/checks column: first field
    targets = fields[start:]
    base = RowQuery.parse({**(query or {}), 'start': start_row, 'limit': max(1, min(len(block), 1000))})
    existing: list[dict[str, Any]] = []
    while len(existing) < len(block):
        chunk = await records.list_rows(actor, key, base.model_copy(update={'start': start_row + len(existing),
                                                                            'limit': min(1000, len(block) -
                                                                                         len(existing))}))
        existing.extend(chunk)
        if len(chunk) < base.limit:
            break
    ctx = await records.value_context(actor)
    model_rows = {}
    if existing:
        from . import db
        full = await db.row_model(key).filter(id__in=[r['id'] for r in existing]).values()
        model_rows = {r['id']: r for r in full}
    may_create = 'create' in granted.actions
    for i, values in enumerate(block):
        target = existing[i] if i < len(existing) else None
        raw: dict[str, Any] = {}
        cells: list[Cell] = []
        for j, text_value in enumerate(values):
            if j >= len(targets):
                if text_value.strip():
                    plan.cells.append(Cell(i, target['id'] if target else None, '', '', text_value,
                                           error=t('sheet.no_col', actor.lang)))
                continue
            spec = register.field(targets[j])
            cell = Cell(i, target['id'] if target else None, spec.name, spec.title(actor.lang), text_value)
            cells.append(cell)
            if not access.writable(spec, granted):
                cell.error = t('sheet.readonly_col', actor.lang)
                continue
            try:
                value = spec.kind.parse(text_value, spec, ctx)
                spec.kind.check(value, spec)
            except FieldError as exc:
                cell.error = t(exc.key, actor.lang, **exc.params)
                continue
            if target is not None:
                old = model_rows[target['id']].get(spec.name)
                cell.old = spec.kind.text(old, spec, actor.lang)
                cell.changed = old != value
            cell.new = spec.kind.text(value, spec, actor.lang)
            if target is None or cell.changed:
                raw[spec.name] = value
        plan.cells.extend(cells)
        good = {c.field: c for c in cells if not c.error and (c.changed or target is None)}
        if target is None:
            if not may_create:
                for c in cells:
                    c.error = c.error or t('sheet.no_create', actor.lang)
                continue
            values_in = {name: raw[name] for name in good if name in raw}
            row, problems = records.prepare_create(register, granted, actor, _as_input(register, values_in), ctx)
            _attach(problems, cells, actor.lang)
            ok = {c.field for c in cells if not c.error and c.field in values_in}
            if not any(p.field not in {c.field for c in cells} for p in problems):
                plan.creates.append({name: values_in[name] for name in ok})
            else:
                for c in cells:
                    c.error = c.error or _first_other(problems, cells, actor.lang)
        else:
            old_full = model_rows[target['id']]
            values_in = {name: raw[name] for name in good if name in raw}
            if not values_in:
                continue
            try:
                row, changed, problems = records.prepare_update(register, granted, actor, old_full,
                                                                _as_input(register, values_in), ctx)
            except PermissionDenied as exc:      # a settled row, a move not for this person: these cells only
                for c in cells:
                    c.error = c.error or exc.message(actor.lang)
                continue
            _attach(problems, cells, actor.lang)
            if _first_other(problems, cells, actor.lang):
                # a rule across fields (e.g. 不合格数量 ≤ 数量) fails on a column outside the block: mark the
                # pasted cells that break it on their own, keep the rest if they pass together
                _blame(register, granted, actor, old_full, values_in, cells, ctx)
            ok = {name: values_in[name] for name in values_in
                  if not next(c for c in cells if c.field == name).error}
            if ok:
                plan.updates[target['id']] = (old_full['version'], ok)
                plan.olds[target['id']] = old_full
    return plan


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
        problems = records.prepare_update(register, granted, actor, old, _as_input(register, subset), ctx)[2]
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
    async with records.session(actor, plan.register, 'edit', source=kind, kind=kind,
                               summary=str(plan.changes)) as writer:
        register = writer.register
        for row_id, (version, values) in plan.updates.items():
            await writer.update(row_id, _as_input(register, values), version, plan.olds.get(row_id))
        if plan.creates:
            if 'create' not in writer.granted.actions:
                raise PermissionDenied('sheet.no_create')
            for values in plan.creates:
                await writer.create(_as_input(register, values))
    return {'cells': plan.changes, 'updated': len(plan.updates), 'created': len(plan.creates)}


async def plan_fill(actor: Actor, key: str, col: str, source_row: int, target_rows: list[int]) -> PastePlan:
    """Fill down: the value of `col` in `source_row` onto the other target rows, validated like a paste."""
    register, granted = records.open_register(actor, key, 'edit')
    source = await records.get_row(actor, key, source_row)
    spec = register.field(col)
    if spec is None or col in granted.hidden:
        raise PortalError('error.unknown_field', field=col)
    value = spec.kind.to_json(source.get(col), spec)
    plan = PastePlan(register=key)
    ctx = await records.value_context(actor)
    for i, row_id in enumerate(r for r in target_rows if r != source_row):
        cell = Cell(i, row_id, col, spec.title(actor.lang), '' if value is None else str(value))
        plan.cells.append(cell)
        if not access.writable(spec, granted):
            cell.error = t('sheet.readonly_col', actor.lang)
            continue
        try:
            old = await records.get_row(actor, key, row_id)
        except PortalError as exc:
            cell.error = exc.message(actor.lang)
            continue
        from . import db
        full = (await db.row_model(key).filter(id=row_id).values())[0]
        cell.old = spec.kind.text(old.get(col), spec, actor.lang)
        cell.new = spec.kind.text(source.get(col), spec, actor.lang)
        if old.get(col) == source.get(col):
            continue
        cell.changed = True
        try:
            _, _, problems = records.prepare_update(register, granted, actor, full, {col: value}, ctx)
        except PermissionDenied as exc:
            cell.error = exc.message(actor.lang)
            continue
        _attach(problems, [cell], actor.lang)
        if not cell.error:
            plan.updates[row_id] = (full['version'], {col: source.get(col)})
    return plan


# --- undo / redo ------------------------------------------------------------------------------------------------

@dataclass(slots=True)
class StepResult:
    which: str
    summary: str

    def message(self, lang: str) -> str:
        return t(f'{self.which}.done', lang, summary=self.summary)


async def undo(actor: Actor, key: str) -> StepResult:
    action = await UserAction.filter(actor=actor.username, register=key, state='done',
                                     kind__in=_undoable()).order_by('-id').first()
    if action is None:
        raise PortalError('undo.nothing')
    return await _replay(actor, key, action, backwards=True)


async def redo(actor: Actor, key: str) -> StepResult:
    action = await UserAction.filter(actor=actor.username, register=key, state='undone').order_by(
        '-undone_seq').first()
    if action is None:
        raise PortalError('redo.nothing')
    return await _replay(actor, key, action, backwards=False)


def _undoable() -> tuple[str, ...]:
    from .actions import UNDOABLE
    return UNDOABLE


async def _replay(actor: Actor, key: str, action: UserAction, *, backwards: bool) -> StepResult:
    register = records.register_of(key)
    entries = await AuditEntry.filter(action_id=action.key).order_by('id').values()
    which = 'undo' if backwards else 'redo'
    await _guard(actor, register, entries, backwards, which)
    creates = [e['row_id'] for e in entries if e['event'] == 'create']
    deletes = [e['row_id'] for e in entries if e['event'] == 'delete']
    restores = [e['row_id'] for e in entries if e['event'] == 'restore']
    updates: dict[int, dict[str, Any]] = {}
    checks: list[tuple[int, str, bool]] = []
    for e in entries:
        if e['event'] == 'update':
            updates.setdefault(e['row_id'], {})[e['field']] = decode(e['old'] if backwards else e['new'])
        elif e['event'] == 'check':
            value = decode(e['old'] if backwards else e['new'])
            checks.append((e['row_id'], e['field'].split('.', 1)[1], bool(value)))
    if backwards:
        updates = {r: v for r, v in reversed(list(updates.items()))}
    async with records.session(actor, key, 'view', source=which, kind=which, clear_redo=False) as writer:
        _need(writer, 'delete' if creates or deletes or restores else 'edit')
        if backwards:
            if creates:
                await writer.delete(list(dict.fromkeys(creates)), writer.action_id)
            if deletes:
                await writer.restore(list(dict.fromkeys(deletes)))
            if restores:
                await writer.delete(list(dict.fromkeys(restores)), writer.action_id)
        else:
            if creates:
                await writer.restore(list(dict.fromkeys(creates)))
            if deletes:
                await writer.delete(list(dict.fromkeys(deletes)), writer.action_id)
            if restores:
                await writer.restore(list(dict.fromkeys(restores)))
        for row_id, values in updates.items():
            await writer.update(row_id, values, None)
        for row_id, item, checked in checks:
            await writer.set_check(row_id, item, checked, None)
    step = await UserAction.get(key=writer.action_id)
    action.state = 'undone' if backwards else 'done'
    action.undone_seq = step.id if backwards else None
    action.changed_at = rt().now()
    await action.save(update_fields=['state', 'undone_seq', 'changed_at'])
    n = len({e['row_id'] for e in entries}) if action.kind in ('create', 'delete', 'restore', 'import') else \
        sum(1 for e in entries if e['event'] == 'update')
    return StepResult(which, t(f'action.{action.kind}', actor.lang, n=n))


def _need(writer, action: str) -> None:
    if action not in writer.granted.actions and not access.is_admin(rt().catalog, writer.actor):
        raise PermissionDenied('perm.action', register=writer.register.title(writer.actor.lang), action=action)


async def _guard(actor: Actor, register, entries: list[dict], backwards: bool, which: str) -> None:
    """Refuse to undo (or redo) over a later change by someone else to the same row and field."""
    if not entries:
        return
    last_id = max(e['id'] for e in entries)
    action_id = entries[0]['action_id']
    rows = {e['row_id'] for e in entries}
    later = await AuditEntry.filter(register=register.key, row_id__in=rows, id__gt=last_id).exclude(
        action_id=action_id).values('row_id', 'field', 'actor', 'action_id')
    mine = {e['action_id'] for e in later if e['actor'] == actor.username and e['action_id']}
    reverted = set(await UserAction.filter(key__in=mine, state__in=('undone', 'dead', 'meta')).values_list(
        'key', flat=True)) if mine else set()
    touched = {(e['row_id'], e['field']) for e in entries if e['event'] in ('update', 'check')}
    whole_rows = {e['row_id'] for e in entries if e['event'] in ('create', 'delete', 'restore')}
    for other in later:
        if other['action_id'] in reverted:
            continue   # the user's own step that was undone since (its effect is gone)
        if (other['row_id'], other['field']) in touched or other['row_id'] in whole_rows:
            spec = register.field(other['field'] or '')
            label = spec.title(actor.lang) if spec else (other['field'] or '—')
            raise PortalError(f'{which}.blocked', row=other['row_id'], label=label,
                              by=await _name(other['actor']))


async def _name(username: str) -> str:
    from . import users
    return (await users.directory()).get(username, username)
