"""Excel at scale: export 100,000 rows × 15 columns (wall time, peak RSS of the process), then import the same
file into an empty database (parse + validate + write, all in).

    python bench/excel_bench.py --rows 100000
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# 15 columns a new row may be imported with (a status beyond the workflow's start would be refused, rightly)
COLUMNS = ['order_no', 'ship_date', 'platform', 'courier', 'tracking_no', 'sku', 'style', 'colour', 'size',
           'quantity', 'order_amount', 'receiver', 'receiver_phone', 'shipper', 'waybill_remark']


async def _export(data: Path, out: Path, fmt: str) -> dict:
    from bench.common import seeded_engine
    from portal import boot
    from portal.access import Actor
    from portal.excel import export
    from portal.query import RowQuery
    await seeded_engine(data, ROWS, ['shipments'])
    actor = Actor(username='manager', roles=('manager',))
    start = time.perf_counter()
    result = await export.export(actor, 'shipments', RowQuery(), out, fmt=fmt, columns=COLUMNS)
    elapsed = time.perf_counter() - start
    await boot.stop()
    return {'rows': result.rows, 'seconds': elapsed, 'size_mb': out.stat().st_size / 1e6}


async def _import(data: Path, source: Path) -> dict:
    from portal import boot, db
    from portal.access import Actor
    from portal.config import Settings
    from portal.excel import importer
    os.environ.setdefault('PORTAL_DEMO_PASSWORD', 'bench-pass-2026')
    os.environ['PORTAL_SEED_DEMO'] = '0'
    settings = Settings(data_dir=data, db_url=f'sqlite://{data / "portal.db"}')
    await boot.start(settings, first_start_demo=True)
    try:
        actor = Actor(username='manager', roles=('manager',))
        start = time.perf_counter()
        plan = await importer.plan_import(actor, 'shipments', source, source.name, limit_mb=200)
        planned = time.perf_counter() - start
        assert plan.ok, [p.text() for p in plan.problems[:5]] + plan.file_problems
        await importer.apply_import(actor, plan)
        total = time.perf_counter() - start
        count = await db.row_model('shipments').all().count()
    finally:
        await boot.stop()
    return {'rows': count, 'parse_validate_seconds': planned, 'seconds': total}


def child(mode: str, data: str, path: str, fmt: str) -> None:
    result = asyncio.run(_export(Path(data), Path(path), fmt) if mode == 'export' else _import(Path(data), Path(path)))
    result['peak_rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def run_child(*args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, '--child', *args], capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


ROWS = int(os.environ.get('BENCH_ROWS', '100000'))

if __name__ == '__main__':
    os.chdir(Path(__file__).resolve().parent.parent)
    if sys.argv[1:2] == ['--child']:
        child(*sys.argv[2:])
        raise SystemExit(0)
    parser = argparse.ArgumentParser()
    parser.add_argument('--rows', type=int, default=100_000)
    args = parser.parse_args()
    os.environ['BENCH_ROWS'] = str(args.rows)
    base = Path('bench/out') / f'excel-{args.rows}'
    base.mkdir(parents=True, exist_ok=True)
    seed_dir = base / 'source'
    seed_dir.mkdir(exist_ok=True)
    print(f'== Excel, {args.rows:,} shipments × {len(COLUMNS)} columns (SQLite) ==')
    for fmt in ('xlsx', 'csv'):
        out = base / f'export.{fmt}'
        r = run_child('export', str(seed_dir), str(out), fmt)
        print(f'export {fmt:<5} {r["rows"]:>8,} rows  {r["seconds"]:6.1f} s  peak RSS {r["peak_rss_mb"]:6.0f} MB  '
              f'file {r["size_mb"]:.1f} MB', flush=True)
    for fmt in ('xlsx', 'csv'):
        target = base / f'import-{fmt}'
        if target.exists():
            for p in target.iterdir():
                p.unlink()
        target.mkdir(exist_ok=True)
        r = run_child('import', str(target), str(base / f'export.{fmt}'), fmt)
        print(f'import {fmt:<5} {r["rows"]:>8,} rows  {r["seconds"]:6.1f} s all in (parse+validate '
              f'{r["parse_validate_seconds"]:.1f} s)  peak RSS {r["peak_rss_mb"]:6.0f} MB', flush=True)
