"""Register grid in a real browser: edit and persist, invalid value refused with a message, sort and filter
run on the server, an HTML payload stays inert text."""
from __future__ import annotations

import re

from playwright.sync_api import expect


def test_edit_cell_then_reload_keeps_the_value(session_factory):
    s = session_factory('warehouse')
    s.open('/r/shipments')
    row_id = s.first_row_id()
    s.edit(row_id, 'quantity', '7')
    s.page.wait_for_function(f'''() => {{ const n = portalGrid.api(portalGrid.state.shipments.gridId)
        .getRowNode('{row_id}'); return n && n.data.quantity === 7 && n.data._v > 1; }}''')
    s.page.reload()
    s.page.locator('.ag-center-cols-container .ag-row[row-id]').first.wait_for()
    assert s.show_cell(row_id, 'quantity').inner_text() == '7'
    s.shot('grid-edit-persisted')


def test_invalid_value_shows_message_and_is_not_saved(session_factory):
    s = session_factory('warehouse')
    s.open('/r/shipments')
    row_id = s.first_row_id()
    before = s.show_cell(row_id, 'quantity').inner_text()
    s.edit(row_id, 'quantity', '0')
    message = s.page.locator('#portal-message-shipments')
    message.filter(has_text='小于最小值').wait_for()
    assert '数量' in message.inner_text()
    cell = s.show_cell(row_id, 'quantity')        # the message may come before the value is put back: expect waits
    expect(cell).to_have_class(re.compile(r'\bportal-cell-error\b'))
    expect(cell).to_have_text(before)
    s.shot('grid-invalid-value')
    s.edit(row_id, 'quantity', '30.7')                  # not rounded to 30 on the way: refused as typed
    message.filter(has_text='"30.7" 不是整数').wait_for()
    expect(s.show_cell(row_id, 'quantity')).to_have_text(before)
    s.page.reload()
    s.page.locator('.ag-center-cols-container .ag-row[row-id]').first.wait_for()
    assert s.show_cell(row_id, 'quantity').inner_text() == before


def test_an_over_long_value_is_refused_with_the_limit_not_cut(session_factory):
    """The editor takes everything typed; the service refuses it naming the limit, as the API does."""
    s = session_factory('cs')
    s.open('/r/complaints')
    row_id = s.first_row_id()
    before = s.show_cell(row_id, 'customer').inner_text()
    s.edit(row_id, 'customer', '长' * 41)
    message = s.page.locator('#portal-message-complaints')
    message.filter(has_text='长度 41 超过上限 40').wait_for()
    expect(s.show_cell(row_id, 'customer')).to_have_text(before)


def test_sort_and_filter_change_the_rows(session_factory):
    s = session_factory('manager')
    s.open('/r/shipments')
    header = s.page.locator('.ag-header-cell[col-id="quantity"]')
    s.grid_api("(api.ensureColumnVisible('quantity'), 1)")
    header.locator('.ag-header-cell-label').click()          # ascending
    header.locator('.ag-header-cell-label').click()          # descending
    s.page.wait_for_function('''() => { const api = portalGrid.api(portalGrid.state.shipments.gridId);
        const sorted = api.getColumnState().find(c => c.colId === 'quantity').sort === 'desc';
        const rows = [...Array(20).keys()].map(i => api.getDisplayedRowAtIndex(i));
        return sorted && rows.every(n => n && n.data)
            && rows[0].data.quantity === Math.max(...rows.map(n => n.data.quantity)); }''')
    first = s.grid_api('api.getDisplayedRowAtIndex(0).data.quantity')
    assert first == max(s.grid_api('[...Array(20).keys()].map(i => api.getDisplayedRowAtIndex(i).data.quantity)'))
    count = s.page.locator('#portal-count-shipments')
    s.page.wait_for_function(COUNTED)
    total = count.inner_text()
    s.grid_api("(api.ensureColumnVisible('platform'), 1)")
    s.page.locator('.ag-header-cell[col-id="platform"] .ag-header-cell-filter-button, '
                   '.ag-header-cell[col-id="platform"] .ag-header-icon').first.click()
    s.page.locator('.portal-set-filter label', has_text='京东').click()
    s.page.keyboard.press('Escape')
    s.page.wait_for_function('''() => { const api = portalGrid.api(portalGrid.state.shipments.gridId);
        const rows = [...Array(10).keys()].map(i => api.getDisplayedRowAtIndex(i)).filter(n => n && n.data);
        return rows.length > 0 && rows.every(n => n.data.platform === '京东'); }''')
    s.page.wait_for_function(f'() => ({COUNTED})() && document.querySelector("#portal-count-shipments")'
                             f'.textContent !== {total!r}')     # the count answers after the rows: wait for it
    assert _number(count.inner_text()) < _number(total)
    s.shot('grid-sorted-filtered')


COUNTED = '() => /^共 [\\d,]+ 条$/.test(document.querySelector("#portal-count-shipments").textContent)'


def _number(text: str) -> int:
    return int(re.sub(r'\D', '', text))


def test_html_payload_stays_text(session_factory):
    s = session_factory('warehouse')
    alerts = []
    s.page.on('dialog', lambda d: (alerts.append(d.message), d.dismiss()))
    s.open('/r/shipments')
    row_id = s.first_row_id()
    payload = '<img src=x onerror=alert(1)>'
    v0 = s.grid_api(f"api.getRowNode('{row_id}').data._v")
    s.edit(row_id, 'style', payload)
    s.page.wait_for_function(f'''() => {{ const n = portalGrid.api(portalGrid.state.shipments.gridId)
        .getRowNode('{row_id}'); return n.data.style === {payload!r} && n.data._v > {v0}; }}''')   # saved
    s.page.reload()
    s.page.locator('.ag-center-cols-container .ag-row[row-id]').first.wait_for()
    cell = s.show_cell(row_id, 'style')
    assert cell.inner_text() == payload
    assert s.page.locator('.ag-root img').count() == 0
    assert alerts == []
    s.shot('grid-html-inert')


def test_new_row_form_shows_the_defaults_it_will_get(session_factory):
    """新增 shows today, the signed-in user and ticked-by-default boxes, and saving keeps them (an unticked box
    used to override the schema's 与采购单一致 = true)."""
    import re
    from datetime import date
    s = session_factory('warehouse')
    s.open('/r/goods_receipts')
    s.page.get_by_role('button', name='新增').click()
    dialog = s.page.locator('.q-dialog')
    day = dialog.get_by_label(re.compile('^入库日期')).first
    day.wait_for()
    shown = day.input_value()
    assert shown and date.fromisoformat(shown) >= date(2026, 1, 1)
    assert '陈仓管' in dialog.get_by_label('登记人').first.evaluate('e => e.closest(".q-field").innerText')
    assert dialog.get_by_role('checkbox', name='与采购单一致').get_attribute('aria-checked') == 'true'
    assert dialog.get_by_role('checkbox', name='包装破损').get_attribute('aria-checked') == 'false'
    s.shot('form-new-row-defaults')
