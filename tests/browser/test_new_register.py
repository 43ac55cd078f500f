"""A register added by file only (a 新品上架登记 with workflow, checklist, rules, a deadline and queues) in a temporary
schema folder: a fresh portal starts on it with demo data, and its page, table, rules, export, template, import and
API all work — no Python added."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from decimal import Decimal

import httpx
import pytest
from openpyxl import load_workbook

from ..portal_process import ROOT, start_portal, stop_portal
from .conftest import Session

LISTINGS = ROOT / 'tests' / 'new_register' / 'listings_fixture.toml'
KEY = 'listings_fixture'     # the shipped schemas have their own `listings`


@pytest.fixture(scope='module')
def fresh(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('listings')
    schemas = tmp / 'schemas'
    shutil.copytree(ROOT / 'schemas', schemas)
    shutil.copy(LISTINGS, schemas / 'registers' / f'{KEY}.toml')
    env = {**{k: v for k, v in os.environ.items() if not k.startswith('PYTEST_')}, 'PORTAL_DATA_DIR': str(tmp),
           'PORTAL_SCHEMA_DIR': str(schemas)}
    env.pop('PORTAL_DB_URL', None)
    env.pop('DATABASE_URL', None)
    process, url = start_portal(tmp, env={'PORTAL_SCHEMA_DIR': str(schemas)})       # first start: demo data on

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, '-m', 'portal', *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300, check=False)
    token = cli('create-token', 'admin', 'listings').stdout.strip().splitlines()[-1]
    api = httpx.Client(base_url=f'{url}/api/v1', headers={'Authorization': f'Bearer {token}'}, timeout=60)
    yield url, api, cli, tmp
    stop_portal(process)


def test_first_start_demo_rows_keep_every_rule_and_reach_states_by_moves(fresh):
    url, api, cli, tmp = fresh
    log = (tmp / 'portal.log').read_text(encoding='utf-8')
    assert 'demo logins' in log and 'Traceback' not in log
    schema = api.get(f'/registers/{KEY}').json()
    assert schema['label'] == '新品上架登记' and [c['id'] for c in schema['checklist']] == ['photos_ok', 'price_checked']
    rows = api.get(f'/registers/{KEY}/rows', params={'limit': 1000}).json()
    assert rows['total'] == 300
    assert all(r['listed_at'] is None for r in rows['rows'] if r['status'] in ('待拍摄', '待上架'))
    states = {r['status'] for r in rows['rows']}
    assert states == {'待拍摄', '待上架', '已上架', '已下架'}
    for row in rows['rows']:
        assert 1 <= row['price'] <= 9999 and (row['cost'] is None or Decimal(str(row['price'])) >= Decimal(
            str(row['cost'])))
        if row['status'] in ('已上架', '已下架'):        # reached through 上架: ticked, listed_at set by the move
            assert row['listed_at'] and {'photos_ok', 'price_checked'} <= set(row['checks'])
    queue = api.get(f'/registers/{KEY}/rows', params={'queue': 'to_list'}).json()
    assert queue['total'] == sum(r['status'] == '待上架' for r in rows['rows'])


def test_rules_workflow_and_checklist_through_the_api(fresh):
    url, api, cli, tmp = fresh
    bad = api.post(f'/registers/{KEY}/rows', json={'values': {'sku': 'NEW-1', 'product_name': '羊毛围巾',
                                                                'category': '配饰', 'price': '50', 'cost': '80'}})
    assert bad.status_code == 422
    assert bad.json()['problems'][0]['message'].startswith('「售价」必须不小于「成本」 [《')
    pattern = api.post(f'/registers/{KEY}/rows', json={'values': {'sku': 'new-1', 'product_name': 'x',
                                                                    'category': '配饰', 'price': '50'}})
    assert pattern.status_code == 422 and '大写字母开头' in pattern.json()['detail']
    row = api.post(f'/registers/{KEY}/rows', json={'values': {'sku': 'NEW-1', 'product_name': '羊毛围巾',
                                                                'category': '配饰', 'price': '80', 'cost': '50'}}).json()
    assert row['status'] == '待拍摄' and row['owner'] == 'admin'
    row = api.patch(f'/registers/{KEY}/rows/{row["id"]}', json={'version': row['_v'],
                                                                   'values': {'status': '待上架'}}).json()
    refused = api.patch(f'/registers/{KEY}/rows/{row["id"]}', json={'version': row['_v'],
                                                                       'values': {'status': '已上架'}})
    assert refused.status_code == 422 and '主图、详情图已审核' in refused.json()['detail']
    listed = api.patch(f'/registers/{KEY}/rows/{row["id"]}', json={
        'version': row['_v'], 'values': {'status': '已上架'}, 'checks': {'photos_ok': True, 'price_checked': True}})
    assert listed.status_code == 200 and listed.json()['listed_at']          # the move's set = { listed_at }


def test_export_template_and_import(fresh):
    url, api, cli, tmp = fresh
    exported = api.get(f'/registers/{KEY}/export')
    assert exported.status_code == 200
    path = tmp / 'listings.xlsx'
    path.write_bytes(exported.content)
    headers = [c.value for c in load_workbook(path, read_only=True).active[1]]
    assert headers[:3] == ['货号', '商品名称', '类目'] and '检查:主图、详情图已审核' in headers
    again = cli('import', KEY, str(path), '--as', 'admin')
    assert again.returncode == 0 and ' 0 problems' in again.stdout and '0 new, 0 updated' in again.stdout, again.stderr
    template = tmp / 'template.xlsx'
    assert cli('template', KEY, '--out', str(template)).returncode == 0
    book = load_workbook(template)
    first = [c.value for c in book[KEY][1]]
    assert first[0] == '货号 *' and '检查:售价已按定价规定核对' in first
    sheet = book[KEY]
    sheet.append(['HIST-1', '真丝衬衫', '女装', 399, 120, '2025-03-01', '系统管理员', '2025-03-02', '已上架', '去年的',
                  '是', '是'])
    sheet.append(['HIST-2', '帆布托特包', '箱包', 59, None, '2025-04-01', 'designer', None, '待上架', None])
    book.save(template)
    imported = cli('import', KEY, str(template), '--as', 'admin')
    assert imported.returncode == 0 and 'imported: 2 new' in imported.stdout, imported.stdout + imported.stderr
    found = api.get(f'/registers/{KEY}/rows', params={'quick': 'HIST-1'}).json()['rows'][0]
    assert found['status'] == '已上架' and found['owner'] == 'admin' and set(found['checks']) == {'photos_ok',
                                                                                                  'price_checked'}


def test_page_shows_the_new_register(browser, fresh):
    url, api, cli, tmp = fresh
    s = Session(browser, url, 'admin')
    try:
        s.open(f'/r/{KEY}')
        headers = s.page.locator('.ag-header-cell-text').all_inner_texts()
        assert '货号' in headers and '状态' in headers
        s.page.get_by_text('新品上架登记').first.wait_for()
        s.shot('new-register-listings')
    finally:
        s.close()
