"""The department's further registers in a real browser: a price change is requested in the form by 运营专员,
approved by the 总经理 from his queue (approved price typed, checklist ticked, 批准调价) and exported; a CS shift
handover is written by one shift, acknowledged by the supervisor and exported; a stock item's form opens the goods
receipts its stock is derived from; a new listing (商品上新登记) is made by 美工 in the form, photographed and processed
with its checklist ticked, put on sale by 运营专员 and exported, and its goods receipt's form opens it back."""
from __future__ import annotations

import re
from datetime import timedelta

from openpyxl import load_workbook

from .conftest import portal_today


def rows(s, key: str, where: str) -> list:
    """Rows of a register as the signed-in user sees them (the grid's own endpoint), filtered in the page."""
    return s.page.evaluate(f'''async () => {{
        const r = await fetch('/grid/{key}/rows', {{method: 'POST', headers: {{'Content-Type': 'application/json'}},
          body: JSON.stringify({{limit: 1000}})}});
        const d = await r.json(); return d.rows.filter(x => {where}); }}''')


def fill(dialog, label: str, text: str) -> None:
    dialog.get_by_label(re.compile(f'^{label}')).first.fill(text)


def pick(s, dialog, label: str, option: str) -> None:
    dialog.get_by_label(re.compile(f'^{label}')).first.click()
    s.page.locator('.q-menu .q-item', has_text=option).first.click()


def export(s, tmp_path, register: str):
    """Export the current view and return its sheet."""
    s.page.get_by_role('button', name='导出').click()
    dialog = s.page.locator('.q-dialog').filter(has_text='导出当前视图')
    with s.page.expect_download() as info:
        dialog.get_by_role('button', name='开始导出').click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    dialog.filter(has_text='已导出').wait_for()
    return load_workbook(path)[register]


def open_form(s, row_id: int, col: str = 'status'):
    s.show_cell(row_id, col)
    s.tick(row_id)
    s.page.get_by_role('button', name='打开').click()
    dialog = s.page.locator('.q-dialog')
    dialog.wait_for()
    return dialog


def test_price_change_requested_approved_and_exported(session_factory, tmp_path):
    ops = session_factory('ops')
    ops.open('/r/price_changes')
    ops.page.get_by_role('button', name='新增').click()
    dialog = ops.page.locator('.q-dialog')
    effective = (portal_today() + timedelta(days=5)).isoformat()
    fill(dialog, '申请单号', 'TJ20261127-901')
    fill(dialog, '货号', 'A1000-10')
    pick(ops, dialog, '平台', '京东')
    fill(dialog, '现价', '199')
    fill(dialog, '申请价格', '169')
    pick(ops, dialog, '调价原因', '竞品调价')
    fill(dialog, '生效日期', effective)
    ops.shot('price-change-form')
    dialog.get_by_role('button', name='保存').click()
    dialog.wait_for(state='hidden')
    created = rows(ops, 'price_changes', "x.request_no === 'TJ20261127-901'")
    assert [(r['status'], r['requested_by']) for r in created] == [('待审批', 'ops')]
    row_id = created[0]['id']

    leader = session_factory('leader')
    leader.open('/r/price_changes?queue=to_approve')
    v0 = leader.grid_api(f"api.getRowNode('{row_id}').data._v")
    leader.edit(row_id, 'approved_price', '179')
    leader.page.wait_for_function(f"portalGrid && (() => {{ const k = Object.keys(portalGrid.state)[0]; "
                                  f"const n = portalGrid.api(portalGrid.state[k].gridId).getRowNode('{row_id}'); "
                                  f"return n && Number(n.data.approved_price) === 179 && n.data._v > {v0}; }})()")
    form = open_form(leader, row_id)                                       # it reads the saved row
    form.get_by_text('调价前已向上级领导报备并听取意见').click()
    leader.page.locator('.q-notification', has_text='调价前已向上级领导报备并听取意见').last.wait_for()   # saved
    form.get_by_role('button', name='批准调价').click()
    leader.page.wait_for_function(f'''async () => {{
        const r = await fetch('/grid/price_changes/rows', {{method: 'POST',
          headers: {{'Content-Type': 'application/json'}}, body: JSON.stringify({{limit: 1000}})}});
        const d = await r.json(); return d.rows.some(x => x.id === {row_id} && x.status === '已批准'); }}''')
    approved = rows(leader, 'price_changes', f'x.id === {row_id}')[0]
    assert approved['approver'] == 'leader' and approved['approved_at']
    leader.shot('price-change-approved')

    leader.open('/r/price_changes')
    sheet = export(leader, tmp_path, 'price_changes')
    headers = [c.value for c in sheet[1]]
    found = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[headers.index('申请单号')] == 'TJ20261127-901']
    assert len(found) == 1 and found[0][headers.index('状态')] == '已批准'
    assert '周总经理' in str(found[0][headers.index('审批人')])


