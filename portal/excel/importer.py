"""Imports from .xlsx and CSV: read safely, match headers, parse and validate every cell by its field type and
the register's rules, match rows by the natural key, preview, then apply in one transaction (or nothing)."""
from __future__ import annotations

import asyncio
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable

from openpyxl.utils import get_column_letter

from .. import access, db, records
from ..access import Actor
from ..errors import FieldProblem, PermissionDenied, PortalError
from ..i18n import add_messages, t
from ..runtime import rt
from ..schema import FieldSpec, RegisterSchema
from . import guard
from .export import FORMULA_START

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
    'import.missing_columns': ('缺少必填列:{names}', 'Required columns are missing: {names}'),
    'import.duplicate_key': ('与第 {first} 行重复({key})', 'repeats row {first} ({key})'),
    'import.no_create': ('没有新增权限,不能新建记录', 'you may not add rows'),
    'import.out_of_scope': ('与一条您无权修改的记录重复', 'matches a row you may not change'),
    'import.has_errors': ('文件中有 {count} 处错误,未导入任何数据;请修正后重新导入', 'The file has {count} errors; '
                          'nothing was imported. Fix them and import again'),
    'import.file_problems': ('文件无法导入:{detail}', 'The file cannot be imported: {detail}'),
    'import.errors_column': ('错误', 'Errors'),
})
MAX_HEADER_SCAN = 20
# Checking 100,000 rows takes seconds of CPU: the loops give the event loop a turn every YIELD_ROWS rows (~10 ms;
# a request of another user needs several turns) and report progress every CHECK_BATCH rows.
YIELD_ROWS = 250
CHECK_BATCH = 2000
LOOKUP_CHUNK = 5000        # values per IN (...) when matching keys (SQLite allows 32766 parameters, PostgreSQL 32767)
Progress = Callable[[int, int], Awaitable[None] | None]


@dataclass(slots=True)
class CellProblem:
    row: int               # Excel row number (1-based)
    column: str            # column letter ('' = the whole row)
    header: str
    value: Any
    key: str
    params: dict

    def message(self, lang: str = 'zh') -> str:
        return t(self.key, lang, **self.params)

    def text(self, lang: str = 'zh') -> str:
        if self.column:
            return t('import.place', lang, row=self.row, column=self.column, header=self.header,
                     message=self.message(lang))
        return t('import.place_row', lang, row=self.row, message=self.message(lang))


