"""Typing into the grid as in Excel, in a real browser: Tab through a row with no conflict with oneself, type into
a selected cell of any type (the first key kept, dates parsed as paste and import parse them, an impossible date
refused), IME compositions, and the keyboard paths (Tab, Enter, Esc, F2, Home/End, Ctrl+arrows, PageUp/Down,
Ctrl+F)."""
from __future__ import annotations

from .conftest import portal_today
from .test_sheet import api_rows


def wait_saved(s, key: str, row_id: int, col: str, value) -> None:
    """Wait until the grid shows `value` in the cell and the server holds it. The grid alone is not enough: it
    shows what was typed before the server has answered (only a value the server reshapes, as a number or a date
    typed another way, proves the answer came back)."""
    s.page.wait_for_function(f'''([v]) => {{ const n = portalGrid.api(portalGrid.state.{key}.gridId)
        .getRowNode('{row_id}'); return n && JSON.stringify(n.data['{col}']) === JSON.stringify(v); }}''', arg=[value])
    wait_server(s, key, row_id, col, value)


def wait_server(s, key: str, row_id: int, col: str, value, tries: int = 150) -> None:
    for _ in range(tries):
        if row(s, key, row_id).get(col) == value:
            return
        s.page.wait_for_timeout(200)
    raise AssertionError(f'{col} of #{row_id} never became {value!r}')


def row(s, key: str, row_id: int) -> dict:
    """The row as the server has it. Ids are dense: ask for the rows around its place in id order first (a few
    instead of a register's 1,000), and all of them only if rows the user cannot see moved it out of that window."""
    near = api_rows(s, key, {'sort': [{'colId': 'id', 'sort': 'asc'}], 'start': max(0, row_id - 150), 'limit': 200})
    found = next((r for r in near if r['id'] == row_id), None)
    return found or next(r for r in api_rows(s, key, {'limit': 1000}) if r['id'] == row_id)


def focused(s) -> dict:
    return s.grid_api('(() => { const f = api.getFocusedCell(); return f && {row: f.rowIndex, col: f.column.getColId()}; })()')


def no_conflict(s) -> None:
    assert s.page.locator('.q-dialog').filter(has_text='保存冲突').count() == 0


def test_tab_through_a_row_saves_every_cell_with_no_conflict(session_factory):
    s = session_factory('warehouse')
    s.open('/r/goods_receipts')
    row_id = s.first_row_id()
    s.show_cell(row_id, 'supplier').click()                   # selected, not editing
    keyboard = s.page.keyboard
    for text in ('Tab Supplier', 'TAB-0001', 'Tab product'):
        keyboard.type(text)
        keyboard.press('Tab')
    # 类目, a choice: typed as well, with an IME — its first key is the IME's 'Process' key (keyCode 229), which
    # opens the editor; the composed text then goes into it (insert_text: no key events, as an IME commits)
    s.page.evaluate("document.activeElement.dispatchEvent(new KeyboardEvent('keydown', "
                    "{key: 'Process', bubbles: true, cancelable: true}))")
    s.page.locator('.ag-cell-inline-editing input, .ag-popup-editor input').first.wait_for()
    keyboard.insert_text('男装')
    keyboard.press('Tab')
    for text in ('TAB-SPEC', 'Teal'):
        keyboard.type(text)
        keyboard.press('Tab')
    keyboard.type('XL')                                       # typed while the earlier saves come back
    keyboard.press('Escape')                                  # … and cancelled: the old 尺码 stays
    wait_saved(s, 'goods_receipts', row_id, 'colour', 'Teal')     # a row's saves run in order: the last one is in
    no_conflict(s)
    saved = row(s, 'goods_receipts', row_id)
    assert (saved['supplier'], saved['sku'], saved['product_name'], saved['category'], saved['spec'],
            saved['colour']) == ('Tab Supplier', 'TAB-0001', 'Tab product', '男装', 'TAB-SPEC', 'Teal')
    assert saved['size'] != 'XL'
    s.shot('typing-tab-through-a-row')


def test_tab_conflicts_only_with_someone_else(session_factory):
    a = session_factory('warehouse')
    b = session_factory('manager')
    a.open('/r/goods_receipts')
    b.open('/r/goods_receipts')
    row_id = a.first_row_id()
    a.show_cell(row_id, 'colour').click()
    a.page.keyboard.type('Red')
    a.page.keyboard.press('Tab')                               # saved: A's own version moves on, A edits 尺码
    wait_server(a, 'goods_receipts', row_id, 'colour', 'Red')
    b.edit(row_id, 'spec', 'B-SPEC')                           # meanwhile B changes another cell: merged, no dialog
    wait_server(b, 'goods_receipts', row_id, 'spec', 'B-SPEC')
    b.edit(row_id, 'size', 'XS')                               # … and then the very cell A is typing into
    wait_server(b, 'goods_receipts', row_id, 'size', 'XS')
    a.page.keyboard.type('M')
    a.page.keyboard.press('Enter')
    dialog = a.page.locator('.q-dialog').filter(has_text='保存冲突')
    dialog.wait_for()
    assert '王经理' in dialog.inner_text() and 'XS' in dialog.inner_text()
    dialog.get_by_role('button', name='用我的值覆盖').click()
    dialog.wait_for(state='hidden')
    wait_saved(a, 'goods_receipts', row_id, 'size', 'M')
    assert focused(a)['col'] == 'size'                        # the keyboard is back on the cell
    saved = row(a, 'goods_receipts', row_id)
    assert (saved['colour'], saved['spec'], saved['size']) == ('Red', 'B-SPEC', 'M')


