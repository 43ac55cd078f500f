"""Realism for 商品上新登记: one listing per 货号 of the shop's catalogue, linked to the first goods receipt that
stored it last (its arrival date is the receipt's date); most went on sale within three days, a few late, a few still
in the studio past their deadline; sold-out colours and sizes noted on some."""
from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from . import pools

POINTS = ['精选面料,亲肤透气', '立体剪裁,上身显瘦', '做工精细,走线平整', '多色可选,百搭好配', '机洗不变形不起球',
          '加厚保暖,冬季必备', '轻盈柔软,久穿不累', '防滑耐磨,舒适脚感', '大容量多隔层,收纳方便', '五金件光亮耐用',
          '环保印染,不褪色', '细节包边,防止开线', '经典版型,四季可穿', '实物拍摄,所见即所得', '七天无理由退换']
FABRICS = {'女装': ['纯棉', '真丝', '雪纺', '牛仔布', '羊毛混纺'], '男装': ['纯棉', '涤纶', '羽绒', '羊毛混纺'],
           '童装': ['纯棉', '摇粒绒'], '鞋靴': ['头层牛皮', '透气网面'], '箱包': ['帆布', '头层牛皮'],
           '配饰': ['羊毛', '树脂'], '家居': ['全棉', '记忆棉']}
BRANDS = ['织美', '锦绣', '步步', '海纳', '千色', '店铺自有品牌']


def _sizes(category: str) -> str:
    if category == '鞋靴':
        return '36、37、38、39、40、41'
    return 'S、M、L、XL、XXL' if category in ('女装', '男装', '童装') else '均码'


def _dimensions(category: str, rng: random.Random) -> str:
    if category in ('女装', '男装', '童装'):
        return f'衣长 {rng.randint(45, 110)}cm、胸围 {rng.randint(80, 124)}cm、袖长 {rng.randint(40, 64)}cm'
    if category == '鞋靴':
        return f'鞋底长 {rng.randint(23, 29)}cm、跟高 {rng.randint(2, 6)}cm'
    return f'长 {rng.randint(20, 200)}cm × 宽 {rng.randint(5, 150)}cm × 高 {rng.randint(2, 40)}cm'


def _receipt(ctx: dict, code: str) -> dict | None:
    stored = [r for r in ctx.get('ref_rows', {}).get('goods_receipts', [])
              if r.get('sku') == code and r.get('status') == '已入库']
    return max(stored, key=lambda r: (r['receipt_date'], r['id'])) if stored else None      # the newest arrival


def _state(arrival: date, today: date, rng: random.Random) -> tuple[str, list[date]]:
    """The state and the dates of the steps taken (photographed, processed, online, taken down)."""
    age = (today - arrival).days
    shoot = rng.choice([0, 1, 1, 2])
    process = shoot + rng.choice([0, 1, 1])
    online = process + rng.choices([0, 1, 2, 4], [30, 40, 20, 10])[0]
    stuck = age > 3 and rng.random() < 0.05              # past the three days, still in the studio
    steps = [arrival + timedelta(days=d) for d in (shoot, process, online)]
    reached = [d for d in steps if d <= today]
    if stuck:
        reached = reached[:rng.randint(0, 2)]
    state = ['待拍摄', '已拍摄', '已处理', '已上线'][len(reached)]
    if state == '已上线' and age > 40 and rng.random() < 0.12:
        reached.append(min(today, reached[-1] + timedelta(days=rng.randint(20, 40))))
        state = '已下架'
    return state, reached


# the checklist items each move needs, ticked by who makes it on the day it is made
GATES = [('measured',), ('colour_corrected', 'watermarked', 'image_widths', 'details_annotated', 'template_used',
                         'main_annotated', 'named_by_sku', 'backed_up'),
         ('listing_details', 'info_complete', 'page_checked')]


def _checks(dates: list, designer: str, ops: str) -> dict:
    out = {}
    for step, (items, day) in enumerate(zip(GATES, dates)):
        if day is not None:
            stamp = {'by': ops if step == 2 else designer, 'at': f'{day} {10 + 3 * step}:00'}
            out.update({item: stamp for item in items})
    return out


def listings(row: dict, rng: random.Random, i: int, ctx: dict) -> None:
    today = ctx['today']
    code = pools.SKUS[i] if i < len(pools.SKUS) else f'N{i:05d}-01'
    receipt = _receipt(ctx, code)
    if receipt:
        arrival, product, category = receipt['receipt_date'], receipt['product_name'], receipt['category'] or '其他'
        colour = receipt.get('colour') or rng.choice(pools.COLOURS)
    else:
        product, category = pools.PRODUCTS[i % len(pools.PRODUCTS)]
        arrival, colour = today - timedelta(days=int(rng.triangular(0, 60, 0))), rng.choice(pools.COLOURS)
    state, dates = _state(arrival, today, rng)
    dates += [None] * (4 - len(dates))
    colours = [colour] + rng.sample([c for c in pools.COLOURS if c != colour], rng.randint(0, 2))
    names = [u for u in ctx['users'] if u == 'designer'] or ctx['users']
    row.update(sku=code, product_name=product, category=category, receipt=receipt['id'] if receipt else None,
               arrival_date=arrival, designer=names[0], status=state, photographed_date=dates[0],
               processed_date=dates[1], online_date=dates[2], offline_date=dates[3],
               brand=None, colours=None, sizes=None, fabric=None, dimensions=None, description=None,
               selling_points=None, platform='淘宝', price=None, discounted=False, listed_by=None,
               soldout=None, soldout_marked=False, remark=None)
    row['_checks'] = _checks(dates, names[0], ctx.get('ops_user') or names[0])
    if dates[0]:
        row['dimensions'] = _dimensions(category, rng)
    if dates[1]:
        row.update(colours='、'.join(colours), sizes=_sizes(category), fabric=rng.choice(FABRICS.get(category, ['其他'])),
                   description=f'{product},{rng.choice(["新款到货", "经典回归", "当季热卖"])},详见尺码表',
                   selling_points='\n'.join(rng.sample(POINTS, rng.randint(5, 7))))
    if dates[2]:
        row.update(brand=rng.choice(BRANDS), price=Decimal(rng.randrange(49, 599)), discounted=rng.random() < 0.3,
                   platform=rng.choice(['淘宝', '淘宝', '天猫', '京东']), listed_by=ctx.get('ops_user'))
        if rng.random() < 0.12:
            row['soldout'] = rng.choice([colours[-1], 'XXL', f'{colours[0]} S 码'])
            row['soldout_marked'] = rng.random() < 0.7
