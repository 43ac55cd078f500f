"""Three of the department's registers walked in a real browser, each from create through its workflow to export
(issue 20): a promotion planned by 运营专员, approved by the 总经理 before its start and closed only with its summary;
a replenishment raised for an item of the reorder queue, the production line notified and the goods arrived, with a
stockout order whose customer is told before it is resolved; a bad review contacted and settled, and a 好评返现 that
operations pays only after customer service reviewed it."""
from __future__ import annotations

import random
import re

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from .conftest import portal_today
from .test_new_registers import export, fill, open_form, rows, tick_items, wait_state


def pick(s, dialog, label: str, option: str) -> None:
    """Choose an option of a select (as test_new_registers.pick), opening its menu again when a re-render of the
    form (a refusal shown at the fields) closed it before the option could be clicked."""
    field = dialog.get_by_label(re.compile(f'^{label}')).first
    item = s.page.locator('.q-menu .q-item', has_text=option).filter(visible=True).first
    for _ in range(3):
        field.click()
        try:
            item.wait_for(timeout=5000)
            item.click(timeout=5000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f'option {option!r} of {label!r} could not be chosen')


def _unique() -> str:
    return f'{random.randrange(100000, 999999)}'


def _new(s, path: str):
    """Open a register and its new-row form."""
    s.open(path)
    s.page.get_by_role('button', name='新增').click()
    dialog = s.page.locator('.q-dialog')
    dialog.wait_for()
    return dialog


def _save(dialog) -> None:
    dialog.get_by_role('button', name='保存').click()
    dialog.wait_for(state='hidden')


def _sheet_row(sheet, column: str, value) -> dict:
    headers = [c.value for c in sheet[1]]
    found = [dict(zip(headers, r)) for r in sheet.iter_rows(min_row=2, values_only=True)
             if r[headers.index(column)] == value]
    assert len(found) == 1, found
    return found[0]


def test_promotion_planned_approved_before_start_closed_with_summary_and_exported(session_factory, tmp_path):
    today = portal_today()
    promo_no, name = f'CX{today:%Y%m%d}-{_unique()}', f'店庆 {_unique()}'
    ops = session_factory('ops')
    dialog = _new(ops, '/r/promotions')
    fill(dialog, '活动编号', promo_no)
    fill(dialog, '活动名称', name)
    pick(ops, dialog, '平台', '天猫')
    fill(dialog, '开始日期', today.isoformat())       # a one-day promotion today: approvable before its start
    fill(dialog, '结束日期', today.isoformat())       # (today counts) and summarisable after its end (today)
    fill(dialog, '活动商品', 'A1000-10\nA1000-11')
    fill(dialog, '优惠方式', '满300减40')
    fill(dialog, '目标销售额', '50000')
    fill(dialog, '活动方案', '首页海报 + 店铺券,预热一天')
    _save(dialog)
    created = rows(ops, 'promotions', f"x.promo_no === '{promo_no}'")
    assert [(r['status'], r['owner']) for r in created] == [('待审核', 'ops')]
    row_id = created[0]['id']
    form = open_form(ops, row_id)
    tick_items(ops, form, ['已提前制定详细的活动方案和计划'])
    form.get_by_role('button', name='取消').click()

    leader = session_factory('leader')
    leader.open('/r/promotions?queue=to_approve')
    form = open_form(leader, row_id)
    form.get_by_role('button', name='审核通过').click()
    approved = wait_state(leader, 'promotions', row_id, '已批准')
    assert approved['approver'] == 'leader' and approved['approved_at'][:10] == today.isoformat()

    ops.open('/r/promotions')
    form = open_form(ops, row_id)
    tick_items(ops, form, ['促销图片和页面已更新'])
    form.get_by_role('button', name='开始实施').click()
    wait_state(ops, 'promotions', row_id, '进行中')
    form = open_form(ops, row_id)
    form.get_by_role('button', name='活动结束').click()
    wait_state(ops, 'promotions', row_id, '待总结')

    form = open_form(ops, row_id)
    tick_items(ops, form, ['已对照目标分析活动数据'])
    form.get_by_role('button', name='提交总结并结案').click()           # no summary yet: refused at the fields
    form.locator('.text-red-8', has_text='活动总结').first.wait_for()
    form.locator('.text-red-8', has_text='实际销售额').first.wait_for()
    form.get_by_label(re.compile('^活动总结')).scroll_into_view_if_needed()
    ops.shot('promotion-close-refused-without-summary')
    assert rows(ops, 'promotions', f'x.id === {row_id}')[0]['status'] == '待总结'
    fill(form, '实际销售额', '61000')
    fill(form, '活动总结', '实际 61000,超出目标 22%;店铺券核销率高')
    form.get_by_role('button', name='提交总结并结案').click()
    closed = wait_state(ops, 'promotions', row_id, '已结案')
    assert float(closed['actual_sales']) == 61000 and closed['summary'].startswith('实际 61000')

    ops.open('/r/promotions')
    got = _sheet_row(export(ops, tmp_path, 'promotions'), '活动编号', promo_no)
    assert (got['状态'], got['活动名称'], got['平台']) == ('已结案', name, '天猫')
    assert float(got['目标销售额']) == 50000 and float(got['实际销售额']) == 61000
    assert '周总经理' in str(got['审批人']) and got['检查:已对照目标分析活动数据'] == '是'


