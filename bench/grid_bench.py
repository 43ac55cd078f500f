"""Grid block serving at scale: the records service and the HTTP endpoint the grid fetches blocks from.

    python bench/grid_bench.py --rows 100000          # prints p50/p95 per case
    python bench/grid_bench.py --rows 1000000 --http  # also over HTTP (starts a portal process)
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

from bench.common import line, seeded_engine, timed  # noqa: E402

CASES = {
    'first block (default sort: ship date desc)': {},
    'sorted by a date field (ship_date asc)': {'sort': [{'colId': 'ship_date', 'sort': 'asc'}]},
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


async def service_bench(rows: int, runs: int, data_dir: Path) -> None:
    from portal import records
    from portal.access import Actor
    from portal.query import RowQuery
    await seeded_engine(data_dir, rows, ['shipments'])
    actor = Actor(username='manager', roles=('manager',))
    print(f'\n== records service, {rows:,} shipments (SQLite) ==')
    for name, body in CASES.items():
        query = RowQuery.parse({'limit': 100, **body})
        ms = await timed(lambda: records.list_rows(actor, 'shipments', query), runs)
        print(line(name, ms), flush=True)
    for name, body in COUNTS.items():
        query = RowQuery.parse(body)
        ms = await timed(lambda: records.count_rows(actor, 'shipments', query), max(5, runs // 4))
        print(line(name, ms), flush=True)
    from portal import boot
    await boot.stop()


def http_bench(rows: int, runs: int, data_dir: Path) -> None:
    import httpx
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import ARGS, CHROMIUM
    from tests.portal_process import start_portal, stop_portal
    process, url = start_portal(data_dir, env={'PORTAL_DEMO_PASSWORD': 'bench-pass-2026'})
    try:
        with sync_playwright() as p:     # sign in like a person, then reuse the session cookie
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page()
            page.goto(f'{url}/login')
            page.get_by_label('用户名').fill('manager')
            page.get_by_label('密码').fill('bench-pass-2026')
            page.get_by_role('button', name='登录').click()
            page.wait_for_url(f'{url}/')
            cookies = {c['name']: c['value'] for c in page.context.cookies()}
            browser.close()
        print(f'\n== HTTP /grid/shipments/rows as the grid fetches blocks, {rows:,} shipments (SQLite) ==')
        with httpx.Client(base_url=url, cookies=cookies, timeout=60) as client:
            def measure(path: str, body: dict, n: int) -> list[float]:
                for _ in range(2):
                    client.post(path, content=json.dumps(body), headers={'Content-Type': 'application/json'})
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--rows', type=int, default=100_000)
    parser.add_argument('--runs', type=int, default=30)
    parser.add_argument('--data', default=None, help='data folder to reuse (default: bench/out/grid-<rows>)')
    parser.add_argument('--http', action='store_true', help='also measure over HTTP (starts a portal process)')
    args = parser.parse_args()
    data_dir = Path(args.data or Path(__file__).parent / 'out' / f'grid-{args.rows}')
    data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(service_bench(args.rows, args.runs, data_dir))
    if args.http:
        http_bench(args.rows, args.runs, data_dir)


if __name__ == '__main__':
    os.chdir(Path(__file__).resolve().parent.parent)
    main()
