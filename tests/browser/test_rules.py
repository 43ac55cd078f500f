"""Regulations at work in a real browser: a shipment cannot leave (已出库) before its checklist is ticked;
the refusal names the clauses; after ticking the items the move is allowed."""
from __future__ import annotations


def test_checklist_gates_shipping_out(session_factory):
    s = session_factory('warehouse')
    s.open('/r/shipments?queue=packed')
    row_id = s.first_row_id()
    assert s.grid_api(f"api.getRowNode('{row_id}').data.status") == '已打包'
    cell = s.show_cell(row_id, 'status')
    cell.dblclick()
    s.page.locator('.ag-cell-editor.ag-select').click()        # open the option list
    s.page.locator('.ag-list-item', has_text='已出库').click()
    message = s.page.locator('#portal-message-shipments')
    message.filter(has_text='前须完成检查项').wait_for()
    text = message.inner_text()
    assert '[《仓储管理制度》发货 3]' in text and '[《仓储管理制度》发货 4]' in text     # the clauses, as people cite them
    assert s.grid_api(f"api.getRowNode('{row_id}').data.status") == '已打包'
    s.shot('rules-refused-without-checklist')

    s.tick(row_id)
    s.page.get_by_role('button', name='打开').click()
    dialog = s.page.locator('.q-dialog')
    dialog.get_by_text('打包时仔细检查,检查无误').click()
    dialog.get_by_text('包裹内物品与面单一致且齐全,包扎严实').click()
    s.page.wait_for_timeout(500)
    s.shot('rules-checklist-ticked')
    dialog.get_by_role('button', name='出库(快递已揽收)').click()
    dialog.wait_for(state='hidden')
    s.page.wait_for_function(f'''async () => {{
        const r = await fetch('/grid/shipments/rows', {{method: 'POST', headers: {{'Content-Type': 'application/json'}},
          body: JSON.stringify({{filter: {{status: {{filterType: 'set', values: ['已出库']}}}}, limit: 1000}})}});
        const d = await r.json(); return d.rows.some(x => x.id === {row_id} && x.picked_up_at); }}''')


def test_regulations_page_shows_where_clauses_are_enforced(session_factory):
    s = session_factory('staff')
    s.page.goto(f'{s.url}/regulations')
    card = s.page.locator('[id="attendance.late"]')
    card.wait_for()
    assert '迟到早退时间超过15分钟视为半天旷工' in card.inner_text()
    assert '考勤' in card.inner_text()                   # the register and its rule that enforce it
    s.page.get_by_label('搜索条款或编号').fill('满勤')
    s.page.wait_for_timeout(600)
    assert s.page.locator('[id="attendance.full"]').is_visible()
    assert not s.page.locator('[id="storage.inbound.1"]').is_visible()
    s.shot('regulations-search')


def test_an_effective_penalty_offers_no_cell_editor(session_factory):
    s = session_factory('manager')
    s.open('/r/penalties')
    ids = s.grid_api("[...Array(30).keys()].map(i => api.getDisplayedRowAtIndex(i)).filter(n => n && n.data)"
                     ".map(n => [n.data.id, n.data.status])")
    settled = next(i for i, state in ids if state == '已生效')
    open_row = next(i for i, state in ids if state in ('草稿', '待审批'))
    s.show_cell(settled, 'description').dblclick()
    s.page.wait_for_timeout(300)
    assert s.page.locator('.ag-cell-inline-editing, .ag-popup-editor').count() == 0
    s.show_cell(open_row, 'description').dblclick()
    s.page.locator('.ag-cell-inline-editing, .ag-popup-editor').first.wait_for()
    s.page.keyboard.press('Escape')
