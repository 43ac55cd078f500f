"""The grid's cell range in a real browser: drag and Shift selection drawn with the status bar's sum, copy (the
clipboard read back: TSV with Excel's quoting, and HTML), paste tiled over a range, clear + undo, refusals per
cell, the fill handle continuing a series, Ctrl+D over a range, the context menu."""
from __future__ import annotations

import json

from .test_sheet import api_rows, paste

STATUS = '#portal-range-status-shipments'


def ids_at(s, first: int, n: int) -> list[int]:
    return s.grid_api(f'[...Array({n}).keys()].map(i => api.getDisplayedRowAtIndex({first} + i).data.id)')


def data_of(s, row_id: int) -> dict:
    return s.grid_api(f"api.getRowNode('{row_id}').data")


def centre(s, row_id: int, col: str) -> tuple[float, float]:
    box = s.show_cell(row_id, col).bounding_box()
    return box['x'] + box['width'] / 2, box['y'] + box['height'] / 2


def drag(s, a: tuple[int, str], b: tuple[int, str]) -> None:
    """Press on one cell, move over the grid to another, release (as a person drags a range)."""
    s.show_cell(*b)
    start, end = centre(s, *a), centre(s, *b)
    s.page.mouse.move(*start)
    s.page.mouse.down()
    s.page.mouse.move(*end, steps=6)
    s.page.mouse.up()


def in_range(s, row_id: int, col: str) -> bool:
    return 'portal-range' in (s.cell(row_id, col).get_attribute('class') or '').split()


def bar_shows(s, *texts: str) -> str:
    """Wait until the status bar holds every one of `texts`; a timeout names what it held instead."""
    bar = s.page.locator(STATUS)
    wanted = bar
    for text in texts:
        wanted = wanted.filter(has_text=text)
    try:
        wanted.wait_for()
    except Exception as exc:
        raise AssertionError(f'status bar shows {bar.inner_text()!r}, not {texts!r}') from exc
    return bar.inner_text()


def select(s, a: tuple[int, str], b: tuple[int, str]) -> None:
    """Click one corner, Shift+click the other."""
    s.show_cell(*a).click()
    s.show_cell(*b).click(modifiers=['Shift'])


def copied(s, how) -> str:
    """Copy (how: a function that presses the keys or clicks), wait until the grid says it copied, read the
    clipboard."""
    s.page.evaluate('portalGrid.message("shipments", "", false)')
    how()
    s.page.locator('#portal-fetch-shipments').filter(has_text='已复制').wait_for()
    return s.page.evaluate('navigator.clipboard.readText()')


def messages(s):
    return s.page.locator('#portal-message-shipments')


def test_drag_and_shift_selection_are_drawn_with_the_sum(session_factory):
    s = session_factory('manager')
    s.open('/r/shipments')
    ids = ids_at(s, 0, 5)
    quantities = [data_of(s, i)['quantity'] for i in ids]
    drag(s, (ids[0], 'quantity'), (ids[2], 'quantity'))
    assert all(in_range(s, i, 'quantity') for i in ids[:3]) and not in_range(s, ids[3], 'quantity')
    assert not in_range(s, ids[0], 'sku')
    shown = bar_shows(s, f'求和 {sum(quantities[:3])}')
    assert '3 行 × 1 列' in shown and '计数 3' in shown
    s.shot('range-drag-sum')
    s.show_cell(ids[4], 'quantity').click(modifiers=['Shift'])          # Shift+click extends from the anchor
    bar_shows(s, f'求和 {sum(quantities)}')
    assert in_range(s, ids[4], 'quantity')
    s.page.keyboard.press('Shift+ArrowLeft')                             # Shift+arrows move the far corner
    bar_shows(s, '5 行 × 2 列')
    assert in_range(s, ids[4], 'size') and in_range(s, ids[0], 'size')
    s.page.keyboard.press('ArrowDown')                                   # a plain move collapses it
    s.page.wait_for_function(f'() => !document.querySelector("{STATUS}").textContent')
    assert not in_range(s, ids[2], 'quantity')
    s.show_cell(ids[0], 'sku').click()
    s.page.keyboard.press('Control+A')                                   # every row, every column
    shown = bar_shows(s, '× ', '求和')
    total = s.grid_api('api.getDisplayedRowCount()')
    assert f'{total:,} 行' in shown


