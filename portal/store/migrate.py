"""Additive migration: new registers → tables, new fields → columns, renamed_from moves data, indexes;
removed fields keep their columns and data; an incompatible type change is refused before anything runs."""
from __future__ import annotations

from dataclasses import dataclass, field

from tortoise.migrations.schema_editor import AsyncpgSchemaEditor, SqliteSchemaEditor

from ..errors import Issue
from ..fields import all_types
from ..schema import SYSTEM_COLUMNS, Catalog, RegisterSchema
from . import db, search, stats
from .models import SYSTEM_MODELS, SchemaState

EDITORS = {'sqlite': SqliteSchemaEditor, 'postgres': AsyncpgSchemaEditor}


@dataclass(slots=True)
class Step:
    register: str
    description: str
    sql: list[str]
    script: bool = False   # generated DDL scripts are split into statements; our own entries are single statements
    unique: tuple[str, ...] = ()   # a unique index over these columns (checked against the rows before it is made)
    held: bool = False     # moves or constrains data already there: a running portal waits for an admin's go-ahead


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

    @property
    def held(self) -> list[Step]:
        """Steps that change what is already stored (a renamed column, a dropped index, a new unique constraint
        over existing rows): a hot reload shows them to an admin and applies them only on the go-ahead; new
        tables, columns and indexes go ahead by themselves."""
        return [s for s in self.steps if s.held]


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
        else:
            await _system_columns(model, live[model._meta.db_table], indexes, editor, result)
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
                                          f'TO "{spec.name}"'], held=True))
            elif existing:
                await editor.add_field(model, spec.name)
                result.steps.append(Step(register.key, f'add column "{spec.name}" ({spec.type})', _take(editor),
                                         True))
        if existing:
            _note_removed(register, columns, result)
        wanted = [await _unless_duplicates(register, s, result)
                  if existing and s.unique and s.description.split()[-1] not in indexes else s
                  for s in _index_steps(register, db.dialect())]
        for step in wanted:          # a new constraint over rows already there: held for the go-ahead
            step.held = existing and bool(step.unique)
        result.steps.extend(s for s in wanted if s.description.split()[-1] not in indexes)
        names = {s.description.split()[-1] for s in wanted}
        for stale in sorted(i for i in indexes if (i.startswith((f'px_{register.key}_', f'ux_{register.key}_'))
                                                   or i == f'ix_{register.key}_deleted') and i not in names):
            # an index the schema no longer declares, or an earlier design's (never data)
            result.steps.append(Step(register.key, f'drop index {stale}', [f'DROP INDEX IF EXISTS "{stale}"'],
                                     held=True))
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
    changed = sorted({step.register for step in the_plan.steps} & set(catalog.registers))
    if changed:         # new tables, columns and indexes: statistics that describe them (cheap while small)
        await stats.refresh(changed, force=True)


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


async def _system_columns(model, columns: dict[str, str], indexes: set[str], editor, result: Plan) -> None:
    """Columns and indexes a newer portal added to one of its own tables (columns nullable: old rows need no value).
    Index names are tortoise's own, so a table it created fresh is not indexed twice."""
    table = model._meta.db_table
    for name, column in model._meta.fields_db_projection.items():
        if column not in columns:
            await editor.add_field(model, name)
            result.steps.append(Step('portal', f'add column "{column}" to "{table}"', _take(editor), True))
    for fields in model._meta.indexes:
        if isinstance(fields, tuple) and editor._generate_index_name('idx', model, list(fields)) not in indexes:
            result.steps.append(Step('portal', f'index "{table}" ({", ".join(fields)})',
                                     [editor._get_index_sql(model, list(fields))]))


def _check_type(register: RegisterSchema, spec, before: tuple[str, str] | None, result: Plan) -> None:
    if before is None:
        return
    old_type, old_storage = before
    if old_storage != spec.kind.storage:
        result.problems.append(Issue(
            code='M201', file=register.file, register=register.key,
            path=f'fields[{register.fields.index(spec)}] ({spec.name}).type',
            message=f"field '{spec.name}' changes type '{old_type}' → '{spec.type}', which stores data differently "
                    f"('{old_storage}' → '{spec.kind.storage}'); the database was not changed. Keep the old type, "
                    f'or add a new field and move the data', value=spec.type,
            allowed=tuple(sorted(_same_storage(old_storage)))))


def _same_storage(storage: str) -> set[str]:
    return {t.name for t in all_types() if t.storage == storage}


