"""Shared helpers for the benchmarks: a portal loaded the way a user loads it, timing, percentiles.

A bench never writes rows, statistics or indexes itself: its database is filled with the product's own commands
(`python -m portal create-user`, `python -m portal import`; see source.py) and then opened the way the portal
opens it (`boot.start`, or a `python -m portal run` process). Whatever statistics and indexes the database has
are the ones the product made."""
from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Awaitable, Callable

from bench import source

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / 'bench' / 'out'
FILES = OUT / 'files'          # the generated spreadsheets, shared by every bench and backend
PG_SERVER = os.environ.get('PORTAL_BENCH_PG_SERVER', 'postgres://postgres@127.0.0.1:5432')


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float('nan')
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


async def timed(fn: Callable[[], Awaitable], runs: int) -> list[float]:
    """Every run counts, the first (cold) one too: its cost shows as the max."""
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def line(name: str, ms: list[float]) -> str:
    return (f'{name:<46} p50 {percentile(ms, 50):8.1f} ms   p95 {percentile(ms, 95):8.1f} ms   '
            f'max {max(ms):8.1f} ms   (n={len(ms)})')


def load_line() -> str:
    """The machine's load average now (benches share two cores with whatever else runs)."""
    one, five, fifteen = Path('/proc/loadavg').read_text().split()[:3]
    return f'load average {one}, {five}, {fifteen}'


def pg_url(name: str) -> str:
    return f'{PG_SERVER}/{name}'


def fresh_pg(name: str) -> str:
    """An empty PostgreSQL database `name` (dropped first if it exists)."""
    for sql in (f'DROP DATABASE IF EXISTS {name} WITH (FORCE)', f'CREATE DATABASE {name}'):
        subprocess.run(['psql', pg_url('postgres'), '-qc', sql], check=True, capture_output=True)
    return pg_url(name)


def env_for(data_dir: Path, db_url: str | None = None) -> dict[str, str]:
    return {'PORTAL_DATA_DIR': str(data_dir), 'PORTAL_DB_URL': db_url or '', 'PORTAL_SEED_DEMO': '0',
            'PORTAL_DEMO_PASSWORD': source.PASSWORD}


def loaded(data_dir: Path, rows: int, *, pg: str | None = None) -> tuple[str | None, str]:
    """A portal in data_dir (SQLite file there, or the PostgreSQL database `pg`) holding `rows` shipments, loaded
    with `python -m portal import` in files of 100,000 rows; reused when an earlier run loaded it completely.
    Returns (database URL or None for SQLite, a line saying how the data was loaded)."""
    marker = data_dir / 'loaded.txt'
    db_url = pg_url(pg) if pg else None
    if not (marker.exists() and marker.read_text().split()[0] == str(rows)):
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True)
        if pg:
            fresh_pg(pg)
        started = time.perf_counter()
        print(f'loading {rows:,} shipments through the import command into {pg or data_dir} …', flush=True)
        source.load(env_for(data_dir, db_url), FILES, rows)
        marker.write_text(f'{rows} loaded in {time.perf_counter() - started:.0f} s\n')
    files = -(-rows // source.FILE_ROWS)
    how = (f'{rows:,} shipments loaded with `python -m portal import` ({files} CSV file{"s" if files > 1 else ""} of '
           f'≤ {source.FILE_ROWS:,} rows), users with `python -m portal create-user`; statistics and indexes: '
           f'the product\'s own')
    return db_url, how


async def engine(data_dir: Path, db_url: str | None = None):
    """The engine started as the portal starts it (migration, statistics check), no demo rows."""
    from portal import boot
    from portal.config import Settings
    settings = Settings(data_dir=data_dir, db_url=db_url or f'sqlite://{data_dir / "portal.db"}')
    runtime, _ = await boot.start(settings, first_start_demo=False)
    return runtime


def run(coro) -> None:
    asyncio.run(coro)
