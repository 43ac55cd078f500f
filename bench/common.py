"""Shared helpers for the benchmarks: a seeded database, timing, percentiles, a signed-in HTTP client."""
from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Awaitable, Callable

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float('nan')
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


async def timed(fn: Callable[[], Awaitable], runs: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        await fn()
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        await fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def line(name: str, ms: list[float]) -> str:
    return (f'{name:<46} p50 {percentile(ms, 50):8.1f} ms   p95 {percentile(ms, 95):8.1f} ms   '
            f'max {max(ms):8.1f} ms   (n={len(ms)})')


async def seeded_engine(data_dir: Path, rows: int, registers: list[str], db_url: str | None = None):
    """Start the engine on data_dir; seed `rows` demo rows into each register unless already there."""
    from portal import boot, db
    from portal.config import Settings
    from seed.demo import seed
    settings = Settings(data_dir=data_dir, db_url=db_url or f'sqlite://{data_dir / "portal.db"}')
    os.environ.setdefault('PORTAL_DEMO_PASSWORD', 'bench-pass-2026')
    runtime, _ = await boot.start(settings, first_start_demo=True)
    for key in registers:
        have = await db.row_model(key).all().count()
        if have < rows:
            start = time.time()
            await seed(runtime.catalog, rows=rows - have, only=[key], validate=False, batch=5000)
            print(f'seeded {rows - have:,} rows into {key} in {time.time() - start:.1f} s', flush=True)
    await db.conn().execute_script('ANALYZE') if settings.is_sqlite else None
    return runtime


def run(coro) -> None:
    asyncio.run(coro)
