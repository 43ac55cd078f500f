"""Roles in a real browser: warehouse sees only its registers and columns; the manager approves a penalty."""
from __future__ import annotations


def test_warehouse_sees_only_permitted_registers_and_columns(session_factory):
    s = session_factory('warehouse')
    nav = s.page.locator('.portal-nav')
    for label in ('入库登记', '发货登记', '退换货登记', '考勤', '处罚登记'):
        assert nav.get_by_text(label, exact=True).count() == 1, label
    assert nav.get_by_text('投诉处理登记', exact=True).count() == 0
    s.open('/r/shipments')
    headers = s.grid_api('api.getColumnDefs().map(c => c.headerName)')
    assert '订单号' in headers and '订单金额' not in headers
    rows = s.grid_api('[0,1,2].map(i => api.getDisplayedRowAtIndex(i).data)')
    assert all('order_amount' not in r for r in rows)
    s.shot('access-warehouse-shipments')
    s.page.goto(f'{s.url}/r/complaints')
    s.page.get_by_text('您没有查看「投诉处理登记」的权限').wait_for()


def test_manager_approves_a_penalty(session_factory):
    s = session_factory('manager')
    s.open('/r/penalties?queue=to_approve')
    row_id = s.first_row_id()
    assert s.grid_api(f"api.getRowNode('{row_id}').data.status") == '待审批'
    s.tick(row_id)
    s.page.get_by_role('button', name='打开').click()
    dialog = s.page.locator('.q-dialog')
    dialog.get_by_role('button', name='批准生效').click()
    dialog.wait_for(state='hidden')
    s.page.goto(f'{s.url}/r/penalties')
    s.page.locator('.ag-center-cols-container .ag-row[row-id]').first.wait_for()
    s.page.wait_for_function(f'''async () => {{
        const r = await fetch('/grid/penalties/rows', {{method: 'POST', headers: {{'Content-Type': 'application/json'}},
          body: JSON.stringify({{filter: {{status: {{filterType: 'set', values: ['已生效']}}}}, limit: 1000}})}});
        const d = await r.json(); return d.rows.some(x => x.id === {row_id} && x.approver === 'manager'); }}''')
    s.shot('access-manager-approved')


def test_staff_cannot_approve(session_factory):
    s = session_factory('staff')
    s.open('/r/attendance')
    statuses = s.grid_api("api.getColumnDefs().filter(c => c.colId === 'approver').map(c => c.editable)")
    assert statuses == [False]                      # read-only for staff
    s.shot('access-staff-attendance')
