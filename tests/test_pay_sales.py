"""The daily sales report (每日销售数据 ops.duties, 个人每天的销售报表 cs.rules.presale.11, 销售额、订单量
platform.report.2): the October team of test_pay worked by hand, per day and per person and day, the rows behind each
figure, the .xlsx, and the manager's dashboard card."""
from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

from portal import records
from portal.dashboards import reports, widgets
from portal.runtime import rt

from .test_pay import month_of_team

D = Decimal


async def _team(actors):
    await month_of_team(actors)
    # a second line (货号 S2) of order W-1: 订单量 counts the order once
    await records.create_row(actors['manager'], 'shipments', {'order_no': 'W-1', 'platform': '天猫', 'sku': 'S2',
                                                              'quantity': 1, 'ship_date': '2026-10-10',
                                                              'order_amount': '100'})


async def test_daily_sales_per_day_worked_by_hand(engine, actors):
    await _team(actors)
    table = await reports.run(actors['manager'], 'daily_sales', '2026-10')
    got = [(r['day'], r['orders'], r['refunds'], r['net'], r['count']) for r in table['rows']]
    # 10-10: 天猫 1000+2000+100, 京东 1000+2000, 淘宝 7000 = 13 100 in 5 orders (W-1 twice counts once);
    # 10-15: refunds 天猫 500 (已退款) + 淘宝 500 (已完结); 京东 800 only 已受理 is no refund yet;
    # 09-30 and 11-01 shipments are other months
    assert got == [('2026-10-10', 13100, 0, 13100, 5), ('2026-10-15', 0, 1000, -1000, 0), ('合计', 13100, 1000, 12100, 5)]
    assert [c[0] for c in table['columns']] == ['day', 'orders', 'refunds', 'net', 'count']


async def test_daily_sales_per_person_and_the_rows_behind(engine, actors):
    await _team(actors)
    m = actors['manager']
    table = await reports.run(m, 'daily_sales_person', '2026-10')
    got = {(r.get('login'), r['day']): (r['orders'], r['refunds'], r['net'], r['count']) for r in table['rows']}
    assert got == {
        ('ops', '2026-10-10'): (3100, 0, 3100, 2), ('ops', '2026-10-15'): (0, 500, -500, 0),      # 天猫
        ('staff', '2026-10-10'): (3000, 0, 3000, 2),                                               # 京东
        ('manager', '2026-10-10'): (13100, 0, 13100, 5), ('manager', '2026-10-15'): (0, 1000, -1000, 0),
        ('cs', '2026-10-10'): (13100, 0, 13100, 5), ('cs', '2026-10-15'): (0, 1000, -1000, 0),   # 全部店铺
        (None, '合计'): (32300, 2500, 29800, 14),
    }
    ops = next(r for r in table['rows'] if r.get('login') == 'ops' and r['day'] == '2026-10-15')

    async def behind(row, figure, field):
        link = row['links'][figure]
        _, _, qs = await records.scoped_queryset(m, link['register'], link['where'])
        return sum((D(str(v or 0)) for v in await qs.values_list(field, flat=True)), D(0))
    assert await behind(ops, 'refunds', 'refund_amount') == D(500)
    first = next(r for r in table['rows'] if r.get('login') == 'ops' and r['day'] == '2026-10-10')
    assert await behind(first, 'orders', 'order_amount') == D(3100)


async def test_daily_sales_xlsx_and_dashboard_card(engine, actors):
    from openpyxl import load_workbook
    await _team(actors)
    m = actors['manager']
    sheet = load_workbook(io.BytesIO(await reports.report_xlsx(m, 'daily_sales', '2026-10'))).worksheets[0]
    assert [c.value for c in sheet[1]] == ['日期', '下单金额', '退货金额', '净销售额', '订单量']
    assert [c.value for c in sheet[2]] == ['2026-10-10', 13100, 0, 13100, 5]
    board = rt().catalog.dashboards['manager']
    card = next(w for w in board.widgets if w.id == 'daily_sales')
    data = await widgets.get_kind(card.kind).data(m, card, date(2026, 10, 20))
    assert [(r['day'], r['net'], r['count']) for r in data['rows']][:2] == [('2026-10-10', 13100, 5),
                                                                            ('2026-10-15', -1000, 0)]


def test_daily_sales_needs_the_order_field(schema_dir):
    from portal.catalog.load import load_catalog
    path = schema_dir / 'policy' / 'pay.toml'
    path.write_text(path.read_text(encoding='utf-8').replace('order = "order_no"', 'order = "order_number"'),
                    encoding='utf-8')
    _, issues = load_catalog(schema_dir)
    assert any("no field 'order_number'" in str(i) for i in issues), issues
