"""Derived stock at scale: 10,000 stock items whose 现有库存 is derived from 200,000 movement rows (shipments and
returns), all loaded with `python -m portal import` as a user loads them. Measures the stock grid's blocks through
the records service, and how long a change to one movement takes until the stock item shows it (the write and the
read back, as two calls: the derived value is written in the movement's own transaction).

    python bench/stock_bench.py --http         # SQLite; --http: also the grid endpoint over HTTP
    python bench/stock_bench.py --pg --http    # PostgreSQL (database portal_bench_stock)

Imported shipments start as 待发货 (a status beyond the workflow's start is refused on import, rightly), so they do
not reduce the stock until they are packed; the bench packs some through the records service. Imported returns are
received and inspected, so they count."""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import source  # noqa: E402
from bench.common import FILES, OUT, engine, env_for, fresh_pg, line, load_line, pg_url, timed  # noqa: E402

ITEMS = 10_000
MOVEMENTS = 200_000          # half shipments, half returns
FILE_ROWS = source.FILE_ROWS
USERS = [('manager', '王经理', 'manager,staff'), ('warehouse', '陈仓管', 'warehouse,staff'),
         ('cs', '张客服', 'cs,staff')]


def sku(i: int) -> str:
    return f'S{i:05d}-01'


def _write(path: Path, register: str, columns: list[str], rows) -> Path:
    """A file in the product's own export format (what a user would import)."""
    from portal.catalog.load import load_or_raise
    from portal.excel.export import CsvSheet, _cell_converter
    reg = load_or_raise(source.ROOT / 'schemas').register(register)
    fields = [reg.field(c) for c in columns]
    convert = [_cell_converter(f, {}, register) for f in fields]
    path.parent.mkdir(parents=True, exist_ok=True)
    CsvSheet.write(path, reg, fields, 'zh', ([conv(v, {}) for conv, v in zip(convert, row)] for row in rows), [])
    return path


def files() -> list[tuple[str, Path]]:
    rng = random.Random(20261128)
    out = [('stock_items', _write(FILES / f'stock_items-{ITEMS}.csv', 'stock_items',
                                  ['sku', 'product_name', 'reorder_level'],
                                  ([sku(i), f'商品{i}', rng.choice([5, 10, 20, 50])] for i in range(ITEMS))))]
    half = MOVEMENTS // 2
    for start in range(0, half, FILE_ROWS):
        count = min(FILE_ROWS, half - start)
        out.append(('shipments', _write(
            FILES / f'stock-shipments-{start}-{count}.csv', 'shipments',
            ['order_no', 'ship_date', 'platform', 'sku', 'quantity'],
            ([f'BS{i:08d}', source.TODAY - timedelta(days=i % 90), '天猫', sku(rng.randrange(ITEMS)),
              rng.choice([1, 1, 2, 3])] for i in range(start, start + count)))))
        out.append(('returns', _write(
            FILES / f'stock-returns-{start}-{count}.csv', 'returns',
            ['order_no', 'accepted_date', 'buyer', 'return_type', 'reason', 'sku', 'quantity', 'received_inspected'],
            ([f'BR{i:08d}', source.TODAY - timedelta(days=i % 90), '王芳', '退货', '尺码不合适',
              sku(rng.randrange(ITEMS)), rng.choice([1, 2]), True] for i in range(start, start + count)))))
    return out


def load(data_dir: Path, pg: str | None) -> str | None:
    marker = data_dir / 'loaded.txt'
    db_url = pg_url(pg) if pg else None
    if marker.exists():
        print(f'data: reused ({marker.read_text().strip()})')
        return db_url
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    if pg:
        fresh_pg(pg)
    env = env_for(data_dir, db_url)
    for login, name, roles in USERS:
        source.portal(env, 'create-user', login, '--name', name, '--roles', roles, '--password', source.PASSWORD)
    lines = []
    for register, path in files():
        seconds, output = source.portal(env, 'import', register, str(path))
        lines.append(f'python -m portal import {register} {path.name}: {seconds:.1f} s')
        print(f'  {lines[-1]} — {output.strip().splitlines()[-1]}', flush=True)
    marker.write_text('; '.join(lines) + '\n')
    return db_url


