"""Excel at scale, as a user does it: import a 100,000-row × 15-column file into a fresh portal with
`python -m portal import` (check only with --dry-run, then all in), then export that portal's rows to .xlsx and
.csv in the default order and sorted by another indexed column. Wall time and peak RSS of each step's process.

    python bench/excel_bench.py --rows 100000          # SQLite
    python bench/excel_bench.py --rows 100000 --pg     # PostgreSQL (database portal_bench_excel, recreated)
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

from bench import source  # noqa: E402
from bench.common import FILES, OUT, env_for, fresh_pg, load_line  # noqa: E402

SORTS = {'default order': None, 'sorted by 订单号': 'order_no'}


def _import(args: list[str]) -> dict:
    """`python -m portal import …` in this process (so its time and peak memory are the command's own)."""
    from portal.cli.main import main
    start = time.perf_counter()
    code = main(['import', 'shipments', *args, '--as', 'manager'])
    return {'seconds': time.perf_counter() - start, 'code': code}


async def _export(fmt: str, sort: str | None, out: str) -> dict:
    from portal import boot
    from portal.config import Settings
    from portal.excel import export
    from portal.schema import Actor
    from portal.store.query import RowQuery
    await boot.start(Settings(), first_start_demo=False)
    try:
        actor = Actor(username='manager', roles=('manager',))
        query = RowQuery.parse({'sort': [{'colId': sort, 'sort': 'asc'}]} if sort else {})
        start = time.perf_counter()
        result = await export.export(actor, 'shipments', query, Path(out), fmt=fmt, columns=source.COLUMNS)
        return {'rows': result.rows, 'seconds': time.perf_counter() - start, 'size_mb': Path(out).stat().st_size / 1e6}
    finally:
        await boot.stop()


def child(mode: str, *args: str) -> None:
    if mode == 'import':
        result = _import(list(args))
    else:
        result = asyncio.run(_export(args[0], args[1] or None, args[2]))
    result['peak_rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def run_child(env: dict[str, str], *args: str) -> dict:
    out = subprocess.run([sys.executable, __file__, '--child', *args], capture_output=True, text=True,
                         env={**os.environ, **env})
    if out.returncode != 0:
        raise SystemExit(out.stdout[-2000:] + out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def fresh_portal(base: Path, fmt: str, pg: bool) -> dict[str, str]:
    """An empty portal with the users the file names (python -m portal create-user)."""
    data = base / f'import-{fmt}'
    subprocess.run(['rm', '-rf', str(data)], check=True)
    data.mkdir(parents=True)
    env = env_for(data, fresh_pg('portal_bench_excel') if pg else None)
    for login, name, roles in source.USERS:
        source.portal(env, 'create-user', login, '--name', name, '--roles', roles, '--password', source.PASSWORD)
    return env


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument('--rows', type=int, default=100_000)
    parser.add_argument('--pg', action='store_true')
    args = parser.parse_args()
    backend = 'PostgreSQL' if args.pg else 'SQLite'
    base = OUT / f'excel-{args.rows}{"-pg" if args.pg else ""}'
    print(f'== Excel, {args.rows:,} shipments × {len(source.COLUMNS)} columns ({backend}); {load_line()} ==')
    for fmt in ('xlsx', 'csv'):
        path = FILES / f'shipments-0-{args.rows}.{fmt}'
        if not path.exists():
            source.write(path, args.rows)
        env = fresh_portal(base, fmt, args.pg)
        check = run_child(env, 'import', str(path), '--dry-run')
        r = run_child(env, 'import', str(path))
        print(f'python -m portal import shipments {path.name} --dry-run (parse + validate): {check["seconds"]:5.1f} s'
              f'; all in: {r["seconds"]:5.1f} s  peak RSS {r["peak_rss_mb"]:4.0f} MB   ({load_line()})', flush=True)
    print(f'export from the portal the .csv import filled ({args.rows:,} rows):')
    for name, sort in SORTS.items():
        for fmt in ('xlsx', 'csv'):
            out = base / f'export-{sort or "default"}.{fmt}'
            r = run_child(env, 'export', fmt, sort or '', str(out))
            print(f'  export {fmt:<4} {name:<16} {r["rows"]:>8,} rows  {r["seconds"]:5.1f} s  peak RSS '
                  f'{r["peak_rss_mb"]:4.0f} MB  file {r["size_mb"]:4.1f} MB   ({load_line()})', flush=True)


if __name__ == '__main__':
    os.chdir(Path(__file__).resolve().parent.parent)
    if sys.argv[1:2] == ['--child']:
        child(*sys.argv[2:])
        raise SystemExit(0)
    main()
