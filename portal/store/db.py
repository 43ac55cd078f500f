"""Database connection: tortoise on SQLite (WAL, busy timeout, immediate write transactions) or PostgreSQL."""
from __future__ import annotations

import asyncio
import fcntl
import logging
import os
from contextlib import asynccontextmanager, suppress
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

from tortoise import Tortoise, connections
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.exceptions import DBConnectionError, OperationalError
from tortoise.models import Model
from tortoise.transactions import in_transaction

from .. import private
from ..errors import Unreachable, first_line, redact
from ..schema import Catalog
from .models import ROWS_MODULE, install_row_models

log = logging.getLogger(__name__)
_models: dict[str, type[Model]] = {}
_sqlite_file: Path | None = None
SQLITE_BUSY_MS = 10000
BULK_INDEX_ROWS = 5000       # below this, keeping the indexes up to date is cheaper
CHUNK = 5000                 # rows per executemany of a bulk insert


async def connect(db_url: str, catalog: Catalog) -> None:
    """(Re)initialise tortoise with the system models and one model per register of the catalog."""
    global _models, _sqlite_file
    await close()
    built = install_row_models(catalog)
    _sqlite_file = None
    # tortoise caches executors per model name; stale entries silently drop new columns (STACK-NOTES)
    EXECUTOR_CACHE.clear()
    url = db_url
    if url.startswith('sqlite://'):
        path = Path(url.removeprefix('sqlite://').split('?')[0])
        if str(path) != ':memory:':
            if path.parent.resolve() != Path.cwd().resolve():     # (never the folder someone works in)
                private.folder(path.parent)       # the data folder 0700, whichever command makes it first
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
            private.sqlite(path)          # password and token hashes: 0600, and so its -wal and -shm
        _sqlite_file = None if str(path) in ('', ':memory:') else path
        # a 64 MB page cache: bulk inserts touch a dozen indexes, and the default 2 MB thrashes (−30 % time)
        url += ('&' if '?' in url else '?') + f'busy_timeout={SQLITE_BUSY_MS}&synchronous=NORMAL&cache_size=-65536'
        _patch_sqlite_begin()
    await Tortoise.init(db_url=url, modules={'portal': ['portal.store.models', ROWS_MODULE]}, use_tz=False,
                        timezone='UTC', _enable_global_fallback=True)
    _models = built
    try:
        await probe(db_url)
    except BaseException:
        await close()
        raise


async def probe(db_url: str) -> None:
    """Reach the database once (right after connect: tortoise connects lazily), so a wrong URL, a server that is
    down or a missing database is one clear refusal at start-up, not a traceback from the first query."""
    try:
        await conn().execute_query('SELECT 1')
    except Exception as exc:      # asyncpg, aiosqlite, OSError, DNS: whichever way the connection fails
        if isinstance(exc, (OSError, DBConnectionError, OperationalError)) or 'asyncpg' in type(exc).__module__:
            reason = first_line(exc)
            raise Unreachable('start.db_unreachable', url=redact(db_url), reason=reason) from exc
        raise


_switching = 0        # schema switches under way in this process (switching() below)


@asynccontextmanager
async def switching() -> AsyncIterator[None]:
    """A schema switch re-initialises the connections (connect()): a query that starts meanwhile meets a closing
    pool. Requests wait at the door (settled()) until the switch is over; queries already running finish first
    (asyncpg's pool and aiosqlite's thread close after the work they hold)."""
    global _switching
    _switching += 1
    try:
        yield
    finally:
        _switching -= 1


async def settled(limit: float = 60.0) -> None:
    """Return when no schema switch is under way (at most `limit` seconds: a switch is a few hundred ms)."""
    waited = 0.0
    while _switching and waited < limit:
        await asyncio.sleep(0.02)
        waited += 0.02


def _dsn(db_url: str) -> str:
    """asyncpg's own connection string for the portal's PostgreSQL URL (no tortoise options)."""
    return 'postgresql://' + db_url.split('://', 1)[1].split('?', 1)[0]


async def reachable(db_url: str) -> None:
    """PostgreSQL answers (one connection, opened and closed): `run` asks before it loads the web app, so a wrong
    URL is refused in about a second. SQLite: nothing to reach."""
    if db_url.startswith('sqlite'):
        return
    import asyncpg
    dsn = _dsn(db_url)
    try:
        connection = await asyncpg.connect(dsn, timeout=5)
    except Exception as exc:      # OSError, DNS, asyncpg's own (a wrong database, role or password), a timeout
        raise Unreachable('start.db_unreachable', url=redact(db_url), reason=first_line(exc)) from exc
    await connection.close()


