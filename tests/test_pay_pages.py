"""The pay sheet page (NiceGUI `user` fixture, demo data): every figure with rows behind it links to the register
page filtered to them; the leadership role closes the month there; then a grid edit of that month is refused."""
from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import unquote

from nicegui import ui
from nicegui.testing import User

from portal.runtime import rt
from portal.store import db

from .test_pages import login


async def test_pay_sheet_links_to_its_rows_then_closing_locks_the_grid(portal_env, user: User):
    await login(user, 'leader')
    first = rt().today().replace(day=1)
    last_month = (first - timedelta(days=1)).replace(day=1)                 # ended, and in the demo's attendance
    month = last_month.strftime('%Y-%m')
    targets = await db.row_model('targets').filter(status='已批准', month=last_month).values('employee')
    assert targets, 'the demo has approved targets for last month'
    login_name = targets[0]['employee']
    await user.open(f'/reports?name=pay_sheet&month={month}')
    await user.should_see(marker='pay-open', retries=50)
    link = next(iter(user.find(marker=f'pay-{login_name}-plan').elements))
    href = link.props['href']
    assert href.startswith('/r/targets?where=')
    where = json.loads(unquote(href.split('where=', 1)[1]))
    assert where['employee'] == login_name and where['month']['gte'] == f'{month}-01'
    orders = next(iter(user.find(marker=f'pay-{login_name}-orders').elements))
    assert orders.props['href'].startswith('/r/shipments?where=')
    user.find(marker='pay-close').click()
    await user.should_see(marker='pay-closed', retries=50)

    row = (await db.row_model('attendance').filter(date__gte=last_month, date__lt=first, approval='无需审批').order_by('id')
           .limit(1).values())[0]
    await user.http_client.get('/logout')                                # the leader signs out; the manager in
    manager = user
    await login(manager, 'manager')
    await manager.open('/r/attendance')
    await manager.should_see(marker='grid', retries=50)
    manager.find(ui.aggrid).trigger('cellValueChanged', {'source': 'edit', 'colId': 'remark', 'newValue': '改',
                                                      'oldValue': row['remark'],
                                                      'data': {'id': row['id'], '_v': row['version']}})
    await manager.should_see('已月结', retries=50)
    fresh = (await db.row_model('attendance').filter(id=row['id']).values('remark', 'version'))[0]
    assert fresh == {'remark': row['remark'], 'version': row['version']}
