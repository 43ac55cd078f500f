"""Dashboards and reports: each widget kind's query on known data (exact numbers), rights and row scope,
dashboards.toml validation messages, and the report exports."""
from __future__ import annotations

import io
from datetime import datetime, timedelta
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from portal import records
from portal.catalog.load import load_catalog
from portal.dashboards import reports, widgets
from portal.runtime import rt
from portal.schema import Actor

from .conftest import NOW
from .test_loader import _edit, _messages

TODAY = NOW.date()
TEST_BOARD = '''
[dashboards.test]
label = "测试"

[[dashboards.test.widgets]]
id = "n"
kind = "number"
title = "今日发货"
register = "shipments"
period = "day"
date_field = "ship_date"

[[dashboards.test.widgets]]
id = "qty"
kind = "number"
title = "京东件数"
register = "shipments"
measure = "sum"
field = "quantity"
filter = { platform = "京东" }

[[dashboards.test.widgets]]
id = "rate"
kind = "ratio"
title = "退货率"
numerator = { register = "returns", date_field = "accepted_date" }
denominator = { register = "shipments", date_field = "ship_date" }
days = 30

[[dashboards.test.widgets]]
id = "by_platform"
kind = "breakdown"
title = "按平台"
register = "shipments"
by = "platform"

[[dashboards.test.widgets]]
id = "daily"
kind = "timeseries"
title = "每日"
register = "shipments"
date_field = "ship_date"
days = 3
split_by = "platform"

[[dashboards.test.widgets]]
id = "top_sku"
kind = "top"
title = "货号"
register = "shipments"
group_by = "sku"
measure = "sum"
field = "quantity"
limit = 2

[[dashboards.test.widgets]]
id = "late"
kind = "overdue"
title = "逾期回访"
register = "complaints"
deadline = "follow_up"
columns = ["complaint_no", "customer", "owner"]

[[dashboards.test.widgets]]
id = "att"
kind = "report"
title = "考勤"
report = "attendance_month"

[[dashboards.test.widgets]]
id = "mine"
kind = "number"
title = "考勤行数"
register = "attendance"
'''


@pytest.fixture
def board(schema_dir):
    path = schema_dir / 'dashboards.toml'
    path.write_text(path.read_text(encoding='utf-8') + TEST_BOARD, encoding='utf-8')
    return schema_dir


async def _ship(actor, n: int, **values):
    base = {'order_no': f'D-{n}', 'platform': '京东', 'sku': 'S1', 'quantity': 1}
    return await records.create_row(actor, 'shipments', {**base, **values})


async def test_each_widget_kind_on_known_data(board, engine, actors):
    m = actors['manager']
    await _ship(m, 1, quantity=2)
    await _ship(m, 2, quantity=3, sku='S2')
    await _ship(m, 3, platform='天猫', sku='S2', quantity=5)
    await _ship(m, 4, ship_date=str(TODAY - timedelta(days=1)))
    await _ship(m, 5, ship_date=str(TODAY - timedelta(days=40)), platform='淘宝')
    await records.create_row(m, 'returns', {'order_no': 'R-1', 'buyer': '王芳', 'return_type': '退货', 'reason': '其他'})
    await records.create_row(m, 'complaints', {'complaint_no': 'TS20261101-01', 'customer': '李雷', 'category': '物流',
                                               'content': '慢', 'accepted_date': '2026-11-01', 'owner': 'cs'})
    await records.create_row(actors['admin'], 'attendance', {'employee': 'staff', 'sign_in': '09:20',   # the clock's
                                                             'sign_out': '18:00'})                   # export
    data = {w.id: d for w, d in await widgets.dashboard_data(m, 'test', TODAY)}
    assert (data['n']['value'], data['n']['previous'], data['n']['change']) == (3, 1, 200.0)
    assert data['qty']['value'] == 2 + 3 + 1
    assert data['rate'] == {'value': 25.0, 'numerator': 1, 'denominator': 4, 'days': 30}
    assert data['by_platform']['items'] == [{'key': '京东', 'value': 3}, {'key': '天猫', 'value': 1},
                                            {'key': '淘宝', 'value': 1}]
    daily = data['daily']
    assert daily['buckets'] == [str(TODAY - timedelta(days=2)), str(TODAY - timedelta(days=1)), str(TODAY)]
    assert daily['series'] == {'京东': [0, 1, 2], '天猫': [0, 0, 1]}
    assert data['top_sku']['items'] == [{'key': 'S2', 'value': 8}, {'key': 'S1', 'value': 4}]
    assert data['late']['total'] == 1 and data['late']['rows'][0]['customer'] == '李雷'
    assert data['late']['rows'][0]['owner'] == '张客服'                  # people by name, not by login
    att = {r['login']: r for r in data['att']['rows']}
    assert att['staff']['late'] == 1 and att['staff']['absence'] == 0.5 and att['staff']['full'] is False
    kind = widgets.get_kind('breakdown')
    widget = next(w for w in rt().catalog.dashboards['test'].widgets if w.id == 'by_platform')
    assert kind.link(widget, {'name': '天猫'}) == '/r/shipments?where=%7B%22platform%22%3A%20%22%E5%A4%A9%E7%8C%AB%22%7D'
    daily = next(w for w in rt().catalog.dashboards['test'].widgets if w.id == 'daily')
    day_kind = widgets.get_kind(daily.kind)
    frozen = rt().clock
    try:                       # a daily chart's axis says 12-28; in January that day is last year's
        rt().clock = lambda: datetime(2027, 1, 5, 9, 0)
        link = unquote(day_kind.link(daily, {'name': '12-28', 'series_name': '京东'}))
        assert '"2026-12-28"' in link and '"京东"' in link
        assert '"2027-01-04"' in unquote(day_kind.link(daily, {'name': '01-04'}))
        rt().clock = lambda: datetime(2025, 1, 5, 9, 0)           # 2024 was a leap year, 2025 is not
        assert '"2024-02-29"' in unquote(day_kind.link(daily, {'name': '02-29'}))
        rt().clock = lambda: datetime(2028, 1, 10, 9, 0)          # a leap year, before its 02-29
        assert '"2024-02-29"' in unquote(day_kind.link(daily, {'name': '02-29'}))
    finally:
        rt().clock = frozen


