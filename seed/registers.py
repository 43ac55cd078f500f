"""Register-specific realism for the six shipped registers (keyed by register key; others get generic rows)."""
from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from portal.rules.calendar import is_workday

from . import pay, pools
from .listings import listings
from .more_registers import REALISM as MORE


def _day(rng: random.Random, today: date, days: int = 120) -> date:
    return today - timedelta(days=int(rng.triangular(0, days, 0)))


def goods_receipts(row: dict, rng: random.Random, i: int, ctx: dict) -> None:
    today = ctx['today']
    day = _day(rng, today)
    product, category = rng.choice(pools.PRODUCTS)
    quantity = rng.choice([20, 30, 50, 60, 100, 120, 200, 300, 500])
    inspection = rng.choices(['合格', '部分不合格', '不合格'], [85, 10, 5])[0]
    matches = rng.random() > 0.08
    row.update(receipt_no=f'RK{day:%Y%m%d}-{i:04d}', receipt_date=day, supplier=rng.choice(pools.SUPPLIERS),
               sku=pools.SKUS[i % len(pools.SKUS)], product_name=product, category=category, spec=rng.choice(['常规', '加厚', '薄款', '']),
               colour=rng.choice(pools.COLOURS), size=rng.choice(pools.SIZES), quantity=quantity,
               inspection=inspection, packaging_damaged=rng.random() < 0.05, matches_po=matches,
               shelf_location=f'{rng.choice("ABCDE")}-{rng.randint(1, 20):02d}-{rng.randint(1, 5):02d}',
               remark=rng.choice(['', '', '', '外箱轻微挤压', '到货比预约晚一天']))
    row['reject_quantity'] = 0 if inspection == '合格' else (quantity if inspection == '不合格'
                                                             else rng.randint(1, max(1, quantity // 10)))
    row['reject_handling'] = None if inspection == '合格' else rng.choice(['退货', '返厂'])
    row['issues'] = None if matches and not row['packaging_damaged'] else (
        ['包装破损'] if matches else rng.sample(['品名不符', '数量不符', '规格不符', '颜色不符'], 1))
    row['reported_to'] = None if matches else rng.choice(['厂家', '采购'])
    if day >= today - timedelta(days=1):
        row['status'] = '待检验'
    else:
        row['status'] = '已退回' if inspection == '不合格' else '已入库'
    listed = None
    if row['status'] == '已入库' and rng.random() < 0.9:
        listed = min(today, day + timedelta(days=rng.choice([1, 2, 2, 3, 3, 4, 6])))
    row['photographed_date'] = listed - timedelta(days=rng.choice([0, 1])) if listed else None
    if row['photographed_date'] and row['photographed_date'] < day:
        row['photographed_date'] = day
    row['listed_date'] = listed


def shipments(row: dict, rng: random.Random, i: int, ctx: dict) -> None:
    today = ctx['today']
    day = _day(rng, today, 90)
    platform = rng.choices(['天猫', '京东', '1688', '淘宝', '拼多多', '抖音', '官网'], [30, 20, 8, 20, 10, 8, 4])[0]
    courier = rng.choices(['顺丰', '中通', '圆通', '申通', '韵达', '京东物流', '邮政EMS', '极兔'],
                          [20, 20, 15, 10, 12, 10, 5, 8])[0]
    product, _ = rng.choice(pools.PRODUCTS)
    quantity = rng.choices([1, 2, 3, 5], [70, 20, 7, 3])[0]
    row.update(ship_date=day, order_no=pools.order_no(rng, platform), platform=platform, courier=courier,
               sku=pools.sku(rng), style=f'{product}·{rng.choice(pools.STYLES)}', colour=rng.choice(pools.COLOURS),
               size=rng.choice(pools.SIZES), quantity=quantity,
               order_amount=Decimal(rng.randrange(3900, 89900)) / 100 * quantity, receiver=pools.person(rng),
               receiver_phone=f'1{rng.choice("3578")}{rng.randrange(10**9):09d}',
               waybill_remark=rng.choice(pools.REMARKS), gift=rng.choice(pools.GIFTS),
               address_verified=True, problem_note=None)
    age = (today - day).days
    if age == 0:
        state = rng.choices(['待发货', '已打包', '已出库', '异常'], [45, 25, 25, 5])[0]
    elif age <= 2:
        state = rng.choices(['已打包', '已出库', '异常'], [10, 85, 5])[0]
    else:
        state = rng.choices(['已出库', '异常'], [97, 3])[0]
    row['status'] = state
    row['packed_checked'] = state in ('已打包', '已出库')
    row['tracking_no'] = pools.tracking_no(rng, courier) if state != '待发货' else None
    row['picked_up_at'] = (datetime.combine(day, time(rng.randint(15, 19), rng.choice([0, 15, 30, 45])))
                           if state == '已出库' else None)
    if state == '异常':
        row['problem_note'] = rng.choice(['货号与面单不符,已分出待核实', '包装破损,已上报经理', '库存不足,等待补货'])


def returns(row: dict, rng: random.Random, i: int, ctx: dict) -> None:
    today = ctx['today']
    day = _day(rng, today, 90)
    platform = rng.choice(['天猫', '京东', '淘宝', '拼多多', '抖音'])
    kind = rng.choices(['退货', '换货', '仅退款'], [55, 30, 15])[0]
    quantity = rng.choices([1, 2], [85, 15])[0]
    row.update(accepted_date=day, order_no=pools.order_no(rng, platform), buyer=pools.person(rng),
               buyer_phone=f'1{rng.choice("3578")}{rng.randrange(10**9):09d}', platform=platform, return_type=kind,
               reason=rng.choices(['质量问题', '尺码不合适', '颜色不符', '错发漏发', '与描述不符', '七天无理由',
                                   '物流破损', '其他'], [20, 30, 8, 6, 8, 20, 5, 3])[0],
               sku=pools.sku(rng), quantity=quantity, remark=rng.choice(pools.RETURN_REMARKS),
               shipment=rng.choice(ctx['ref_ids']['shipments']) if ctx['ref_ids'].get('shipments') and
               rng.random() < 0.4 else None)
    age = (today - day).days
    path = {'退货': ['已受理', '待寄回', '已收货', '已退款', '已完结'],
            '换货': ['已受理', '待寄回', '已收货', '已换货', '已完结'],
            '仅退款': ['已受理', '已退款', '已完结']}[kind]
    step = min(len(path) - 1, age // 3 + rng.randint(0, 1))
    state = path[step]
    if rng.random() < 0.06 and step <= 1:
        state = '已驳回'
    row['status'] = state
    row['meets_policy'] = state != '已驳回' if state != '已受理' else rng.choice([True, None])
    row['received_inspected'] = kind != '仅退款' and path.index(state) >= 2 if state in path else False
    row['return_tracking_no'] = pools.tracking_no(rng, rng.choice(['中通', '圆通', '顺丰'])) \
        if kind != '仅退款' and state in path and path.index(state) >= 2 else None
    refunded = state in ('已退款',) or (state == '已完结' and kind != '换货')
    row['refund_amount'] = Decimal(rng.randrange(3900, 59900)) / 100 * quantity if kind != '换货' else None
    row['handled_by'] = ctx['ops_user'] if refunded else None


def complaints(row: dict, rng: random.Random, i: int, ctx: dict) -> None:
    today = ctx['today']
    day = _day(rng, today, 100)
    category = rng.choices(list(pools.COMPLAINTS), [25, 30, 15, 15, 5, 10])[0]
    row.update(complaint_no=f'TS{day:%Y%m%d}-{i:04d}', accepted_date=day, customer=pools.person(rng),
               customer_phone=f'1{rng.choice("3578")}{rng.randrange(10**9):09d}',
               channel=rng.choice(['旺旺', '电话', '京东咚咚', '平台介入', '评论区']),
               order_no=pools.order_no(rng, '天猫'), category=category, content=rng.choice(pools.COMPLAINTS[category]),
               owner=rng.choice(ctx['cs_users']), reported_to_manager=rng.random() < 0.4)
    states = ['受理', '调查中', '处理中', '待回访', '已归档']
    age = (today - day).days
    step = min(4, age // 2 + rng.randint(-1, 1)) if age < 12 else (4 if rng.random() < 0.92 else 3)
    step = max(0, step)
    row['status'] = states[step]
    row['cause'] = rng.choice(pools.CAUSES) if step >= 2 else None
    row['resolution'] = rng.choice(pools.RESOLUTIONS) if step >= 3 else None
    row['result'] = rng.choices(['已解决', '部分解决', '未解决'], [80, 15, 5])[0] if step >= 3 else None
    if step == 4:
        row['follow_up_date'] = min(today, day + timedelta(days=rng.choice([2, 3, 5, 6, 7, 9])))
        row['evaluation'] = rng.choices(['满意', '基本满意', '不满意'], [65, 28, 7])[0]
    else:
        row['follow_up_date'] = None
        row['evaluation'] = None


def attendance(row: dict, rng: random.Random, i: int, ctx: dict) -> None:
    """Rows are laid out as employee × working day (the state calendar with its holidays and 调休 days, and the
    company's own days off), newest first. Leave, overtime and outings were requested in advance; a few punches
    were corrected by a 补卡 request."""
    employees = ctx['staff_users']
    day_index, person = divmod(i, len(employees))
    day = _workday(ctx['today'], day_index, ctx.get('company_calendar'))
    row.update(date=day, employee=employees[person], leave_type=None, leave_days=None, outing_minutes=None,
               overtime_hours=None, reason=None, approval='无需审批', approver=None, approved_at=None,
               correction_of=None, correction_time=None, remark=None)
    kind = rng.choices(['正常', '请假', '加班', '外出', '旷工'], [86, 4, 5, 4, 1])[0]
    row['kind'] = kind
    if kind == '请假':
        row.update(sign_in=None, sign_out=None, leave_type=rng.choice(['事假', '病假', '年假', '调休']),
                   leave_days=Decimal(rng.choice(['0.5', '1', '1', '1', '2'])),
                   reason=rng.choice(['家中有事', '身体不适', '就医']), approval=rng.choice(['已批准', '已批准', '申请']))
    elif kind == '旷工':
        row.update(sign_in=None, sign_out=None)
    else:
        minute = int(rng.gauss(-8, 9)) if rng.random() < 0.9 else rng.randint(16, 45)
        start = datetime.combine(day, time(9)) + timedelta(minutes=minute)
        leave = datetime.combine(day, time(18)) + timedelta(minutes=int(abs(rng.gauss(8, 10))))
        if rng.random() < 0.04:
            leave = datetime.combine(day, time(17, rng.randint(20, 50)))
        if kind == '加班':
            leave += timedelta(hours=rng.choice([1, 2, 3]))
            row.update(overtime_hours=Decimal(rng.choice([1, 2, 3])), approval='已批准', reason='大促备货')
        if kind == '外出':
            row.update(outing_minutes=rng.choice([30, 45, 60, 90, 120]), reason=rng.choice(['拜访供应商', '去快递网点']),
                       approval=rng.choice(['已批准', '已批准', '申请']))
        row.update(sign_in=start.time(), sign_out=leave.time())
        if kind == '正常' and row['sign_in'] > time(9, 15) and rng.random() < 0.3:     # forgot to punch: 补卡
            row.update(correction_of='签到', correction_time=time(8, 55), reason='忘记打卡,有门禁记录',
                       approval=rng.choice(['申请', '已批准']))
    if row['approval'] in ('已批准', '已驳回'):
        if row['employee'] == ctx['manager_user']:      # nobody decides their own request: it waits
            row['approval'] = '申请'
        else:
            row['approver'] = ctx['manager_user']
            if row['approval'] == '已批准':      # in advance, the day before (a 补卡: the same day)
                row['approved_at'] = datetime.combine(day if row['correction_of'] else day - timedelta(days=1),
                                                      time(17, 30))


def _workday(today: date, n: int, company=None) -> date:
    """The n-th workday before today (0: the last one before today — today's punches are still to come)."""
    day = today - timedelta(days=1)
    while not is_workday(day, company):
        day -= timedelta(days=1)
    for _ in range(n):
        day -= timedelta(days=1)
        while not is_workday(day, company):
            day -= timedelta(days=1)
    return day


def penalties(row: dict, rng: random.Random, i: int, ctx: dict) -> None:
    day = _day(rng, ctx['today'], 120)
    category, clause, text = rng.choice([
        ('考勤违纪', 'attendance.late', '迟到超过 15 分钟且未提前请假'),
        ('考勤违纪', 'attendance.absence', '未经批准缺勤半天'),
        ('工作失误', 'storage.shipping.2', '未核对面单备注,错发颜色'),
        ('工作失误', 'storage.inbound.1', '未检验即入库,导致不合格品上架'),
        ('服务投诉', 'cs.complaint.7', '投诉处理后未按时回访'),
        ('违规操作', 'ops.price', '未报备擅自调整商品价格'),
        ('泄露机密', 'general.secrecy', '向外部人员透露促销方案'),
    ])
    severity = rng.choices(['轻微', '一般', '严重'], [55, 35, 10])[0]
    ptype = {'轻微': '警告', '一般': '罚款', '严重': rng.choice(['罚款', '赔偿'])}[severity]
    amount = Decimal(rng.choice([50, 80, 100, 150, 200])) if ptype in ('罚款', '赔偿') else None
    loss = None
    if ptype == '赔偿':       # compensation follows the loss assessed (营运部职能权限 3.), not the 50–200 fine limit
        loss = Decimal(rng.choice([120, 300, 650]))
        amount = min(loss, Decimal(rng.choice([100, 300, 500])))
    others = [u for u in ctx['staff_users'] if u != ctx['manager_user']] or ctx['staff_users']  # not his own penalty
    row.update(date=day, employee=rng.choice(others), category=category, clause=clause, description=text,
               severity=severity, penalty_type=ptype, amount=amount,
               loss_assessed=loss, complaint=None,
               escalation_approval=None)
    state = rng.choices(['草稿', '待审批', '待上级审批', '已生效', '已撤销'], [10, 15, 4, 64, 7])[0]
    if state == '待上级审批':     # beyond the department's authority: the general manager decides
        row.update(penalty_type='罚款', amount=Decimal(rng.choice([300, 500])), loss_assessed=None, severity='严重')
    row['status'] = state
    row['approver'] = ctx['manager_user'] if state in ('已生效', '已撤销') else None
    if row['employee'] == ctx['manager_user'] and state == '待上级审批':
        row['employee'] = others[0]
    row['acknowledged'] = state == '已生效' and rng.random() < 0.8


REALISM = {'goods_receipts': goods_receipts, 'shipments': shipments, 'returns': returns, 'complaints': complaints,
           'attendance': attendance, 'penalties': penalties, 'targets': pay.targets, 'rewards': pay.rewards,
           'appraisals': pay.appraisals, 'listings': listings, **MORE}