def test_typing_a_date_into_a_selected_cell(session_factory):
    s = session_factory('warehouse')
    s.open('/r/shipments')
    ids = s.grid_api('[0,1,2,3,4,5].map(i => api.getDisplayedRowAtIndex(i).data.id)')
    year = portal_today().year
    forms = [('2026-11-26', '2026-11-26'), ('2026/11/25', '2026-11-25'), ('20261124', '2026-11-24'),
             ('11-23', f'{year}-11-23'), ('2026年11月22日', '2026-11-22')]
    for row_id, (typed, stored) in zip(ids, forms):
        s.show_cell(row_id, 'ship_date').click()
        s.page.keyboard.type(typed[0])                        # the first key opens the editor …
        s.page.keyboard.insert_text(typed[1:])                # … the rest as an IME would put it
        s.page.keyboard.press('Enter')
        wait_saved(s, 'shipments', row_id, 'ship_date', stored)
    message = s.page.locator('#portal-message-shipments')
    last = ids[5]
    before = s.grid_api(f"api.getRowNode('{last}').data.ship_date")
    for impossible in ('2026-02-30', '11262026'):
        s.show_cell(last, 'ship_date').click()
        s.page.keyboard.type(impossible)
        s.page.keyboard.press('Enter')
        message.filter(has_text=f'"{impossible}" 不是日期').wait_for()
        wait_saved(s, 'shipments', last, 'ship_date', before)
    s.shot('typing-impossible-date')
    assert row(s, 'shipments', last)['ship_date'] == before
    assert [row(s, 'shipments', i)['ship_date'] for i in ids[:5]] == [stored for _, stored in forms]


def test_the_first_key_starts_editing_in_every_kind_of_cell(session_factory):
    s = session_factory('warehouse')
    s.open('/r/goods_receipts')
    row_id = s.first_row_id()
    s.show_cell(row_id, 'quantity').click()
    s.page.keyboard.type('4200')
    s.page.keyboard.press('Enter')
    wait_saved(s, 'goods_receipts', row_id, 'quantity', 4200)
    s.show_cell(row_id, 'recorded_by').click()                # a person, typed by login
    s.page.keyboard.type('manager')
    s.page.keyboard.press('Enter')
    wait_saved(s, 'goods_receipts', row_id, 'recorded_by', 'manager')
    s.show_cell(row_id, 'packaging_damaged').click()          # a yes/no cell takes y / n
    s.page.keyboard.type('y')
    s.page.keyboard.press('Enter')
    wait_saved(s, 'goods_receipts', row_id, 'packaging_damaged', True)
    s.show_cell(row_id, 'category').click()                   # a choice: the editor opens with the key in it
    s.page.keyboard.press('x')
    editor = s.page.locator('.ag-cell-inline-editing input.portal-cell-input')
    assert editor.input_value() == 'x'
    s.page.keyboard.press('Backspace')
    s.page.keyboard.insert_text('男装')
    s.page.keyboard.press('Enter')
    wait_saved(s, 'goods_receipts', row_id, 'category', '男装')


def ime(s, *events) -> None:
    """Dispatch IME events, as an input method sends them, at the focused element (a selected cell, or the editor
    the first of them opened)."""
    s.page.evaluate('''(events) => { for (const [type, data] of events) {
        const target = document.activeElement;
        const init = {data, bubbles: true, cancelable: true, composed: true};
        if (type === 'input') target.dispatchEvent(new InputEvent('input', {...init, inputType: 'insertCompositionText'}));
        else if (type === 'keydown') target.dispatchEvent(new KeyboardEvent('keydown', {key: 'Process', ...init}));
        else target.dispatchEvent(new CompositionEvent(type, init)); } }''', [list(e) for e in events])