def test_copy_puts_tsv_and_html_on_the_clipboard(session_factory):
    s = session_factory('manager')
    s.open('/r/shipments')
    ids = ids_at(s, 0, 2)
    s.show_cell(ids[0], 'style').click()
    paste(s, '"a\tb ""c""\nd"')                                          # one cell holding a tab, a quote, a newline
    preview = s.page.locator('.q-dialog').filter(has_text='粘贴预览')
    preview.get_by_role('button', name='应用有效的修改').click()
    preview.wait_for(state='hidden')
    s.page.wait_for_function(f'''() => portalGrid.api(portalGrid.state.shipments.gridId).getRowNode('{ids[0]}')
        .data.style === 'a\\tb "c"\\nd' ''')
    second = data_of(s, ids[1])
    select(s, (ids[0], 'style'), (ids[1], 'colour'))
    text = copied(s, lambda: s.page.keyboard.press('Control+C'))
    assert '已复制 2 行 × 2 列' in s.page.locator('#portal-fetch-shipments').inner_text()
    colour = data_of(s, ids[0])['colour'] or ''
    assert text == f'"a\tb ""c""\nd"\t{colour}\r\n{second["style"] or ""}\t{second["colour"] or ""}'
    html = s.page.evaluate('''async () => { const items = await navigator.clipboard.read();
        return await (await items[0].getType('text/html')).text(); }''')
    assert '<table>' in html and '<td>a\tb "c"<br' in html      # (the browser re-serialises it)
    # people and choices are copied as people read them: the shipper's name, not the login
    select(s, (ids[0], 'platform'), (ids[0], 'platform'))
    s.show_cell(ids[0], 'shipper').click(modifiers=['Shift'])
    cells = copied(s, lambda: s.page.keyboard.press('Control+C')).split('\t')
    shipper = data_of(s, ids[0])['shipper']
    names = s.grid_api("api.getColumnDef('shipper').refData")
    assert cells[0] == data_of(s, ids[0])['platform'] and cells[-1] == (names.get(shipper, '') if shipper else '')
    # the context menu copies too
    select(s, (ids[1], 'sku'), (ids[1], 'style'))
    s.show_cell(ids[1], 'sku').click(button='right')
    menu = s.page.locator('.portal-range-menu')
    menu.wait_for()
    s.shot('range-context-menu')
    text = copied(s, lambda: menu.locator('[data-command=copy]').click())
    assert text == '\t'.join(data_of(s, ids[1])[c] or '' for c in ('sku', 'style'))


def test_one_cell_pasted_into_a_range_is_tiled(session_factory):
    s = session_factory('manager')
    s.open('/r/shipments')
    ids = ids_at(s, 0, 3)
    drag(s, (ids[0], 'gift'), (ids[2], 'gift'))
    paste(s, '范围赠品')
    preview = s.page.locator('.q-dialog').filter(has_text='粘贴预览')
    preview.wait_for()
    preview.get_by_role('button', name='应用有效的修改').click()
    preview.wait_for(state='hidden')
    rows = {r['id']: r for r in api_rows(s, 'shipments', {'limit': 100})}
    assert [rows[i]['gift'] for i in ids] == ['范围赠品'] * 3


def test_clear_a_range_then_undo(session_factory):
    s = session_factory('manager')
    s.open('/r/shipments')
    ids = ids_at(s, 5, 2)
    before = {i: data_of(s, i) for i in ids}
    filled = sum(1 for i in ids for c in ('style', 'colour') if before[i][c])
    assert filled
    select(s, (ids[0], 'style'), (ids[1], 'colour'))
    s.page.keyboard.press('Delete')
    messages(s).filter(has_text=f'已清除 {filled} 个单元格').wait_for()
    rows = {r['id']: r for r in api_rows(s, 'shipments', {'limit': 100})}
    assert [(rows[i]['style'], rows[i]['colour']) for i in ids] == [(None, None)] * 2
    s.shot('range-cleared')
    s.page.keyboard.press('Control+Z')
    messages(s).filter(has_text=f'已撤销:清除 {filled} 个单元格').wait_for()
    rows = {r['id']: r for r in api_rows(s, 'shipments', {'limit': 100})}
    assert [(rows[i]['style'], rows[i]['colour']) for i in ids] == [(before[i]['style'], before[i]['colour'])
                                                                     for i in ids]


def test_clear_refuses_read_only_and_required_cells_by_name(session_factory):
    s = session_factory('ops')                       # ops may not change 订单号; 平台 is required
    s.open('/r/shipments')
    ids = ids_at(s, 8, 2)
    select(s, (ids[0], 'order_no'), (ids[1], 'courier'))
    s.page.keyboard.press('Delete')
    dialog = s.page.locator('.q-dialog').filter(has_text='未清除的单元格')
    dialog.wait_for()
    text = dialog.inner_text()
    assert '只读列' in text and '必填' in text and f'#{ids[0]}' in text
    s.shot('range-clear-refused')
    dialog.get_by_role('button', name='关闭').click()
    rows = {r['id']: r for r in api_rows(s, 'shipments', {'limit': 100})}
    assert all(rows[i]['order_no'] and rows[i]['platform'] for i in ids)
    assert all(rows[i]['ship_date'] for i in ids)          # required as well: refused, kept


