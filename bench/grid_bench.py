"""Grid block serving at scale: the records service and the HTTP endpoint the grid fetches blocks from, on a
portal loaded as a user loads it (`python -m portal import`, see common.loaded).

    python bench/grid_bench.py --rows 100000 --http          # SQLite: prints p50/p95/max per case
    python bench/grid_bench.py --rows 1000000 --http --pg    # PostgreSQL (database portal_bench_grid_1000000)
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import OUT, engine, line, load_line, loaded, timed  # noqa: E402
from bench.source import PASSWORD  # noqa: E402

CASES = {
    'first block (default sort: ship date desc)': {},
    'sorted by a date field (ship_date asc)': {'sort': [{'colId': 'ship_date', 'sort': 'asc'}]},
    'sorted by another indexed field (tracking_no)': {'sort': [{'colId': 'tracking_no', 'sort': 'asc'}]},
    'filtered by a choice field (platform)': {'filter': {'platform': {'filterType': 'set', 'values': ['京东']}}},
    'filtered + sorted (platform, ship_date desc)': {
        'filter': {'platform': {'filterType': 'set', 'values': ['京东']}},
        'sort': [{'colId': 'ship_date', 'sort': 'desc'}]},
    'deep block: rows 30,000–30,100 of filtered sort': {
        'start': 30000, 'filter': {'platform': {'filterType': 'set', 'values': ['京东']}},
        'sort': [{'colId': 'ship_date', 'sort': 'desc'}]},
    'quick search (common term 顺丰)': {'quick': '顺丰'},
    'quick search (rare term: a tracking number)': {'quick': 'SF277'},
}
COUNTS = {
    'count (all rows)': {},
    'count (filtered by platform)': {'filter': {'platform': {'filterType': 'set', 'values': ['京东']}}},
    'count (quick search 顺丰)': {'quick': '顺丰'},
}


async def service_bench(rows: int, runs: int, data_dir: Path, db_url: str | None, backend: str) -> None:
    from portal import boot, records
    from portal.schema import Actor
    from portal.store.query import RowQuery
    await engine(data_dir, db_url)
    actor = Actor(username='manager', roles=('manager',))
    print(f'\n== records service, {rows:,} shipments ({backend}); {load_line()} ==')
    try:
        for name, body in CASES.items():
            query = RowQuery.parse({'limit': 100, **body})
            print(line(name, await timed(lambda: records.list_rows(actor, 'shipments', query), runs)), flush=True)
        for name, body in COUNTS.items():
            query = RowQuery.parse(body)
            ms = await timed(lambda: records.count_rows(actor, 'shipments', query), max(5, runs // 4))
            print(line(name, ms), flush=True)
    finally:
        await boot.stop()
    print(f'({load_line()})')


def http_bench(rows: int, runs: int, data_dir: Path, db_url: str | None, backend: str) -> None:
    import httpx
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import ARGS, CHROMIUM
    from tests.portal_process import start_portal, stop_portal
    process, url = start_portal(data_dir, env={'PORTAL_DB_URL': db_url or ''})      # python -m portal run
    try:
        with sync_playwright() as p:     # sign in like a person, then reuse the session cookie
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            page.goto(f'{url}/login')
            page.get_by_label('用户名').fill('manager')
            page.get_by_label('密码').fill(PASSWORD)
            page.get_by_role('button', name='登录').click()
            page.wait_for_url(f'{url}/')
            cookies = {c['name']: c['value'] for c in page.context.cookies()}
            browser.close()
        print(f'\n== HTTP /grid/shipments/rows as the grid fetches blocks, {rows:,} shipments ({backend}); '
              f'{load_line()} ==')
        with httpx.Client(base_url=url, cookies=cookies, timeout=60) as client:
            def measure(path: str, body: dict, n: int) -> list[float]:
                out = []
                for _ in range(n):
                    start = time.perf_counter()
                    r = client.post(path, content=json.dumps(body), headers={'Content-Type': 'application/json'})
                    out.append((time.perf_counter() - start) * 1000)
                    assert r.status_code == 200, r.text
                return out
            for name, body in CASES.items():
                print(line(name, measure('/grid/shipments/rows', {'limit': 100, **body}, runs)), flush=True)
            for name, body in COUNTS.items():
                print(line(name, measure('/grid/shipments/count', body, max(5, runs // 4))), flush=True)
    finally:
        stop_portal(process)
    print(f'({load_line()})')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--rows', type=int, default=100_000)
    parser.add_argument('--runs', type=int, default=30)
    parser.add_argument('--http', action='store_true', help='also measure over HTTP (starts a portal process)')
    parser.add_argument('--pg', action='store_true', help='PostgreSQL (database portal_bench_grid_<rows>)')
    args = parser.parse_args()
    backend = 'PostgreSQL' if args.pg else 'SQLite'
    data_dir = OUT / f'grid-{args.rows}{"-pg" if args.pg else ""}'
    db_url, how = loaded(data_dir, args.rows, pg=f'portal_bench_grid_{args.rows}' if args.pg else None)
    print(f'data: {how}')
    asyncio.run(service_bench(args.rows, args.runs, data_dir, db_url, backend))
    if args.http:
        http_bench(args.rows, args.runs, data_dir, db_url, backend)


if __name__ == '__main__':
    os.chdir(Path(__file__).resolve().parent.parent)
    main()
