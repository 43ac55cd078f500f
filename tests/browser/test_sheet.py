"""Spreadsheet power in a real browser: paste from Excel with a preview, paste past the end, undo after a
re-sort, fill down, and the conflict dialog between two sessions."""
from __future__ import annotations

import json


def paste(s, text: str) -> None:
    """Put TSV on the clipboard as Excel does and press Ctrl+V on the focused cell."""
    s.page.evaluate(f'navigator.clipboard.writeText({json.dumps(text)})')
    s.page.keyboard.press('Control+V')


def api_rows(s, key: str, body: dict) -> list[dict]:
    return s.page.evaluate(f'''async () => {{ const r = await fetch('/grid/{key}/rows', {{method: 'POST',
        headers: {{'Content-Type': 'application/json'}}, body: JSON.stringify({json.dumps(body)})}});
        return (await r.json()).rows; }}''')


def sort_by(s, col: str) -> None:
    s.grid_api(f"(api.ensureColumnVisible('{col}'), 1)")
    s.page.locator(f'.ag-header-cell[col-id="{col}"] .ag-header-cell-label').click()
    # sorting is the server's: wait until the rows asked for in the new order have arrived
    s.page.wait_for_function(f'''() => {{ const st = Object.values(portalGrid.state)[0];
        const api = portalGrid.api(st.gridId), q = st.lastQuery || {{}};
        const asked = (q.sort || []).some(c => c.colId === '{col}') && (q.quick || '') === (st.quick || '');
        return asked && [0, 1, 2].map(i => api.getDisplayedRowAtIndex(i)).every(n => n && n.data); }}''')


def test_paste_block_with_a_bad_cell_then_apply(session_factory):
    s = session_factory('warehouse')
    s.open('/r/goods_receipts')
    sort_by(s, 'receipt_no')
    ids = s.grid_api('[0,1,2].map(i => api.getDisplayedRowAtIndex(i).data.id)')
    s.show_cell(ids[0], 'supplier').click()
    paste(s, '宁波海纳针织\tP-0001\t测试T恤\t女装\r\n'
             '宁波海纳针织\tP-0002\t测试卫衣\t床品\r\n'
             '宁波海纳针织\tP-0003\t测试外套\t男装\r\n')
    preview = s.page.locator('.q-dialog').filter(has_text='粘贴预览')
    preview.wait_for()
    assert '1 处错误' in preview.inner_text()
    preview.get_by_text('"床品" 不在可选项中').wait_for()       # the virtual-scroll table renders a tick later
    s.shot('sheet-paste-preview')
    preview.get_by_role('button', name='应用有效的修改').click()
    preview.wait_for(state='hidden')
    rows = {r['id']: r for r in api_rows(s, 'goods_receipts', {'limit': 1000})}
    assert [rows[i]['sku'] for i in ids] == ['P-0001', 'P-0002', 'P-0003']
    assert rows[ids[0]]['category'] == '女装' and rows[ids[2]]['category'] == '男装'
    assert rows[ids[1]]['category'] != '床品'                  # the bad cell was not written
    s.page.locator('#portal-message-goods_receipts').filter(has_text='已应用').wait_for()


