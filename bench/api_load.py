"""Load test of the REST API: N concurrent clients (loopback only) listing and editing for a fixed period
against 2 portal processes on PostgreSQL + Redis. Reports requests/s, latency percentiles, errors, conflicts
and lost writes (successful PATCHes without their audit entry — must be 0).

    python bench/api_load.py --clients 20 --seconds 30
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import load_line, percentile  # noqa: E402

PG = os.environ.get('PORTAL_BENCH_PG_SERVER', 'postgres://postgres@127.0.0.1:5432')
REDIS = os.environ.get('PORTAL_BENCH_REDIS', 'redis://127.0.0.1:6379/0')


async def client(n: int, urls: list[str], token: str, until: float, stats: dict) -> None:
    import httpx
    rng = random.Random(n)
    headers = {'Authorization': f'Bearer {token}'}
    async with httpx.AsyncClient(headers=headers, timeout=30) as http:
        while time.perf_counter() < until:
            base = urls[rng.randrange(len(urls))] + '/api/v1/registers/shipments'
            start = time.perf_counter()
            try:
                if rng.random() < 0.7:
                    params = {'limit': 100, 'start': rng.randrange(0, 900), 'sort': rng.choice(['-ship_date', 'sku'])}
                    if rng.random() < 0.5:
                        params['filter'] = json.dumps({'platform': {'filterType': 'set', 'values': ['京东']}})
                    r = await http.get(f'{base}/rows', params=params)
                    kind = 'list'
                else:
                    row_id = rng.randint(1, 1000)
                    got = await http.get(f'{base}/rows/{row_id}')
                    if got.status_code != 200:
                        stats['errors'] += 1
                        stats.setdefault('samples', []).append(f'GET {row_id}: {got.status_code} {got.text[:200]}')
                        continue
                    value = rng.randint(1, 98)
                    value += value >= got.json()['quantity']          # always a real change
                    r = await http.patch(f'{base}/rows/{row_id}', json={'version': got.json()['_v'],
                                                                         'values': {'quantity': value}})
                    kind = 'edit'
                    if r.status_code == 200:
                        stats['applied'] += 1
                    elif r.status_code == 409:
                        stats['conflicts'] += 1
                ms = (time.perf_counter() - start) * 1000
                stats['latency'][kind].append(ms)
                if r.status_code >= 500 or r.status_code in (401, 403, 404, 422):
                    stats['errors'] += 1
            except Exception:
                stats['errors'] += 1


async def audit_count(db_url: str) -> int:
    import asyncpg
    con = await asyncpg.connect(db_url)
    try:
        return await con.fetchval("SELECT count(*) FROM portal_audit WHERE register = 'shipments' "
                                  "AND event = 'update' AND source = 'api'")
    finally:
        await con.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--clients', type=int, default=20)
    parser.add_argument('--seconds', type=int, default=30)
    args = parser.parse_args()
    from tests.portal_process import start_portal, stop_portal
    name = f'portal_load_{os.getpid()}'
    subprocess.run(['psql', f'{PG}/postgres', '-qc', f'CREATE DATABASE {name}'], check=True)
    db_url = f'{PG}/{name}'
    env = {'PORTAL_DB_URL': db_url, 'PORTAL_REDIS_URL': REDIS, 'NICEGUI_REDIS_KEY_PREFIX': f'{name}:'}
    tmp = Path(tempfile.mkdtemp())
    (tmp / 'a').mkdir()
    (tmp / 'b').mkdir()
    a, url_a = start_portal(tmp / 'a', env=env)
    b, url_b = start_portal(tmp / 'b', env=env)
    try:
        environment = {**os.environ, **env, 'PORTAL_DATA_DIR': str(tmp / 'a')}
        token = subprocess.run([sys.executable, '-m', 'portal', 'create-token', 'manager', 'load'],
                               env=environment, capture_output=True, text=True, check=True).stdout.strip()
        stats = {'latency': {'list': [], 'edit': []}, 'errors': 0, 'applied': 0, 'conflicts': 0}
        before = asyncio.run(audit_count(db_url))
        until = time.perf_counter() + args.seconds

        async def run_all():
            await asyncio.gather(*(client(n, [url_a, url_b], token, until, stats) for n in range(args.clients)))
        start = time.perf_counter()
        asyncio.run(run_all())
        elapsed = time.perf_counter() - start
        audited = asyncio.run(audit_count(db_url)) - before
        every = stats['latency']['list'] + stats['latency']['edit']
        print(f'== API load: {args.clients} clients × {args.seconds} s against 2 processes (PostgreSQL + Redis); data: '
              f'a first start of python -m portal run (demo rows); {load_line()} ==')
        print(f'requests      {len(every):,} ({len(every) / elapsed:.0f}/s)   errors {stats["errors"]}')
        print(f'all           p50 {percentile(every, 50):6.1f} ms   p95 {percentile(every, 95):6.1f} ms   '
              f'p99 {percentile(every, 99):6.1f} ms')
        for kind, values in stats['latency'].items():
            print(f'{kind:<13} p50 {percentile(values, 50):6.1f} ms   p95 {percentile(values, 95):6.1f} ms   '
                  f'p99 {percentile(values, 99):6.1f} ms   (n={len(values)})')
        print(f'edits         applied {stats["applied"]}   conflicts (409) {stats["conflicts"]}')
        print(f'lost writes   {stats["applied"] - audited} (applied PATCHes without an audit entry; audited {audited})')
        print(f'({load_line()})')
        for sample in stats.get('samples', [])[:3]:
            print('  error:', sample)
    finally:
        stop_portal(a)
        stop_portal(b)
        subprocess.run(['psql', f'{PG}/postgres', '-qc', f'DROP DATABASE IF EXISTS {name} WITH (FORCE)'])


if __name__ == '__main__':
    os.chdir(Path(__file__).resolve().parent.parent)
    main()
