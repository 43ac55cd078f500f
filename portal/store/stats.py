"""Planner statistics, kept by the portal itself: after migrations, after bulk writes (imports, large pastes), at
start-up when they are missing or stale, and periodically while the portal runs.

SQLite plans by the statistics ANALYZE leaves in sqlite_stat1 and has none until someone runs it. Following its
own advice (lang_analyze.html: analyse when a table is new to the statistics or has changed a lot, do it
periodically on long-lived connections, keep it cheap), `refresh` finds the tables whose statistics are missing
or whose size has doubled or halved since, and analyses only those. It runs ANALYZE in full, on a connection of
its own in a worker thread (the event loop and the portal's connection stay free; at 1M rows the table takes
about a second), then asks the portal's connection to re-read the statistics (`ANALYZE sqlite_schema`, ~1 ms).
Not `PRAGMA analysis_limit`: on SQLite 3.40 a limited ANALYZE caps every "rows per value" at the sample size,
so a column with few values (a status, a platform) looks selective, and the plans chosen from such statistics
were no better than from none (bench/README.md). PostgreSQL's autovacuum keeps its statistics; the portal adds
an ANALYZE after a bulk write (autovacuum would come a minute or more later) and for never-analysed tables
(a VACUUM (ANALYZE) where the server runs without autovacuum)."""
from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from pathlib import Path

from . import db

log = logging.getLogger(__name__)
STALE_FACTOR = 2           # a table twice (or half) the size its statistics describe is analysed again
STALE_SLACK = 50           # ... plus this many rows, so tiny tables are not analysed at every change
BULK_ROWS = 1000           # a write of this many rows checks its table's statistics right away
EVERY_SECONDS = 3600       # the running portal checks all tables this often


async def refresh(tables: list[str] | None = None, *, force: bool = False) -> list[str]:
    """Analyse the tables (default: all) whose statistics are missing or stale (all of `tables` if force);
    returns the tables analysed. Statistics only speed queries up: a failure (another process holding the
    write lock past the busy timeout, say) is logged and never fails the start, import or migration that asked."""
    started = time.perf_counter()
    try:
        chosen = await (_sqlite_refresh if db.dialect() == 'sqlite' else _postgres_refresh)(tables, force)
    except Exception:
        log.warning('planner statistics: not refreshed this time', exc_info=True)
        return []
    if chosen:
        log.info('planner statistics: analysed %s in %.0f ms', ', '.join(chosen),
                 (time.perf_counter() - started) * 1000)
    return chosen


async def after_write(table: str, rows: int) -> list[str]:
    """After a bulk write of `rows` rows into `table`: SQLite analyses the tables whose statistics went stale
    (the audit trail grows with it); PostgreSQL analyses the table (a sample of 30,000 rows), since autovacuum's
    own ANALYZE comes a minute or more later."""
    if rows < BULK_ROWS:
        return []
    if db.dialect() == 'sqlite':
        return await refresh()
    return await refresh([table], force=True)


async def keep_fresh(every: float = EVERY_SECONDS) -> None:
    """The running portal's periodic check (a background task)."""
    while True:
        await asyncio.sleep(every)
        await refresh()         # (never raises: a busy database is tried again next time)


async def _sqlite_refresh(tables: list[str] | None, force: bool) -> list[str]:
    chosen = await _sqlite_due(tables, force)
    if chosen:
        await _sqlite_analyse(chosen)
    return chosen


async def _postgres_refresh(tables: list[str] | None, force: bool) -> list[str]:
    chosen = await _postgres_due(tables, force)
    verb = 'ANALYZE' if chosen and await _autovacuum() else 'VACUUM (ANALYZE)'
    for table in chosen:
        await db.conn().execute_script(f'{verb} "{table}"')
    return chosen


async def _sqlite_due(tables: list[str] | None, force: bool) -> list[str]:
    conn = db.conn()
    rows = await conn.execute_query_dict("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
    virtual = [r['name'] for r in rows if (r['sql'] or '').upper().startswith('CREATE VIRTUAL')]
    candidates = [r['name'] for r in rows if not r['name'].startswith('sqlite_') and r['name'] not in virtual
                  and not any(r['name'].startswith(f'{v}_') for v in virtual)      # a search index's own tables
                  and (tables is None or r['name'] in tables)]
    if force:
        return candidates
    known: dict[str, int] = {}
    if any(r['name'] == 'sqlite_stat1' for r in rows):
        for stat in await conn.execute_query_dict('SELECT tbl, stat FROM sqlite_stat1'):
            rows_then = int(str(stat['stat']).split()[0])
            known[stat['tbl']] = max(known.get(stat['tbl'], 0), rows_then)
    due = []
    for table in candidates:
        # the id range: a size estimate in O(log n) (a count reads the whole table; so would max() - min() in one
        # SELECT: SQLite's min/max shortcut takes a query of a single aggregate)
        span = (await conn.execute_query_dict(f'SELECT (SELECT max(rowid) FROM "{table}") - '
                                              f'(SELECT min(rowid) FROM "{table}") + 1 AS n'))[0]['n'] or 0
        then = known.get(table)
        if span and (then is None or span > STALE_FACTOR * then + STALE_SLACK
                     or STALE_FACTOR * span + STALE_SLACK < then):
            due.append(table)
    return due


async def _sqlite_analyse(tables: list[str]) -> None:
    path = db.sqlite_file()
    if path is None:             # an in-memory database has only the portal's connection
        for table in tables:
            await db.conn().execute_script(f'PRAGMA analysis_limit = 0; ANALYZE "{table}"')
        return
    await asyncio.to_thread(_analyse_file, path, tables)
    await db.conn().execute_script('ANALYZE sqlite_schema')     # the portal's connection re-reads them


def _analyse_file(path: Path, tables: list[str]) -> None:
    con = sqlite3.connect(path, timeout=db.SQLITE_BUSY_MS / 1000, isolation_level=None)
    try:
        con.execute('PRAGMA analysis_limit = 0')
        for table in tables:
            con.execute(f'ANALYZE "{table}"')
    finally:
        con.close()


async def _autovacuum() -> bool:
    """Whether the server's autovacuum runs. When it is off nobody else sets the visibility map after a bulk
    load, and without it counts and deep blocks read every row from the table instead of an index (1M rows:
    a count 150 → 100 ms, rows 30,000–30,100 of a filtered sort 115 → 8 ms): then the portal vacuums too."""
    rows = await db.conn().execute_query_dict("SELECT current_setting('autovacuum') = 'on' AS on")
    return bool(rows[0]['on'])


async def _postgres_due(tables: list[str] | None, force: bool) -> list[str]:
    rows = await db.conn().execute_query_dict(
        "SELECT c.relname AS name, c.reltuples AS tuples FROM pg_class c WHERE c.relkind = 'r' "
        'AND c.relnamespace = current_schema()::regnamespace')
    # reltuples is -1 until a table is first analysed (or vacuumed); autovacuum does the rest
    return [r['name'] for r in rows if (tables is None or r['name'] in tables) and (force or r['tuples'] < 0)]
