"""月结 through the REST API of a real portal process (demo data): only the leadership role closes a month; a row of
the closed month cannot be changed through the API without a reason code; with one it is, and the pay sheet lists
the correction."""
from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from .portal_process import ROOT, start_portal, stop_portal


@pytest.fixture(scope='module')
def portal(tmp_path_factory):
    data = tmp_path_factory.mktemp('closing')
    process, url = start_portal(data)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith('PYTEST_')}, 'PORTAL_DATA_DIR': str(data)}

    def client(user: str) -> httpx.Client:
        out = subprocess.run([sys.executable, '-m', 'portal', 'create-token', user, 'tests'], cwd=ROOT, env=env,
                             capture_output=True, text=True, check=True)
        token = out.stdout.strip().splitlines()[-1]
        return httpx.Client(base_url=f'{url}/api/v1', headers={'Authorization': f'Bearer {token}'}, timeout=30)
    yield client
    stop_portal(process)


def test_closed_month_refuses_api_edits_and_takes_a_reasoned_correction(portal):
    manager, leader = portal('manager'), portal('leader')
    refused = manager.post('/months/2026-10/close')
    assert refused.status_code == 403 and '总经理' in refused.json()['message']
    assert leader.post('/months/2026-10/close').json()['month'] == '2026-10'
    assert leader.post('/months/2026-10/close').status_code == 400          # once
    rows = manager.get('/registers/attendance/rows', params={'limit': 1000}).json()['rows']
    row = next(r for r in rows if r['date'].startswith('2026-10') and r['approval'] == '无需审批')
    edit = manager.patch(f'/registers/attendance/rows/{row["id"]}', json={'version': row['_v'],
                                                                         'values': {'remark': '改'}})
    assert edit.status_code == 403 and '2026-10 已月结' in edit.json()['message']
    assert manager.delete(f'/registers/attendance/rows/{row["id"]}').status_code == 403
    bad = manager.patch(f'/registers/attendance/rows/{row["id"]}', json={
        'version': row['_v'], 'values': {'remark': '改'}, 'correction': {'reason': '随便'}})
    assert bad.status_code == 400 and '更正原因' in bad.json()['message']
    fixed = manager.patch(f'/registers/attendance/rows/{row["id"]}', json={
        'version': row['_v'], 'values': {'remark': '补登外出'}, 'correction': {'reason': '录入错误', 'note': '按打卡记录'}})
    assert fixed.status_code == 200 and fixed.json()['remark'] == '补登外出'
    sheet = leader.get('/reports/pay_sheet', params={'month': '2026-10'}).json()
    assert sheet['closed']['closed_by'] == 'leader'
    assert [(c['register'], c['row_id'], c['reason'], c['note']) for c in sheet['corrections']] == [
        ('attendance', row['id'], '录入错误', '按打卡记录')]
    created = manager.post('/registers/attendance/rows', json={'values': {'employee': 'staff', 'date': '2026-10-30',
                                                                          'kind': '旷工'}})
    assert created.status_code == 403 and '已月结' in created.json()['message']