async def test_dashboard_counts_only_rows_in_the_viewers_scope(board, engine, actors):
    for who in ('staff', 'staff2', 'cs'):         # punches come from the clock (an admin imports them)
        await records.create_row(actors['admin'], 'attendance', {'employee': who, 'sign_in': '09:00',
                                                                 'sign_out': '18:00'})
    cs = Actor(username='cs', roles=('cs', 'staff'))
    data = {w.id: d for w, d in await widgets.dashboard_data(cs, 'test', TODAY)}
    assert data['mine']['value'] == 1                 # only cs's own attendance row
    assert data['n'] is not None                      # cs views shipments
    assert {r['login'] for r in data['att']['rows']} == {'cs'}
    warehouse = Actor(username='warehouse', roles=('warehouse',))
    data = {w.id: d for w, d in await widgets.dashboard_data(warehouse, 'test', TODAY)}
    assert data['late'] is None and data['mine'] is None     # registers warehouse may not see: left out
    assert data['by_platform'] is not None


@pytest.mark.parametrize('old,new,expected', [
    ('kind = "breakdown"\ntitle = "按平台"', 'kind = "breakdwon"\ntitle = "按平台"',
     "schemas/dashboards.toml: dashboards.test.widgets[3].kind: unknown widget kind 'breakdwon'; allowed: breakdown, "
     "number, overdue, ratio, report, timeseries, top. Did you mean 'breakdown'? [D403]"),
    ('by = "platform"\n\n[[dashboards.test.widgets]]\nid = "daily"',
     'by = "quantity"\n\n[[dashboards.test.widgets]]\nid = "daily"',
     "schemas/dashboards.toml: dashboards.test.widgets[3].by: 'quantity' is not a choice-like field [D411]"),
    ('deadline = "follow_up"\ncolumns = ["complaint_no", "customer", "owner"]',
     'deadline = "followup"\ncolumns = ["customer"]',
     "schemas/dashboards.toml: dashboards.test.widgets[6].deadline: 'followup' is not a deadline rule of "
     "'complaints'; allowed: follow_up. Did you mean 'follow_up'? [D412]"),
    ('id = "n"\nkind = "number"\ntitle = "今日发货"\nregister = "shipments"',
     'id = "n"\nkind = "number"\ntitle = "今日发货"\nregister = "shipment"',
     "schemas/dashboards.toml: dashboards.test.widgets[0].register: unknown register 'shipment'; allowed: "
     "appraisals, attendance, cashbacks, complaints, cs_handovers, goods_receipts, listings, penalties, price_changes, promotions, replenishments, returns, reviews, rewards, shipments, stock_items, stockouts, targets. "
     "Did you mean 'shipments'? [D405]"),
    ('report = "attendance_month"\n\n[[dashboards.test', 'report = "attendance"\n\n[[dashboards.test',
     "schemas/dashboards.toml: dashboards.test.widgets[7].report: unknown report 'attendance'; allowed: "
     "attendance_month, complaints_month, daily_sales, daily_sales_person, pay_sheet. Did you mean 'attendance_month'? [D414]"),
    ('period = "day"\ndate_field = "ship_date"\n\n[[dashboards.test.widgets]]\nid = "qty"',
     'period = "daily"\ndate_field = "ship_date"\n\n[[dashboards.test.widgets]]\nid = "qty"',
     "schemas/dashboards.toml: dashboards.test.widgets[0].period: number: Input should be 'day', 'week' or 'month' "
     "[D404]"),
])
def test_dashboards_toml_validation_messages(board, old, new, expected):
    _edit(board, 'dashboards.toml', old, new)
    assert expected in _messages(board)


