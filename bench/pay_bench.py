"""The pay sheet (工资表) at scale: 200 people with approved targets for a month, 1,000,000 shipments and 100,000
returns; server time to compute the sheet (every sum in the database), p50/p95/max over repeated runs, and the
daily sales reports beside it.

Data through the product's own paths only: shipments with `python -m portal import` (bench/source.py, files of
100,000 rows), returns with the demo command `python -m portal seed --rows 100000 --register returns` (their rows
need refund states an import of new rows would refuse), the 200 people with `users.create_user` (the admin page's
call) and their targets with the records service (created by the manager, submitted, approved by the leader — the
workflow's own moves). No ANALYZE, VACUUM or index of the bench's own.

    python bench/pay_bench.py                              # 1,000,000 shipments, SQLite (bench/out/pay-1000000)
    python bench/pay_bench.py --shipments 100000           # smaller first
    python bench/pay_bench.py --pg                         # PostgreSQL database portal_bench_pay_<shipments>
"""
from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import line  # noqa: E402

PEOPLE = 200
SHOPS = ['天猫', '京东', '1688', '淘宝', '拼多多', '抖音', '官网']


async def _people(month: str, count: int) -> None:
    """`count` people (p001 …) with an approved target for the month: one 主管 and 20 客服 on 全部店铺, the rest
    推广员 spread over the shops; a leader to approve them."""
    from portal import records
    from portal.people import users
    from portal.schema import Actor
    admin = Actor(username='bench-admin', roles=('admin',))
    from bench.source import PASSWORD
    have = set(await users.directory())
    for login, name, roles in [('leader', '周总经理', ['leader'])] + [
            (f'p{i:03d}', f'员工{i:03d}', ['staff']) for i in range(1, count + 1)]:
        if login not in have:
            await users.create_user(admin, username=login, display_name=name, password=PASSWORD, roles=roles)
    manager, leader = Actor(username='manager', roles=('manager', 'staff')), Actor(username='leader',
                                                                                   roles=('leader',))
    for i in range(1, count + 1):
        position = '主管' if i == 1 else '客服' if i <= 21 else '推广员'
        shop = '全部店铺' if position != '推广员' else SHOPS[i % len(SHOPS)]
        row = await records.create_row(manager, 'targets', {'month': f'{month}-01', 'employee': f'p{i:03d}',
                                                            'position': position, 'shop': shop,
                                                            'plan_amount': 200000 if shop == '全部店铺' else 50000})
        row = await records.update_row(manager, 'targets', row['id'], {'status': '待审批'}, version=row['version'])
        await records.update_row(leader, 'targets', row['id'], {'status': '已批准'}, version=row['version'])


async def main(shipments: int, returns: int, month: str, runs: int, pg: bool) -> None:
    from bench.common import OUT, engine, env_for, load_line, loaded
    from bench.source import portal
    from portal import boot
    from portal.dashboards import reports
    from portal.schema import Actor
    from portal.store import db
    name = f'portal_bench_pay_{shipments}'
    data = OUT / (f'pay-pg-{shipments}' if pg else f'pay-{shipments}')
    db_url, how = loaded(data, shipments, pg=name if pg else None)
    print(f'data: {how}')
    marker = data / f'seeded-returns-{returns}.txt'
    if not marker.exists():
        seconds, _ = portal(env_for(data, db_url), 'seed', '--rows', str(returns), '--register', 'returns',
                            '--no-validate')
        marker.write_text(f'{seconds:.0f} s\n')
        print(f'seeded {returns:,} returns with python -m portal seed in {seconds:.1f} s', flush=True)
    await engine(data, db_url)
    try:
        people = data / f'people-{month}.txt'
        if not people.exists():
            started = time.perf_counter()
            await _people(month, PEOPLE)
            people.write_text(f'{time.perf_counter() - started:.0f} s\n')
            print(f'{PEOPLE} people and approved targets for {month} through the records service in '
                  f'{time.perf_counter() - started:.1f} s', flush=True)
        start, end = reports.month_range(month)
        ships = db.row_model('shipments')
        counts = (await ships.all().count(), await ships.filter(ship_date__gte=start, ship_date__lt=end).count(),
                  await db.row_model('returns').all().count(),
                  await db.row_model('returns').filter(accepted_date__gte=start, accepted_date__lt=end).count())
        print(f'== pay sheet {month}, {"PostgreSQL" if pg else "SQLite"}: shipments {counts[0]:,} ({counts[1]:,} in '
              f'the month), returns {counts[2]:,} ({counts[3]:,} in the month), {PEOPLE} people; {load_line()} ==')
        leader = Actor(username='leader', roles=('leader',))
        for report in ('pay_sheet', 'daily_sales', 'daily_sales_person'):
            times, rows = [], 0
            for _ in range(runs):
                t = time.perf_counter()
                rows = len((await reports.run(leader, report, month))['rows'])
                times.append((time.perf_counter() - t) * 1000)
            print(line(f'{report} ({rows} rows)', times))
    finally:
        await boot.stop()


if __name__ == '__main__':
    os.chdir(Path(__file__).resolve().parent.parent)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--shipments', type=int, default=1_000_000)
    parser.add_argument('--returns', type=int, default=100_000)
    parser.add_argument('--month', default='2026-11')
    parser.add_argument('--runs', type=int, default=5)
    parser.add_argument('--pg', action='store_true')
    args = parser.parse_args()
    asyncio.run(main(args.shipments, args.returns, args.month, args.runs, args.pg))