def test_handover_acknowledged_by_the_next_shift_and_exported(session_factory, tmp_path):
    cs = session_factory('cs')
    cs.open('/r/cs_handovers')
    cs.page.get_by_role('button', name='新增').click()
    dialog = cs.page.locator('.q-dialog')
    fill(dialog, '日期', (portal_today() + timedelta(days=1)).isoformat())     # the demo rows hold today's shifts
    pick(cs, dialog, '班次', '早班')
    fill(dialog, '工作日志', '咨询 86 单,两单改地址已转仓库')
    fill(dialog, '未完成事项', '订单 TM-9 等运营退款')
    dialog.get_by_role('button', name='保存').click()
    dialog.wait_for(state='hidden')
    created = rows(cs, 'cs_handovers', "x.daily_log === '咨询 86 单,两单改地址已转仓库'")
    assert [(r['status'], r['handed_by']) for r in created] == [('待接班确认', 'cs')]
    row_id = created[0]['id']

    boss = session_factory('supervisor')
    boss.open('/r/cs_handovers?queue=to_acknowledge')
    form = open_form(boss, row_id)
    form.get_by_text('接班人已逐条查看未完成事项').click()
    boss.page.locator('.q-notification', has_text='接班人已逐条查看未完成事项').last.wait_for()   # saved
    form.get_by_role('button', name='接班确认').click()
    boss.page.wait_for_function(f'''async () => {{
        const r = await fetch('/grid/cs_handovers/rows', {{method: 'POST',
          headers: {{'Content-Type': 'application/json'}}, body: JSON.stringify({{limit: 1000}})}});
        const d = await r.json(); return d.rows.some(x => x.id === {row_id} && x.status === '已确认'); }}''')
    done = rows(boss, 'cs_handovers', f'x.id === {row_id}')[0]
    assert done['received_by'] == 'supervisor'
    boss.shot('handover-acknowledged')
    boss.open('/r/cs_handovers')
    sheet = export(boss, tmp_path, 'cs_handovers')
    headers = [c.value for c in sheet[1]]
    found = [r for r in sheet.iter_rows(min_row=2, values_only=True)
             if r[headers.index('工作日志(问题与解决)')] == '咨询 86 单,两单改地址已转仓库']
    assert len(found) == 1 and found[0][headers.index('状态')] == '已确认'


def test_stock_item_opens_the_receipts_it_is_derived_from(session_factory):
    w = session_factory('warehouse')
    w.open('/r/stock_items')
    item = rows(w, 'stock_items', 'x.on_hand > 0')[0]
    form = open_form(w, item['id'], 'sku')
    link = form.get_by_role('link', name=re.compile('^入库登记 · 货号:'))
    link.wait_for()
    w.shot('stock-item-links')
    link.click()
    w.page.wait_for_url(re.compile('/r/goods_receipts'))
    w.page.locator('.ag-center-cols-container .ag-row[row-id]').first.wait_for()
    shown = w.grid_api("[...Array(50).keys()].map(i => api.getDisplayedRowAtIndex(i)).filter(n => n && n.data)"
                       ".map(n => n.data.sku)")
    assert shown and set(shown) == {item['sku']}


def tick_items(s, form, texts: list[str]) -> None:
    """Tick checklist items in the open form; each tick is saved at once (its toast says so)."""
    for text in texts:
        form.get_by_text(text, exact=True).click()
        s.page.locator('.q-notification', has_text=f'已勾选:{text}').last.wait_for()


def wait_state(s, key: str, row_id: int, state: str) -> dict:
    s.page.wait_for_function(f'''async () => {{
        const r = await fetch('/grid/{key}/rows', {{method: 'POST', headers: {{'Content-Type': 'application/json'}},
          body: JSON.stringify({{limit: 1000}})}});
        const d = await r.json(); return d.rows.some(x => x.id === {row_id} && x.status === '{state}'); }}''')
    return rows(s, key, f'x.id === {row_id}')[0]


PROCESSED = ['已根据实物调整色差,色差调到最低限度', '图片已添加自有水印', '大图片宽度符合要求,其它细节图片已根据排版合理调整',
             '五个以上的卖点已做成细节图片并标注', '商品描述采用统一模板', '大图上已标注商品名称、货号、颜色、面料、尺码、商品说明',
             '原始图片分类保存,原图、PSD、JPG 图片均按货号命名', '所有图片已在另外的电脑中备份']
ONLINE = ['命名全面、搜索率高;类目和品牌正确;定价及是否参与打折已确认', '商品名称、价格、库存、规格、描述等信息完整准确',
          '上货完成后已浏览新上架商品,检查准确性']


