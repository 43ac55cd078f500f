"""Cell saves through the records service with 50 concurrent editors (each reads the row, then saves with its
version, like the grid): p50/p95/p99 latency, throughput, conflicts, and a lost-write check against the audit.

    python bench/save_bench.py            # SQLite
    python bench/save_bench.py --pg       # PostgreSQL (database portal_bench_save on 127.0.0.1, recreated)
"""
from __future__ import annotations

import asyncio
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentile  # noqa: E402

EDITORS, SAVES_EACH, ROWS = 50, 40, 200
THINK = (0.3, 1.2)     # seconds between an editor's saves (a fast typist moving from cell to cell)


async def main(pg: bool) -> None:
    from bench.common import OUT, engine, load_line, loaded
    from portal import boot, records
    from portal.errors import Conflict
    from portal.schema import Actor
    from portal.store import db
    from portal.store.models import AuditEntry
    name = 'PostgreSQL' if pg else 'SQLite'
    data = OUT / f'save-{"pg" if pg else "sqlite"}'
    db_url, how = loaded(data, ROWS, pg='portal_bench_save' if pg else None)
    print(f'data: {how}')
    await engine(data, db_url)
    ids = await db.row_model('shipments').filter(deleted_at__isnull=True).limit(ROWS).values_list('id', flat=True)
    actor = Actor(username='manager', roles=('manager',))
    latencies: list[float] = []
    outcome = {'applied': 0, 'conflict': 0, 'error': 0}

    async def editor(n: int, think: bool) -> None:
        rng = random.Random(n)
        for _ in range(SAVES_EACH):
            if think:
                await asyncio.sleep(rng.uniform(*THINK))
            row_id = rng.choice(ids)
            current = await records.get_row(actor, 'shipments', row_id)
            value = rng.randint(1, 998)
            value += value >= current['quantity']          # always a real change
            start = time.perf_counter()
            try:
                await records.update_row(actor, 'shipments', row_id, {'quantity': value},
                                         version=current['version'])
                outcome['applied'] += 1
            except Conflict:
                outcome['conflict'] += 1
            except Exception:
                outcome['error'] += 1
            latencies.append((time.perf_counter() - start) * 1000)
    print(f'== {EDITORS} concurrent editors × {SAVES_EACH} saves on {ROWS} rows ({name}); {load_line()} ==')
    for think, label in ((True, f'editing (think time {THINK[0]}–{THINK[1]} s)'), (False, 'saturated (no think time)')):
        latencies.clear()
        outcome.update(applied=0, conflict=0, error=0)
        before = await AuditEntry.filter(register='shipments', event='update').count()
        start = time.perf_counter()
        await asyncio.gather(*(editor(n, think) for n in range(EDITORS)))
        elapsed = time.perf_counter() - start
        audited = await AuditEntry.filter(register='shipments', event='update').count() - before
        print(f'-- {label}')
        print(f'save latency  p50 {percentile(latencies, 50):6.1f} ms   p95 {percentile(latencies, 95):6.1f} ms   '
              f'p99 {percentile(latencies, 99):6.1f} ms')
        print(f'throughput    {len(latencies) / elapsed:6.0f} saves/s   applied {outcome["applied"]}   '
              f'conflicts {outcome["conflict"]}   errors {outcome["error"]}')
        print(f'lost writes   {outcome["applied"] - audited} (applied saves without their audit entry)   '
              f'({load_line()})')
    await boot.stop()


if __name__ == '__main__':
    os.chdir(Path(__file__).resolve().parent.parent)
    asyncio.run(main('--pg' in sys.argv))
