"""Spreadsheet power on the server: paste plans, fill down, undo/redo from the audit trail, saved views."""
from __future__ import annotations

from decimal import Decimal

import pytest

from portal import records
from portal.errors import PortalError
from portal.records import paste, undo
from portal.records import saved_views as views
from portal.runtime import rt
from portal.store.query import RowQuery

BASE = {'platform': '天猫', 'sku': 'A1001-01', 'quantity': 1, 'courier': '顺丰'}
COLUMNS = ['id', 'order_no', 'ship_date', 'platform', 'courier', 'tracking_no', 'sku', 'style', 'colour', 'size',
           'quantity', 'order_amount', 'receiver', 'receiver_phone', 'waybill_remark', 'gift', 'address_verified']
SORT = {'sort': [{'colId': 'order_no', 'sort': 'asc'}]}


async def _rows(actor, n=3):
    out = []
    for i in range(n):
        out.append(await records.create_row(actor, 'shipments', {**BASE, 'order_no': f'NO-{i}'}))
    return out


def test_tsv_from_excel_with_quotes_and_crlf():
    text = 'a\tb\r\n"line1\nline2"\t"say ""hi"""\r\n'
    assert paste.parse_tsv(text) == [['a', 'b'], ['line1\nline2', 'say "hi"']]


async def test_paste_block_with_one_bad_cell_applies_only_valid_cells(engine, actors):
    m = actors['manager']
    rows = await _rows(m)
    # 3 rows × 4 columns starting at ship_date: dates in Chinese forms, a bad platform, full-width digits
    text = ('2026/11/3\t京东\t中通\tZT1234567890\n'
            '2026年11月4日\t拼夕夕\t圆通\tYT1234567890\n'
            '２０２６-11-05\t淘宝\t 申通 \tST1234567890\n')
    plan = await paste.plan_paste(m, 'shipments', text, start_row=0, start_col='ship_date', columns=COLUMNS,
                                  query=SORT)
    errors = [(c.row, c.field, c.error) for c in plan.errors]
    assert errors == [(1, 'platform', '"拼夕夕" 不在可选项中:天猫、京东、1688、淘宝、拼多多、抖音、官网')]
    assert plan.errors[0].old == '天猫'                   # the preview shows what the refused cell keeps
    assert plan.changes == 11 and len(plan.updates) == 3 and not plan.creates
    result = await paste.apply_paste(m, plan)
    assert result == {'cells': 11, 'updated': 3, 'created': 0}
    got = await records.list_rows(m, 'shipments', RowQuery.parse(SORT))
    assert [str(r['ship_date']) for r in got] == ['2026-11-03', '2026-11-04', '2026-11-05']
    assert [r['platform'] for r in got] == ['京东', '天猫', '淘宝']          # the bad cell kept the old value
    assert [r['courier'] for r in got] == ['中通', '圆通', '申通']
    assert rows


@pytest.mark.parametrize('column,raw,expected', [
    ('quantity', '１２', 12), ('quantity', ' 3 ', 3), ('order_amount', '¥1,299.50', Decimal('1299.50')),
    ('address_verified', '是', True), ('address_verified', '否', False), ('ship_date', '2026年11月3日', '2026-11-03'),
    ('receiver_phone', '138 0013 8000', '13800138000'), ('platform', '1688', '1688'),
])
async def test_paste_parses_every_kind_of_cell(engine, actors, column, raw, expected):
    m = actors['manager']
    await _rows(m, 1)
    plan = await paste.plan_paste(m, 'shipments', raw, start_row=0, start_col=column, columns=COLUMNS, query=SORT)
    assert not plan.errors
    if plan.changes:
        await paste.apply_paste(m, plan)
    row = (await records.list_rows(m, 'shipments', RowQuery.parse(SORT)))[0]
    value = row[column]
    assert (str(value) if column == 'ship_date' else value) == expected


