"""Pasting 1,000 rows × 10 columns from Excel: parse + validate + preview plan, then apply (one action).

    python bench/paste_bench.py          # SQLite
    python bench/paste_bench.py --pg     # PostgreSQL (database portal_bench_paste, recreated)
"""
from __future__ import annotations

import asyncio
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

COLUMNS = ['ship_date', 'platform', 'courier', 'tracking_no', 'sku', 'style', 'colour', 'size', 'quantity', 'gift']


async def main(rows: int, pg: bool) -> None:
    from bench.common import OUT, engine, loaded
    from portal import boot
    data = OUT / f'paste-{"pg" if pg else "sqlite"}'
    db_url, how = loaded(data, 1200, pg='portal_bench_paste' if pg else None)
    print(f'data: {how}')
    await engine(data, db_url)
    try:
        await _run(rows, db_url)
    finally:
        await boot.stop()


async def _run(rows: int, db_url: str | None) -> None:
    from bench.common import load_line
    from portal.records import paste
    from portal.schema import Actor
    actor = Actor(username='manager', roles=('manager',))
    rng = random.Random()        # fresh values each run, so the paste always changes the rows
    lines = []
    for i in range(rows):
        lines.append('\t'.join([f'2026/11/{rng.randint(1, 27)}', rng.choice(['天猫', '京东', '淘宝']),
                                rng.choice(['顺丰', '中通']), f'SF{rng.randrange(10**12, 10**13)}', f'P{i:05d}-01',
                                '纯棉圆领T恤·基础款', rng.choice(['黑色', '白色']), rng.choice(['M', 'L', 'XL']),
                                str(rng.randint(1, 5)), '']))
    text = '\r\n'.join(lines)
    columns = ['id', 'order_no', *COLUMNS]
    query = {'sort': [{'colId': 'order_no', 'sort': 'asc'}]}
    start = time.perf_counter()
    plan = await paste.plan_paste(actor, 'shipments', text, start_row=0, start_col='ship_date', columns=columns,
                                  query=query)
    planned = time.perf_counter() - start
    assert not plan.errors, [c.error for c in plan.errors[:3]]
    result = await paste.apply_paste(actor, plan)
    total = time.perf_counter() - start
    print(f'== paste {rows:,} rows × {len(COLUMNS)} columns ({"PostgreSQL" if db_url else "SQLite"}); '
          f'{load_line()} ==')
    print(f'parse + validate + preview plan: {planned * 1000:7.0f} ms ({plan.changes:,} changed cells)')
    print(f'apply (one transaction, audited):  {(total - planned) * 1000:7.0f} ms ({result["updated"]} rows)')
    print(f'total:                             {total * 1000:7.0f} ms')


if __name__ == '__main__':
    os.chdir(Path(__file__).resolve().parent.parent)
    asyncio.run(main(1000, '--pg' in sys.argv))