def test_paste_past_the_end_creates_rows_and_undo_after_resort(session_factory):
    s = session_factory('warehouse')
    s.open('/r/goods_receipts')
    first = s.grid_api('api.getDisplayedRowAtIndex(0).data')
    s.page.get_by_placeholder('搜索(Ctrl+F)').fill(first['receipt_no'])
    s.page.wait_for_function('() => portalGrid.api(portalGrid.state.goods_receipts.gridId).getDisplayedRowCount() === 1')
    s.show_cell(first['id'], 'receipt_no').click()
    block = '\r\n'.join([
        f'{first["receipt_no"]}\t{first["receipt_date"]}\t杭州织美服饰厂\tQ-0001\t纯棉圆领T恤\t女装\t常规\t白色\tM\t'
        f'{max(20, first.get("reject_quantity") or 0)}',                # 不合格数量 ≤ 数量 holds for any demo row
        'RK20991231-0001\t2026-11-27\t杭州织美服饰厂\tQ-0002\t纯棉圆领T恤\t女装\t常规\t黑色\tL\t30',
        'RK20991231-0002\t2026/11/27\t杭州织美服饰厂\tQ-0003\t纯棉圆领T恤\t女装\t常规\t白色\tXL\t４０'])
    paste(s, block)
    preview = s.page.locator('.q-dialog').filter(has_text='粘贴预览')
    preview.wait_for()
    assert '2 行新增' in preview.inner_text() and '0 处错误' in preview.inner_text()
    preview.get_by_role('button', name='应用有效的修改').click()
    preview.wait_for(state='hidden')
    created = api_rows(s, 'goods_receipts', {'quick': 'RK20991231', 'limit': 10})
    assert sorted(r['quantity'] for r in created) == [30, 40]
    s.page.get_by_placeholder('搜索(Ctrl+F)').fill('')
    s.page.wait_for_function("() => portalGrid.state.goods_receipts.quick === ''")   # after the box's debounce
    sort_by(s, 'quantity')                                         # re-sort, then undo the paste with Ctrl+Z
    s.show_cell(s.first_row_id(), 'sku').click()
    s.page.keyboard.press('Control+Z')
    s.page.locator('#portal-message-goods_receipts').filter(has_text='已撤销').wait_for()
    assert api_rows(s, 'goods_receipts', {'quick': 'RK20991231', 'limit': 10}) == []
    restored = api_rows(s, 'goods_receipts', {'quick': first['receipt_no'], 'limit': 10})[0]
    assert restored['sku'] == first['sku']
    s.shot('sheet-undo-after-resort')


def test_fill_down(session_factory):
    s = session_factory('warehouse')
    s.open('/r/goods_receipts')
    ids = s.grid_api('[3,4,5].map(i => api.getDisplayedRowAtIndex(i).data.id)')
    s.tick(*ids)
    source = s.grid_api(f"api.getRowNode('{ids[0]}').data.colour")
    s.show_cell(ids[0], 'colour').click()
    s.page.keyboard.press('Control+D')
    s.page.locator('#portal-message-goods_receipts').filter(has_text='已应用').wait_for()
    rows = {r['id']: r for r in api_rows(s, 'goods_receipts', {'limit': 1000})}
    assert [rows[i]['colour'] for i in ids] == [source] * 3
    s.shot('sheet-fill-down')


def test_conflict_between_two_sessions(session_factory):
    a = session_factory('warehouse')
    b = session_factory('manager')
    a.open('/r/shipments')
    b.open('/r/shipments')
    row_id = a.first_row_id()
    cell = a.show_cell(row_id, 'gift')
    cell.dblclick()
    editor = a.page.locator('.ag-cell-inline-editing input').first
    editor.fill('A 的赠品')
    v0 = b.grid_api(f"api.getRowNode('{row_id}').data._v")
    b.edit(row_id, 'gift', 'B 的赠品')                              # B saves first
    b.page.wait_for_function(f'''() => {{ const n = portalGrid.api(portalGrid.state.shipments.gridId)
        .getRowNode('{row_id}'); return n.data.gift === 'B 的赠品' && n.data._v > {v0}; }}''')   # the server's row
    editor.press('Enter')                                          # A saves with the version it loaded
    dialog = a.page.locator('.q-dialog').filter(has_text='保存冲突')
    dialog.wait_for()
    text = dialog.inner_text()
    assert 'B 的赠品' in text and 'A 的赠品' in text and '王经理' in text
    a.shot('sheet-conflict-dialog')
    dialog.get_by_role('button', name='用我的值覆盖').click()
    dialog.wait_for(state='hidden')
    rows = {r['id']: r for r in api_rows(b, 'shipments', {'limit': 1000})}
    assert rows[row_id]['gift'] == 'A 的赠品'
