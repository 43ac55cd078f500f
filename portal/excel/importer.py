"""Imports from .xlsx and CSV: read safely, match headers, parse and validate every cell by its field type and
the register's rules, match rows by the natural key, preview, then apply in one transaction (or nothing)."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Awaitable, Callable

from openpyxl.utils import get_column_letter
from tortoise.exceptions import IntegrityError

from .. import records
from ..errors import PermissionDenied, PortalError
from ..i18n import add_messages, t
from ..people import access
from ..runtime import rt
from ..schema import Actor, FieldSpec, RegisterSchema
from ..store import audit, db, stats
from ..store.audit import Change
from . import checkcols, guard, sandbox
from . import limits as upload_limits
from .plan import CHECKS, CellProblem, ImportPlan
from .rowcheck import RowCheck, unique_in_database

add_messages({
    'import.place': ('第 {row} 行 {column} 列({header}):{message}', 'row {row}, column {column} ({header}): {message}'),
    'import.place_row': ('第 {row} 行:{message}', 'row {row}: {message}'),
    'import.no_header': ('找不到表头行:前 20 行中没有一行包含本登记表的列名', 'No header row: none of the first 20 rows '
                         'holds this register\'s column names'),
    'import.unknown_column': ('第 {column} 列「{header}」不是本登记表(或您可见)的字段', 'column {column} "{header}" is '
                              'not a field of this register (or not visible to you)'),
    'import.duplicate_column': ('第 {column} 列「{header}」与第 {first} 列重复', 'column {column} "{header}" repeats '
                                'column {first}'),
    'import.readonly_column': ('第 {column} 列「{header}」是只读字段,不能导入', 'column {column} "{header}" is '
                               'read-only for you'),
    'import.readonly_cell': ('「{label}」是只读字段:只能与该记录现有的值相同', '"{label}" is read-only: it may only repeat '
                             'the value the row already has'),
    'import.missing_columns': ('缺少必填列:{names}', 'Required columns are missing: {names}'),
    'import.duplicate_key': ('与第 {first} 行重复({key})', 'repeats row {first} ({key})'),
    'import.no_create': ('没有新增权限,不能新建记录', 'you may not add rows'),
    'import.out_of_scope': ('与一条您无权修改的记录重复', 'matches a row you may not change'),
    'import.has_errors': ('文件中有 {count} 处错误,未导入任何数据;请修正后重新导入', 'The file has {count} errors; '
                          'nothing was imported. Fix them and import again'),
    'import.file_problems': ('文件无法导入:{detail}', 'The file cannot be imported: {detail}'),
    'import.errors_column': ('错误', 'Errors'),
    'import.key_taken': ('检查之后,其他用户新增了文件中的某些记录(相同的关键字段);未导入任何数据,请重新导入',
                         'Someone added rows with the same keys as rows of this file since it was checked; '
                         'nothing was imported. Import the file again'),
})
MAX_HEADER_SCAN = 20
# Checking 100,000 rows takes seconds of CPU: the loops give the event loop a turn every YIELD_ROWS rows (~10 ms;
# a request of another user needs several turns) and report progress every CHECK_BATCH rows.
YIELD_ROWS = 250
CHECK_BATCH = 2000
Progress = Callable[[int, int], Awaitable[None] | None]


async def plan_import(actor: Actor, key: str, path: Path, name: str, *, limit_mb: int | None = None,
                      progress: Progress | None = None) -> ImportPlan:
    """Read and check a file (nothing is written). The file is read in a separate process within the limits
    of an upload (PortalError when it is beyond them), then checked in batches that let the server answer other
    requests between them; `progress(done, total)` hears how many rows are checked."""
    register, granted = records.open_register(actor, key, 'import')
    kind = guard.check_upload(Path(path), name, limit_mb or rt().settings.import_max_mb)
    bounds = upload_limits.for_register(register, rt().settings.import_max_rows)
    plan = ImportPlan(register=key, path=Path(path), kind=kind, name=name, limits=bounds)
    table = await sandbox.read_rows(Path(path), kind, bounds)
    if not table:
        raise PortalError('import.empty_sheet')
    header_index = _find_header([cells for _, cells in table[:MAX_HEADER_SCAN]], register)
    if header_index is None:
        plan.file_problems.append(t('import.no_header', actor.lang))
        return plan
    plan.header_row = table[header_index][0]
    if len(table) - header_index - 1 > bounds.max_rows:
        raise PortalError('import.too_many_rows', rows=len(table) - header_index - 1, max_rows=bounds.max_rows)
    check_columns: dict[int, Any] = {}
    readonly: dict[int, FieldSpec] = {}
    mapping = _map_columns(plan, table[header_index][1], register, granted, actor.lang, check_columns, readonly)
    ctx = await records.value_context(actor)
    links = [(index, spec.name) for index, spec in mapping.items() if spec.ref]
    if links:           # the rows the link columns name, looked up for the whole file at once
        await records.resolve_refs(register, ({name: cells[i] for i, name in links if i < len(cells)}
                                              for _, cells in table[header_index + 1:]), ctx)
    parsed_rows = []
    names = [(index, spec.name) for index, spec in mapping.items()]
    checked = [(index, item) for index, item in check_columns.items()]
    for done, (excel_row, cells) in enumerate(table[header_index + 1:]):
        if done % YIELD_ROWS == 0:
            await asyncio.sleep(0)
        raw, width = {}, len(cells)
        for index, name in names:           # a blank cell says nothing: it is left out of the row's input
            if index < width and (value := cells[index]) is not None and (
                    value.__class__ is not str or (value and not value.isspace())):     # (_blank, inlined)
                raw[name] = value
        ticks = _ticks(plan, excel_row, cells, checked, actor.lang) if checked else None
        fixed = {spec.name: cells[i] for i, spec in readonly.items() if i < width and not _blank(cells[i])}
        if not raw and not ticks and not fixed:
            continue
        if fixed:
            plan.readonly[excel_row] = fixed
        if ticks:
            plan.checks[excel_row] = ticks
        plan.rows += 1
        parsed_rows.append((excel_row, raw))
    if not plan.rows and not plan.file_problems:
        raise PortalError('import.no_rows', header=plan.header_row)
    letters = {spec.name: (get_column_letter(i + 1), spec.title(actor.lang))
               for i, spec in [*mapping.items(), *readonly.items()]}
    await _classify(plan, register, granted, actor, parsed_rows, letters, ctx, progress)
    plan.problems.sort(key=lambda p: (p.row, len(p.column), p.column))
    return plan


def _ticks(plan: ImportPlan, excel_row: int, cells: list, columns, lang: str) -> dict[str, bool]:
    """The checklist cells of one row: item -> ticked (a blank cell says nothing)."""
    out = {}
    for index, item in columns:
        value = cells[index] if index < len(cells) else None
        if _blank(value):
            continue
        ticked = checkcols.parse(value)
        if ticked is None:
            plan.problems.append(CellProblem(excel_row, get_column_letter(index + 1), checkcols.header(item, lang),
                                             value, 'excel.check_value', {'text': item.title(lang), 'value': value}))
            continue
        out[item.id] = ticked
    return out


def _blank(value: Any) -> bool:
    """An empty cell: nothing, or only spaces (checked for 1.5 million cells: no cleaning on the way)."""
    return value is None or (value.__class__ is str and (not value or value.isspace()))


def _names(spec: FieldSpec) -> set[str]:
    return {_norm(spec.label), _norm(spec.label_en), _norm(spec.name)} - {''}


def _norm(text: Any) -> str:
    value = str(text or '').strip().replace('\n', '').rstrip('*').strip()
    return value.lower()


def _find_header(table: list[list[Any]], register: RegisterSchema) -> int | None:
    known = set().union(*(_names(f) for f in register.fields), checkcols.lookup(register))
    for i, row in enumerate(table[:MAX_HEADER_SCAN]):
        cells = [_norm(c) for c in row if _norm(c)]
        hits = sum(1 for c in cells if c in known)
        if hits and hits * 2 >= len(cells):
            return i
    return None


def _map_columns(plan: ImportPlan, header: list[Any], register: RegisterSchema, granted, lang: str,
                 check_columns: dict[int, Any], readonly: dict[int, FieldSpec]) -> dict[int, FieldSpec]:
    """Header cells → fields (and checklist items); a computed column (the register's own output, as its export
    writes it) is passed over: the portal computes it again."""
    visible = access.visible_fields(register, granted)
    lookup = {name: spec for spec in visible for name in _names(spec)}
    items = checkcols.lookup(register)
    mapping: dict[int, FieldSpec] = {}
    first: dict[str, str] = {}
    for index, cell in enumerate(header):
        text = _norm(cell)
        if not text:
            continue
        letter = get_column_letter(index + 1)
        spec = lookup.get(text)
        plan.columns.append((index, letter, str(cell), spec.name if spec else None))
        if spec is None and text in items and items[text].id not in check_columns.values():
            check_columns[index] = items[text]
        elif spec is not None and spec.computed:
            continue
        elif spec is None:
            plan.file_problems.append(t('import.unknown_column', lang, column=letter, header=str(cell).strip()))
        elif spec.name in first:
            plan.file_problems.append(t('import.duplicate_column', lang, column=letter, header=str(cell).strip(),
                                        first=first[spec.name]))
        elif not access.writable(spec, granted):
            # read-only here (filled by a workflow move, or not the importer's to change): an exported file carries
            # it, so a round trip must not fail on it — a cell that repeats the row's value is fine, any other
            # value in it is refused at that cell (_classify)
            readonly[index] = spec
        else:
            first[spec.name] = letter
            mapping[index] = spec
    present = {s.name for s in mapping.values()}
    missing = [f for f in register.fields if f.required and f.default is None and not f.computed
               and f.name not in present and f in visible and access.writable(f, granted)]
    if missing and not set(register.natural_key) <= present:
        plan.file_problems.append(t('import.missing_columns', lang, names='、'.join(f.title(lang) for f in missing)))
    return mapping


async def _classify(plan: ImportPlan, register: RegisterSchema, granted, actor: Actor,
                    rows: list[tuple[int, dict[str, Any]]], letters: dict[str, tuple[str, str]], ctx,
                    progress: Progress | None = None) -> None:
    """Each row becomes an update of the live row with its natural key, a new row, or problems."""
    key_fields = [register.field(n) for n in register.natural_key]
    row_keys, wanted = await _row_keys(plan, rows, key_fields, letters, ctx)
    existing = await _existing(register, key_fields, wanted) if wanted else {}
    check = RowCheck(plan, register, granted, actor, letters, ctx)
    for done, (excel_row, raw) in enumerate(rows):
        if done % CHECK_BATCH == 0:
            await _report(progress, done, len(rows))
        if done % YIELD_ROWS == 0:
            await asyncio.sleep(0)
        if excel_row not in row_keys:             # repeats an earlier row's key: already a problem
            continue
        key = row_keys[excel_row]
        old = existing.get(key) if key is not None else None
        # a blank cell says nothing (plan_import left it out): a new row takes the field's default, an existing
        # row keeps its value
        ticks = plan.checks.get(excel_row)
        if excel_row in plan.readonly:
            _readonly_cells(plan, register, excel_row, plan.readonly[excel_row], old, letters, ctx)
        if old is not None:
            check.update(excel_row, raw, old, ticks)
        else:
            check.create(excel_row, raw, ticks)
    await unique_in_database(plan, register, letters)
    await _report(progress, len(rows), len(rows))


def _readonly_cells(plan: ImportPlan, register: RegisterSchema, excel_row: int, cells: dict[str, Any],
                    old: dict[str, Any] | None, letters, ctx) -> None:
    """Read-only cells must say what the row already holds (as its export wrote it): anything else — or any value
    for a new row — is refused at the cell, never written and never dropped without a word."""
    for name, value in cells.items():
        spec = register.field(name)
        try:
            same = old is not None and spec.kind.text(spec.kind.parse(value, spec, ctx), spec) == spec.kind.text(
                old.get(name), spec)
        except Exception:
            same = False
        if not same:
            letter, header = letters[name]
            plan.problems.append(CellProblem(excel_row, letter, header, value, 'import.readonly_cell',
                                             {'label': header}))


async def _row_keys(plan: ImportPlan, rows, key_fields, letters, ctx) -> tuple[dict[int, tuple | None], list]:
    """Each row's natural key (None: incomplete or no key columns); a row repeating an earlier row's key is a
    problem and left out. Returns (excel row -> key, the keys to look up)."""
    keyed = all(f.name in letters for f in key_fields) and key_fields
    keys: dict[tuple, int] = {}
    row_keys: dict[int, tuple | None] = {}
    for excel_row, raw in rows:
        if excel_row % YIELD_ROWS == 0:
            await asyncio.sleep(0)
        key = None
        if keyed:
            try:
                key = tuple(f.kind.parse(raw.get(f.name), f, ctx) for f in key_fields)
            except Exception:
                key = None
            if key is not None and any(v is None for v in key):
                key = None
        if key is not None and key in keys:
            letter, header = letters[key_fields[0].name]
            plan.problems.append(CellProblem(excel_row, letter, header, raw.get(key_fields[0].name),
                                             'import.duplicate_key', {'first': keys[key],
                                                                      'key': '/'.join(map(str, key))}))
            continue
        if key is not None:
            keys[key] = excel_row
        row_keys[excel_row] = key
    return row_keys, list(keys)


async def _existing(register: RegisterSchema, key_fields: list[FieldSpec], wanted: list[tuple]
                    ) -> dict[tuple, dict[str, Any]]:
    """Live rows matching the natural keys: looked up by the first key field (indexed), matched in full here."""
    found: dict[tuple, dict[str, Any]] = {}
    wanted_set = set(wanted)
    firsts = sorted({k[0] for k in wanted}, key=str)
    for row in await records.live_rows_with(register, key_fields[0].name, firsts):
        key = tuple(row[f.name] for f in key_fields)
        if key in wanted_set:
            found[key] = row
    return found


async def apply_import(actor: Actor, plan: ImportPlan, *, valid_only: bool = False,
                       progress: Progress | None = None) -> dict[str, int]:
    """Write the plan in one transaction (audited as 'import'); refuse while any error remains unless the user
    explicitly asked to import the valid rows only."""
    if plan.file_problems:
        raise PortalError('import.file_problems', detail='; '.join(plan.file_problems))
    if plan.problems and not valid_only:
        raise PortalError('import.has_errors', count=len(plan.problems))
    bad = plan.bad_rows
    creates = [row for r, row in plan.creates if r not in bad]
    updates = [(row_id, version, raw) for r, row_id, version, raw in plan.updates if r not in bad]
    try:
        return await _write(actor, plan, creates, updates, progress, len(bad))
    except IntegrityError as exc:      # another user created one of these keys since the check
        raise PortalError('import.key_taken') from exc


async def _write(actor: Actor, plan: ImportPlan, creates: list, updates: list, progress: Progress | None,
                 skipped: int) -> dict[str, int]:
    total, done = len(creates) + len(updates), 0
    origin = f'imported from {plan.name or plan.path.name}'
    async with records.session(actor, plan.register, 'import', source='import', kind='import',
                               summary=f'{total} · {origin}') as writer:
        if creates and 'create' not in writer.granted.actions:
            raise PermissionDenied('import.no_create')
        if updates and 'edit' not in writer.granted.actions:
            raise PermissionDenied('perm.action', register=writer.register.title(actor.lang), action='edit')
        async with db.indexes_set_aside(writer.register.key, len(creates), writer.tx):
            async def written(n: int) -> None:
                await _report(progress, n, total)
            await writer.create_many(creates, written)
            done = len(creates)
        for row_id, version, raw in updates:
            raw = dict(raw)
            for item_id, ticked in raw.pop(CHECKS, {}).items():     # ticks first: a move in the file may need them
                version = (await writer.set_check(row_id, item_id, ticked, version))['version']
            if raw:
                await writer.update(row_id, raw, version)
            done += 1
            if done % 500 == 0:
                await _report(progress, done, total)
        # one entry naming the file (outside the undoable action: undo counts and reverses the rows)
        writer.audit.extend(audit.entries(actor=actor.username, register=plan.register, row_id=None, event='import',
                                          changes=[Change(None, None, f'{origin}: {len(creates)} new, '
                                                                      f'{len(updates)} updated')],
                                          source='import', action_id=None, version=None, at=writer.ctx.now))
    await stats.after_write(plan.register, total)      # before the user's first look at the new rows
    await _report(progress, total, total)
    return {'created': len(creates), 'updated': len(updates), 'skipped': skipped}


async def _report(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        result = progress(done, total)
        if hasattr(result, '__await__'):
            await result
