"""The daily sales report (每日销售数据 / 个人每天的销售报表 / 月度报表的销售额、订单量): per day of a month — and per
person and day — 下单金额, 退货金额, 净销售额 (下单金额 − 退货金额, as pay.sales defines sales) and 订单量 (distinct
orders), summed in the database from the sources a pay policy declares (its [sales], [returns] and, for the person
mapping, [targets]); every figure carries the condition that selects the rows behind it (`links`)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import StrictStr
from tortoise.functions import Count, Sum

from .. import records
from ..i18n import add_messages, t
from ..people import users
from ..rules.pay import PayPolicy
from ..runtime import rt
from .pay import PaySheet, month_targets
from .reports import Params, ReportKind, register_kind

add_messages({
    'sales.day': ('日期', 'Day'), 'sales.employee': ('员工', 'Employee'), 'sales.shop': ('销售归属', 'Sales from'),
    'sales.orders': ('下单金额', 'Orders'), 'sales.refunds': ('退货金额', 'Refunds'),
    'sales.net': ('净销售额', 'Net sales'), 'sales.count': ('订单量', 'Orders placed'),
    'sales.total': ('合计', 'Total'),
})
FIGURES = ('orders', 'refunds', 'net', 'count')


def _money(value) -> float:
    return 0.0 if value is None else float(round(Decimal(str(value)), 2))


@register_kind
class DailySales(ReportKind):
    """One row per day of the month (`by = "day"`), or per person and day (`by = "person"`: whose sales the
    month's approved target row says — one shop, or all shops)."""

    name = 'daily_sales'

    class params(Params):
        policy: StrictStr = 'pay'
        """The pay policy (schemas/policy/<policy>.toml) whose [sales], [returns] and [targets] give the figures."""
        by: Literal['day', 'person'] = 'day'
        """`day`: one row per day; `person`: per person and day, by the month's approved targets."""

    def check(self, catalog, register, p, report) -> None:
        PaySheet().check(catalog, register, p, report)
        policy = catalog.policies.get(p.policy)
        if isinstance(policy, PayPolicy) and policy.sales.order is None:
            report('D434', 'policy', 'pay.toml [sales]: daily_sales needs order = "<field>" (订单量 counts it)')

    async def run(self, actor, spec, start, end, lang):
        policy: PayPolicy = rt().catalog.policies[spec.params.policy]
        month = {'gte': str(start), 'lt': str(end)}
        sales, back = await _per_day_shop(actor, policy, month)
        days = sorted({d for d, _ in sales} | {d for d, _ in back})
        shops = sorted({s for _, s in sales} | {s for _, s in back}, key=str)
        if spec.params.by == 'day':
            rows = [_row(policy, day, None, sales, back, shops) for day in days]
            keys = ('day', *FIGURES)
        else:
            names = await users.directory()
            rows, shared = [], {}          # people of the same shop share its figures: each (day, shop) once
            for person in await month_targets(actor, policy, month):
                mine = shops if person['shop'] == policy.all_shops else [person['shop']]
                for day in days:
                    if (day, person['shop']) not in shared:
                        shared[day, person['shop']] = _row(policy, day, person['shop'], sales, back, mine)
                    row = shared[day, person['shop']]
                    if row['orders'] or row['refunds']:
                        rows.append({'employee': names.get(person['employee'], person['employee']),
                                     'login': person['employee'], 'shop': person['shop'], **row,
                                     'mark': f'{person["employee"]}-{day}'})
            keys = ('day', 'employee', 'shop', *FIGURES)
        if rows:
            rows.append({'day': t('sales.total', lang), 'mark': 'total',
                         **{k: round(sum(r[k] for r in rows), 2) for k in FIGURES}})
        return {'columns': [(k, t(f'sales.{k}', 'zh'), t(f'sales.{k}', 'en')) for k in keys], 'rows': rows}


async def _per_day_shop(actor, policy: PayPolicy, month: dict) -> tuple[dict, dict]:
    """{(day, shop): (amount, orders)} of the sales source and {(day, shop): amount} of the returns source."""
    s, r = policy.sales, policy.returns
    _, _, qs = await records.scoped_queryset(actor, s.reg, {s.date: month})
    rows = await qs.annotate(v=Sum(s.amount), n=Count(s.order, distinct=True)).group_by(s.date, s.shop).values(
        s.date, s.shop, 'v', 'n')
    sales = {(str(x[s.date]), x[s.shop]): (x['v'], x['n']) for x in rows}
    where: dict[str, Any] = {r.date: month}
    if r.states:
        where[r.status] = list(r.states)
    _, _, qs = await records.scoped_queryset(actor, r.reg, where)
    rows = await qs.annotate(v=Sum(r.amount)).group_by(r.date, r.shop).values(r.date, r.shop, 'v')
    return sales, {(str(x[r.date]), x[r.shop]): x['v'] for x in rows}


def _row(policy: PayPolicy, day: str, shop: str | None, sales: dict, back: dict, shops: list) -> dict[str, Any]:
    orders = sum((Decimal(str(sales.get((day, x), (0, 0))[0] or 0)) for x in shops), Decimal(0))
    refunds = sum((Decimal(str(back.get((day, x)) or 0)) for x in shops), Decimal(0))
    count = sum(sales.get((day, x), (0, 0))[1] or 0 for x in shops)
    s, r = policy.sales, policy.returns
    one = shop is not None and shop != policy.all_shops
    order_where = {s.date: day, **({s.shop: shop} if one else {})}
    refund_where = {r.date: day, **({r.status: list(r.states)} if r.states else {}), **({r.shop: shop} if one else {})}
    return {'day': day, 'orders': _money(orders), 'refunds': _money(refunds), 'net': _money(orders - refunds),
            'count': count, 'links': {'orders': {'register': s.reg, 'where': order_where},
                                      'count': {'register': s.reg, 'where': order_where},
                                      'refunds': {'register': r.reg, 'where': refund_where}}}
