"""电子签到 and the escalation in a real browser: staff signs in with 签到 on the home page (the server's time), cannot
edit the stamped time in the grid, files a 补卡 request; the manager approves it from his queue. A 500 元 fine goes
up for escalation (提交上级审批) and the leadership role (总经理) decides it from his queue."""
from __future__ import annotations

import re


def rows(s, key: str, where: str) -> list:
    """Rows of a register as the signed-in user sees them (the grid's own endpoint), filtered in the page."""
    return s.page.evaluate(f'''async () => {{
        const r = await fetch('/grid/{key}/rows', {{method: 'POST', headers: {{'Content-Type': 'application/json'}},
          body: JSON.stringify({{limit: 1000}})}});
        const d = await r.json(); return d.rows.filter(x => {where}); }}''')


def choose(s, row_id: int, col: str, option: str) -> None:
    s.show_cell(row_id, col).dblclick()
    s.page.locator('.ag-cell-editor.ag-select').click()
    s.page.locator('.ag-list-item', has_text=option).click()


def test_staff_punches_and_a_correction_is_approved(session_factory):
    s = session_factory('staff')
    s.page.get_by_role('button', name='签到').click()
    stamped = s.page.locator('.q-notification', has_text='已签到')
    stamped.wait_for()
    time = re.search(r'(\d\d:\d\d)', stamped.inner_text())[1]
    s.page.get_by_text(f'签到 {time} · 签退 —').wait_for()                 # the card shows the stamp
    s.shot('attendance-punched')
    s.page.get_by_role('button', name='签到').click()                    # a second 签到 is refused
    s.page.locator('.q-notification', has_text='签到时间不能再改').wait_for()

    s.open('/r/attendance')
    row_id = s.first_row_id()
    assert s.grid_api(f"api.getRowNode('{row_id}').data.sign_in").startswith(time)
    s.show_cell(row_id, 'sign_in').dblclick()                            # read-only: no editor opens
    s.page.wait_for_timeout(300)
    assert s.page.locator('.ag-cell-inline-editing, .ag-popup-editor').count() == 0

    choose(s, row_id, 'correction_of', '签到')
    s.page.wait_for_function(f"portalGrid && (() => {{ const k = Object.keys(portalGrid.state)[0]; "
                             f"return portalGrid.api(portalGrid.state[k].gridId).getRowNode('{row_id}')"
                             f".data.correction_of === '签到'; }})()")
    s.edit(row_id, 'correction_time', '08:55')
    s.edit(row_id, 'reason', '门禁故障,8:55 已到岗')
    choose(s, row_id, 'approval', '申请')
    s.page.locator('.q-notification', has_text=f'记录 #{row_id} 已转为「申请」').wait_for()   # sent once saved
    s.shot('attendance-correction-requested')

    m = session_factory('manager')
    m.open('/r/attendance?queue=to_approve')
    m.show_cell(row_id, 'approval')
    choose(m, row_id, 'approval', '已批准')
    m.page.locator('.q-notification', has_text=f'记录 #{row_id} 已转为「已批准」').wait_for()
    m.shot('attendance-correction-approved')
    done = rows(s, 'attendance', f'x.id === {row_id}')[0]
    assert done['approval'] == '已批准' and done['approver'] and done['correction_time'].startswith('08:55')
    assert done['sign_in'].startswith(time)                              # the stamp stays, audited


def test_a_500_fine_goes_up_and_the_leader_decides(session_factory):
    m = session_factory('manager')
    m.open('/r/penalties')
    draft = rows(m, 'penalties', "x.status === '草稿' && x.employee !== 'manager' && x.penalty_type === '罚款'")[0]
    row_id = draft['id']
    m.open('/r/penalties?where=%7B%22status%22%3A%20%22%E8%8D%89%E7%A8%BF%22%7D')
    v0 = m.grid_api(f"api.getRowNode('{row_id}').data._v")
    m.edit(row_id, 'amount', '500')
    m.page.wait_for_function(f"portalGrid && (() => {{ const k = Object.keys(portalGrid.state)[0]; "
                             f"const n = portalGrid.api(portalGrid.state[k].gridId).getRowNode('{row_id}'); "
                             f"return Number(n.data.amount) === 500 && n.data._v > {v0}; }})()")   # the server's row
    m.tick(row_id)
    m.page.get_by_role('button', name='打开').click()
    dialog = m.page.locator('.q-dialog')
    dialog.get_by_text('事实经过已核实').click()
    m.page.locator('.q-notification', has_text='事实经过已核实').last.wait_for()   # sent once the tick is saved
    dialog.get_by_role('button', name='提交上级审批').click()
    dialog.wait_for(state='hidden')
    m.shot('penalty-escalated')

    leader = session_factory('leader')
    leader.open('/r/penalties?queue=to_escalate')
    assert rows(leader, 'penalties', f"x.id === {row_id}")[0]['status'] == '待上级审批'
    choose(leader, row_id, 'status', '已生效')
    leader.page.locator('.q-notification', has_text=f'记录 #{row_id} 已转为「已生效」').wait_for()
    leader.shot('penalty-decided-by-leader')
    decided = rows(leader, 'penalties', f'x.id === {row_id}')[0]
    assert decided['escalation_approval'] == '上级已批准' and decided['approver'] == 'leader'