def test_replenishment_from_the_reorder_queue_and_a_stockout_told_before_resolved(session_factory, tmp_path):
    today, no = portal_today(), _unique()
    request_no, order_no = f'BH{today:%Y%m%d}-{no}', f'TM-QH-{no}'
    w = session_factory('warehouse')
    w.open('/r/stock_items?queue=to_reorder')
    low = w.grid_api('api.getDisplayedRowAtIndex(0).data')
    assert low['needs_reorder'] is True and low['on_hand'] <= low['reorder_level']
    receipts = rows(w, 'goods_receipts', "x.status === '已入库'")
    receipt = next((r for r in receipts if r['sku'] == low['sku']), receipts[0])
    dialog = _new(w, '/r/replenishments')
    fill(dialog, '补货单号', request_no)
    fill(dialog, '库存货品', f'#{low["id"]}')
    fill(dialog, '补货数量', '120')
    _save(dialog)
    created = rows(w, 'replenishments', f"x.request_no === '{request_no}'")
    assert [(r['status'], r['item'], r['requested_by']) for r in created] == [('待通知', low['id'], 'warehouse')]
    row_id = created[0]['id']

    w.open('/r/replenishments?queue=to_notify')
    form = open_form(w, row_id)
    form.get_by_role('button', name='已通知生产线补货').click()       # which line was told: required
    form.locator('.text-red-8', has_text='通知的生产线/厂家').first.wait_for()
    fill(form, '通知的生产线/厂家', '杭州织美服饰厂 二号线')
    form.get_by_role('button', name='已通知生产线补货').click()
    notified = wait_state(w, 'replenishments', row_id, '已通知生产线')
    assert notified['notified_at'] and notified['production_line'] == '杭州织美服饰厂 二号线'

    w.open('/r/replenishments?queue=awaiting')
    form = open_form(w, row_id)
    form.get_by_role('button', name='到货入库').click()                # arrived names its goods receipt
    form.locator('.text-red-8', has_text='到货入库单').first.wait_for()
    w.shot('replenishment-arrival-needs-receipt')
    fill(form, '到货入库单', f'#{receipt["id"]}')
    form.get_by_role('button', name='到货入库').click()
    assert wait_state(w, 'replenishments', row_id, '已到货')['receipt'] == receipt['id']

    cs = session_factory('cs')
    dialog = _new(cs, '/r/stockouts')
    fill(dialog, '订单号', order_no)
    pick(cs, dialog, '平台', '天猫')
    fill(dialog, '货号', low['sku'])
    fill(dialog, '顾客', '张敏')
    _save(dialog)
    stockout = rows(cs, 'stockouts', f"x.order_no === '{order_no}'")
    assert [(r['status'], r['handled_by'], r['quantity']) for r in stockout] == [('待通知顾客', 'cs', 1)]
    out_id = stockout[0]['id']
    cs.open('/r/stockouts?queue=to_notify')
    form = open_form(cs, out_id)
    form.get_by_role('button', name='已通知顾客').wait_for()
    assert form.get_by_role('button', name='处理完毕').count() == 0    # not resolved before the customer is told
    form.get_by_role('button', name='已通知顾客').click()
    form.locator('.text-red-8', has_text='通知方式').first.wait_for()
    pick(cs, form, '通知方式', '电话')
    form.get_by_role('button', name='已通知顾客').click()
    assert wait_state(cs, 'stockouts', out_id, '已通知顾客')['notified_at']
    cs.open('/r/stockouts')
    form = open_form(cs, out_id)
    pick(cs, form, '处理结果', '等补货后发货')
    form.get_by_role('button', name='处理完毕').click()
    assert wait_state(cs, 'stockouts', out_id, '已处理')['resolution'] == '等补货后发货'
    cs.shot('stockout-resolved')

    w.open('/r/replenishments')
    got = _sheet_row(export(w, tmp_path, 'replenishments'), '补货单号', request_no)
    assert (got['状态'], got['补货数量'], got['通知的生产线/厂家']) == ('已到货', 120, '杭州织美服饰厂 二号线')
    assert (int(got['库存货品']), int(got['到货入库单'])) == (low['id'], receipt['id'])    # a link exports its #id
    w.open('/r/stock_items?queue=to_reorder')                      # the item's form opens its replenishment
    form = open_form(w, low['id'], 'sku')
    link = form.get_by_role('link', name=re.compile('^补货申请 · '))
    link.wait_for()
    link.scroll_into_view_if_needed()
    w.shot('stock-item-links-to-replenishment')