def test_listing_made_by_the_designer_put_on_sale_by_ops_exported_and_opened_from_its_receipt(session_factory,
                                                                                              tmp_path):
    d = session_factory('designer')
    d.open('/r/goods_receipts')
    receipt = rows(d, 'goods_receipts', "x.status === '已入库'")[0]
    d.open('/r/listings')
    d.page.get_by_role('button', name='新增').click()
    dialog = d.page.locator('.q-dialog')
    fill(dialog, '货号', 'Z9001-01')
    fill(dialog, '品名', '真丝衬衫 新款')
    pick(d, dialog, '类目', '女装')
    fill(dialog, '入库单', f'#{receipt["id"]}')
    fill(dialog, '到货日期', portal_today().isoformat())
    d.shot('listing-new-form')
    dialog.get_by_role('button', name='保存').click()
    dialog.wait_for(state='hidden')
    created = rows(d, 'listings', "x.sku === 'Z9001-01'")
    assert [(r['status'], r['designer'], r['receipt']) for r in created] == [('待拍摄', 'designer', receipt['id'])]
    row_id = created[0]['id']

    form = open_form(d, row_id)
    tick_items(d, form, ['已测量商品实物长、宽、高等相关数据,准确无误'])
    fill(form, '尺寸', '衣长 68cm、胸围 104cm')
    form.get_by_role('button', name='拍摄完成').click()
    assert wait_state(d, 'listings', row_id, '已拍摄')['photographed_date'] == portal_today().isoformat()

    form = open_form(d, row_id)
    tick_items(d, form, PROCESSED)
    for label, text in (('颜色', '米白、藏青'), ('尺码', 'S、M、L'), ('面料', '真丝'), ('商品说明', '进货说明:桑蚕丝')):
        fill(form, label, text)
    fill(form, '卖点', '桑蚕丝面料\n垂坠不起皱\n\n珍珠扣')           # three: refused, shown at the field
    form.get_by_role('button', name='图片处理完成').click()
    error = form.get_by_text('「卖点」至少要有 5 项(每行一项),现有 3 项').first
    error.wait_for()
    error.scroll_into_view_if_needed()
    d.shot('listing-five-selling-points')
    fill(form, '卖点', '桑蚕丝面料\n垂坠不起皱\n珍珠扣\n立体剪裁\n百搭通勤')
    form.get_by_role('button', name='图片处理完成').click()
    assert wait_state(d, 'listings', row_id, '已处理')['selling_points'].count('\n') == 4

    ops = session_factory('ops')
    ops.open('/r/listings?queue=to_list')
    form = open_form(ops, row_id)
    tick_items(ops, form, ONLINE)
    fill(form, '品牌', '锦绣')
    fill(form, '定价', '399')
    ops.shot('listing-put-on-sale')
    form.get_by_role('button', name='上网销售').click()
    done = wait_state(ops, 'listings', row_id, '已上线')
    assert (done['listed_by'], done['online_date'], done['_overdue']) == ('ops', portal_today().isoformat(), [])

    ops.open('/r/listings')
    sheet = export(ops, tmp_path, 'listings')
    headers = [c.value for c in sheet[1]]
    found = [r for r in sheet.iter_rows(min_row=2, values_only=True) if r[headers.index('货号')] == 'Z9001-01']
    assert len(found) == 1
    got = dict(zip(headers, found[0]))
    assert (got['状态'], got['品名'], got['品牌'], str(got['上线日期'])[:10]) == (
        '已上线', '真丝衬衫 新款', '锦绣', portal_today().isoformat())
    assert got['卖点'].splitlines() == ['桑蚕丝面料', '垂坠不起皱', '珍珠扣', '立体剪裁', '百搭通勤']
    assert got['检查:图片已添加自有水印'] == '是' and got['检查:上货完成后已浏览新上架商品,检查准确性'] == '是'

    d.open('/r/goods_receipts')                              # the receipt's form opens the listing back
    form = open_form(d, receipt['id'], 'receipt_no')
    link = form.get_by_role('link', name=re.compile('^商品上新登记 · 入库单:'))
    link.wait_for()
    link.scroll_into_view_if_needed()
    d.shot('receipt-links-to-listing')
    link.click()
    d.page.wait_for_url(re.compile('/r/listings'))
    d.page.locator('.ag-center-cols-container .ag-row[row-id]').first.wait_for()
    shown = d.grid_api("[...Array(50).keys()].map(i => api.getDisplayedRowAtIndex(i)).filter(n => n && n.data)"
                       ".map(n => n.data.sku)")
    assert 'Z9001-01' in shown and set(shown) <= {r['sku'] for r in rows(d, 'listings',
                                                                        f"x.receipt === {receipt['id']}")}