async def test_paste_past_the_end_creates_rows(engine, actors):
    w = actors['warehouse']
    await _rows(w, 1)
    text = 'NO-0\nNEW-1\nNEW-2'
    block = '\n'.join(f'{o}\t2026-11-20\t京东\t顺丰\t\tB-{i}' for i, o in enumerate(text.split('\n')))
    plan = await paste.plan_paste(w, 'shipments', block, start_row=0, start_col='order_no', columns=COLUMNS,
                                  query=SORT)
    assert not plan.errors and len(plan.creates) == 2
    await paste.apply_paste(w, plan)
    assert await records.count_rows(w, 'shipments', RowQuery()) == 3
    # one paste is one undoable action: undo removes the new rows and restores the edited one
    await undo.undo(w, 'shipments')
    assert await records.count_rows(w, 'shipments', RowQuery()) == 1
    assert (await records.list_rows(w, 'shipments', RowQuery()))[0]['sku'] == 'A1001-01'
    await undo.redo(w, 'shipments')
    assert await records.count_rows(w, 'shipments', RowQuery()) == 3


async def test_paste_preview_marks_rows_whose_key_is_taken(engine, actors):
    """A row given another shipment's 订单号 + 货号, or repeating a row of the same block, is marked in the preview
    and left out; the rest applies."""
    w = actors['warehouse']
    await _rows(w, 2)                                  # NO-0, NO-1 (货号 A1001-01)
    block = 'NO-0\tA1001-01\t天猫\nNEW-1\tA1001-01\t天猫\nNEW-1\tA1001-01\t天猫\nNEW-2\tA1001-01\t天猫'
    plan = await paste.plan_paste(w, 'shipments', block, start_row=1, start_col='order_no',   # onto NO-1, then new
                                  columns=['id', 'order_no', 'sku', 'platform'], query=SORT)
    marked = sorted({(c.row, c.error) for c in plan.errors})
    assert marked == [(0, '「订单号+货号」为 NO-0 / A1001-01 的记录已存在(#1),不能重复登记'),
                      (2, '与粘贴内容的第 2 行重复(NEW-1 / A1001-01)')], marked
    assert len(plan.creates) == 2 and not plan.updates
    await paste.apply_paste(w, plan)
    assert sorted(r['order_no'] for r in await records.list_rows(w, 'shipments', RowQuery())) == [
        'NEW-1', 'NEW-2', 'NO-0', 'NO-1']


async def test_paste_preview_marks_a_rule_broken_by_a_column_outside_the_block(engine, actors):
    """不合格数量 ≤ 数量: pasting a smaller 数量 over a row with rejects is an error in the preview, not at apply."""
    w = actors['warehouse']
    row = await records.create_row(w, 'goods_receipts', {
        'receipt_no': 'RK20261127-001', 'supplier': '杭州织美服饰厂', 'sku': 'Q-1', 'product_name': 'T恤',
        'quantity': 50, 'inspection': '部分不合格', 'reject_quantity': 30, 'reject_handling': '返厂'})
    columns = ['id', 'receipt_no', 'sku', 'quantity']
    plan = await paste.plan_paste(w, 'goods_receipts', 'Q-2\t20', start_row=0, start_col='sku', columns=columns)
    assert [(c.field, c.error) for c in plan.errors] == [('quantity', '「不合格数量」必须不大于「数量」 [《仓储管理制度》入库 1]')]
    assert plan.changes == 1                                          # the new 货号 alone is still valid
    await paste.apply_paste(w, plan)
    got = await records.get_row(w, 'goods_receipts', row['id'])
    assert (got['sku'], got['quantity'], got['reject_quantity']) == ('Q-2', 50, 30)
    ok = await paste.plan_paste(w, 'goods_receipts', 'Q-3\t40', start_row=0, start_col='sku', columns=columns)
    assert not ok.errors and ok.changes == 2
    await paste.apply_paste(w, ok)
    got = await records.get_row(w, 'goods_receipts', row['id'])
    assert (got['sku'], got['quantity'], got['reject_quantity']) == ('Q-3', 40, 30)


