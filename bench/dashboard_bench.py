"""The manager dashboard at scale: 1,000,000 shipments and 100,000 rows in each other register (SQLite);
server time to compute all widget data (aggregates in the database), p50/p95 over repeated renders.

    python bench/dashboard_bench.py            # reuses bench/out/grid-1000000 when it is there
"""
from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import line, percentile  # noqa: E402


async def main(runs: int) -> None:
    from bench.common import seeded_engine
    from portal import boot, db, widgets
    from portal.access import Actor
    from portal.runtime import rt
    from seed.demo import seed
    data = Path('bench/out/grid-1000000')
    data.mkdir(parents=True, exist_ok=True)
    runtime = await seeded_engine(data, 1_000_000, ['shipments'])
    try:
        for key in ('goods_receipts', 'returns', 'complaints', 'attendance', 'penalties'):
            have = await db.row_model(key).all().count()
            if have < 100_000:
                start = time.time()
                await seed(runtime.catalog, rows=100_000 - have, only=[key], validate=False, batch=5000)
                print(f'seeded {100_000 - have:,} rows into {key} in {time.time() - start:.1f} s', flush=True)
        await db.conn().execute_script('ANALYZE')
        actor = Actor(username='manager', roles=('manager', 'staff'))
        today = rt().today()
        await widgets.dashboard_data(actor, 'manager', today)
        totals, per_widget = [], {}
        for _ in range(runs):
            start = time.perf_counter()
            for widget in rt().catalog.dashboards['manager'].widgets:
                t = time.perf_counter()
                await widgets.get_kind(widget.kind).data(actor, widget, today)
                per_widget.setdefault(widget.id, []).append((time.perf_counter() - t) * 1000)
            totals.append((time.perf_counter() - start) * 1000)
        counts = {k: await db.row_model(k).all().count() for k in rt().catalog.registers}
        print(f'== manager dashboard, rows: {", ".join(f"{k} {v:,}" for k, v in counts.items())} (SQLite) ==')
        print(line('all widgets (server time to compute the data)', totals))
        for name, values in per_widget.items():
            print(f'  {name:<28} p50 {percentile(values, 50):7.1f} ms   p95 {percentile(values, 95):7.1f} ms')
    finally:
        await boot.stop()


if __name__ == '__main__':
    os.chdir(Path(__file__).resolve().parent.parent)
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10))
