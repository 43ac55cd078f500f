"""The portal keeps its own planner statistics: a bulk load leaves them, missing or stale ones are analysed at the
next check, fresh ones are left alone (SQLite); PostgreSQL analyses a table after a bulk write."""
from __future__ import annotations

from portal.runtime import rt
from portal.store import db, stats
from seed.demo import seed


async def _analysed(table: str) -> bool:
    if db.dialect() == 'sqlite':
        rows = await db.conn().execute_query_dict(
            "SELECT count(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1'")
        return bool(rows[0]['n']) and bool((await db.conn().execute_query_dict(
            'SELECT count(*) AS n FROM sqlite_stat1 WHERE tbl = ?', [table]))[0]['n'])
    rows = await db.conn().execute_query_dict(
        'SELECT last_analyze FROM pg_stat_user_tables WHERE relname = $1', [table])
    return rows[0]['last_analyze'] is not None


async def test_bulk_load_leaves_statistics_and_a_fresh_check_does_nothing(engine):
    await stats.refresh()                     # the test users were added after start-up
    assert await stats.refresh() == []        # nothing missing, nothing stale: nothing to do
    await seed(rt().catalog, rows=stats.BULK_ROWS, only=['shipments'], validate=False)
    assert await _analysed('shipments')
    if db.dialect() == 'sqlite':
        assert 'shipments' not in await stats.refresh()


async def test_missing_or_stale_statistics_are_analysed_again(engine):
    if db.dialect() != 'sqlite':
        return          # autovacuum's business on PostgreSQL
    await seed(rt().catalog, rows=200, only=['shipments'], validate=False)    # below BULK_ROWS: none yet
    assert not await _analysed('shipments')
    assert 'shipments' in await stats.refresh()
    assert 'shipments' not in await stats.refresh()
    await seed(rt().catalog, rows=400, only=['shipments'], validate=False)    # 200 → 600 rows: stale
    assert await stats.refresh() == ['shipments']
    await db.conn().execute_script("DELETE FROM sqlite_stat1 WHERE tbl = 'shipments'")
    assert await stats.refresh() == ['shipments']


async def test_the_portal_connection_plans_with_the_new_statistics(engine):
    if db.dialect() != 'sqlite':
        return
    await seed(rt().catalog, rows=300, only=['shipments'], validate=False)
    query = 'EXPLAIN QUERY PLAN SELECT id FROM shipments WHERE deleted_at IS NULL AND status = ? ORDER BY sku'
    before = [r['detail'] for r in await db.conn().execute_query_dict(query, ['已出库'])]
    await stats.refresh()       # analysed on another connection: most rows have this status, sku is unique
    after = [r['detail'] for r in await db.conn().execute_query_dict(query, ['已出库'])]
    assert before != after and 'px_shipments_sku' in after[0], (before, after)


async def test_a_failed_refresh_fails_nothing(engine, monkeypatch):
    async def locked(*args):
        raise RuntimeError('database is locked')
    monkeypatch.setattr(stats, '_sqlite_due' if db.dialect() == 'sqlite' else '_postgres_due', locked)
    assert await stats.refresh() == []
    assert await stats.after_write('shipments', stats.BULK_ROWS) == []