@asynccontextmanager
async def start_lock(db_url: str) -> AsyncIterator[None]:
    """One process at a time through first-start work (migration, demo users and rows): any number of portal
    processes started at once on one database all come up, the later ones finding the work done. PostgreSQL: an
    advisory lock on a connection of its own (released if the process dies); SQLite: an flock on the data folder."""
    if db_url.startswith('sqlite'):
        path = Path(db_url.removeprefix('sqlite://').split('?')[0])
        if str(path) in ('', ':memory:'):
            yield
            return
        folder = os.open(path.resolve().parent, os.O_RDONLY)
        try:
            await asyncio.to_thread(fcntl.flock, folder, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(folder, fcntl.LOCK_UN)
            os.close(folder)
        return
    import asyncpg
    dsn = _dsn(db_url)
    holder = await asyncpg.connect(dsn)
    try:
        await holder.execute("SELECT pg_advisory_lock(hashtextextended('portal:start', 0))")
        yield
    finally:
        with suppress(Exception):
            await holder.execute('SELECT pg_advisory_unlock_all()')
        await holder.close()


async def close() -> None:
    """Close connections and forget the models (an open aiosqlite connection hangs interpreter exit)."""
    if Tortoise.is_inited():
        await Tortoise.close_connections()
        await Tortoise._reset_apps()
    EXECUTOR_CACHE.clear()


def row_model(register: str) -> type[Model]:
    return _models[register]


def sqlite_file() -> Path | None:
    """The SQLite database file (for work on a connection of its own), None on PostgreSQL or in memory."""
    return _sqlite_file


def conn():
    return connections.get('default')


def dialect() -> str:
    return conn().capabilities.dialect


@asynccontextmanager
async def transaction() -> AsyncIterator:
    async with in_transaction('default') as tx:
        yield tx


async def bulk_insert(model: type[Model], rows: list[dict[str, Any]], tx, *, fixed: dict[str, Any] | None = None,
                      ids: list[int] | None = None, written: Callable[[int], Awaitable[None]] | None = None) -> None:
    """INSERT many rows (same keys) with executemany, skipping per-row model objects (imports of 100k rows).
    `fixed` holds columns with one value for every row (converted once); `ids` the rows' ids, if chosen;
    `written(n)` hears how many rows are in. Only the columns whose type needs it are converted cell by cell
    (an import has 3 million cells), and each chunk is converted while the database thread writes the one
    before it."""
    if not rows:
        return
    meta = model._meta
    fixed = fixed or {}
    names = [n for n in rows[0] if n not in fixed]      # rows may carry the fixed columns too
    head = ['id'] if ids is not None else []
    constant = [None if v is None else _once(_convert(meta.fields_map[n], model)(v)) for n, v in fixed.items()]
    columns = ', '.join(f'"{meta.fields_db_projection[n]}"' for n in [*head, *fixed, *names])
    count = len(head) + len(fixed) + len(names)
    marks = ', '.join('?' if dialect() == 'sqlite' else f'${i}' for i in range(1, count + 1))
    sql = f'INSERT INTO "{meta.db_table}" ({columns}) VALUES ({marks})'
    get = itemgetter(*names) if len(names) > 1 else (lambda row: (row[names[0]],))
    offset = len(head) + len(fixed)
    converting = [(offset + i, conv) for i, n in enumerate(names)
                  if (conv := _convert(meta.fields_map[n], model)) is not _same]

    def values_of(start: int) -> list[list]:
        chunk = rows[start:start + CHUNK]
        if ids is None:
            values = [[*constant, *get(row)] for row in chunk]
        else:
            values = [[row_id, *constant, *get(row)] for row_id, row in zip(ids[start:start + CHUNK], chunk)]
        if converting:
            for value in values:
                for i, conv in converting:
                    if value[i] is not None:
                        value[i] = conv(value[i])
        return values
    writing = None
    try:
        for start in range(0, len(rows), CHUNK):
            values = values_of(start)
            if writing is not None:
                await writing
                if written is not None:
                    await written(start)
            writing = await started(tx.execute_many(sql, values))
        await writing
    except BaseException:
        if writing is not None and not writing.done():
            with suppress(Exception):       # the transaction rolls back; its last statement ends first
                await writing
        raise
    if written is not None:
        await written(len(rows))


async def started(coroutine) -> asyncio.Task:
    """Run a database call while this task goes on: it is handed to the database's thread (SQLite's statements
    run there without the interpreter lock) before this returns; await the task for its result."""
    task = asyncio.ensure_future(coroutine)
    await asyncio.sleep(0)
    return task


@asynccontextmanager
async def indexes_set_aside(table: str, adding: int, tx) -> AsyncIterator[bool]:
    """For a bulk load of `adding` rows into a SQLite table at least that large already: drop its secondary
    indexes inside the transaction and build them again at the end (building once is ~3x faster than keeping
    ten indexes up to date row by row; a unique index over random keys such as 订单号 + 货号 cost 1.3 s of a
    100,000-row import kept, 0.1 s built). DDL is transactional in SQLite: a rollback brings them back, other
    processes keep reading the committed snapshot, and this process's other queries wait for the transaction
    anyway (one connection). Uniqueness still holds: the write lock is ours from the start, so nobody else adds
    rows meanwhile, and building a unique index over a repeated key fails (IntegrityError) — the whole load then
    rolls back. PostgreSQL and small batches are left as they are. Yields whether the indexes were set aside."""
    if dialect() != 'sqlite' or adding < BULK_INDEX_ROWS:
        yield False
        return
    existing = (await tx.execute_query_dict(f'SELECT count(*) AS n FROM "{table}"'))[0]['n']
    if adding < existing:
        yield False
        return
    indexes = await tx.execute_query_dict(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", [table])
    for index in indexes:
        await tx.execute_query(f'DROP INDEX "{index["name"]}"')
    yield True
    for index in indexes:
        await tx.execute_query(index["sql"])


async def update_where_version(model: type[Model], row_id: int, version: int, values: dict[str, Any], tx) -> int:
    """UPDATE one live row only if it still has `version` (optimistic locking); returns the changed-rows count
    (SQLite counts the search-index trigger's rows too: test for >= 1)."""
    meta = model._meta
    names = list(values)
    convert = [_convert(meta.fields_map[n], model) for n in names]
    params = [None if values[n] is None else conv(values[n]) for conv, n in zip(convert, names)] + [row_id, version]
    if dialect() == 'sqlite':
        sets = ', '.join(f'"{meta.fields_db_projection[n]}" = ?' for n in names)
        sql = f'UPDATE "{meta.db_table}" SET {sets} WHERE "id" = ? AND "version" = ? AND "deleted_at" IS NULL'
    else:
        sets = ', '.join(f'"{meta.fields_db_projection[n]}" = ${i}' for i, n in enumerate(names, 1))
        sql = (f'UPDATE "{meta.db_table}" SET {sets} WHERE "id" = ${len(names) + 1} AND "version" = ${len(names) + 2}'
               f' AND "deleted_at" IS NULL')
    count, _ = await tx.execute_query(sql, params)
    return count


def _same(value: Any) -> Any:
    return value


def _once(value: Any) -> Any:
    """A value that is the same in every row, in the form the driver stores: a date or datetime becomes the text
    tortoise's sqlite3 adapter writes (isoformat), once per column instead of once per row (created/updated at
    of 100,000 imported rows: ~0.2 s)."""
    if dialect() != 'sqlite' or not isinstance(value, date):
        return value
    return value.isoformat(' ') if isinstance(value, datetime) else value.isoformat()


def _convert(field, model) -> Callable[[Any], Any]:
    """The field's own conversion, except where the driver takes the python value as it is (then `_same`)."""
    from tortoise import fields as tf
    if dialect() == 'sqlite' and type(field) in (tf.IntField, tf.BigIntField, tf.TextField, tf.CharField,
                                                  tf.DateField, tf.DatetimeField):
        return _same
    return lambda value: field.to_db_value(value, model)


def bucket_sql(column: str, bucket: str) -> str:
    """SQL that turns a date/datetime column into a period label (YYYY-MM-DD, YYYY-Www, YYYY-MM)."""
    sqlite = {'day': f'date("{column}")', 'week': f"strftime('%Y-W%W', \"{column}\")",
              'month': f'substr("{column}", 1, 7)'}        # dates are stored as ISO text: the prefix is the month
    postgres = {'day': f'to_char("{column}", \'YYYY-MM-DD\')', 'week': f'to_char("{column}", \'IYYY-"W"IW\')',
                'month': f'to_char("{column}", \'YYYY-MM\')'}
    return (sqlite if dialect() == 'sqlite' else postgres)[bucket]


async def reserve_ids(register: str, count: int, tx) -> list[int]:
    """Ids for a bulk insert (executemany returns none): from the sequence on PostgreSQL; on SQLite the
    write transaction holds the database lock, so the next ids after the highest ever used are ours."""
    if dialect() == 'postgres':
        rows = await tx.execute_query_dict(
            f"SELECT nextval(pg_get_serial_sequence('\"{register}\"', 'id')) AS id FROM generate_series(1, {count})")
        return [r['id'] for r in rows]
    rows = await tx.execute_query_dict(
        f'SELECT max(coalesce((SELECT max(id) FROM "{register}"), 0), '
        f"coalesce((SELECT seq FROM sqlite_sequence WHERE name = '{register}'), 0)) AS top")
    top = rows[0]['top'] or 0
    return list(range(top + 1, top + count + 1))


def _patch_sqlite_begin() -> None:
    """Write transactions take SQLite's write lock up front (BEGIN IMMEDIATE), so a second process waits
    for busy_timeout instead of failing with 'database is locked' when a deferred read lock is upgraded."""
    from tortoise.backends.sqlite import client

    if getattr(client.SqliteTransactionWrapper, '_portal_immediate', False):
        return

    async def begin(self) -> None:
        import sqlite3

        from tortoise.exceptions import TransactionManagementError
        try:
            await self._connection.commit()
            await self._connection.execute('BEGIN IMMEDIATE')
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc

    client.SqliteTransactionWrapper.begin = begin
    client.SqliteTransactionWrapper._portal_immediate = True
