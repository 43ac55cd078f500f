"""The spreadsheets a user would import: deterministic demo shipments written as .xlsx or .csv files in the
product's own export format. The benches load their databases from these files with `python -m portal import`
(never by writing rows themselves), so what they measure is the portal as a user fills it."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# 15 columns a new row may be imported with (a status beyond the workflow's start would be refused, rightly)
COLUMNS = ['order_no', 'ship_date', 'platform', 'courier', 'tracking_no', 'sku', 'style', 'colour', 'size',
           'quantity', 'order_amount', 'receiver', 'receiver_phone', 'shipper', 'waybill_remark']
# the people the files name as shippers; created with `python -m portal create-user` before the first import
USERS = [('manager', '王经理', 'manager,staff'), ('warehouse', '陈仓管', 'warehouse,staff'),
         ('staff', '刘员工', 'staff')]
PASSWORD = 'bench-pass-2026'
TODAY = date(2026, 11, 27)
FILE_ROWS = 100_000          # one file per 100,000 rows (an import holds its whole file in memory)


def write(path: Path, rows: int, *, start: int = 0, register: str = 'shipments') -> Path:
    """Rows start … start+rows-1 of the demo sequence as a file (format from the suffix)."""
    from portal.catalog.load import load_or_raise
    from seed import sheets
    return sheets.write(path, load_or_raise(ROOT / 'schemas'), register, COLUMNS, rows, start=start,
                        users={login: (name, roles.split(',')) for login, name, roles in USERS}, today=TODAY)


def portal(env: dict[str, str], *args: str, check: bool = True) -> tuple[float, str]:
    """Run `python -m portal ARGS` as a user would; returns (wall seconds, output)."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, '-m', 'portal', *args], cwd=ROOT, env={**os.environ, **env},
                         capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if check and out.returncode != 0:
        raise SystemExit(f'python -m portal {" ".join(args)} failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}')
    return elapsed, out.stdout + out.stderr


def load(env: dict[str, str], files_dir: Path, rows: int, *, have: int = 0, fmt: str = 'csv') -> None:
    """Bring a portal database (PORTAL_DATA_DIR / PORTAL_DB_URL in env) from `have` to `rows` shipments:
    users first if there are none, then one `python -m portal import` per file of FILE_ROWS rows."""
    if have == 0:
        for login, name, roles in USERS:
            portal(env, 'create-user', login, '--name', name, '--roles', roles, '--password', PASSWORD,
                   check=False)       # already there: fine
    for start in range(have - have % FILE_ROWS, rows, FILE_ROWS):
        count = min(FILE_ROWS, rows - start)
        source = files_dir / f'shipments-{start}-{count}.{fmt}'
        if not source.exists():
            write(source, count, start=start)
        if start + count <= have:
            continue
        seconds, output = portal(env, 'import', 'shipments', str(source), '--as', 'manager')
        print(f'  loaded rows {start:,}–{start + count - 1:,}: python -m portal import shipments {source.name}'
              f' ({seconds:.1f} s): {output.strip().splitlines()[-1]}', flush=True)