async def test_paste_refuses_readonly_columns_and_creation_without_right(engine, actors):
    m = actors['manager']
    await _rows(m, 1)
    ops = actors['ops']
    plan = await paste.plan_paste(ops, 'shipments', '99\nX', start_row=0, start_col='quantity', columns=COLUMNS,
                                  query=SORT)
    assert [c.error for c in plan.errors] == ['只读列,不能粘贴', '只读列,不能粘贴']
    assert not plan.updates and not plan.creates


async def test_fill_down(engine, actors):
    m = actors['manager']
    rows = await _rows(m, 4)
    await records.update_row(m, 'shipments', rows[0]['id'], {'courier': '京东物流'}, version=1)
    plan = await paste.plan_fill(m, 'shipments', 'courier', rows[0]['id'], [r['id'] for r in rows])
    assert len(plan.updates) == 3 and not plan.errors
    await paste.apply_paste(m, plan, kind='fill')
    assert {r['courier'] for r in await records.list_rows(m, 'shipments', RowQuery())} == {'京东物流'}
    await undo.undo(m, 'shipments')
    assert sorted(r['courier'] for r in await records.list_rows(m, 'shipments', RowQuery())) == ['京东物流', '顺丰',
                                                                                             '顺丰', '顺丰']


async def test_undo_redo_stack_of_20_plus_actions(engine, actors):
    m = actors['manager']
    row = (await _rows(m, 1))[0]
    for qty in range(2, 25):
        row = await records.update_row(m, 'shipments', row['id'], {'quantity': qty}, version=row['version'])
    for expected in range(23, 0, -1):
        await undo.undo(m, 'shipments')
        assert (await records.get_row(m, 'shipments', row['id']))['quantity'] == expected
    await undo.undo(m, 'shipments')        # the creation itself
    assert await records.count_rows(m, 'shipments', RowQuery()) == 0
    with pytest.raises(PortalError, match='没有可撤销的操作'):
        await undo.undo(m, 'shipments')
    await undo.redo(m, 'shipments')
    await undo.redo(m, 'shipments')
    assert (await records.get_row(m, 'shipments', row['id']))['quantity'] == 2
    await records.update_row(m, 'shipments', row['id'], {'style': '新款'}, version=(
        await records.get_row(m, 'shipments', row['id']))['version'])
    with pytest.raises(PortalError, match='没有可重做的操作'):   # a new action clears the redo stack
        await undo.redo(m, 'shipments')


async def test_undo_refuses_over_someone_elses_later_change(engine, actors):
    w, m = actors['warehouse'], actors['manager']
    row = (await _rows(w, 1))[0]
    row = await records.update_row(w, 'shipments', row['id'], {'quantity': 5}, version=row['version'])
    await records.update_row(m, 'shipments', row['id'], {'quantity': 8}, version=row['version'])
    with pytest.raises(PortalError) as err:
        await undo.undo(w, 'shipments')
    assert err.value.message() == f'无法撤销:记录 #{row["id"]} 的「数量」之后已被 王经理 修改'
    assert (await records.get_row(m, 'shipments', row['id']))['quantity'] == 8


async def test_undo_is_per_user_and_survives_reloads(engine, actors):
    w, m = actors['warehouse'], actors['manager']
    a = (await _rows(w, 1))[0]
    b = await records.create_row(m, 'shipments', {**BASE, 'order_no': 'M-1'})
    await records.delete_rows(w, 'shipments', [a['id']])
    await undo.undo(w, 'shipments')                       # restores the row w deleted
    assert await records.count_rows(w, 'shipments', RowQuery()) == 2
    assert (await records.get_row(m, 'shipments', b['id']))['order_no'] == 'M-1'


