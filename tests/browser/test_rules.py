"""Regulations at work in a real browser: a shipment cannot leave (已出库) before its checklist is ticked;
the refusal names the clauses; after ticking the items the move is allowed."""
from __future__ import annotations

import re


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
    s.page.wait_for_function(f"() => portalGrid.api(portalGrid.state.shipments.gridId).getRowNode('{row_id}')"
                             f".data.status === '已打包'")                # the refused value is put back
    s.shot('rules-refused-without-checklist')

    s.tick(row_id)
    s.page.get_by_role('button', name='打开').click()
    dialog = s.page.locator('.q-dialog')
    for item in ('打包时仔细检查,检查无误', '包裹内物品与面单一致且齐全,包扎严实'):
        dialog.get_by_text(item).click()
        s.page.locator('.q-notification', has_text=item).last.wait_for()   # sent once the tick is saved
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
    s.page.locator('[id="storage.inbound.1"]').wait_for(state='hidden')   # filtered in the browser
    assert s.page.locator('[id="attendance.full"]').is_visible()
    storage = s.page.locator('.portal-reg-doc .text-h6').filter(has_text=re.compile('^仓储管理制度$'))
    assert storage.count() == 1 and not storage.is_visible()                # a document with no match steps aside
    assert not s.page.locator('.portal-reg-overview').is_visible()           # … and so does the overview
    s.page.get_by_label('搜索条款或编号').fill('没有这样的条款')
    s.page.get_by_text('没有匹配的条款').wait_for()
    s.page.get_by_label('搜索条款或编号').fill('')
    s.page.locator('[id="storage.inbound.1"]').wait_for()
    s.page.goto(f'{s.url}/regulations?q=满勤')                              # a link with the search in it
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


def test_regulations_page_declares_the_choices_and_company_settings(session_factory):
    """Issue 18 items 1, 8, 14, 17: both clauses of a disagreement quoted with the default chosen; company settings
    labelled as such; rule chips in words, no engine names or internal notes."""
    s = session_factory('staff')
    s.page.goto(f'{s.url}/regulations')
    s.page.get_by_text('满勤的标准').first.wait_for()
    text = s.page.locator('body').inner_text()
    assert '「每月26天为满勤。」' in text and '「工作时间为每周五天,每天工作8小时。」' in text
    assert '公司设定(不是制度原文)' in text and '缺一次打卡' in text and '登记表中的公司设定' in text
    assert 'required_if' not in text and 'the one beginning' not in text and 'occurrence' not in text
    card = s.page.locator('[id="cs.complaint.3"]')
    assert '「调查原因」必填' in card.inner_text()
    assert '公司设定' in s.page.locator('[id="cs.complaint.7"]').inner_text()
    s.shot('regulations-choices')


def test_regulations_page_shows_the_coverage_of_each_document(session_factory):
    """Issue 20: per document, how many clauses a record carries and how many are shown with a reason; a clause no
    record carries says why."""
    s = session_factory('manager')
    s.page.goto(f'{s.url}/regulations')
    row = s.page.locator('.nicegui-row').filter(has_text='仓储管理制度').filter(has_text='条落实').first
    row.wait_for()
    assert re.search(r'\d+ 条落实 · \d+ 条仅展示\(已注明理由\) · 0 条缺失', row.inner_text())
    secrecy = s.page.locator('[id="general.secrecy"]')
    assert '仅展示:行为规范' in secrecy.inner_text()
    s.page.locator('[id="attendance.late"]').scroll_into_view_if_needed()
    assert '仅展示' not in s.page.locator('[id="attendance.late"]').inner_text()
    # a clause may quote the words 覆盖情况 as well: find the section by its exact heading
    s.page.get_by_text('覆盖情况:每份文件的条款由什么落实', exact=True).scroll_into_view_if_needed()
    s.shot('regulations-coverage')
