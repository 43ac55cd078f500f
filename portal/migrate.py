"""Additive migration: new registers → tables, new fields → columns, renamed_from moves data, indexes;
removed fields keep their columns and data; an incompatible type change is refused before anything runs."""
from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.migrations.schema_editor import AsyncpgSchemaEditor, SqliteSchemaEditor

from . import db, search
from .errors import Issue
from .models import SYSTEM_MODELS, SchemaState
from .schema import SYSTEM_COLUMNS, Catalog, RegisterSchema

EDITORS = {'sqlite': SqliteSchemaEditor, 'postgres': AsyncpgSchemaEditor}


@dataclass(slots=True)
class Step:
    register: str
    description: str
    sql: list[str]
    script: bool = False   # generated DDL scripts are split into statements; our own entries are single statements


@dataclass(slots=True)
class Plan:
    steps: list[Step] = field(default_factory=list)
    problems: list[Issue] = field(default_factory=list)   # refusals: nothing is applied while any remains
    notes: list[Issue] = field(default_factory=list)      # kept columns of removed fields (warnings)

    @property
    def ok(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        out = [f'{s.register}: {s.description}' for s in self.steps]
        return out or ['nothing to do: the database matches the schemas']


async def live_columns() -> dict[str, dict[str, str]]:
    """table -> {column: declared type} as the database has them now."""
    conn = db.conn()
    out: dict[str, dict[str, str]] = {}
    if db.dialect() == 'sqlite':
        tables = await conn.execute_query_dict("SELECT name FROM sqlite_master WHERE type = 'table'")
        for row in tables:
            cols = await conn.execute_query_dict(f'PRAGMA table_info("{row["name"]}")')
            out[row['name']] = {c['name']: c['type'] for c in cols}
    else:
        rows = await conn.execute_query_dict(
            'SELECT table_name, column_name, data_type FROM information_schema.columns '
            'WHERE table_schema = current_schema()')
        for row in rows:
            out.setdefault(row['table_name'], {})[row['column_name']] = row['data_type']
    return out


async def live_indexes() -> set[str]:
    conn = db.conn()
    if db.dialect() == 'sqlite':
        rows = await conn.execute_query_dict("SELECT name FROM sqlite_master WHERE type = 'index'")
        return {r['name'] for r in rows}
    rows = await conn.execute_query_dict('SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()')
    return {r['indexname'] for r in rows}


async def plan(catalog: Catalog) -> Plan:
    result = Plan()
    live = await live_columns()
    indexes = await live_indexes()
    recorded = await _recorded_state(live)
    editor = EDITORS[db.dialect()](db.conn(), collect_sql=True)
    for model in SYSTEM_MODELS:
        if model._meta.db_table not in live:
            await editor.create_model(model)
            result.steps.append(Step('portal', f'create table "{model._meta.db_table}"', _take(editor), True))
    for register in catalog.ordered():
        model = db.row_model(register.key)
        columns = live.get(register.key)
        if columns is None:
            await editor.create_model(model)
            result.steps.append(Step(register.key, f'create table "{register.key}" '
                                     f'({len(register.fields)} fields)', _take(editor), True))
            columns = {}
            existing = False
        else:
            existing = True
        for spec in register.fields:
            before = recorded.get((register.key, spec.name))
            if spec.name in columns:
                _check_type(register, spec, before, result)
            elif spec.renamed_from and spec.renamed_from in columns:
                old = recorded.get((register.key, spec.renamed_from))
                _check_type(register, spec, old, result)
                result.steps.append(Step(register.key, f'rename column "{spec.renamed_from}" → "{spec.name}"',
                                         [f'ALTER TABLE "{register.key}" RENAME COLUMN "{spec.renamed_from}" '
                                          f'TO "{spec.name}"']))
            elif existing:
                await editor.add_field(model, spec.name)
                result.steps.append(Step(register.key, f'add column "{spec.name}" ({spec.type})', _take(editor),
                                         True))
        if existing:
            _note_removed(register, columns, result)
        wanted = _index_steps(register)
        result.steps.extend(s for s in wanted if s.description.split()[-1] not in indexes)
        names = {s.description.split()[-1] for s in wanted}
        for stale in sorted(i for i in indexes if i.startswith((f'px_{register.key}_', f'ux_{register.key}_'))
                            and i not in names):       # an index the schema no longer declares (never data)
            result.steps.append(Step(register.key, f'drop index {stale}', [f'DROP INDEX IF EXISTS "{stale}"']))
        if db.dialect() == 'sqlite' and recorded.get((register.key, '__search__'), ('', ''))[0] != \
                search.signature(register, catalog):
            result.steps.append(Step(register.key, f'quick-search index {search.table(register.key)}',
                                     search.ddl(register, catalog)))
    return result


async def apply(catalog: Catalog, the_plan: Plan) -> None:
    """Run the plan in one transaction (DDL is transactional on SQLite and PostgreSQL), then record types."""
    if not the_plan.ok:
        raise RuntimeError('refusing to migrate while problems remain')
    async with db.transaction() as tx:
        for step in the_plan.steps:
            for script in step.sql:
                for statement in (_statements(script) if step.script else [script]):
                    await tx.execute_query(statement)
    await _record_state(catalog)


async def migrate(catalog: Catalog, *, dry_run: bool = False) -> Plan:
    """Plan every change (the portal's own tables too) and, unless dry_run or refused, apply it."""
    the_plan = await plan(catalog)
    if not dry_run and the_plan.ok:
        await apply(catalog, the_plan)
    return the_plan


def _statements(script: str) -> list[str]:
    """Split generated DDL into single statements (the SQLite driver runs one at a time; our DDL has no ';'
    inside literals — names are validated ASCII identifiers)."""
    return [s.strip() for s in script.split(';') if s.strip()]


def _take(editor) -> list[str]:
    sql, editor.collected_sql = list(editor.collected_sql), []
    return [s for s in sql if s.strip()]


def _check_type(register: RegisterSchema, spec, before: tuple[str, str] | None, result: Plan) -> None:
    if before is None:
        return
    old_type, old_storage = before
    if old_storage != spec.kind.storage:
        result.problems.append(Issue(
            code='M201', file=register.file, register=register.key,
            path=f'fields[{register.fields.index(spec)}].type',
            message=f"field '{spec.name}' changes type '{old_type}' → '{spec.type}', which stores data differently "
                    f"('{old_storage}' → '{spec.kind.storage}'); the database was not changed. Keep the old type, "
                    f'or add a new field and move the data', value=spec.type,
            allowed=tuple(sorted(_same_storage(old_storage)))))


def _same_storage(storage: str) -> set[str]:
    from .fields import all_types
    return {t.name for t in all_types() if t.storage == storage}


def _note_removed(register: RegisterSchema, columns: dict[str, str], result: Plan) -> None:
    declared = {f.name for f in register.fields} | {f.renamed_from for f in register.fields if f.renamed_from}
    for column in columns:
        if column not in declared and column not in SYSTEM_COLUMNS:
            result.notes.append(Issue(
                code='M101', file=register.file, register=register.key, path='fields', severity='warning',
                message=f"column '{column}' is no longer in the schema; its data is kept in the database (hidden). "
                        f'Add the field back to show it again', value=column))


def _index_steps(register: RegisterSchema) -> list[Step]:
    """Indexes over live rows only (partial: WHERE deleted_at IS NULL), so filters, sorts and counts of the
    grid read them without touching soft-deleted rows; one full index on deleted_at for the recycle bin."""
    table = register.key
    wanted: list[tuple[tuple[str, ...], bool]] = [((f.name,), f.unique) for f in register.fields
                                                  if f.index or f.unique]
    for name in register.natural_key:
        if not any(cols == (name,) for cols, _ in wanted):
            wanted.append(((name,), False))
    wanted += [(tuple(cols), False) for cols in register.indexes]
    steps = []
    for columns, unique in wanted:
        ix = f'{"ux" if unique else "px"}_{table}_{"_".join(columns)}'
        cols = ', '.join(f'"{c}"' for c in columns)
        steps.append(Step(table, f'index {ix}', [f'CREATE {"UNIQUE " if unique else ""}INDEX IF NOT EXISTS "{ix}" '
                                                 f'ON "{table}" ({cols}) WHERE deleted_at IS NULL']))
    steps.append(Step(table, f'index ix_{table}_deleted',
                      [f'CREATE INDEX IF NOT EXISTS "ix_{table}_deleted" ON "{table}" ("deleted_at")']))
    return steps


async def _recorded_state(live: dict) -> dict[tuple[str, str], tuple[str, str]]:
    if SchemaState._meta.db_table not in live:
        return {}
    rows = await SchemaState.all().values('register', 'field', 'type', 'storage')
    return {(r['register'], r['field']): (r['type'], r['storage']) for r in rows}


async def _record_state(catalog: Catalog) -> None:
    async with db.transaction():
        for register in catalog.registers.values():
            for spec in register.fields:
                await SchemaState.update_or_create(register=register.key, field=spec.name,
                                                   defaults={'type': spec.type, 'storage': spec.kind.storage})
            await SchemaState.update_or_create(register=register.key, field='__search__',
                                               defaults={'type': search.signature(register, catalog),
                                                         'storage': 'index'})