@dataclass(slots=True)
class ImportPlan:
    register: str
    path: Path
    kind: str
    name: str = ''          # the file's name as the user uploaded it
    header_row: int = 0
    columns: list[tuple[int, str, str, str | None]] = field(default_factory=list)   # index, letter, header, field
    creates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    updates: list[tuple[int, int, int, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    problems: list[CellProblem] = field(default_factory=list)
    file_problems: list[str] = field(default_factory=list)
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and not self.file_problems

    @property
    def bad_rows(self) -> set[int]:
        return {p.row for p in self.problems}


async def plan_import(actor: Actor, key: str, path: Path, name: str, *, limit_mb: int | None = None,
                      progress: Progress | None = None) -> ImportPlan:
    """Read and check a file (nothing is written). A large file takes seconds: it is read in a worker thread
    and checked in batches that let the server answer other requests between them; `progress(done, total)`
    hears how many rows are checked."""
    register, granted = records.open_register(actor, key, 'import')
    kind = guard.check_upload(Path(path), name, limit_mb or rt().settings.import_max_mb)
    plan = ImportPlan(register=key, path=Path(path), kind=kind, name=name)
    table = await asyncio.to_thread(read_table, Path(path), kind)
    header_index = _find_header(table, register)
    if header_index is None:
        plan.file_problems.append(t('import.no_header', actor.lang))
        return plan
    plan.header_row = header_index + 1
    mapping = _map_columns(plan, table[header_index], register, granted, actor.lang)
    ctx = await records.value_context(actor)
    body = [(header_index + 2 + i, row) for i, row in enumerate(table[header_index + 1:])]
    parsed_rows = []
    names = [(index, spec.name) for index, spec in mapping.items()]
    for excel_row, cells in body:
        if excel_row % YIELD_ROWS == 0:
            await asyncio.sleep(0)
        raw, blank, width = {}, True, len(cells)
        for index, name in names:
            value = cells[index] if index < width else None
            if value == '':
                value = None
            elif blank and not _blank(value):
                blank = False
            raw[name] = value
        if blank:
            continue
        plan.rows += 1
        parsed_rows.append((excel_row, raw))
    letters = {spec.name: (get_column_letter(i + 1), spec.title(actor.lang)) for i, spec in mapping.items()}
    await _classify(plan, register, granted, actor, parsed_rows, letters, ctx, progress)
    plan.problems.sort(key=lambda p: (p.row, len(p.column), p.column))
    return plan


def read_table(path: Path, kind: str) -> list[list[Any]]:
    if kind == 'csv':
        data = path.read_bytes()
        for encoding in ('utf-8-sig', 'gb18030'):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise PortalError('file.encoding')
        return [[_unguarded(cell) for cell in row] for row in csv.reader(io.StringIO(text))]
    from python_calamine import CalamineWorkbook
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_index(0)
        return sheet.to_python(skip_empty_area=False)      # cached values of formula cells, never evaluated
    except Exception as exc:   # calamine raises its own error types for broken files
        raise PortalError('file.corrupt', detail=str(exc)[:120]) from exc


def _blank(value: Any) -> bool:
    """An empty cell: nothing, or only spaces (checked for 1.5 million cells: no cleaning on the way)."""
    return value is None or (value.__class__ is str and (not value or value.isspace()))


def _unguarded(cell: str) -> str:
    """The value behind the apostrophe that CSV exports put before text a spreadsheet would run as a formula
    ('=…, '+…, '-…, '@…): a CSV exported here comes back unchanged."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_START else cell


def _names(spec: FieldSpec) -> set[str]:
    return {_norm(spec.label), _norm(spec.label_en), _norm(spec.name)} - {''}


def _norm(text: Any) -> str:
    value = str(text or '').strip().replace('\n', '').rstrip('*').strip()
    return value.lower()


def _find_header(table: list[list[Any]], register: RegisterSchema) -> int | None:
    known = set().union(*(_names(f) for f in register.fields))
    for i, row in enumerate(table[:MAX_HEADER_SCAN]):
        cells = [_norm(c) for c in row if _norm(c)]
        hits = sum(1 for c in cells if c in known)
        if hits and hits * 2 >= len(cells):
            return i
    return None


def _map_columns(plan: ImportPlan, header: list[Any], register: RegisterSchema, granted, lang: str
                 ) -> dict[int, FieldSpec]:
    visible = access.visible_fields(register, granted)
    lookup = {name: spec for spec in visible for name in _names(spec)}
    mapping: dict[int, FieldSpec] = {}
    first: dict[str, str] = {}
    for index, cell in enumerate(header):
        text = _norm(cell)
        if not text:
            continue
        letter = get_column_letter(index + 1)
        spec = lookup.get(text)
        plan.columns.append((index, letter, str(cell), spec.name if spec else None))
        if spec is None:
            plan.file_problems.append(t('import.unknown_column', lang, column=letter, header=str(cell).strip()))
        elif spec.name in first:
            plan.file_problems.append(t('import.duplicate_column', lang, column=letter, header=str(cell).strip(),
                                        first=first[spec.name]))
        elif not access.writable(spec, granted):
            plan.file_problems.append(t('import.readonly_column', lang, column=letter, header=str(cell).strip()))
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
    key_fields = [register.field(n) for n in register.natural_key]
    keyed = all(f.name in letters for f in key_fields) and key_fields
    keys: dict[tuple, int] = {}
    wanted: list[tuple] = []
    duplicates: set[int] = set()
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
        if key is not None:
            if key in keys:
                plan.problems.append(CellProblem(excel_row, letters[key_fields[0].name][0],
                                                 letters[key_fields[0].name][1], raw.get(key_fields[0].name),
                                                 'import.duplicate_key', {'first': keys[key],
                                                                          'key': '/'.join(map(str, key))}))
                duplicates.add(excel_row)
                key = None
            else:
                keys[key] = excel_row
                wanted.append(key)
        row_keys[excel_row] = key
    existing = await _existing(register, key_fields, wanted) if wanted else {}
    may_create = 'create' in granted.actions
    preparer = records.Preparer(register, granted, actor, ctx)
    unique_seen: dict[tuple[str, Any], int] = {}
    for done, (excel_row, raw) in enumerate(rows):
        if done % CHECK_BATCH == 0:
            await _report(progress, done, len(rows))
        if done % YIELD_ROWS == 0:
            await asyncio.sleep(0)
        if excel_row in duplicates:
            continue
        key = row_keys[excel_row]
        old = existing.get(key) if key is not None else None
        # a blank cell says nothing: a new row takes the field's default, an existing row keeps its value
        given = {n: v for n, v in raw.items() if not _blank(v)}
        if old is not None:
            if not access.in_scope(register, granted, actor, old, ctx.today):
                plan.problems.append(CellProblem(excel_row, '', '', None, 'import.out_of_scope', {}))
                continue
            try:
                row, changed, problems = records.prepare_update(register, granted, actor, old, given, ctx)
            except PermissionDenied as exc:
                plan.problems.append(CellProblem(excel_row, '', '', None, exc.key, exc.params))
                continue
            _add(plan, excel_row, problems, raw, letters, actor.lang)
            if not problems:
                if changed:
                    plan.updates.append((excel_row, old['id'], old['version'], {n: given[n] for n in given
                                                                               if n in changed}))
                else:
                    plan.unchanged += 1
            continue
        if not may_create:
            plan.problems.append(CellProblem(excel_row, '', '', None, 'import.no_create', {}))
            continue
        row, problems = preparer.create(given)
        for spec in register.fields:
            if spec.unique and row.get(spec.name) is not None:
                seen = unique_seen.get((spec.name, row[spec.name]))
                if seen is not None:
                    problems.append(FieldProblem(field=spec.name, key='import.duplicate_key',
                                                 params={'first': seen, 'key': row[spec.name]}))
                unique_seen.setdefault((spec.name, row[spec.name]), excel_row)
        _add(plan, excel_row, problems, raw, letters, actor.lang)
        if not problems:
            plan.creates.append((excel_row, row))
    await _unique_in_database(plan, register, letters)
    await _report(progress, len(rows), len(rows))


async def _existing(register: RegisterSchema, key_fields: list[FieldSpec], wanted: list[tuple]
                    ) -> dict[tuple, dict[str, Any]]:
    """Live rows matching the natural keys: looked up by the first key field (indexed), matched in full here."""
    model = db.row_model(register.key)
    found: dict[tuple, dict[str, Any]] = {}
    wanted_set = set(wanted)
    firsts = sorted({k[0] for k in wanted}, key=str)
    for start in range(0, len(firsts), LOOKUP_CHUNK):
        chunk = firsts[start:start + LOOKUP_CHUNK]
        for row in await model.filter(**{f'{key_fields[0].name}__in': chunk}, deleted_at__isnull=True).values():
            key = tuple(row[f.name] for f in key_fields)
            if key in wanted_set:
                found[key] = row
    return found


async def _unique_in_database(plan: ImportPlan, register: RegisterSchema, letters) -> None:
    unique = [f for f in register.fields if f.unique]
    if not unique or not plan.creates:
        return
    model = db.row_model(register.key)
    keep = []
    taken: dict[str, set] = {}
    for spec in unique:
        values = [row[spec.name] for _, row in plan.creates if row.get(spec.name) is not None]
        taken[spec.name] = set()
        for start in range(0, len(values), LOOKUP_CHUNK):
            taken[spec.name] |= set(await model.filter(deleted_at__isnull=True, **{
                f'{spec.name}__in': values[start:start + LOOKUP_CHUNK]}).values_list(spec.name, flat=True))
    for excel_row, row in plan.creates:
        clash = next((s for s in unique if row.get(s.name) in taken[s.name]), None)
        if clash is None:
            keep.append((excel_row, row))
            continue
        letter, header = letters.get(clash.name, ('', clash.title()))
        plan.problems.append(CellProblem(excel_row, letter, header, row[clash.name], 'value.unique',
                                         {'value': clash.kind.text(row[clash.name], clash)}))
    plan.creates = keep


def _add(plan: ImportPlan, excel_row: int, problems: list[FieldProblem], raw: dict[str, Any],
         letters: dict[str, tuple[str, str]], lang: str) -> None:
    for problem in problems:
        letter, header = letters.get(problem.field, ('', ''))
        if not letter and problem.field:
            spec = rt().catalog.register(plan.register).field(problem.field)
            header = spec.title(lang) if spec else problem.field
        plan.problems.append(CellProblem(excel_row, letter, header, raw.get(problem.field), problem.key,
                                         {**problem.params}))


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
    total, done = len(creates) + len(updates), 0
    async with records.session(actor, plan.register, 'import', source='import', kind='import',
                               summary=str(total)) as writer:
        if creates and 'create' not in writer.granted.actions:
            raise PermissionDenied('import.no_create')
        if updates and 'edit' not in writer.granted.actions:
            raise PermissionDenied('perm.action', register=writer.register.title(actor.lang), action='edit')
        async with db.indexes_set_aside(writer.register.key, len(creates), writer.tx):
            for start in range(0, len(creates), 5000):
                await writer.create_many(creates[start:start + 5000])
                done += len(creates[start:start + 5000])
                await _report(progress, done, total)
        for row_id, version, raw in updates:
            await writer.update(row_id, raw, version)
            done += 1
            if done % 500 == 0:
                await _report(progress, done, total)
    await _report(progress, total, total)
    return {'created': len(creates), 'updated': len(updates), 'skipped': len(bad)}


async def _report(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        result = progress(done, total)
        if hasattr(result, '__await__'):
            await result