def _note_removed(register: RegisterSchema, columns: dict[str, str], result: Plan) -> None:
    declared = {f.name for f in register.fields} | {f.renamed_from for f in register.fields if f.renamed_from}
    declared |= set(register.retired)          # acknowledged: the data stays, the notice is no longer needed
    for column in columns:
        if column not in declared and column not in SYSTEM_COLUMNS:
            result.notes.append(Issue(
                code='M101', file=register.file, register=register.key, path='fields', severity='warning',
                message=f"column '{column}' is no longer in the schema; its data is kept in the database (hidden). "
                        f'Add the field back to show it again, or acknowledge it with retired = ["{column}"]',
                value=column))


def _index_steps(register: RegisterSchema, dialect: str) -> list[Step]:
    """Indexes over live rows only (partial: WHERE deleted_at IS NULL), so filters, sorts and counts of the
    grid read them without touching soft-deleted rows; the recycle bin's index holds deleted rows only (WHERE
    deleted_at IS NOT NULL). A full index on deleted_at (the earlier design, ix_<table>_deleted) offered the
    planner `deleted_at IS NULL` as an equality lookup: without statistics SQLite took it for selective and
    planned every grid block as "all live rows, then sort them" (335 ms for the first block at 1M rows);
    the bin's partial index cannot match `deleted_at IS NULL`, so that plan no longer exists. A narrow index
    of the live rows' ids (with deleted_at, so it answers `deleted_at IS NULL` by itself: SQLite 3.40 does not
    count a partial index's WHERE as covered) serves the grid's row count: 1M rows in ~20 ms instead of a
    ~150 ms table scan. On PostgreSQL the non-unique indexes end with the id: the grid sorts by (column, id),
    SQLite's indexes end with the rowid anyway, PostgreSQL's keep equal keys in no useful order (without the id
    the first block at 1M rows sorted a day's 22,000 rows: 60 ms instead of 0.5 ms)."""
    table = register.key
    wanted: dict[tuple[str, ...], bool] = {(f.name,): f.unique for f in register.fields if f.index or f.unique}
    key = tuple(register.natural_key)
    for name in key:               # each key column sorts and filters the grid on its own too
        wanted.setdefault((name,), False)
    for cols in register.indexes:
        wanted.setdefault(tuple(cols), False)
    if key:                        # one live row per natural key (订单号 + 货号): imports match rows by it
        wanted[key] = True
    steps = []
    for columns, unique in wanted.items():
        steps.append(_live_index(table, columns, unique, dialect))
    steps.append(Step(table, f'index lx_{table}_live',
                      [f'CREATE INDEX IF NOT EXISTS "lx_{table}_live" ON "{table}" ("id", "deleted_at") '
                       f'WHERE deleted_at IS NULL']))
    steps.append(Step(table, f'index bx_{table}_deleted',
                      [f'CREATE INDEX IF NOT EXISTS "bx_{table}_deleted" ON "{table}" ("deleted_at") '
                       f'WHERE deleted_at IS NOT NULL']))
    return steps


def _live_index(table: str, columns: tuple[str, ...], unique: bool, dialect: str) -> Step:
    if dialect == 'postgres' and not unique and 'id' not in columns:
        columns = (*columns, 'id')
    ix = f'{"ux" if unique else "px"}_{table}_{"_".join(columns)}'
    cols = ', '.join(f'"{c}"' for c in columns)
    return Step(table, f'index {ix}', [f'CREATE {"UNIQUE " if unique else ""}INDEX IF NOT EXISTS "{ix}" '
                                       f'ON "{table}" ({cols}) WHERE deleted_at IS NULL'],
                unique=columns if unique else ())


async def _unless_duplicates(register: RegisterSchema, step: Step, result: Plan) -> Step:
    """A unique index over rows that already repeat a value cannot be made: the rows stay as they are, a plain
    index takes its place and a note names the repeats until someone resolves them (then the next start makes
    the unique index)."""
    cols = ', '.join(f'"{c}"' for c in step.unique)
    repeats = await db.conn().execute_query_dict(
        f'SELECT {cols}, count(*) AS n, min(id) AS first, max(id) AS last FROM "{register.key}" '
        f'WHERE deleted_at IS NULL GROUP BY {cols} HAVING count(*) > 1 ORDER BY min(id) LIMIT 5')
    if not repeats:
        return step
    shown = '; '.join(f'{" / ".join(str(r[c]) for c in step.unique)} (#{r["first"]}…#{r["last"]}, {r["n"]} rows)'
                      for r in repeats)
    result.notes.append(Issue(
        code='M102', file=register.file, register=register.key, path='key', severity='warning',
        message=f"live rows repeat {' + '.join(step.unique)}, so the database cannot enforce it yet: {shown}. "
                f'Delete or change the repeats; the next start then enforces it', value='+'.join(step.unique)))
    return _live_index(register.key, step.unique, False, db.dialect())


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
