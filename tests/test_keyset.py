"""Exports walk the rows by keyset (sort values + id) in exactly the grid's order, on both backends: every
sortable field type, both directions, ties, NULLs (first on SQLite ascending, last on PostgreSQL), decimals
stored as text in two spellings, a two-column sort and a filter, in chunks small enough to cut through ties.
Deep grid blocks (ids first, then the rows) are the same rows as an OFFSET block."""
from __future__ import annotations

import csv
from decimal import Decimal

import pytest

from portal import records
from portal.excel import export
from portal.runtime import rt
from portal.store import db
from portal.store.query import RowQuery
from seed.demo import seed

from .test_excel import all_types  # noqa: F401  (the fixture)

ROWS = 60
CHUNK = 7


@pytest.fixture
async def rows(all_types, engine, actors):  # noqa: F811
    await seed(rt().catalog, rows=ROWS, only=['shipments', 'all_types'])
    register = rt().catalog.register('all_types')
    model = db.row_model('all_types')
    ids = sorted(await model.all().values_list('id', flat=True))
    first = (await model.filter(id=ids[0]).values())[0]
    for spec in register.fields:
        if not spec.kind.sortable or spec.unique:
            continue
        await model.filter(id__in=ids[::3]).update(**{spec.name: first[spec.name]})     # ties
        if not spec.required:
            await model.filter(id__in=ids[1::5]).update(**{spec.name: None})           # NULLs
    await model.filter(id__in=ids[::4]).update(price=Decimal('1.5'))
    if db.dialect() == 'sqlite':       # the same amount spelled two ways: equal for ORDER BY and for the walk
        await db.conn().execute_query('UPDATE all_types SET price = \'1.50\' WHERE id IN (SELECT id FROM all_types '
                                      'WHERE price = \'1.5\' ORDER BY id LIMIT 4)')
    return actors['admin']


def _queries() -> dict[str, dict]:
    sortable = ['code', 'note', 'qty', 'ratio', 'price', 'day', 'moment', 'clock', 'flag', 'kind', 'owner',
                'shipment', 'state', 'mobile', 'rule']
    out = {f'{name} {way}': {'sort': [{'colId': name, 'sort': way}]} for name in sortable for way in ('asc', 'desc')}
    out['default order'] = {}
    out['id desc'] = {'sort': [{'colId': 'id', 'sort': 'desc'}]}
    out['flag desc, price asc'] = {'sort': [{'colId': 'flag', 'sort': 'desc'}, {'colId': 'price', 'sort': 'asc'}]}
    out['kind asc, day desc, filtered'] = {'sort': [{'colId': 'kind', 'sort': 'asc'}, {'colId': 'day', 'sort': 'desc'}],
                                           'filter': {'qty': {'filterType': 'number', 'type': 'greaterThanOrEqual',
                                                              'filter': 0}}}
    return out


async def test_walk_follows_the_grid_order_exactly(rows):
    failures = []
    queries = _queries()
    code = (await db.row_model('all_types').all().order_by('id').limit(1).values_list('code', flat=True))[0]
    queries['quick search'] = {'quick': code[:3], 'sort': [{'colId': 'day', 'sort': 'desc'}]}
    for name, body in queries.items():
        query = RowQuery.parse(body)
        grid = [r['id'] for r in await records.list_rows(rows, 'all_types', RowQuery.parse({**body, 'limit': 1000}))]
        walked = [r['id'] async for chunk in records.iter_rows(rows, 'all_types', query, CHUNK, ['code'])
                  for r in chunk]
        if walked != grid or not grid:
            failures.append(f'{name}: grid {grid}\n   walk {walked}')
    assert not failures, '\n'.join(failures)


async def test_export_file_is_in_the_grid_order(rows, tmp_path, monkeypatch):
    monkeypatch.setattr(export, 'CHUNK', CHUNK)
    for body in ({'sort': [{'colId': 'price', 'sort': 'desc'}]}, {'sort': [{'colId': 'day', 'sort': 'asc'}]}, {}):
        grid = [r['code'] for r in await records.list_rows(rows, 'all_types', RowQuery.parse({**body, 'limit': 1000}))]
        out = tmp_path / 'out.csv'
        result = await export.export(rows, 'all_types', RowQuery.parse(body), out, fmt='csv', columns=['code', 'price'])
        with open(out, encoding='utf-8-sig', newline='') as file:
            codes = [line[0] for line in list(csv.reader(file))[1:]]
        assert result.rows == len(grid) and codes == grid, body


async def test_deep_blocks_read_by_id_are_the_same_rows(rows, monkeypatch):
    from portal.records import read as reads
    monkeypatch.setattr(reads, 'DEEP_BLOCK', 5)
    for body in ({}, {'sort': [{'colId': 'price', 'sort': 'asc'}]}, {'sort': [{'colId': 'kind', 'sort': 'desc'}]}):
        every = await records.list_rows(rows, 'all_types', RowQuery.parse({**body, 'limit': 1000}))
        deep = await records.list_rows(rows, 'all_types', RowQuery.parse({**body, 'start': 10, 'limit': 7}))
        assert deep == every[10:17], body