def test_bad_review_settled_and_cashback_paid_only_after_review_and_exported(session_factory, tmp_path):
    no = _unique()
    review_order, cashback_order = f'JD-ZP-{no}', f'TM-FX-{no}'
    cs = session_factory('cs')
    dialog = _new(cs, '/r/reviews')
    pick(cs, dialog, '平台', '京东')
    fill(dialog, '订单号', review_order)
    fill(dialog, '买家', '王伟')
    pick(cs, dialog, r'评价 \*', '差评')                                # not 评价日期 / 评价内容
    pick(cs, dialog, '原因', '尺码不合适')
    fill(dialog, '评价内容', '尺码偏小一码,穿不上')
    _save(dialog)
    created = rows(cs, 'reviews', f"x.order_no === '{review_order}'")
    assert [(r['status'], r['handled_by']) for r in created] == [('待联系', 'cs')]
    review_id = created[0]['id']
    cs.open('/r/reviews?queue=to_contact')
    form = open_form(cs, review_id)
    form.get_by_role('button', name='已联系顾客').click()              # how the customer was reached: required
    form.locator('.text-red-8', has_text='联系方式').first.wait_for()
    pick(cs, form, '联系方式', '电话')
    form.get_by_role('button', name='已联系顾客').click()
    assert wait_state(cs, 'reviews', review_id, '已联系')['contacted_at']
    cs.open('/r/reviews')
    form = open_form(cs, review_id)
    pick(cs, form, '处理结果', '已追评说明')
    form.get_by_role('button', name='处理完毕').click()                # checked and replied first
    form.locator('.text-red-8', has_text='前须完成检查项:已联系顾客核实真实情况,并在评论区回复').first.wait_for()
    cs.shot('review-settle-refused-without-check')
    tick_items(cs, form, ['已联系顾客核实真实情况,并在评论区回复'])
    form.get_by_role('button', name='处理完毕').click()
    assert wait_state(cs, 'reviews', review_id, '已处理')['result'] == '已追评说明'

    dialog = _new(cs, '/r/cashbacks')
    pick(cs, dialog, '平台', '天猫')
    fill(dialog, '订单号', cashback_order)
    fill(dialog, '买家', '李娜')
    fill(dialog, '返现金额', '5')
    _save(dialog)
    cashback_id = rows(cs, 'cashbacks', f"x.order_no === '{cashback_order}'")[0]['id']

    ops = session_factory('ops')
    ops.open('/r/cashbacks')
    form = open_form(ops, cashback_id)                                 # not reviewed: nothing to pay out
    form.get_by_role('button', name='取消').wait_for()
    assert form.get_by_role('button', name='已给顾客返现').count() == 0
    form.get_by_role('button', name='取消').click()
    ops.show_cell(cashback_id, 'status').click()
    ops.page.evaluate('navigator.clipboard.writeText("已返现")')       # nor by pasting the state into the grid
    ops.page.keyboard.press('Control+V')
    refused = ops.page.locator('.q-dialog').filter(has_text='粘贴预览')
    refused.get_by_text('「状态」不能从「待审核」直接变为「已返现」').wait_for()
    ops.shot('cashback-pay-refused-before-review')
    refused.get_by_role('button', name=re.compile('关闭|取消')).first.click()
    assert rows(ops, 'cashbacks', f'x.id === {cashback_id}')[0]['status'] == '待审核'

    cs.open('/r/cashbacks?queue=to_review')
    form = open_form(cs, cashback_id)
    tick_items(cs, form, ['好评有礼审核无误'])
    form.get_by_role('button', name='审核无误').click()
    form.get_by_text('审核无误后才能返现').first.wait_for()
    form.get_by_text('好评属实(五星带字/图)').click()
    form.get_by_role('button', name='审核无误').click()
    reviewed = wait_state(cs, 'cashbacks', cashback_id, '审核通过')
    assert reviewed['reviewed_by'] == 'cs' and reviewed['review_checked'] is True

    ops.open('/r/cashbacks?queue=to_pay')
    form = open_form(ops, cashback_id)
    form.get_by_role('button', name='已给顾客返现').click()
    paid = wait_state(ops, 'cashbacks', cashback_id, '已返现')
    assert paid['paid_by'] == 'ops' and paid['paid_at']
    ops.shot('cashback-paid')

    ops.open('/r/cashbacks')
    got = _sheet_row(export(ops, tmp_path, 'cashbacks'), '订单号', cashback_order)
    assert (got['状态'], got['买家'], float(got['返现金额'])) == ('已返现', '李娜', 5)
    assert '李运营' in str(got['返现运营']) and got['检查:好评有礼审核无误'] == '是'
