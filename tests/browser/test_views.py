"""Search and views in a real browser: quick search by a person's display name and by a typed date, 编号 sorts,
a hidden column is kept in a saved view (and the page opens with it), views are renamed, shared with a role by a
manager, made default and deleted, and the active view is named."""
from __future__ import annotations

from .test_feedback import toast
from .test_sheet import api_rows


def shown_rows(s, key: str) -> list[dict]:
    return s.grid_api('(() => { const out = []; for (let i = 0; i < Math.min(api.getDisplayedRowCount(), 100); i++) {'
                      ' const n = api.getDisplayedRowAtIndex(i); if (n && n.data) out.push(n.data); } return out; })()')


def search(s, key: str, text: str) -> None:
    s.page.get_by_placeholder('搜索(Ctrl+F)').fill(text)
    s.page.wait_for_function(f'''() => {{ const st = portalGrid.state.{key};
        return st.quick === {text!r} && portalGrid.api(st.gridId).getDisplayedRowAtIndex(0) &&
               portalGrid.api(st.gridId).getDisplayedRowAtIndex(0).data; }}''')


def test_quick_search_by_display_name_and_typed_date(session_factory):
    s = session_factory('manager')
    s.open('/r/shipments')
    search(s, 'shipments', '陈仓管')                           # stored as the login 'warehouse'
    rows = shown_rows(s, 'shipments')
    assert rows and all(r['shipper'] == 'warehouse' for r in rows)
    s.shot('views-search-by-name')
    day = rows[0]['ship_date']                                # 2026-11-28 → typed as 2026/11/28
    search(s, 'shipments', day.replace('-', '/'))
    rows = shown_rows(s, 'shipments')
    assert rows and all(day in (r['ship_date'], r.get('delivered_date'), r.get('promised_date')) or
                        day in str(r) for r in rows)
    assert any(r['ship_date'] == day for r in rows)


def test_id_sorts_and_a_hidden_column_is_kept_in_the_view(session_factory):
    s = session_factory('manager')
    s.open('/r/shipments')
    s.page.locator('.ag-header-cell[col-id="id"] .ag-header-cell-label').click()
    s.page.wait_for_function('''() => { const api = portalGrid.api(portalGrid.state.shipments.gridId);
        const a = api.getDisplayedRowAtIndex(0), b = api.getDisplayedRowAtIndex(1);
        return a && a.data && b && b.data && a.data.id < b.data.id &&
               api.getColumnState().find(c => c.colId === 'id').sort === 'asc'; }''')
    first = shown_rows(s, 'shipments')[:5]
    assert [r['id'] for r in first] == sorted(r['id'] for r in api_rows(s, 'shipments', {'limit': 1000}))[:5]
    s.page.get_by_role('button', name='列', exact=True).click()
    s.page.get_by_role('checkbox', name='赠品').click()           # hide 赠品
    s.page.wait_for_function("() => !portalGrid.api(portalGrid.state.shipments.gridId).getColumn('gift').isVisible()")
    s.page.keyboard.press('Escape')
    s.page.get_by_role('button', name='视图').click()
    s.page.get_by_text('保存当前视图…').click()
    dialog = s.page.locator('.q-dialog').filter(has_text='视图名称')
    dialog.get_by_label('视图名称').fill('不看赠品')
    dialog.get_by_text('设为我的默认视图').click()
    dialog.get_by_role('button', name='保存').click()
    dialog.wait_for(state='hidden')
    s.page.get_by_text('视图:不看赠品').wait_for()
    s.page.reload()                                           # the default view opens with the column hidden
    s.page.locator('.ag-center-cols-container .ag-row[row-id]').first.wait_for()
    s.page.get_by_text('视图:不看赠品').wait_for()
    s.page.wait_for_function("() => !portalGrid.api(portalGrid.state.shipments.gridId).getColumn('gift').isVisible()")
    assert s.page.locator('.ag-header-cell[col-id="gift"]').count() == 0
    s.shot('views-hidden-column-kept')
    s.page.get_by_role('button', name='视图').click()            # deleted again: other tests see every column
    s.page.get_by_text('管理视图…').click()
    line = s.page.locator('.q-dialog [data-view="不看赠品"]')
    line.get_by_role('button', name='删除').click()
    line.wait_for(state='detached')


def test_views_are_renamed_shared_made_default_and_deleted(session_factory):
    s = session_factory('manager')
    s.open('/r/returns')
    s.page.get_by_role('button', name='视图').click()
    s.page.get_by_text('保存当前视图…').click()
    dialog = s.page.locator('.q-dialog').filter(has_text='视图名称')
    dialog.get_by_label('视图名称').fill('退货全部')
    dialog.get_by_label('发布给角色(可选)').click()               # a manager shares with a role
    s.page.locator('.q-menu .q-item').filter(has_text='客服(售前/售后)').click()
    dialog.get_by_role('button', name='保存').click()
    dialog.wait_for(state='hidden')
    s.page.get_by_role('button', name='视图').click()
    s.page.get_by_text('保存当前视图…').click()
    dialog.get_by_label('视图名称').fill('我的退货')
    dialog.get_by_role('button', name='保存').click()
    dialog.wait_for(state='hidden')
    s.page.get_by_role('button', name='视图').click()
    s.page.get_by_text('管理视图…').click()
    manage = s.page.locator('.q-dialog').filter(has_text='管理视图')
    mine = manage.locator('[data-view="我的退货"]')
    mine.locator('input').fill('我的退货单')
    mine.get_by_role('button', name='重命名').click()
    toast(s, '已保存')
    mine = manage.locator('[data-view="我的退货单"]')
    mine.get_by_role('button', name='设为默认').click()
    mine.get_by_text('★').wait_for()
    mine.get_by_role('button', name='删除').click()
    toast(s, '已删除视图「我的退货单」')
    mine.wait_for(state='detached')
    assert manage.locator('[data-view="退货全部"]').count() == 1
    cs = session_factory('cs')                                 # the shared view reaches the role
    cs.open('/r/returns')
    cs.page.get_by_role('button', name='视图').click()
    cs.page.locator('.q-menu').get_by_text('退货全部').wait_for()
