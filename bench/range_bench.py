"""The grid's cell range at scale: copying 10,000 × 10 cells (target ≤ 1 s) and clearing a 1,000 × 10 range
(target ≤ 2 s), on 100,000 shipments loaded as a user loads them (`python -m portal import`, see common.loaded).

    python bench/range_bench.py            # SQLite
    python bench/range_bench.py --pg       # PostgreSQL (database portal_bench_range)

Copy is timed three ways: the records service alone (read + text + TSV/HTML), the HTTP endpoint the browser asks
(/grid/shipments/range/copy, signed in as a manager), and end to end in Chromium — Ctrl+C's handler from the key to
the clipboard holding TSV and HTML (range.js `portalRange.copy`). Clear is the page's path without the websocket:
plan (rights, types, rules per cell) + apply as one undoable action; it is undone after each run (timed too), so
every run clears the same filled cells."""
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

ROWS = 100_000
COPY_COLUMNS = ['ship_date', 'platform', 'courier', 'tracking_no', 'sku', 'style', 'colour', 'size', 'quantity',
                'order_amount']
# 10 columns a manager clears: 货号 and 数量 are required, so 2 of every 10 cells are refused (per cell, named)
CLEAR_COLUMNS = ['courier', 'tracking_no', 'sku', 'style', 'colour', 'size', 'quantity', 'order_amount', 'receiver',
                 'receiver_phone']
COPIES = {
    'copy 10,000 × 10, rows 0–9,999, default sort': {'start': 0},
    'copy 10,000 × 10, rows 50,000–59,999, by tracking no.': {
        'start': 50_000, 'sort': [{'colId': 'tracking_no', 'sort': 'asc'}]},
}


async def service_bench(runs: int, data_dir: Path, db_url: str | None, backend: str) -> None:
    from portal import boot
    from portal.records import paste, range_fill, ranges, undo
    from portal.schema import Actor
    await engine(data_dir, db_url)
    actor = Actor(username='manager', roles=('manager',))
    print(f'\n== records service, {ROWS:,} shipments ({backend}); {load_line()} ==')
    try:
        for name, body in COPIES.items():
            cells = ranges.CellRange.parse({'count': 10_000, 'columns': COPY_COLUMNS, **body})

            async def copy(cells=cells) -> None:
                found = await ranges.copy_cells(actor, 'shipments', cells)
                assert len(found) == 10_000
                ranges.tsv(found), ranges.html_table(found)
            print(line(name, await timed(copy, runs)), flush=True)
        whole = ranges.CellRange.parse({'start': 0, 'count': ROWS, 'columns': COPY_COLUMNS})
        print(line(f'status bar: count/sum/average of {ROWS:,} × 10 (Ctrl+A)', await timed(
            lambda: ranges.summarize(actor, 'shipments', whole, whole=True), runs)), flush=True)
        block = ranges.CellRange.parse({'start': 20_000, 'count': 10_000, 'columns': COPY_COLUMNS})
        print(line('status bar: the same for rows 20,000–29,999', await timed(
            lambda: ranges.summarize(actor, 'shipments', block), runs)), flush=True)
        await _clear(actor, runs, range_fill, paste, undo, ranges)
    finally:
        await boot.stop()
    print(f'({load_line()})')


async def _clear(actor, runs: int, range_fill, paste, undo, ranges) -> None:
    cells = ranges.CellRange.parse({'start': 1_000, 'count': 1_000, 'columns': CLEAR_COLUMNS})
    plans, applies, totals, undos = [], [], [], []
    for _ in range(runs):
        start = time.perf_counter()
        plan = await range_fill.plan_clear(actor, 'shipments', cells)
        planned = time.perf_counter()
        result = await paste.apply_paste(actor, plan, kind='clear')
        done = time.perf_counter()
        await undo.undo(actor, 'shipments')
        undone = time.perf_counter()
        plans.append((planned - start) * 1000)
        applies.append((done - planned) * 1000)
        totals.append((done - start) * 1000)
        undos.append((undone - done) * 1000)
    print(f'clear 1,000 × 10 (rows 1,000–1,999): {result["cells"]:,} cells cleared, {len(plan.errors):,} refused '
          f'per cell (required 货号, 数量)')
    print(line('  plan (rights, types, rules per cell)', plans))
    print(line('  apply (one transaction, audited, undoable)', applies))
    print(line('  clear total', totals))
    print(line('  undo of that clear', undos), flush=True)