def test_ime_composition_on_a_selected_cell_commits_chinese_text(session_factory):
    s = session_factory('warehouse')
    s.open('/r/goods_receipts')
    row_id = s.first_row_id()
    s.show_cell(row_id, 'supplier').click()                    # selected, not editing: the cell has the focus
    ime(s, ('compositionstart', ''), ('compositionupdate', 'hang'), ('compositionend', '杭州织美'),
        ('input', '杭州织美'))
    editor = s.page.locator('.ag-cell-inline-editing input.portal-cell-input')
    assert editor.input_value() == '杭州织美'
    s.page.keyboard.press('Enter')
    wait_saved(s, 'goods_receipts', row_id, 'supplier', '杭州织美')
    s.show_cell(row_id, 'colour').click()                      # an IME's first key on a selected cell …
    ime(s, ('keydown', ''))
    editor.wait_for()                                          # … opens the editor, and the IME writes into it
    s.page.keyboard.insert_text('藏青')
    s.page.keyboard.press('Enter')
    wait_saved(s, 'goods_receipts', row_id, 'colour', '藏青')
    s.show_cell(row_id, 'category').click()                    # a choice takes IME text as well
    ime(s, ('compositionstart', ''), ('compositionend', '童装'))
    assert editor.input_value() == '童装'
    s.page.keyboard.press('Enter')
    wait_saved(s, 'goods_receipts', row_id, 'category', '童装')
    assert row(s, 'goods_receipts', row_id)['supplier'] == '杭州织美'


def test_keyboard_moves_edits_and_cancels(session_factory):
    s = session_factory('warehouse')
    s.open('/r/goods_receipts')
    row_id = s.first_row_id()
    s.show_cell(row_id, 'sku').click()
    keys = s.page.keyboard
    steps = [('Enter', (1, 'sku')), ('Shift+Enter', (0, 'sku')), ('Tab', (0, 'product_name')),
             ('Shift+Tab', (0, 'sku')), ('ArrowDown', (1, 'sku'))]
    for key, (index, col) in steps:
        keys.press(key)
        assert focused(s) == {'row': index, 'col': col}, key
    columns = s.grid_api("api.getAllDisplayedColumns().map(c => c.getColId()).filter(c => !c.startsWith('ag-Grid-'))")
    keys.press('Home')
    assert focused(s) == {'row': 1, 'col': columns[0]}
    keys.press('End')
    assert focused(s) == {'row': 1, 'col': columns[-1]}
    keys.press('Control+Home')
    assert focused(s) == {'row': 0, 'col': columns[0]}
    keys.press('PageDown')
    assert focused(s)['row'] > 5
    keys.press('PageUp')
    assert focused(s)['row'] == 0
    # Ctrl+→ stops at the last filled cell before a blank one (Excel's edge of the block)
    data = s.grid_api('api.getDisplayedRowAtIndex(0).data')
    filled = [c == 'id' or data.get(c) not in (None, '', []) for c in columns]
    edge = next((i for i in range(len(columns) - 1) if filled[i] and not filled[i + 1]), len(columns) - 1)
    keys.press('Control+ArrowRight')
    assert focused(s) == {'row': 0, 'col': columns[edge]}
    s.show_cell(row_id, 'sku').click()
    keys.press('Control+ArrowDown')                          # 款号 is filled everywhere: the last row
    assert focused(s) == {'row': s.grid_api('api.getDisplayedRowCount()') - 1, 'col': 'sku'}
    keys.press('Control+ArrowUp')
    assert focused(s) == {'row': 0, 'col': 'sku'}
    before = s.grid_api(f"api.getRowNode('{row_id}').data.sku")
    keys.press('F2')                                          # F2 edits the value as it is …
    editor = s.page.locator('.ag-cell-inline-editing input.portal-cell-input')
    assert editor.input_value() == before
    keys.type('-CHANGED')
    keys.press('Escape')                                      # … and Esc leaves it as it was
    assert s.grid_api('api.getEditingCells().length') == 0
    assert s.grid_api(f"api.getRowNode('{row_id}').data.sku") == before
    keys.press('Control+f')                                   # Ctrl+F: the quick search box the placeholder names
    assert s.page.evaluate('document.activeElement.placeholder') == '搜索(Ctrl+F)'
    assert row(s, 'goods_receipts', row_id)['sku'] == before


def test_phone_cells_take_landlines_extensions_and_country_codes(session_factory):
    s = session_factory('cs')
    s.open('/r/complaints')
    row_id = s.first_row_id()
    for typed, stored in (('+86 139 1234 5678', '13912345678'), ('0571-88886666 转 12', '0571-88886666 转 12'),
                          ('(010) 6234 5678', '010-62345678')):
        s.show_cell(row_id, 'customer_phone').click()
        s.page.keyboard.type(typed[0])
        s.page.keyboard.insert_text(typed[1:])
        editor = s.page.locator('.ag-cell-inline-editing input.portal-cell-input')
        assert editor.input_value() == typed                   # nothing cut while typing
        s.page.keyboard.press('Enter')
        wait_saved(s, 'complaints', row_id, 'customer_phone', stored)
    s.show_cell(row_id, 'customer_phone').click()
    s.page.keyboard.type('0571-888')
    s.page.keyboard.press('Enter')
    s.page.locator('#portal-message-complaints').filter(has_text='"0571-888" 不是有效的电话号码').wait_for()
    assert row(s, 'complaints', row_id)['customer_phone'] == '010-62345678'
