"""The pay cycle in a real browser, on a portal process of its own (closing a month must not disturb the other
browser tests): a new promoter's target is set and approved, the month runs (demo rows, plus a month of attendance
with one day 旷工), the pay sheet shows the person's figures, a figure opens the rows behind it, the leader closes the
month (月结); an edit of a closed-month row is then refused in the grid (the cell keeps its old value, the message
shows), in paste and through the API; a reasoned correction through the API shows on the pay sheet as an
adjustment."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from ..portal_process import PASSWORD, ROOT, start_portal, stop_portal
from .conftest import Session, portal_today
from .test_sheet import paste


@pytest.fixture(scope='module')
def cycle(tmp_path_factory):
    data = tmp_path_factory.mktemp('paycycle')
    process, url = start_portal(data)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith('PYTEST_')}, 'PORTAL_DATA_DIR': str(data)}

    def cli(*args: str) -> str:
        return subprocess.run([sys.executable, '-m', 'portal', *args], cwd=ROOT, env=env, capture_output=True,
                              text=True, check=True).stdout

    def client(user: str) -> httpx.Client:
        token = cli('create-token', user, 'tests').strip().splitlines()[-1]
        return httpx.Client(base_url=f'{url}/api/v1', headers={'Authorization': f'Bearer {token}'}, timeout=30)
    yield url, client
    stop_portal(process)


def _workdays(start: date, end: date) -> list[date]:
    from portal.catalog.load import load_catalog
    from portal.rules.calendar import workdays
    catalog, _ = load_catalog(ROOT / 'schemas')
    return list(workdays(start, end, catalog.policies.get('calendar')))


def _figures(s, login: str, *keys: str) -> dict[str, Decimal]:
    return {k: Decimal(s.page.locator(f'[data-figure="{login}-{k}"]').inner_text().replace(',', '')) for k in keys}


def _new_user(browser, url: str) -> None:
    """孙新人 (xinren) created by the admin on /admin (the serving process knows the new user at once)."""
    s = Session(browser, url, 'admin')
    s.page.goto(f'{url}/admin')
    s.page.get_by_label('用户名').fill('xinren')
    s.page.get_by_label('姓名').fill('孙新人')
    s.page.get_by_label('密码').fill(PASSWORD)
    s.page.get_by_role('button', name='创建').click()
    s.page.get_by_text('已创建用户 xinren').wait_for()
    s.close()


def _month_of_a_new_promoter(manager, leader, admin, month: date) -> int:
    """孙新人 (推广员, 天猫, plan 20 000) with an approved target and every workday present but one 旷工; the id of
    that 旷工 row."""
    made = manager.post('/registers/targets/rows', json={'values': {
        'month': str(month), 'employee': 'xinren', 'position': '推广员', 'shop': '天猫', 'plan_amount': '20000'}})
    assert made.status_code == 201, made.text
    row = made.json()
    row = manager.patch(f'/registers/targets/rows/{row["id"]}', json={'version': row['_v'],
                                                                      'values': {'status': '待审批'}}).json()
    row = leader.patch(f'/registers/targets/rows/{row["id"]}', json={'version': row['_v'],
                                                                     'values': {'status': '已批准'}})
    assert row.status_code == 200 and row.json()['approver'] == 'leader', row.text
    end = (month + timedelta(days=32)).replace(day=1)
    days = _workdays(month, end)
    absent = None
    for day in days:
        values = {'employee': 'xinren', 'date': str(day), 'sign_in': '09:00', 'sign_out': '18:00'}
        if day == days[3]:
            values = {'employee': 'xinren', 'date': str(day), 'kind': '旷工'}
        made = admin.post('/registers/attendance/rows', json={'values': values})
        assert made.status_code == 201, made.text
        absent = made.json()['id'] if day == days[3] else absent
    where = json.dumps({'ship_date': {'gte': str(month), 'lt': str(end)}, 'platform': '天猫'})
    assert manager.get('/registers/shipments/rows', params={'where': where}).json()['total'] > 0   # the month ran
    return absent


def test_target_to_closing_to_a_correction_shown_as_an_adjustment(browser, cycle):
    url, client = cycle
    manager, leader, admin = client('manager'), client('leader'), client('admin')
    month = (portal_today().replace(day=1) - timedelta(days=1)).replace(day=1)
    ym = month.strftime('%Y-%m')
    _new_user(browser, url)
    absent = _month_of_a_new_promoter(manager, leader, admin, month)

    lead = Session(browser, url, 'leader')
    lead.page.goto(f'{url}/reports?name=pay_sheet&month={ym}')
    lead.page.locator('[data-figure="xinren-orders"]').wait_for()
    got = _figures(lead, 'xinren', 'plan', 'orders', 'refunds', 'actual', 'base', 'full', 'total', 'adjustment')
    assert got['plan'] == 20000 and got['base'] == 2000 and got['full'] == 0 and got['adjustment'] == 0
    assert got['orders'] > 0 and got['actual'] == got['orders'] - got['refunds']
    lead.shot('pay-cycle-1-sheet')

    lead.page.locator('[data-figure="xinren-orders"]').click()           # the rows behind the figure
    lead.page.wait_for_url('**/r/shipments?where=**')
    lead.page.locator('.ag-center-cols-container .ag-row[row-id]').first.wait_for()
    where = parse_qs(urlparse(lead.page.url).query)['where'][0]
    behind = manager.get('/registers/shipments/rows', params={'where': where, 'limit': 1000}).json()
    assert sum(Decimal(str(r['order_amount'])) for r in behind['rows']) == got['orders']
    assert {r['platform'] for r in behind['rows']} == {'天猫'}
    # the grid knows its length once the count request has answered (a full first block shows one row more)
    lead.page.wait_for_function(f"() => portalGrid.api(portalGrid.state.shipments.gridId)"
                                f".getDisplayedRowCount() === {behind['total']}")
    lead.shot('pay-cycle-2-rows-behind')

    lead.page.goto(f'{url}/reports?name=pay_sheet&month={ym}')           # 月结
    lead.page.get_by_role('button', name='月结').click()
    # the click notifies and then navigates: wait for the page it lands on (its banner names who closed it),
    # not the notification, or the screenshot is taken mid-navigation
    lead.page.get_by_text(f'{ym} 已月结(').wait_for()
    lead.page.wait_for_load_state()
    lead.shot('pay-cycle-3-closed')

    m = Session(browser, url, 'manager')
    before = manager.get(f'/registers/attendance/rows/{absent}').json()
    m.open('/r/attendance?where=' + json.dumps({'employee': 'xinren'}))
    m.edit(absent, 'remark', '改一下')                                     # the grid refuses
    m.page.locator('#portal-message-attendance').filter(has_text='已月结').wait_for()
    m.page.wait_for_function(f"() => (portalGrid.api(portalGrid.state.attendance.gridId).getRowNode('{absent}')"
                             f".data.remark || '') === {json.dumps(before['remark'] or '')}")   # put back
    m.shot('pay-cycle-4-grid-refused')

    m.open('/r/attendance?where=' + json.dumps({'employee': 'xinren'}))  # paste is refused
    m.show_cell(absent, 'remark').click()
    paste(m, '粘贴的备注')
    preview = m.page.locator('.q-dialog').filter(has_text='粘贴预览')
    preview.get_by_text('已月结').first.wait_for()                       # the preview marks the cell
    assert '0 处修改' in preview.inner_text()
    m.shot('pay-cycle-5-paste-refused')
    preview.get_by_role('button', name='取消').click()
    preview.wait_for(state='hidden')
    assert (m.grid_api(f"api.getRowNode('{absent}').data.remark") or '') == (before['remark'] or '')
    after = manager.get(f'/registers/attendance/rows/{absent}').json()
    assert after['remark'] == before['remark'] and after['_v'] == before['_v']

    refused = manager.patch(f'/registers/attendance/rows/{absent}', json={'version': before['_v'],
                                                                          'values': {'kind': '正常'}})
    assert refused.status_code == 403 and '已月结' in refused.json()['message']
    fixed = admin.patch(f'/registers/attendance/rows/{absent}', json={        # the punch times: the admin's
        'version': before['_v'], 'values': {'kind': '正常', 'sign_in': '09:00', 'sign_out': '18:00'},
        'correction': {'reason': '录入错误', 'note': '当天正常出勤(打卡记录),误登为旷工'}})
    assert fixed.status_code == 200, fixed.text

    assert fixed.json()['absence_days'] == 0
    lead.page.goto(f'{url}/reports?name=pay_sheet&month={ym}')           # now 满勤: +100 全勤奖 as an adjustment
    lead.page.locator('[data-figure="xinren-adjustment"]').wait_for()
    now = _figures(lead, 'xinren', 'full', 'total', 'adjustment')
    assert now == {'full': 100, 'total': got['total'] + 100, 'adjustment': 100}
    lead.page.get_by_text('录入错误').first.wait_for()
    assert '当天正常出勤(打卡记录),误登为旷工' in lead.page.locator('body').inner_text()
    lead.shot('pay-cycle-6-adjustment')
    sheet = leader.get('/reports/pay_sheet', params={'month': ym}).json()
    assert [(c['register'], c['row_id'], c['reason']) for c in sheet['corrections']] == [
        ('attendance', absent, '录入错误')]
    lead.close()
    m.close()