def http_bench(runs: int, data_dir: Path, db_url: str | None, backend: str) -> None:
    import httpx
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import ARGS, CHROMIUM
    from tests.portal_process import start_portal, stop_portal
    process, url = start_portal(data_dir, env={'PORTAL_DB_URL': db_url or ''})      # python -m portal run
    try:
        with sync_playwright() as p:     # sign in like a person
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = browser.new_context(viewport={'width': 1500, 'height': 900})
            context.grant_permissions(['clipboard-read', 'clipboard-write'], origin=url)
            page = context.new_page()
            page.goto(f'{url}/login')
            page.get_by_label('用户名').fill('manager')
            page.get_by_label('密码').fill(PASSWORD)
            page.get_by_role('button', name='登录').click()
            page.wait_for_url(f'{url}/')
            cookies = {c['name']: c['value'] for c in context.cookies()}
            print(f'\n== HTTP /grid/shipments/range/copy as range.js asks it, {ROWS:,} shipments ({backend}); '
                  f'{load_line()} ==')
            with httpx.Client(base_url=url, cookies=cookies, timeout=60) as client:
                for name, body in COPIES.items():
                    print(line(name, _posts(client, {'count': 10_000, 'columns': COPY_COLUMNS, **body}, runs)),
                          flush=True)
            print(f'\n== Chromium: Ctrl+C on a 10,000 × 10 range until the clipboard holds it; {load_line()} ==')
            print(line('copy 10,000 × 10, rows 0–9,999 (key → clipboard)', _browser_copies(page, url, runs)),
                  flush=True)
            browser.close()
    finally:
        stop_portal(process)
    print(f'({load_line()})')


def _posts(client, body: dict, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        r = client.post('/grid/shipments/range/copy', content=json.dumps(body),
                        headers={'Content-Type': 'application/json'})
        out.append((time.perf_counter() - start) * 1000)
        assert r.status_code == 200 and r.json()['rows'] == 10_000, r.text[:300]
    return out


def _browser_copies(page, url: str, n: int) -> list[float]:
    page.goto(f'{url}/r/shipments')
    page.locator('.ag-center-cols-container .ag-row[row-id]').first.wait_for()
    page.wait_for_function('() => Object.keys(portalRange.grids).length > 0')
    columns = json.dumps(COPY_COLUMNS)
    out = []
    for _ in range(n):
        took = page.evaluate(f'''async () => {{
            const st = Object.values(portalRange.grids)[0];
            st.anchor = {{row: 0, col: {columns}[0]}}; st.end = {{row: 9999, col: {columns}.at(-1)}};
            portalRange.draw(st, false);
            await navigator.clipboard.writeText('');
            const start = performance.now();
            await portalRange.copy(st);
            const took = performance.now() - start;
            const text = await navigator.clipboard.readText();
            if (text.split('\\r\\n').length !== 10000) throw new Error('clipboard holds ' + text.length + ' chars');
            return took; }}''')
        out.append(took)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--runs', type=int, default=7)
    parser.add_argument('--pg', action='store_true', help='PostgreSQL (database portal_bench_range)')
    args = parser.parse_args()
    backend = 'PostgreSQL' if args.pg else 'SQLite'
    data_dir = OUT / f'range-{"pg" if args.pg else "sqlite"}'
    db_url, how = loaded(data_dir, ROWS, pg='portal_bench_range' if args.pg else None)
    print(f'data: {how}')
    asyncio.run(service_bench(args.runs, data_dir, db_url, backend))
    http_bench(args.runs, data_dir, db_url, backend)


if __name__ == '__main__':
    os.chdir(Path(__file__).resolve().parent.parent)
    main()
