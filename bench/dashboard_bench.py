"""The manager dashboard at scale: 1,000,000 shipments and 100,000 rows in each other register (SQLite);
server time to compute all widget data (aggregates in the database), p50/p95 over repeated renders.
Shipments come in through `python -m portal import` (the grid bench's database, bench/out/grid-1000000); the
other registers through the product's demo command `python -m portal seed --rows N --register KEY` (their
rows need states and dates an import of new rows would refuse).

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
    from bench.common import OUT, engine, env_for, load_line, loaded
    from bench.source import portal
    from portal import boot
    from portal.dashboards import widgets
    from portal.runtime import rt
    from portal.schema import Actor
    from portal.store import db
    data = OUT / 'grid-1000000'
    _, how = loaded(data, 1_000_000)
    print(f'data: {how}')
    for key in ('goods_receipts', 'returns', 'complaints', 'attendance', 'penalties'):
        marker = data / f'seeded-{key}.txt'
        if not marker.exists():
            seconds, _ = portal(env_for(data), 'seed', '--rows', '100000', '--register', key, '--no-validate')
            marker.write_text(f'{seconds:.0f} s\n')
            print(f'seeded 100,000 rows into {key} with python -m portal seed in {seconds:.1f} s', flush=True)
    await engine(data)
    try:
        actor = Actor(username='manager', roles=('manager', 'staff'))
        today = rt().today()
        totals, per_widget = [], {}
        for _ in range(runs):
            start = time.perf_counter()
            for widget in rt().catalog.dashboards['manager'].widgets:
                t = time.perf_counter()
                await widgets.get_kind(widget.kind).data(actor, widget, today)
                per_widget.setdefault(widget.id, []).append((time.perf_counter() - t) * 1000)
            totals.append((time.perf_counter() - start) * 1000)
        counts = {k: await db.row_model(k).all().count() for k in rt().catalog.registers}
        print(f'== manager dashboard, rows: {", ".join(f"{k} {v:,}" for k, v in counts.items())} (SQLite); '
              f'{load_line()} ==')
        print(line('all widgets (server time to compute the data)', totals))
        for name, values in per_widget.items():
            print(f'  {name:<28} p50 {percentile(values, 50):7.1f} ms   p95 {percentile(values, 95):7.1f} ms')
    finally:
        await boot.stop()


if __name__ == '__main__':
    os.chdir(Path(__file__).resolve().parent.parent)
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10))