def test_fill_handle_continues_a_series(session_factory):
    s = session_factory('manager')
    s.open('/r/shipments')
    ids = ids_at(s, 2, 5)                         # rows on screen: the drag stays inside the grid
    s.edit(ids[0], 'quantity', '1')
    s.edit(ids[1], 'quantity', '2')
    s.page.wait_for_function(f'''() => portalGrid.api(portalGrid.state.shipments.gridId).getRowNode('{ids[1]}')
        .data.quantity === 2''')
    select(s, (ids[0], 'quantity'), (ids[1], 'quantity'))
    handle = s.cell(ids[1], 'quantity')
    s.page.wait_for_function(f'''() => document.querySelector('.ag-row[row-id="{ids[1]}"] [col-id="quantity"]')
        .classList.contains('portal-range-handle')''')
    s.grid_api("(api.ensureColumnVisible('receiver_phone'), 1)")      # the handle clear of the scroll bar
    target = centre(s, ids[4], 'quantity')
    box = handle.bounding_box()
    s.page.mouse.move(box['x'] + box['width'] - 3, box['y'] + box['height'] - 3)
    s.page.mouse.down()
    s.page.mouse.move(*target, steps=8)
    assert 'portal-range-fill' in s.cell(ids[3], 'quantity').get_attribute('class')
    s.shot('range-fill-handle-drag')
    s.page.mouse.up()
    messages(s).filter(has_text='已应用 3 个单元格').wait_for()
    rows = {r['id']: r for r in api_rows(s, 'shipments', {'limit': 100})}
    assert [rows[i]['quantity'] for i in ids] == [1, 2, 3, 4, 5]
    assert in_range(s, ids[4], 'quantity')                     # the filled area becomes the range


def test_ctrl_d_fills_a_range_down(session_factory):
    s = session_factory('manager')
    s.open('/r/shipments')
    ids = ids_at(s, 15, 4)
    top = data_of(s, ids[0])
    select(s, (ids[0], 'colour'), (ids[3], 'size'))
    s.page.keyboard.press('Control+D')
    messages(s).filter(has_text='已应用').wait_for()
    rows = {r['id']: r for r in api_rows(s, 'shipments', {'limit': 100})}
    assert [(rows[i]['colour'], rows[i]['size']) for i in ids] == [(top['colour'], top['size'])] * 4
    assert not s.grid_api('api.getSelectedRows().length')     # no row checkbox was needed


def test_a_hidden_column_is_never_copied(session_factory):
    """The range endpoints check the user's column rights themselves: a request naming a hidden column (订单金额 for
    the warehouse) is refused, whatever the browser sends."""
    s = session_factory('warehouse')
    s.open('/r/shipments')
    assert not s.grid_api("api.getColumnDef('order_amount')")
    answer = s.page.evaluate('''async () => { const r = await fetch('/grid/shipments/range/copy', {method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({start: 0, count: 5, columns: ['order_no', 'order_amount']})});
        return [r.status, await r.text()]; }''')
    assert answer[0] == 400 and 'order_amount' in answer[1] and '¥' not in answer[1]
    ok = s.page.evaluate('''async () => (await (await fetch('/grid/shipments/range/copy', {method: 'POST',
        headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({start: 0, count: 5, columns: ['order_no', 'quantity']})})).json()).rows''')
    assert ok == 5


def test_the_browser_reads_and_writes_tsv_as_the_server_does(session_factory):
    """range.js tiles a pasted block with its own TSV reader and writer: they agree with the server's."""
    from portal.records import paste as pasting
    from portal.records import ranges
    s = session_factory('staff')
    cells = [['a\tb', 'say "hi"', ''], ['line1\nline2', ' spaced ', '"'], ['x', '', 'end']]
    text = ranges.tsv(cells)
    assert pasting.parse_tsv(text) == cells
    assert s.page.evaluate(f'portalRange.parseTsv({json.dumps(text)})') == cells
    assert s.page.evaluate(f'portalRange.toTsv({json.dumps(cells)})') == text
    assert s.page.evaluate('portalRange.parseTsv("1\\t2\\r\\n3\\t4\\r\\n")') == [['1', '2'], ['3', '4']]
