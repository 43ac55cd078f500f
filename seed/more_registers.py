"""Realism for the registers of the rest of the department (prices, promotions, stock, replenishment, out-of-stock
orders, CS handovers, reviews, cashback): rows that satisfy their rules, on the same 货号 pool as the warehouse."""
from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from decimal import Decimal

from . import pools


def _user(ctx: dict, name: str) -> str:
    return name if name in ctx['users'] else ctx['users'][0]


def _at(day, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour, 0))


def price_changes(row: dict, rng: random.Random, i: int, ctx: dict) -> None:
    today = ctx['today']
    asked = today - timedelta(days=rng.randint(0, 60))
    price = Decimal(rng.randrange(49, 599))
    status = '待审批' if asked >= today - timedelta(days=2) else rng.choices(['已生效', '已批准', '已驳回'], [70, 10, 20])[0]
    effective = asked + timedelta(days=rng.randint(2, 7))
    if status == '已生效':
        effective = min(effective, today)
    product, _ = rng.choice(pools.PRODUCTS)
    row.update(request_no=f'TJ{asked:%Y%m%d}-{i:04d}', sku=pools.sku(rng), product_name=product,
               platform=rng.choice(['天猫', '京东', '淘宝', '拼多多', '抖音']), current_price=price,
               requested_price=(price * Decimal(rng.choice(['0.8', '0.9', '0.95', '1.1']))).quantize(Decimal(1)),
               reason=rng.choice(['促销活动', '成本变动', '竞品调价', '清仓处理']), effective_date=effective,
               requested_by=_user(ctx, 'ops'), status=status, approver=None, approved_at=None, approved_price=None,
               leader_opinion=None)
    if status != '待审批':
        row.update(approver=_user(ctx, 'leader'), approved_at=_at(min(asked + timedelta(days=1), effective)))
    if status in ('已批准', '已生效'):
        row.update(approved_price=row['requested_price'], leader_opinion=rng.choice([None, '同意', '同意,注意毛利']))


def promotions(row: dict, rng: random.Random, i: int, ctx: dict) -> None:
    today = ctx['today']
    start = today + timedelta(days=rng.randint(-80, 20))
    end = start + timedelta(days=rng.choice([1, 3, 7]))
    target = Decimal(rng.choice([20000, 50000, 80000, 150000]))
    if end < today:
        status = rng.choices(['已结案', '待总结'], [80, 20])[0]
    elif start <= today:
        status = '进行中'
    else:
        status = rng.choice(['待审核', '已批准'])
    row.update(promo_no=f'CX{start:%Y%m%d}-{i:02d}', name=rng.choice(['双11预热', '年货节', '新品首发', '会员日', '清仓特卖']),
               platform=rng.choice(['天猫', '京东', '淘宝', '抖音']), start_date=start, end_date=end,
               items=', '.join(rng.sample(pools.SKUS, 3)), discount=rng.choice(['满300减40', '8折', '第二件半价']),
               target_sales=target, plan_text='提前一周预热,首页海报与详情页同步更新,客服统一话术',
               owner=_user(ctx, 'promoter'), status=status, approver=None, approved_at=None, actual_sales=None,
               summary=None)
    if status != '待审核':
        row.update(approver=_user(ctx, 'leader'), approved_at=_at(start - timedelta(days=rng.randint(2, 6))))
    if status == '已结案':
        actual = (target * Decimal(rng.choice(['0.7', '0.95', '1.1', '1.3']))).quantize(Decimal(1))
        row.update(actual_sales=actual, summary=f'实际销售 {actual} 元,目标 {target} 元;'
                                                + ('达成目标' if actual >= target else '未达目标,预热不足'))


def stock_items(row: dict, rng: random.Random, i: int, ctx: dict) -> None:
    product, category = pools.PRODUCTS[i % len(pools.PRODUCTS)]
    code = pools.SKUS[i] if i < len(pools.SKUS) else f'N{i:05d}-01'     # the catalogue, then new items
    row.update(sku=code, product_name=product, category=category, on_hand=None,
               needs_reorder=None, reorder_level=rng.choice([20, 50, 100, 200, 400]),
               production_line=rng.choice(pools.SUPPLIERS),
               shelf_location=f'{rng.choice("ABCDE")}-{rng.randint(1, 20):02d}-{rng.randint(1, 5):02d}')


def replenishments(row: dict, rng: random.Random, i: int, ctx: dict) -> None:
    today = ctx['today']
    day = today - timedelta(days=rng.randint(0, 40))
    status = rng.choices(['待通知', '已通知生产线', '已到货', '已取消'], [20, 30, 45, 5])[0]
    receipts = ctx['ref_ids'].get('goods_receipts') or []
    if status == '已到货' and not receipts:
        status = '已通知生产线'
    items = ctx['ref_ids'].get('stock_items') or [None]
    row.update(request_no=f'BH{day:%Y%m%d}-{i:04d}', request_date=day, item=rng.choice(items), quantity=rng.choice([100, 200, 300, 500]),
               production_line=rng.choice(pools.SUPPLIERS), needed_by=day + timedelta(days=rng.randint(5, 15)),
               status=status, notified_at=None, receipt=None, requested_by=_user(ctx, 'warehouse'))
    if status in ('已通知生产线', '已到货'):
        row['notified_at'] = _at(day, 15)
    if status == '已到货':
        row['receipt'] = rng.choice(receipts)


