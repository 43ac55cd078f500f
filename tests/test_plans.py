"""The grid's queries use the indexes on a database filled the way a user fills it: 20,000 shipments imported
into a fresh database, checked with the statistics the portal keeps and again with none at all (plans must
not depend on luck). Sorting by an indexed column never sorts the whole table (SQLite: USE TEMP B-TREE FOR
ORDER BY; PostgreSQL: a Sort or Incremental Sort node, checked with the statistics the import left)."""
from __future__ import annotations

from datetime import date

import pytest

from portal import records
from portal.excel import importer
from portal.runtime import rt
from portal.store import db
from portal.store.query import RowQuery
from seed import sheets

from .conftest import TEST_USERS

ROWS = 20_000
COLUMNS = ['order_no', 'ship_date', 'platform', 'courier', 'tracking_no', 'sku', 'style', 'colour', 'size',
           'quantity', 'order_amount', 'receiver', 'receiver_phone', 'shipper', 'waybill_remark']
SORT = 'USE TEMP B-TREE FOR ORDER BY'


@pytest.fixture
async def imported(engine, actors, tmp_path):
    users = {login: (name, roles) for login, (name, roles) in TEST_USERS.items()}
    path = sheets.write(tmp_path / 'shipments.csv', rt().catalog, 'shipments', COLUMNS, ROWS, users=users,
                        today=date(2026, 11, 27))
    plan = await importer.plan_import(actors['manager'], 'shipments', path, path.name, limit_mb=50)
    assert plan.ok and len(plan.creates) == ROWS, [p.text() for p in plan.problems[:3]] + plan.file_problems
    await importer.apply_import(actors['manager'], plan)
    return actors['manager']


async def test_grid_queries_use_the_indexes_with_and_without_statistics(imported, monkeypatch):
    register = rt().catalog.register('shipments')
    assert await _stat_rows() > 0, 'the import left no planner statistics'
    failures = await _check_all(imported, register, monkeypatch, 'with the statistics the import left')
    if db.dialect() != 'sqlite':
        assert not failures, '\n'.join(failures)
        return
    await db.conn().execute_script('DELETE FROM sqlite_stat1; ANALYZE sqlite_schema')
    assert await _stat_rows() == 0
    failures += await _check_all(imported, register, monkeypatch, 'without statistics')
    assert not failures, '\n'.join(failures)


def _cases(register) -> dict[str, tuple[dict, bool]]:
    """name → (grid request, whether its sort must come from an index). On PostgreSQL a quick search is ILIKE
    over the columns (no index answers it) and a deep block of a 4,000-row filter is cheaper sorted than
    walked: there the planner chooses by its statistics, and those cases are not held to an index."""
    pg = db.dialect() != 'sqlite'
    indexed = {f.name for f in register.fields if f.index or f.unique} | set(register.natural_key)
    cases = {'default sort': ({}, True), 'sort by 编号 desc': ({'sort': [{'colId': 'id', 'sort': 'desc'}]}, True)}
    for spec in register.fields:
        if spec.kind.sortable and spec.name in indexed:
            for way in ('asc', 'desc'):
                cases[f'sort by {spec.name} {way}'] = ({'sort': [{'colId': spec.name, 'sort': way}]}, True)
    one = {'platform': '京东', 'status': '待发货'}
    for first, second in (index for index in register.indexes if len(index) == 2):   # filter + sort pairs
        flt = {first: {'filterType': 'set', 'values': [one[first]]}}
        cases[f'filter {first} + sort {second}'] = ({'filter': flt, 'sort': [{'colId': second, 'sort': 'desc'}]},
                                                    True)
        cases[f'filter {first} + sort {second}, deep block'] = (
            {'filter': flt, 'sort': [{'colId': second, 'sort': 'desc'}], 'start': 3000}, not pg)
        cases[f'filter {first}, default sort'] = ({'filter': flt}, True)
    cases['quick search, 3+ characters'] = ({'quick': '跑步鞋'}, not pg)
    cases['quick search, 2 characters'] = ({'quick': '顺丰'}, not pg)
    return cases


async def _check_all(actor, register, monkeypatch, state: str) -> list[str]:
    failures = []
    for name, (body, indexed_sort) in _cases(register).items():
        query = RowQuery.parse({'limit': 100, **body})
        block = await _captured(monkeypatch, records.list_rows(actor, 'shipments', query))
        count = await _captured(monkeypatch, records.count_rows(actor, 'shipments', query))   # none: from the index
        assert block, f'{name}: no statement on shipments was run'
        for what, statements in (('block', block), ('count', count)):
            for sql, params in statements:
                plan = await _plan(sql, params)
                # a count of all live rows reads a narrow index (a filter matching most rows may scan the table)
                problem = _problem(plan, indexed_sort and what == 'block', what == 'count' and not body)
                if problem:
                    failures.append(f'{state}, {name} ({what}): {problem}\n    {sql}\n    ' + '\n    '.join(plan))
    return failures


def _problem(plan: list[str], indexed_sort: bool, count: bool) -> str:
    text = ' / '.join(plan)
    if db.dialect() != 'sqlite':
        return 'sorts instead of reading an index in order' if indexed_sort and 'Sort' in text else ''
    if indexed_sort and SORT in text:
        return 'sorts the whole result instead of reading an index in order'
    if '_deleted' in text:
        return 'reads the recycle bin\'s index for live rows'
    if count and 'SCAN shipments' in plan:
        return 'counts by reading the whole table'
    return ''


async def _captured(monkeypatch, call) -> list[tuple[str, list]]:
    """The statements on the register's table that a records call runs (SQL and parameters)."""
    client = type(db.conn())
    seen: list[tuple[str, list]] = []

    def recorder(original):
        async def recording(self, query, values=None):
            if 'FROM "shipments"' in query:
                seen.append((query, list(values or [])))
            return await original(self, query, values)
        return recording
    with monkeypatch.context() as patch:
        for name in ('execute_query', 'execute_query_dict'):
            patch.setattr(client, name, recorder(getattr(client, name)))
        await call
    return seen


async def _plan(sql: str, params: list) -> list[str]:
    if db.dialect() != 'sqlite':
        return [r['QUERY PLAN'] for r in await db.conn().execute_query_dict(f'EXPLAIN {sql}', params)]
    rows = await db.conn().execute_query_dict(f'EXPLAIN QUERY PLAN {sql}', params)
    return [r['detail'] for r in rows]


async def _stat_rows() -> int:
    if db.dialect() != 'sqlite':
        rows = await db.conn().execute_query_dict("SELECT reltuples FROM pg_class WHERE relname = 'shipments'")
        return int(rows[0]['reltuples'] > 0)
    rows = await db.conn().execute_query_dict(
        "SELECT count(*) AS n FROM sqlite_master WHERE name = 'sqlite_stat1'")
    if not rows[0]['n']:
        return 0
    rows = await db.conn().execute_query_dict("SELECT count(*) AS n FROM sqlite_stat1 WHERE tbl = 'shipments'")
    return rows[0]['n']
