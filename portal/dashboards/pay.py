"""The pay sheet (工资表) as a declared report: per person and month, 底薪 by position, 绩效 by the 30% rule, 奖金,
提成, 全勤奖 and the deductions of effective penalties — sums computed in the database from the registers that
schemas/policy/pay.toml names, each figure carrying the condition that selects the rows behind it (`links`)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import StrictStr, ValidationError
from tortoise.functions import Sum

from .. import records
from ..i18n import add_messages, t
from ..people import users
from ..rules import pay as pay_rules
from ..rules import pydantic_problems
from ..rules.pay import PayPolicy
from ..runtime import rt
from .pay_xlsx import pay_sheet_xlsx
from .reports import Params, ReportKind, get_kind, register_kind
from .reports import run as run_report

add_messages({
    'pay.employee': ('员工', 'Employee'), 'pay.position': ('岗位', 'Position'),
    'pay.shop': ('销售归属', 'Sales from'), 'pay.plan': ('计划销售额', 'Plan'),
    'pay.orders': ('下单金额', 'Orders'), 'pay.refunds': ('退货金额', 'Refunds'),
    'pay.actual': ('实际销售额', 'Net sales'), 'pay.completion': ('完成率%', 'Completion %'),
    'pay.base': ('底薪', 'Base'), 'pay.performance': ('绩效工资', 'Performance pay'),
    'pay.bonus': ('奖金', 'Bonus'), 'pay.commission': ('提成', 'Commission'),
    'pay.full': ('全勤奖', 'Full attendance'), 'pay.penalties': ('罚款扣除', 'Fines'),
    'pay.dock': ('主管考核扣款', 'Supervisor dock'), 'pay.adjustment': ('月结后更正(已计入)', 'Adjusted since closing'),
    'pay.total': ('实发合计', 'Total'),
})
MONEY = ('base', 'performance', 'bonus', 'commission', 'full', 'penalties', 'dock')
SOURCES = ('sales', 'returns', 'targets', 'penalties', 'rewards', 'attendance')
COLUMNS = ('employee', 'position', 'shop', 'plan', 'orders', 'refunds', 'actual', 'completion', *MONEY, 'total',
           'adjustment')


def _dec(value) -> Decimal:
    return Decimal(0) if value is None else Decimal(str(value))


def policy_of(name: str) -> PayPolicy:
    return rt().catalog.policies[name]


@register_kind
class PaySheet(ReportKind):
    """One row per person with an approved target in the month (the target row gives position and shop)."""

    name = 'pay_sheet'
    xlsx = staticmethod(pay_sheet_xlsx)

    class params(Params):
        policy: StrictStr = 'pay'

    def check(self, catalog, register, p, report) -> None:
        raw = catalog.policies.get(p.policy)
        if raw is None:
            report('D430', 'policy', f"no policy file schemas/policy/{p.policy}.toml", value=p.policy,
                   allowed=sorted(catalog.policies))
            return
        if not isinstance(raw, PayPolicy):
            try:
                raw = PayPolicy.model_validate(raw)
            except ValidationError as exc:
                for path, message, value in pydantic_problems(exc):
                    report('D431', 'policy', f'schemas/policy/{p.policy}.toml {path}: {message}', value=value)
                return
            catalog.policies[p.policy] = raw
        for role in raw.closing.roles:
            if catalog.roles and role not in catalog.roles:
                report('D433', 'policy', f"pay.toml [closing].roles: unknown role '{role}'", value=role,
                       allowed=sorted(catalog.roles))
        for part in SOURCES:
            source = getattr(raw, part)
            reg = catalog.registers.get(source.reg)
            if reg is None:
                report('D432', 'policy', f"pay.toml [{part}]: unknown register '{source.reg}'",
                       value=source.reg, allowed=sorted(catalog.registers))
                continue
            for key, name in source.model_dump(exclude={'reg', 'states', 'kinds', 'report'}).items():
                if name is not None and reg.field(name) is None:
                    report('D432', 'policy', f"pay.toml [{part}].{key}: no field '{name}' in '{source.reg}'",
                           value=name, allowed=[f.name for f in reg.fields])

    async def run(self, actor, spec, start, end, lang):
        policy = policy_of(spec.params.policy)
        month = {'gte': str(start), 'lt': str(end)}
        people = await month_targets(actor, policy, month)
        orders = await _per(actor, policy.sales, month, policy.sales.shop)
        refunds = await _per(actor, policy.returns, month, policy.returns.shop)
        fines = await _per(actor, policy.penalties, month, policy.penalties.employee)
        bonus = await _per(actor, policy.rewards, month, policy.rewards.employee)
        full = await _full_attendance(actor, policy, start, end, lang)
        closed = await records.closing.closed_record(start.strftime('%Y-%m'))
        rows = _compute(policy, people, orders, refunds, fines, bonus, full, closed['totals'] if closed else None)
        names = await users.directory()
        for row in rows:
            row['login'] = row['employee']
            row['employee'] = names.get(row['employee'], row['employee'])
            row['links'] = _links(policy, row, month)
        columns = [(k, t(f'pay.{k}', 'zh'), t(f'pay.{k}', 'en')) for k in COLUMNS]
        return {'columns': columns, 'rows': rows, 'closed': closed and {k: closed[k] for k in ('closed_by', 'closed_at')},
                'corrections': await records.closing.corrections(start.strftime('%Y-%m')) if closed else []}


async def month_targets(actor, policy: PayPolicy, month: dict) -> list[dict[str, Any]]:
    s = policy.targets
    _, _, qs = await records.scoped_queryset(actor, s.reg, {s.month: month, s.status: list(s.states)})
    return list(await qs.order_by(s.employee).values(employee=s.employee, position=s.position, shop=s.shop,
                                                     plan=s.plan))


async def _per(actor, source, month: dict, by: str) -> dict[str, Decimal]:
    """SUM(amount) GROUP BY `by` over the month's rows of `source` (in the declared states and kinds)."""
    where: dict[str, Any] = {source.date: month}
    if source.states:
        where[source.status] = list(source.states)
    if source.kinds:
        where[source.kind] = list(source.kinds)
    _, _, qs = await records.scoped_queryset(actor, source.reg, where)
    # grouped by day too: an index led by the date and holding the amount (declared in the schema) answers it
    # without reading the rows; the few (day, key) sums are folded here
    rows = await qs.annotate(v=Sum(source.amount)).group_by(source.date, by).values(by, 'v')
    out: dict[str, Decimal] = {}
    for r in rows:
        out[r[by]] = out.get(r[by], Decimal(0)) + _dec(r['v'])
    return out