def stockouts(row: dict, rng: random.Random, i: int, ctx: dict) -> None:
    today = ctx['today']
    platform = rng.choice(['天猫', '京东', '淘宝', '拼多多'])
    day = today - timedelta(days=rng.randint(0, 30))
    status = '待通知顾客' if day >= today - timedelta(days=1) else rng.choice(['已通知顾客', '已处理', '已处理'])
    row.update(found_date=day, order_no=pools.order_no(rng, platform), platform=platform, sku=pools.sku(rng),
               quantity=rng.choice([1, 1, 2]), customer=pools.person(rng), status=status, notify_method=None,
               notified_at=None, resolution=None, handled_by=rng.choice(ctx['cs_users']))
    if status != '待通知顾客':
        row.update(notify_method=rng.choice(['旺旺/平台消息', '电话', '短信']), notified_at=_at(day, 11))
    if status == '已处理':
        row['resolution'] = rng.choice(['等补货后发货', '换款发货', '退款取消'])


def cs_handovers(row: dict, rng: random.Random, i: int, ctx: dict) -> None:
    day = ctx['today'] - timedelta(days=i // 2)
    cs = ctx['cs_users']
    handed = cs[i % len(cs)]
    others = [u for u in ctx['users'] if u != handed and u in (*cs, 'supervisor', 'manager')] or [handed]
    row.update(date=day, shift='早班' if i % 2 else '晚班', handed_by=handed, consultations=rng.randint(30, 160),
               orders_closed=rng.randint(5, 60), phone_log=rng.choice([None, '顾客来电催发货,已答复明天发出']),
               daily_log=rng.choice(['咨询以尺码为主,已统一话术', '两单地址修改已转仓库', '一位顾客投诉物流慢,已安抚']),
               open_items=rng.choice([None, None, '订单退款待运营处理', '顾客等待补发单号']), carried_from=None,
               status='待接班确认' if i == 0 else '已确认', received_by=None, acknowledged_at=None)
    if i:
        row.update(received_by=rng.choice(others), acknowledged_at=_at(day, 18 if i % 2 else 9))


def reviews(row: dict, rng: random.Random, i: int, ctx: dict) -> None:
    platform = rng.choice(['天猫', '京东', '淘宝', '拼多多'])
    day = ctx['today'] - timedelta(days=rng.randint(0, 45))
    status = '待联系' if day >= ctx['today'] - timedelta(days=1) else rng.choice(['已联系', '已处理', '已处理'])
    row.update(review_date=day, platform=platform, order_no=pools.order_no(rng, platform), buyer=pools.person(rng),
               rating=rng.choice(['中评', '差评']), cause=rng.choice(['质量问题', '尺码不合适', '色差', '物流慢']),
               content=rng.choice(['颜色和图片差别大', '物流太慢了', '尺码偏小']), status=status,
               contacted_at=None, contact_method=None, result=None, handled_by=rng.choice(ctx['cs_users']))
    if status != '待联系':
        row.update(contacted_at=_at(day, 14), contact_method=rng.choice(['旺旺/平台消息', '电话']))
    if status == '已处理':
        row['result'] = rng.choice(['已修改为好评', '已追评说明', '已补偿', '顾客不同意修改'])


def cashbacks(row: dict, rng: random.Random, i: int, ctx: dict) -> None:
    platform = rng.choice(['天猫', '京东', '淘宝'])
    day = ctx['today'] - timedelta(days=rng.randint(0, 30))
    status = '待审核' if day >= ctx['today'] - timedelta(days=2) else rng.choices(
        ['审核通过', '审核不通过', '已返现'], [15, 10, 75])[0]
    row.update(applied_date=day, platform=platform, order_no=pools.order_no(rng, platform), buyer=pools.person(rng),
               amount=Decimal(rng.choice([3, 5, 10])), review_checked=status in ('审核通过', '已返现'),
               status=status, reviewed_by=None, reviewed_at=None, paid_by=None, paid_at=None)
    if status != '待审核':
        row.update(reviewed_by=rng.choice(ctx['cs_users']), reviewed_at=_at(day, 16))
    if status == '已返现':
        row.update(paid_by=ctx['ops_user'], paid_at=_at(day + timedelta(days=1), 11))


REALISM = {'price_changes': price_changes, 'promotions': promotions, 'stock_items': stock_items,
           'replenishments': replenishments, 'stockouts': stockouts, 'cs_handovers': cs_handovers,
           'reviews': reviews, 'cashbacks': cashbacks}