async def test_conflict_detection(engine, actors):
    w, m = actors['warehouse'], actors['manager']
    row = (await _rows(w, 1))[0]
    await records.update_row(m, 'shipments', row['id'], {'quantity': 3}, version=row['version'])
    plan = await paste.plan_paste(w, 'shipments', '4', start_row=0, start_col='quantity', columns=COLUMNS,
                                  query=SORT)
    await records.update_row(m, 'shipments', row['id'], {'quantity': 6}, version=row['version'] + 1)
    with pytest.raises(PortalError) as err:                 # the plan is stale now: refused, nothing written
        await paste.apply_paste(w, plan)
    assert '王经理' in err.value.message() or 'manager' in err.value.message()
    assert (await records.get_row(w, 'shipments', row['id']))['quantity'] == 6


async def test_saved_views(engine, actors):
    w = actors['warehouse']
    state = {'columns': [{'colId': 'quantity', 'width': 200, 'sort': 'desc', 'sortIndex': 0},
                         {'colId': 'order_amount', 'width': 99}],          # hidden for warehouse: dropped
             'filter': {'platform': {'filterType': 'set', 'values': ['京东']}, 'order_amount': {'type': 'equals'}},
             'quick': '顺丰'}
    view = await views.save_view(w, 'shipments', '京东大单', state, default=True)
    assert view['state'] == {'columns': [{'colId': 'quantity', 'width': 200, 'sort': 'desc', 'sortIndex': 0}],
                             'filter': {'platform': {'filterType': 'set', 'values': ['京东']}}, 'quick': '顺丰'}
    assert (await views.default_view(w, 'shipments'))['name'] == '京东大单'
    await views.save_view(w, 'shipments', '全部', {'columns': []}, default=True)
    assert (await views.default_view(w, 'shipments'))['name'] == '全部'
    with pytest.raises(PortalError):
        await views.save_view(w, 'shipments', 'x', {}, role='warehouse')        # only admins publish
    await views.save_view(actors['admin'], 'shipments', '仓库标准视图', {'columns': []}, role='warehouse')
    names = [v['name'] for v in await views.list_views(w, 'shipments')]
    assert names == ['京东大单', '全部', '仓库标准视图']
    assert [v['name'] for v in await views.list_views(actors['manager'], 'shipments')] == []
    with pytest.raises(PortalError):
        await views.list_views(w, 'complaints')


async def test_paste_over_a_settled_row_marks_its_cells_and_applies_the_rest(engine, actors):
    manager = actors['manager']
    ids = []
    for n, employee in enumerate(['staff', 'staff2']):
        row = await records.create_row(manager, 'penalties', {
            'employee': employee, 'category': '工作失误', 'clause': 'storage.shipping.2', 'description': f'错发 {n}',
            'severity': '一般', 'penalty_type': '罚款', 'amount': '100'})
        ids.append(row['id'])
    row = await records.set_check(manager, 'penalties', ids[0], 'facts_verified', True, version=1)
    row = await records.update_row(manager, 'penalties', ids[0], {'status': '待审批'}, version=row['version'])
    await records.update_row(manager, 'penalties', ids[0], {'status': '已生效'}, version=row['version'])
    plan = await paste.plan_paste(manager, 'penalties', '改写 A\r\n改写 B', start_row=0, start_col='description',
                                  columns=['id', 'description'],
                                  query={'sort': [{'colId': 'description', 'sort': 'asc'}]})
    assert [(c.field, c.error.startswith('这条记录已是「已生效」')) for c in plan.errors] == [('description', True)]
    await paste.apply_paste(manager, plan)
    got = [(await records.get_row(manager, 'penalties', i))['description'] for i in ids]
    assert got == ['错发 0', '改写 B']


async def test_previews_show_people_by_name_and_clauses_by_citation(engine, actors):
    ctx = await records.value_context(actors['manager'])
    shipper = rt().catalog.register('shipments').field('shipper')
    clause = rt().catalog.register('penalties').field('clause')
    assert paste.shown(shipper, 'warehouse', ctx, 'zh') == '陈仓管'
    assert paste.shown(clause, 'storage.shipping.2', ctx, 'zh') == rt().catalog.clause_label('storage.shipping.2')
    assert paste.shown(shipper, None, ctx, 'zh') == ''