async def _full_attendance(actor, policy: PayPolicy, start, end, lang) -> set[str]:
    spec = rt().catalog.reports[policy.attendance.report]
    table = await get_kind(spec.kind).run(actor, spec, start, end, lang)
    return {row['login'] for row in table['rows'] if row.get('full')}


async def close_month(actor, month: str) -> dict[str, Any]:
    """月结: compute the month's pay sheet and close the month with its totals (records.closing checks the role)."""
    if not records.closing.may_close(actor):
        await records.closing.close(actor, month, {})          # raises the refusal naming the roles
    table = await run_report(actor, 'pay_sheet', month)
    await records.closing.close(actor, month, {r['login']: str(r['total']) for r in table['rows']})
    return table


def _compute(policy: PayPolicy, people, orders, refunds, fines, bonus, full, closed) -> list[dict[str, Any]]:
    """`closed`: the totals kept when the month was closed (None while open) — the adjustment is the change since."""
    all_orders, all_refunds = sum(orders.values(), Decimal(0)), sum(refunds.values(), Decimal(0))
    rows = []
    for person in people:
        whole = person['shop'] == policy.all_shops
        got = all_orders if whole else orders.get(person['shop'], Decimal(0))
        back = all_refunds if whole else refunds.get(person['shop'], Decimal(0))
        actual, plan = got - back, _dec(person['plan'])
        pct = pay_rules.completion(actual, plan)
        row = {'employee': person['employee'], 'position': person['position'], 'shop': person['shop'],
               'plan': plan, 'orders': got, 'refunds': back, 'actual': actual, 'completion': pct,
               'base': policy.base_salary.get(person['position'], Decimal(0)),
               'performance': pay_rules.performance(policy, pct),
               'bonus': bonus.get(person['employee'], Decimal(0)),
               'commission': pay_rules.commission(policy, person['position'], actual, pct),
               'full': policy.full_attendance_bonus if person['employee'] in full else Decimal(0),
               'penalties': fines.get(person['employee'], Decimal(0)), 'dock': Decimal(0)}
        rows.append(row)
    under = sum(1 for r in rows if r['position'] in policy.promoter_positions
                and (r['completion'] is None or r['completion'] < policy.performance_threshold))
    for row in rows:
        if row['position'] == policy.supervisor_position:
            row['dock'] = pay_rules.supervisor_dock(policy, under)
        row['total'] = (row['base'] + row['performance'] + row['bonus'] + row['commission'] + row['full']
                        - row['penalties'] - row['dock'])
        row['adjustment'] = row['total'] - _dec(closed.get(row['employee'], 0)) if closed is not None else Decimal(0)
    return rows


def _links(policy: PayPolicy, row: dict, month: dict) -> dict[str, dict[str, Any]]:
    """figure → {register, where}: the rows behind it, as a condition the register page and API accept."""
    shop = {} if row['shop'] == policy.all_shops else {policy.sales.shop: row['shop']}
    rshop = {} if row['shop'] == policy.all_shops else {policy.returns.shop: row['shop']}
    s, r, p, w, g = policy.sales, policy.returns, policy.penalties, policy.rewards, policy.targets
    a = policy.attendance
    refunds = {'register': r.reg, 'where': {r.date: month, r.status: list(r.states), **rshop}}
    return {
        'plan': {'register': g.reg, 'where': {g.month: month, g.employee: row['login']}},
        'orders': {'register': s.reg, 'where': {s.date: month, **shop}},
        'refunds': refunds,
        'penalties': {'register': p.reg, 'where': {p.date: month, p.employee: row['login'],
                                                        p.status: list(p.states), p.kind: list(p.kinds)}},
        'bonus': {'register': w.reg, 'where': {w.date: month, w.employee: row['login'],
                                                    w.status: list(w.states)}},
        'full': {'register': a.reg, 'where': {a.date: month, a.employee: row['login']}},
    }