def test_role_dashboard_must_exist(schema_dir):
    _edit(schema_dir, 'roles.toml', 'dashboard = "warehouse"', 'dashboard = "warehose"')
    assert ("schemas/roles.toml: roles.warehouse.dashboard: unknown dashboard 'warehose'; allowed: cs, leader, manager, "
            "warehouse. Did you mean 'warehouse'? [R306]") in _messages(schema_dir)


def test_shipped_dashboards_load(engine):
    catalog, issues = load_catalog(rt().settings.schema_dir)
    assert issues == [] and set(catalog.dashboards) == {'manager', 'warehouse', 'cs', 'leader'}


async def test_report_exports(engine, actors):
    m, clock = actors['manager'], actors['admin']          # punches: the clock device's export, imported by an admin
    for day, sign_in in (('2026-11-02', '09:00'), ('2026-11-03', '09:30'), ('2026-11-04', '08:55')):
        await records.create_row(clock, 'attendance', {'employee': 'staff', 'date': day, 'sign_in': sign_in,
                                                   'sign_out': '18:00'})
    await records.create_row(clock, 'attendance', {'employee': 'staff', 'date': '2026-10-30', 'sign_in': '09:00',
                                               'sign_out': '18:00'})
    table = await reports.run(m, 'attendance_month', '2026-11')
    row = next(r for r in table['rows'] if r['login'] == 'staff')
    assert (row['present'], row['late'], row['late_over'], row['absence'], row['full']) == (3, 1, 1, 0.5, False)
    book = load_workbook(io.BytesIO(await reports.report_xlsx(m, 'attendance_month', '2026-11')))
    sheet = book.worksheets[0]
    assert sheet.title == (await reports.run(m, 'attendance_month', '2026-11'))['title'][:31]
    assert [c.value for c in sheet[1]][:3] == ['员工', '出勤天数', '迟到次数'] and sheet.freeze_panes == 'A2'
    assert [c.value for c in sheet[2]][:3] == ['刘员工', 3, 1]
    for i, (category, status) in enumerate([('物流', '已归档'), ('物流', '受理'), ('质量', '已归档')]):
        await records.create_row(actors['admin'], 'complaints', {
            'complaint_no': f'TS20261110-0{i}', 'customer': '甲', 'category': category, 'content': 'x',
            'accepted_date': '2026-11-10', 'status': '受理'})
    rows = {r['key']: r for r in (await reports.run(m, 'complaints_month', '2026-11'))['rows']}
    assert rows['物流']['m0'] == 2 and rows['质量']['m0'] == 1 and rows['合计']['m0'] == 3
    from portal.errors import PortalError
    with pytest.raises(PortalError, match='YYYY-MM'):
        await reports.run(m, 'attendance_month', 'November')


async def test_cli_report(engine, tmp_path):
    import subprocess
    import sys

    from .conftest import ROOT
    if not rt().settings.is_sqlite:
        pytest.skip('the CLI test uses the SQLite file')
    out = tmp_path / 'r.xlsx'
    env = {'PORTAL_DATA_DIR': str(rt().settings.data_dir), 'PORTAL_DB_URL': rt().settings.db_url,
           'PORTAL_SCHEMA_DIR': str(rt().settings.schema_dir), 'PATH': '/usr/bin:/bin'}
    done = subprocess.run([sys.executable, '-m', 'portal', 'report', 'complaints_month', '--month', '2026-11',
                           '--out', str(out)], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert load_workbook(out).worksheets[0]['A1'].value == '投诉类别'


def test_every_widget_kind_declares_a_presentation_the_dashboard_page_has():
    from pages.dashboard import PRESENTERS
    assert widgets.kind_names()
    for name in widgets.kind_names():
        assert widgets.get_kind(name).presentation in PRESENTERS, name
