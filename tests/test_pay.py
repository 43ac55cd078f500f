"""The pay sheet (工资表, schemas/policy/pay.toml, 《电商运营管理制度》篇1 三、薪资方案): a worked example computed by
hand for a small team in October 2026 — two 推广员 (25% and exactly 30% of plan), one 主管 (80%) and one 客服 (120%),
a 满勤 month and a month with absence, a fine and a reward — asserting every figure; and the 30% rule itself."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal import records
from portal.dashboards import reports
from portal.rules.calendar import workdays
from portal.rules.pay import PayPolicy, commission, completion, performance
from portal.runtime import rt

D = Decimal
OCT = date(2026, 10, 1)


async def _ship(actor, n: int, platform: str, amount: str, day: str = '2026-10-10'):
    await records.create_row(actor, 'shipments', {'order_no': f'W-{n}', 'platform': platform, 'sku': 'S1',
                                                  'quantity': 1, 'ship_date': day, 'order_amount': amount})


async def _refund(actors, n: int, platform: str, amount: str, *, done: bool = True, close: bool = False):
    cs, ops = actors['cs'], actors['ops']
    row = await records.create_row(cs, 'returns', {'order_no': f'W-{n}', 'buyer': '买家', 'return_type': '仅退款',
                                                   'reason': '其他', 'platform': platform, 'refund_amount': amount,
                                                   'meets_policy': True, 'accepted_date': '2026-10-15'})
    if not done:
        return
    for item in ('policy_checked', 'refund_by_ops'):
        row = await records.set_check(actors['manager'], 'returns', row['id'], item, True, version=row['version'])
    row = await records.update_row(ops, 'returns', row['id'], {'status': '已退款'}, version=row['version'])
    if close:
        await records.update_row(cs, 'returns', row['id'], {'status': '已完结'}, version=row['version'])


async def _target(actors, employee: str, position: str, shop: str, plan: str, approve: bool = True):
    m = actors['manager']
    row = await records.create_row(m, 'targets', {'month': '2026-10-01', 'employee': employee, 'position': position,
                                                  'shop': shop, 'plan_amount': plan})
    if approve:
        row = await records.update_row(m, 'targets', row['id'], {'status': '待审批'}, version=row['version'])
        row = await records.update_row(actors['leader'], 'targets', row['id'], {'status': '已批准'},
                                       version=row['version'])
        assert row['approver'] == 'leader'


async def _attendance(clock, employee: str, absent_on: date | None = None):
    calendar = rt().catalog.policies.get('calendar')
    for day in workdays(OCT, date(2026, 11, 1), calendar):
        values = {'employee': employee, 'date': str(day), 'sign_in': '09:00', 'sign_out': '18:00'}
        if day == absent_on:
            values = {'employee': employee, 'date': str(day), 'kind': '旷工'}
        await records.create_row(clock, 'attendance', values)


async def _fine(manager, employee: str, amount: str, effective: bool = True, category: str = '工作失误'):
    row = await records.create_row(manager, 'penalties', {
        'employee': employee, 'date': '2026-10-20', 'category': category, 'clause': 'storage.shipping.2',
        'description': '错发颜色', 'severity': '一般', 'penalty_type': '罚款', 'amount': amount})
    if not effective:
        return
    row = await records.set_check(manager, 'penalties', row['id'], 'facts_verified', True, version=row['version'])
    for state in ('待审批', '已生效'):
        row = await records.update_row(manager, 'penalties', row['id'], {'status': state}, version=row['version'])


async def _reward(manager, employee: str, position: str, amount: str, date_: str = '2026-10-31'):
    row = await records.create_row(manager, 'rewards', {
        'employee': employee, 'date': date_, 'position': position, 'category': '超额完成奖',
        'clause': 'pay.promoter.bonus', 'description': '超额完成计划并有效促进销售', 'amount': amount})
    for state in ('待审批', '已生效'):
        row = await records.update_row(manager, 'rewards', row['id'], {'status': state}, version=row['version'])
    return row


async def month_of_team(actors):
    """October 2026 for ops (推广员, 天猫), staff (推广员, 京东), manager (主管) and cs (客服, both 全部店铺)."""
    m = actors['manager']
    await _target(actors, 'ops', '推广员', '天猫', '10000')          # 2 500 / 10 000 = 25%
    await _target(actors, 'staff', '推广员', '京东', '10000')        # 3 000 / 10 000 = 30% exactly
    await _target(actors, 'manager', '主管', '全部店铺', '15000')     # 12 000 / 15 000 = 80%
    await _target(actors, 'cs', '客服', '全部店铺', '10000')          # 12 000 / 10 000 = 120%
    await _target(actors, 'designer', '推广员', '抖音', '5000', approve=False)   # not approved: not on the sheet
    await _ship(m, 1, '天猫', '1000')
    await _ship(m, 2, '天猫', '2000')
    await _ship(m, 3, '京东', '1000')
    await _ship(m, 4, '京东', '2000')
    await _ship(m, 5, '淘宝', '7000')
    await _ship(m, 6, '天猫', '9999', day='2026-09-30')             # September: not counted
    await _ship(m, 7, '京东', '9999', day='2026-11-01')             # November: not counted
    await _refund(actors, 1, '天猫', '500')                          # 已退款: counted
    await _refund(actors, 5, '淘宝', '500', close=True)              # 已完结: counted
    await _refund(actors, 3, '京东', '800', done=False)              # 已受理 only: not a refund yet
    await _attendance(actors['admin'], 'cs')                        # 满勤
    await _attendance(actors['admin'], 'staff', absent_on=date(2026, 10, 13))   # one day 旷工
    await _fine(m, 'staff', '100')
    await _fine(m, 'staff', '60', effective=False, category='其他')                  # a draft: not deducted
    await _reward(m, 'cs', '客服', '80')


async def test_pay_sheet_worked_example(engine, actors):
    await month_of_team(actors)
    table = await reports.run(actors['manager'], 'pay_sheet', '2026-10')
    rows = {r['login']: r for r in table['rows']}
    assert set(rows) == {'ops', 'staff', 'manager', 'cs'}
    figures = ('plan', 'orders', 'refunds', 'actual', 'completion', 'base', 'performance', 'bonus', 'commission',
               'full', 'penalties', 'dock', 'adjustment', 'total')
    expected = {
        #            plan    orders  refunds actual  %       base  绩效  奖金 提成 全勤 罚款 扣 调整 合计
        'ops':     ('10000', '3000', '500', '2500', '25.00', 2000, '0', 0, '0', 0, 0, 0, 0, '2000'),
        # 30% exactly earns 30% × 500 = 150; 提成 1% × 3 000 = 30; the fine 100 deducted; no 全勤奖 (absent a day)
        'staff':   ('10000', '3000', '0', '3000', '30.00', 2000, '150', 0, '30', 0, 100, 0, 0, '2080'),
        # 80% × 500 = 400; 提成 0.5% × 12 000 = 60; docked 50 for the one promoter under 30% (ops)
        'manager': ('15000', '13000', '1000', '12000', '80.00', 3500, '400', 0, '60', 0, 0, 50, 0, '3910'),
        # 120% is capped at 500 (declared choice); 奖金 80; 全勤奖 100; 提成 by the CS tiers: 120% reaches the
        # top tier, 1% × ratio 1.0 × 12 000 = 120
        'cs':      ('10000', '13000', '1000', '12000', '120.00', 2000, '500', 80, '120', 100, 0, 0, 0, '2800'),
    }
    for login, want in expected.items():
        got = tuple(D(str(rows[login][k])) for k in figures)
        assert got == tuple(D(str(v)) for v in want), login
        assert rows[login]['total'] == sum((rows[login][k] for k in ('base', 'performance', 'bonus', 'commission',
                                                                    'full')), D(0)) - rows[login][
            'penalties'] - rows[login]['dock']
    assert rows['staff']['position'] == '推广员' and rows['manager']['employee'] == '王经理'


async def test_every_figure_links_to_the_rows_behind_it(engine, actors):
    await month_of_team(actors)
    m = actors['manager']
    rows = {r['login']: r for r in (await reports.run(m, 'pay_sheet', '2026-10'))['rows']}

    async def behind(login, figure, field):
        link = rows[login]['links'][figure]
        _, _, qs = await records.scoped_queryset(m, link['register'], link['where'])
        return sum((D(str(v or 0)) for v in await qs.values_list(field, flat=True)), D(0))
    assert await behind('ops', 'orders', 'order_amount') == rows['ops']['orders'] == D(3000)
    assert await behind('ops', 'refunds', 'refund_amount') == rows['ops']['refunds'] == D(500)
    assert await behind('manager', 'orders', 'order_amount') == D(13000)
    assert await behind('staff', 'penalties', 'amount') == rows['staff']['penalties'] == D(100)
    assert await behind('cs', 'bonus', 'amount') == D(80)
    assert await behind('cs', 'plan', 'plan_amount') == D(10000)


def _policy() -> PayPolicy:
    import tomllib

    from .conftest import SCHEMAS
    return PayPolicy.model_validate(tomllib.loads((SCHEMAS / 'policy' / 'pay.toml').read_text(encoding='utf-8')))


@pytest.mark.parametrize('actual,plan,pct,pay', [
    ('2999.99', '10000', '29.99', '0.00'), ('3000', '10000', '30.00', '150.00'), ('0', '10000', '0.00', '0.00'),
    ('10000', '10000', '100.00', '500.00'), ('25000', '10000', '250.00', '500.00'), ('1', '3', '33.33', '166.65'),
])
def test_thirty_percent_rule(actual, plan, pct, pay):
    policy = _policy()
    got = completion(D(actual), D(plan))
    assert got == D(pct) and performance(policy, got) == D(pay)


@given(st.decimals(min_value=0, max_value=10**7, places=2), st.decimals(min_value=1, max_value=10**7, places=2))
def test_performance_pay_is_zero_under_30_and_never_above_500(actual, plan):
    policy = _policy()
    pct = completion(actual, plan)
    pay = performance(policy, pct)
    assert (pay == 0) == (pct < 30)               # 30% or more earns at least 150
    assert D(0) <= pay <= D(500)
    if pct >= 30:
        assert pay == (D(500) * min(pct, D(100)) / 100).quantize(D('0.01'))


@pytest.mark.parametrize('actual,plan,paid', [
    # CS tiers (pay.toml [cs_commission]): 30% → 0.3%, 60% → 0.5%, 100% → 0.8%, 120% → 1%, × ratio 客服 1.0
    ('2999', '10000', '0.00'),          # 29.99%: under the lowest tier, nothing
    ('3000', '10000', '9.00'),          # 30%: 3 000 × 0.3% = 9
    ('5999', '10000', '18.00'),         # 59.99%: still 0.3% → 17.997 → 18.00
    ('6000', '10000', '30.00'),         # 60%: 6 000 × 0.5% = 30
    ('10000', '10000', '80.00'),        # 100%: 10 000 × 0.8% = 80
    ('11999', '10000', '95.99'),        # 119.99%: 11 999 × 0.8% = 95.992 → 95.99
    ('12000', '10000', '120.00'),       # 120%: 12 000 × 1% = 120
    ('25000', '10000', '250.00'),       # 250%: the top tier stays 1%
])
def test_cs_group_commission_by_tier(actual, plan, paid):
    policy = _policy()
    assert commission(policy, '客服', D(actual), completion(D(actual), D(plan))) == D(paid)


def test_cs_group_commission_scales_by_position_ratio():
    """A second CS position with ratio 1.5 (a 客服组长, say): at 100% of a 20 000 plan it earns
    20 000 × 0.8% × 1.5 = 240, the 客服 beside it 20 000 × 0.8% × 1.0 = 160; a 推广员 keeps its flat 1%."""
    raw = _policy().model_dump(by_alias=True)
    raw['base_salary']['客服组长'] = D(2500)
    raw['cs_commission']['positions'].append('客服组长')
    raw['cs_commission']['ratios']['客服组长'] = D('1.5')
    policy = PayPolicy.model_validate(raw)
    assert commission(policy, '客服组长', D(20000), D(100)) == D('240.00')
    assert commission(policy, '客服', D(20000), D(100)) == D('160.00')
    assert commission(policy, '推广员', D(20000), D(100)) == D('200.00')
    raw['cs_commission']['tiers'].reverse()
    with pytest.raises(ValueError, match='at_least must rise'):
        PayPolicy.model_validate(raw)


def test_pay_policy_is_validated_like_every_schema(schema_dir):
    from portal.catalog.load import load_catalog
    path = schema_dir / 'policy' / 'pay.toml'
    path.write_text(path.read_text(encoding='utf-8').replace('performance_cap = "capped"',
                                                             'performance_cap = "sometimes"'), encoding='utf-8')
    _, issues = load_catalog(schema_dir)
    assert any('pay.toml' in str(i) and 'performance_cap' in str(i) for i in issues), issues


async def test_pay_sheet_xlsx_has_formulas_a_clerk_can_check(engine, actors):
    import io

    from openpyxl import load_workbook
    await month_of_team(actors)
    book = load_workbook(io.BytesIO(await reports.report_xlsx(actors['manager'], 'pay_sheet', '2026-10')))
    sheet = book.worksheets[0]
    head = [c.value for c in sheet[1]]
    assert head[:4] == ['员工', '岗位', '销售归属', '计划销售额'] and head[-2:] == ['系统计算合计', '月结后更正(已计入)']
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=2)}
    staff = rows['刘员工']
    r = staff[0].row
    assert staff[3].value == 10000 and staff[4].value == 3000 and staff[5].value == 0     # plan, orders, refunds
    assert staff[6].value == f'=E{r}-F{r}'
    assert staff[7].value == f'=IF(D{r}>0,ROUNDDOWN(G{r}/D{r}*100,2),0)'
    assert staff[9].value == f'=IF(H{r}>=30,ROUND(500*MIN(H{r},100)/100,2),0)'       # the 30% rule, capped
    assert staff[13].value == 100 and staff[15].value == f'=I{r}+J{r}+K{r}+L{r}+M{r}-N{r}-O{r}'
    assert staff[16].value == 2080                                                    # the portal's own total
    assert 'COUNTIFS($B$2:$B$5,"推广员",$H$2:$H$5,"<30")' in rows['王经理'][14].value
    cs = rows['张客服'] if '张客服' in rows else next(r for r in rows.values() if r[1].value == '客服')
    c = cs[0].row
    assert cs[11].value == (f'=IF(G{c}>0,IF(OR(B{c}="客服"),ROUND(G{c}*LOOKUP(H{c},{{0,30,60,100,120}},'
                            f'{{0,0.3,0.5,0.8,1.0}})*IFS(B{c}="客服",1.0,TRUE,0)/100,2),'
                            f'IF(H{c}>=30,ROUND(G{c}*IFS(B{c}="主管",0.5,B{c}="推广员",1.0,TRUE,0)/100,2),0)),0)')
    assert book.worksheets[1]['B3'].value == 30