async def service_bench(data_dir: Path, db_url: str | None, backend: str, runs: int) -> None:
    from portal import boot, records
    from portal.schema import Actor
    from portal.store.query import RowQuery
    await engine(data_dir, db_url)
    manager = Actor(username='manager', roles=('manager',))
    print(f'\n== stock grid, {ITEMS:,} items derived from {MOVEMENTS:,} movements ({backend}); {load_line()} ==')
    try:
        cases = {'first block (sort: 货号)': RowQuery(limit=100),
                 'sorted by derived stock (on_hand asc)': RowQuery.parse({'limit': 100, 'sort': [
                     {'colId': 'on_hand', 'sort': 'asc'}]}),
                 'queue: at or below the reorder level': RowQuery(limit=100, queue='to_reorder'),
                 'deep block: rows 9,000–9,100': RowQuery(limit=100, start=9000)}
        for name, query in cases.items():
            print(line(name, await timed(lambda q=query: records.list_rows(manager, 'stock_items', q), runs)), flush=True)
        print(line('count (queue)', await timed(lambda: records.count_rows(
            manager, 'stock_items', RowQuery(queue='to_reorder')), max(5, runs // 4))), flush=True)
        await _changes(manager, runs)
    finally:
        await boot.stop()
    print(f'({load_line()})')


async def _changes(manager, runs: int) -> None:
    """One movement changes; the stock item is read back showing it. Checked against the sum from scratch."""
    from portal import records
    from portal.store.query import RowQuery
    rng = random.Random()        # other rows each run (a reused database keeps the earlier runs' changes)
    returns = await records.list_rows(manager, 'returns', RowQuery(limit=runs, start=rng.randrange(50_000)))
    spent = []
    for row in returns:
        before = (await records.list_rows(manager, 'stock_items', RowQuery(where={'sku': row['sku']}, limit=1)))[0]
        started = time.perf_counter()
        await records.update_row(manager, 'returns', row['id'], {'quantity': str(row['quantity'] + 1)},
                                 version=row['version'])
        after = (await records.list_rows(manager, 'stock_items', RowQuery(where={'sku': row['sku']}, limit=1)))[0]
        spent.append((time.perf_counter() - started) * 1000)
        assert after['on_hand'] == before['on_hand'] + 1, (before, after)
    print(line('one return changed → stock read back', spent), flush=True)
    ships = await records.list_rows(manager, 'shipments', RowQuery(where={'status': '待发货'}, limit=runs,
                                                                   start=rng.randrange(50_000)))
    spent = []
    for row in ships:
        for item in ('sorted_logged', 'remark_checked'):
            row = await records.set_check(manager, 'shipments', row['id'], item, True, version=row['version'])
        before = (await records.list_rows(manager, 'stock_items', RowQuery(where={'sku': row['sku']}, limit=1)))[0]
        started = time.perf_counter()
        await records.update_row(manager, 'shipments', row['id'], {'status': '已打包'}, version=row['version'])
        after = (await records.list_rows(manager, 'stock_items', RowQuery(where={'sku': row['sku']}, limit=1)))[0]
        spent.append((time.perf_counter() - started) * 1000)
        assert after['on_hand'] == before['on_hand'] - row['quantity'], (before, after)
    print(line('one shipment packed → stock read back', spent), flush=True)
    started = time.perf_counter()
    drift = await records.refresh_derived()
    print(f'recomputed all {ITEMS:,} items from scratch in {(time.perf_counter() - started) * 1000:.0f} ms: '
          f'{drift} differed (0 = the maintained values were right)')


def http_bench(data_dir: Path, db_url: str | None, backend: str, runs: int) -> None:
    """The stock grid's blocks as the browser fetches them (POST /grid/stock_items/rows), signed in as a person."""
    import json

    import httpx
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import ARGS, CHROMIUM
    from tests.portal_process import start_portal, stop_portal
    process, url = start_portal(data_dir, env={'PORTAL_DB_URL': db_url or ''})
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            page.goto(f'{url}/login')
            page.get_by_label('用户名').fill('manager')
            page.get_by_label('密码').fill(source.PASSWORD)
            page.get_by_role('button', name='登录').click()
            page.wait_for_url(f'{url}/')
            cookies = {c['name']: c['value'] for c in page.context.cookies()}
            browser.close()
        print(f'\n== HTTP /grid/stock_items/rows, {ITEMS:,} items ({backend}); {load_line()} ==')
        cases = {'first block (sort: 货号)': {}, 'sorted by derived stock (on_hand asc)': {
            'sort': [{'colId': 'on_hand', 'sort': 'asc'}]}, 'deep block: rows 9,000–9,100': {'start': 9000}}
        with httpx.Client(base_url=url, cookies=cookies, timeout=60) as client:
            for name, body in cases.items():
                spent = []
                for _ in range(runs):
                    started = time.perf_counter()
                    r = client.post('/grid/stock_items/rows', content=json.dumps({'limit': 100, **body}),
                                    headers={'Content-Type': 'application/json'})
                    spent.append((time.perf_counter() - started) * 1000)
                    assert r.status_code == 200 and len(r.json()['rows']) == 100, r.text[:200]
                print(line(name, spent), flush=True)
    finally:
        stop_portal(process)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--runs', type=int, default=30)
    parser.add_argument('--pg', action='store_true', help='PostgreSQL (database portal_bench_stock)')
    parser.add_argument('--http', action='store_true', help='also the grid endpoint over HTTP (starts a portal)')
    args = parser.parse_args()
    backend = 'PostgreSQL' if args.pg else 'SQLite'
    data_dir = OUT / f'stock{"-pg" if args.pg else ""}'
    db_url = load(data_dir, 'portal_bench_stock' if args.pg else None)
    asyncio.run(service_bench(data_dir, db_url, backend, args.runs))
    if args.http:
        http_bench(data_dir, db_url, backend, args.runs)


if __name__ == '__main__':
    os.chdir(Path(__file__).resolve().parent.parent)
    main()
