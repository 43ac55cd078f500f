"""Bringing history in: an import may create rows in any workflow state the importer could have reached, with the
checklist ticked in its columns; every register's own export re-imports as "unchanged" (also on demo data made by
`python -m portal seed` alone); the audit names the file."""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date

from openpyxl import load_workbook

from portal.catalog.load import load_catalog
from portal.excel import export, importer
from portal.runtime import rt
from portal.store import db
from portal.store.models import AuditEntry
from portal.store.query import RowQuery
from seed.demo import seed

from .conftest import ROOT, SCHEMAS

STATES = {'待发货', '已打包', '已出库', '异常'}


async def test_a_thousand_historical_shipments_in_mixed_states(engine, actors, tmp_path):
    warehouse = actors['warehouse']
    await seed(rt().catalog, rows=1000, only=['shipments'], today=date(2026, 11, 27))
    model = db.row_model('shipments')
    before = {r['order_no'] + r['sku']: (r['status'], sorted(r['checks'])) for r in
              await model.all().values('order_no', 'sku', 'status', 'checks')}
    assert set(Counter(s for s, _ in before.values())) == STATES          # every state is in the file
    path = tmp_path / '发货登记-2025.xlsx'
    await export.export(warehouse, 'shipments', RowQuery(), path)
    headers = [c.value for c in load_workbook(path, read_only=True).active[1]]
    assert '检查:打包时仔细检查,检查无误' in headers and '状态' in headers
    await model.all().delete()
    plan = await importer.plan_import(warehouse, 'shipments', path, path.name)
    assert plan.ok, [p.text() for p in plan.problems[:5]] + plan.file_problems
    assert len(plan.creates) == 1000
    result = await importer.apply_import(warehouse, plan)
    assert result['created'] == 1000
    after = {r['order_no'] + r['sku']: (r['status'], sorted(r['checks'])) for r in
             await model.all().values('order_no', 'sku', 'status', 'checks')}
    assert after == before                          # each row in its state, with its ticks
    ticks = (await model.filter(status='已出库').first().values('checks'))['checks']
    assert ticks['inspected']['by'] == 'warehouse'
    entry = await AuditEntry.filter(register='shipments', event='import').values('actor', 'new', 'source')
    assert entry == [{'actor': 'warehouse', 'new': '"imported from 发货登记-2025.xlsx: 1000 new, 0 updated"',
                      'source': 'import'}]
    from portal.records import history, undo
    log = await history.change_log(actors['admin'], register='shipments', limit=5)
    assert log[0]['event'] == '导入' and log[0]['new'] == 'imported from 发货登记-2025.xlsx: 1000 new, 0 updated'
    assert (await undo.undo(warehouse, 'shipments')).message('zh') == '已撤销:导入 1000 行'     # one undoable step
    assert await model.filter(deleted_at__isnull=True).count() == 0


async def test_a_later_state_needs_its_checklist_and_a_reachable_move(engine, actors, tmp_path):
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.append(['订单号', '平台', '货号', '数量', '状态', '快递单号', '快递揽收时间', '检查:打包时仔细检查,检查无误'])
    sheet.append(['H-1', '天猫', 'A-1', 1, '已出库', 'SF1234567890123', '2025-11-01 16:00', '是'])
    sheet.append(['H-2', '天猫', 'A-2', 1, '已打包', None, None, None])
    sheet.append(['H-3', '天猫', 'A-3', 1, '已出库', 'SF1234567890124', None, '也许'])
    path = tmp_path / 'history.xlsx'
    book.save(path)
    plan = await importer.plan_import(actors['warehouse'], 'shipments', path, path.name)
    texts = [p.text() for p in plan.problems]
    assert any(t.startswith('第 2 行 E 列(状态):处于「已出库」的记录须勾选检查项:已按款式') for t in texts), texts
    assert any(t.startswith('第 3 行 E 列(状态):处于「已打包」的记录须勾选检查项') for t in texts), texts
    assert '第 4 行 H 列(检查:打包时仔细检查,检查无误):检查项「打包时仔细检查,检查无误」只能填“是”或“否”,不是“也许”' in texts
    from portal.people import access
    from portal.rules import engine
    register, ops = rt().catalog.register('shipments'), actors['ops']
    granted = access.rights(rt().catalog, ops, 'shipments')
    assert engine.path_to(register, ops, granted, False, '已出库') is None      # only warehouse/manager ship
    assert [t.target for t in engine.path_to(register, ops, granted, False, '异常')] == ['异常']
    problems = engine.check_history_state(rt().catalog, register, ops, granted, False, {'status': '已出库'}, {})[1]
    assert problems[0].message() == '导入的记录不能直接处于「已出库」:您无权从「待发货」按流程办理到这个状态'


def _cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, '-m', 'portal', *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


def test_every_registers_export_reimports_unchanged_after_seed_alone(tmp_path):
    """On demo data made by `python -m portal seed` without a prior `run` (a seeded shipments export came back
    with 863 problems: "system" is not a user in 发货员)."""
    env = {**{k: v for k, v in os.environ.items() if not k.startswith('PYTEST_')},
           'PORTAL_DATA_DIR': str(tmp_path / 'data'), 'PORTAL_DEMO_PASSWORD': 'demo-pass-2026'}
    env.pop('PORTAL_DB_URL', None)
    env.pop('DATABASE_URL', None)
    seeded = _cli(env, 'seed', '--rows', '120')
    assert seeded.returncode == 0, seeded.stderr
    assert 'demo logins' in seeded.stdout and 'system' not in seeded.stdout
    made = {m[1]: int(m[2]) for m in re.finditer(r'^(\w+): \+(\d+) rows', seeded.stdout, re.M)}
    keys = list(made)
    assert sorted(keys) == sorted(load_catalog(SCHEMAS)[0].registers)        # every register, whatever there is
    for key in keys:
        out = tmp_path / f'{key}.xlsx'
        assert _cli(env, 'export', key, '--out', str(out)).returncode == 0
        result = _cli(env, 'import', key, str(out), '--as', 'admin')
        assert result.returncode == 0 and f'0 new, 0 updated, {made[key]} unchanged, 0 problems' in result.stdout, (
            key, result.stdout[-800:], result.stderr[-2000:])
    missing = _cli(env, 'import', 'shipments', str(tmp_path / 'shipments.xlsx'))
    assert missing.returncode == 2 and '--as' in missing.stderr          # a CLI import names a real person
    nobody = _cli(env, 'import', 'shipments', str(tmp_path / 'shipments.xlsx'), '--as', 'nobody')
    assert nobody.returncode != 0 and "no active user 'nobody'" in nobody.stderr


async def test_template_offers_every_state_and_the_checklist(engine, actors):
    from portal.excel import template
    book = load_workbook(io.BytesIO(await template.template(actors['warehouse'], 'shipments')))
    headers = [c.value for c in book['shipments'][1]]
    items = rt().catalog.register('shipments').row_checklist
    assert items and headers[-len(items):] == [f'检查:{c.text}' for c in items]
    lists = book.worksheets[1]
    assert set(STATES) <= {c.value for col in lists.iter_cols() for c in col}
