"""Issue 18: attendance, approvals and penalties compute what the regulations say. One test (or more) per numbered
item, on the boundary the regulation states, with the clause id in the test name. The attendance tests run over
October 2026: 1–7 National Day (a public holiday), Saturday 10 a 调休 working day, 17–18 an ordinary weekend."""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import pytest

from pages.home import draft_penalty, punch, serious_absences
from portal import records
from portal.catalog.load import load_catalog
from portal.errors import PermissionDenied, PortalError, ValidationFailed
from portal.rules.calendar import day_kind, is_workday, workdays
from portal.rules.workday import evaluate_day, is_full_month
from portal.runtime import rt
from portal.schema import Actor
from portal.store.query import RowQuery

from .conftest import SCHEMAS

SOURCE = Path(__file__).resolve().parents[2] / 'shared' / 'regulations' / 'source.txt'
OCTOBER = (date(2026, 10, 1), date(2026, 11, 1))


def catalog():
    return load_catalog(SCHEMAS)[0]


def policy():
    return catalog().policies['attendance']


def company():
    return catalog().policies['calendar']


def day(policy_, *, kind='正常', sign_in=time(9, 0), sign_out=time(18, 0), approval=None, outing=None,
        workday=True, leave_days=None):
    return evaluate_day(policy_, kind=kind, sign_in=sign_in, sign_out=sign_out, approval=approval,
                        outing_minutes=outing, workday=workday, leave_days=leave_days)


async def attend(actor: Actor, when: date, **values) -> dict:
    """A row as an admin imports it from the clock device (punch times are read-only to the employee)."""
    admin = Actor(username='admin', roles=('admin',))
    return await records.create_row(admin, 'attendance', {'employee': actor.username, 'date': when.isoformat(),
                                                          **values})


# --- 1. 满勤 (attendance.full vs hours.1) ---------------------------------------------------------------------

def test_item1_attendance_full_hours_1_october_2026_has_18_workdays():
    days = workdays(*OCTOBER, company())
    assert len(days) == 18 and date(2026, 10, 10) in days and date(2026, 10, 1) not in days


@pytest.mark.parametrize('present,absence,full', [(18, '0', True), (17, '0', False), (18, '0.5', False)])
def test_item1_attendance_full_every_workday_without_absence(present, absence, full):
    p = policy()
    assert p.full_attendance == 'workdays'          # the declared default
    assert is_full_month(p, present, Decimal(absence), workdays=18) is full
    assert is_full_month(p, 22, Decimal(0), workdays=22)     # issue 18: is_full_month(22, 0) was False


@pytest.mark.parametrize('present,absence,full', [(26, '0', True), (25, '0', False), (27, '0.5', True),
                                                  (26, '0.5', False)])
def test_item1_attendance_full_26_days_when_chosen(present, absence, full):
    p = policy().model_copy(update={'full_attendance': 'days'})
    assert is_full_month(p, present, Decimal(absence), workdays=18) is full


def test_item1_attendance_full_the_choice_quotes_both_clauses():
    choice = next(c for c in policy().choices if c.setting == 'full_attendance')
    quoted = {q.clause for q in choice.quotes}
    assert {'attendance.full', 'hours.1'} <= quoted and choice.default == 'workdays'


async def test_item1_attendance_full_report_over_october_2026(engine, actors):
    from portal.dashboards.reports import run
    staff = actors['staff']
    for when in workdays(*OCTOBER, company()):
        await attend(staff, when, sign_in='08:55', sign_out='18:00')
    staff2 = actors['staff2']
    for when in workdays(*OCTOBER, company())[:-1]:          # one workday missing
        await attend(staff2, when, sign_in='08:55', sign_out='18:00')
    report = await run(actors['admin'], 'attendance_month', '2026-10')
    full = {r['login']: r['full'] for r in report['rows']}
    assert full['staff'] is True and full['staff2'] is False


# --- 2. rest days and holidays (attendance.holidays) -----------------------------------------------------------

def test_item2_attendance_holidays_calendar_of_october_2026():
    c = company()
    assert day_kind(date(2026, 10, 1), c) == 'holiday' and not is_workday(date(2026, 10, 1), c)
    assert day_kind(date(2026, 10, 10), c) == 'adjusted_workday' and is_workday(date(2026, 10, 10), c)
    assert day_kind(date(2026, 10, 17), c) == 'weekend' and not is_workday(date(2026, 10, 17), c)
    assert day_kind(date(2026, 12, 31), c) == 'company_off'          # schemas/policy/calendar.toml


async def test_item2_attendance_holidays_saturday_overtime_is_not_late_or_absent(engine, actors):
    row = await attend(actors['staff'], date(2026, 10, 17), kind='加班', sign_in='10:00', sign_out='14:00',
                       overtime_hours='4', approval='申请')
    assert (row['late_minutes'], row['early_minutes'], row['absence_days']) == (0, 0, Decimal('0.0'))


async def test_item2_attendance_holidays_public_holiday_and_company_day_off_are_not_absence(engine, actors):
    for when in (date(2026, 10, 1), date(2026, 12, 31)):
        row = await attend(actors['staff'], when)        # no punches at all
        assert row['absence_days'] == Decimal('0.0')


async def test_item2_attendance_holidays_adjusted_saturday_is_a_workday(engine, actors):
    row = await attend(actors['staff'], date(2026, 10, 10), sign_in='09:16', sign_out='18:00')
    assert (row['late_minutes'], row['absence_days']) == (16, Decimal('0.5'))
    row = await attend(actors['staff2'], date(2026, 10, 10))     # no punch on a 调休 working day: 旷工
    assert row['absence_days'] == Decimal('1.0')


# --- 4. the sign-out window (attendance.signout) ----------------------------------------------------------------

@pytest.mark.parametrize('out,early,absence', [(time(17, 55), 0, '0.0'), (time(17, 50), 0, '0.0'),
                                               (time(17, 49), 11, '0.0'), (time(17, 45), 15, '0.0'),
                                               (time(17, 44), 16, '0.5')])
def test_item4_attendance_signout_within_ten_minutes_is_not_early(out, early, absence):
    result = day(policy(), sign_out=out)
    assert (result.early_minutes, result.absence_days) == (early, Decimal(absence))


async def test_item4_attendance_signout_1755_is_not_counted_as_early_in_the_report(engine, actors):
    from portal.dashboards.reports import run
    await attend(actors['staff'], date(2026, 10, 12), sign_in='08:58', sign_out='17:55')
    report = await run(actors['admin'], 'attendance_month', '2026-10')
    row = next(r for r in report['rows'] if r['login'] == 'staff')
    assert row['early'] == 0


# --- 8. missing punch: a company setting (attendance.absence) ---------------------------------------------------

def test_item8_attendance_absence_missing_punch_is_a_labelled_company_setting():
    p = policy()
    setting = next(s for s in p.company_settings if s.setting == 'missing_punch_days')
    assert setting.clause == 'attendance.absence' and '公司设定' in setting.note
    assert day(p, sign_in=None).absence_days == Decimal(str(p.missing_punch_days))


def test_item8_every_quote_of_a_declared_choice_is_verbatim():
    cat = catalog()
    for name, p in cat.policies.items():
        for choice in getattr(p, 'choices', []):
            for quote in choice.quotes:
                assert quote.text in cat.clauses[quote.clause].text, (name, quote)


# --- 5. approval before the time (attendance.overtime, attendance.outing, attendance.leave) -------------------

async def test_item5_attendance_overtime_needs_a_request(engine, actors):
    with pytest.raises(ValidationFailed) as err:
        await attend(actors['staff'], date(2026, 10, 12), kind='加班', sign_in='09:00', sign_out='20:00',
                     overtime_hours='2')
    assert '提前向上级申请' in err.value.message()
    row = await attend(actors['staff'], date(2026, 10, 12), kind='加班', sign_in='09:00', sign_out='20:00',
                       overtime_hours='2', approval='申请')
    assert row['approval'] == '申请'


async def test_item5_attendance_outing_approved_after_the_day_began_is_flagged(engine, actors):
    """NOW is 2026-11-27 10:00: an approval given now for that day is after 09:00 — after the fact; for the next
    day it is in advance."""
    manager = actors['manager']
    late = await records.create_row(actors['staff'], 'attendance', {
        'kind': '外出', 'outing_minutes': 90, 'reason': '拜访供应商', 'approval': '申请'})
    late = await records.update_row(manager, 'attendance', late['id'], {'approval': '已批准'},
                                    version=late['version'])
    assert late['after_the_fact'] is True and late['absence_days'] == Decimal('0.0')
    ahead = await records.create_row(actors['staff'], 'attendance', {
        'date': '2026-11-28', 'kind': '外出', 'outing_minutes': 90, 'reason': '拜访供应商', 'approval': '申请'})
    ahead = await records.update_row(manager, 'attendance', ahead['id'], {'approval': '已批准'},
                                     version=ahead['version'])
    assert ahead['after_the_fact'] is False
    assert await records.count_rows(manager, 'attendance', RowQuery(queue='after_the_fact')) == 1


def test_item5_attendance_outing_unapproved_over_one_hour_counts():
    p = policy()
    assert day(p, kind='外出', outing=60).absence_days == Decimal('0.0')
    assert day(p, kind='外出', outing=61, approval='已驳回').absence_days == Decimal('0.5')


# --- 6. leave over one day; pending scored alike (attendance.leave) --------------------------------------------

@pytest.mark.parametrize('days,absence', [('1', '0.0'), ('1.5', '0.5'), ('3', '0.5')])
def test_item6_attendance_leave_over_one_day_is_half_a_day(days, absence):
    p = policy()
    assert p.long_leave == 'half_day_absence'
    result = day(p, kind='请假', sign_in=None, sign_out=None, approval='已批准', leave_days=Decimal(days))
    assert result.absence_days == Decimal(absence)
    off = p.model_copy(update={'long_leave': 'not_applied'})
    assert day(off, kind='请假', sign_in=None, sign_out=None, approval='已批准',
               leave_days=Decimal(days)).absence_days == Decimal('0.0')


def test_item6_attendance_leave_pending_requests_score_alike():
    p = policy()
    leave = day(p, kind='请假', sign_in=None, sign_out=None, approval='申请', leave_days=Decimal(1))
    outing = day(p, kind='外出', outing=90, approval='申请')
    late = day(p, sign_in=time(9, 20), approval='申请')
    assert leave.absence_days == outing.absence_days == late.absence_days == Decimal('0.0')
    counted = p.model_copy(update={'pending_requests': 'counted'})
    assert day(counted, kind='外出', outing=90, approval='申请').absence_days == Decimal('0.5')
    assert day(counted, kind='请假', sign_in=None, sign_out=None, approval='申请',
               leave_days=Decimal(1)).absence_days == Decimal('1.0')


# --- 7. 旷工半天以上 (attendance.absence) ---------------------------------------------------------------------

async def test_item7_attendance_absence_half_a_day_queues_and_drafts_a_penalty(engine, actors):
    manager = actors['manager']
    await attend(actors['staff'], date(2026, 11, 26), sign_in='09:15', sign_out='18:00')      # 15: not over
    half = await attend(actors['staff2'], date(2026, 11, 26), sign_in='09:16', sign_out='18:00')
    assert half['absence_days'] == Decimal('0.5')
    queued = await serious_absences(manager)
    assert [r['id'] for r in queued] == [half['id']]
    penalty = await draft_penalty(manager, queued[0])
    assert (penalty['status'], penalty['clause'], penalty['employee']) == ('草稿', 'attendance.absence', 'staff2')
    assert '旷工半天以上视为严重违反公司制度' in penalty['description']


# --- 3. punches: 电子签到 (attendance.signin) --------------------------------------------------------------------

def at(hour: int, minute: int) -> None:
    rt().clock = lambda: datetime(2026, 11, 27, hour, minute, 0)


async def test_item3_attendance_signin_punch_stamps_the_server_time(engine, actors):
    staff = actors['staff']
    row = await punch(staff, 'sign_in')                   # NOW = 2026-11-27 10:00
    assert row['sign_in'] == time(10, 0) and row['late_minutes'] == 60
    with pytest.raises(PortalError, match='已签到'):
        await punch(staff, 'sign_in')
    at(17, 55)
    row = await punch(staff, 'sign_out')
    assert (row['sign_out'], row['early_minutes']) == (time(17, 55), 0)
    with pytest.raises(PermissionDenied):                 # the employee cannot type a punch time
        await records.update_row(staff, 'attendance', row['id'], {'sign_in': '08:55'}, version=row['version'])
    with pytest.raises(PermissionDenied):
        await records.create_row(staff, 'attendance', {'date': '2026-11-26', 'sign_in': '08:55'})
    from portal.store.models import AuditEntry
    sources = await AuditEntry.filter(register='attendance', row_id=row['id']).values_list('source', flat=True)
    assert set(sources) == {'punch'}


async def test_item3_attendance_signin_correction_is_approved_by_the_manager(engine, actors):
    staff, manager = actors['staff'], actors['manager']
    await punch(staff, 'sign_in')
    at(18, 2)
    row = await punch(staff, 'sign_out')
    assert row['absence_days'] == Decimal('0.5')           # 60 minutes late
    with pytest.raises(ValidationFailed, match='事由'):
        await records.update_row(staff, 'attendance', row['id'], {'correction_of': '签到',
                                                                   'correction_time': '08:55', 'approval': '申请'},
                                 version=row['version'])
    row = await records.update_row(staff, 'attendance', row['id'], {
        'correction_of': '签到', 'correction_time': '08:55', 'reason': '门禁坏了,8:55 已到岗', 'approval': '申请'},
        version=row['version'])
    assert row['sign_in'] == time(10, 0)                   # the stamp stays; the correction waits
    with pytest.raises(PermissionDenied, match='需要审批权限'):      # nobody approves their own correction
        await records.update_row(staff, 'attendance', row['id'], {'approval': '已批准'}, version=row['version'])
    row = await records.update_row(manager, 'attendance', row['id'], {'approval': '已批准'}, version=row['version'])
    assert (row['late_minutes'], row['absence_days'], row['approver']) == (0, Decimal('0.0'), 'manager')
    assert row['after_the_fact'] is False                  # a 补卡 is after the fact by nature
    from portal.store.models import AuditEntry
    reasons = await AuditEntry.filter(register='attendance', row_id=row['id'], field='reason').values_list(
        'actor', flat=True)
    assert list(reasons) == ['staff']


# --- 16. the manager's queue leaves out his own requests --------------------------------------------------------

async def test_item16_attendance_leave_manager_queue_leaves_out_his_own(engine, actors):
    manager, leader = actors['manager'], actors['leader']
    own = await records.create_row(manager, 'attendance', {'kind': '请假', 'leave_type': '事假', 'leave_days': '1',
                                                           'approval': '申请', 'date': '2026-11-30'})
    await records.create_row(actors['staff'], 'attendance', {'kind': '请假', 'leave_type': '事假',
                                                             'leave_days': '1', 'approval': '申请',
                                                             'date': '2026-11-30'})
    assert await records.count_rows(manager, 'attendance', RowQuery(queue='to_approve')) == 1
    assert await records.count_rows(manager, 'attendance', RowQuery(queue='my_requests')) == 1
    assert await records.count_rows(leader, 'attendance', RowQuery(queue='leader_to_approve')) == 2
    row = await records.update_row(leader, 'attendance', own['id'], {'approval': '已批准'}, version=own['version'])
    assert (row['approval'], row['approver']) == ('已批准', 'leader')
    for employee in ('manager', 'staff'):                 # penalties: his own is not in his queue either
        row = await records.create_row(manager, 'penalties', {**PENALTY, 'employee': employee, 'penalty_type': '警告'})
        row = await records.set_check(manager, 'penalties', row['id'], 'facts_verified', True,
                                      version=row['version'])
        await records.update_row(manager, 'penalties', row['id'], {'status': '待审批'}, version=row['version'])
    queued = await records.list_rows(manager, 'penalties', RowQuery(queue='to_approve'))
    assert [r['employee'] for r in queued] == ['staff']


# --- 9. compensation follows the loss assessed; fines below 50 (penalty.loss, penalty.authority) --------------

PENALTY = {'employee': 'staff', 'category': '工作失误', 'clause': 'storage.shipping.2', 'description': '错发颜色',
           'severity': '一般'}


async def _through(actor, values, states=('待审批', '已生效')):
    row = await records.create_row(actor, 'penalties', {**PENALTY, **values})
    row = await records.set_check(actor, 'penalties', row['id'], 'facts_verified', True, version=row['version'])
    for state in states:
        row = await records.update_row(actor, 'penalties', row['id'], {'status': state}, version=row['version'])
    return row


async def test_item9_penalty_loss_compensation_500_follows_the_assessment(engine, actors):
    row = await _through(actors['manager'], {'penalty_type': '赔偿', 'amount': '500', 'loss_assessed': '600'})
    assert row['status'] == '已生效'
    with pytest.raises(ValidationFailed, match='不能超过评估的损失'):
        await _through(actors['manager'], {'penalty_type': '赔偿', 'amount': '601', 'loss_assessed': '600',
                                           'employee': 'staff2'})
    with pytest.raises(ValidationFailed, match='损失评估'):
        await _through(actors['manager'], {'penalty_type': '赔偿', 'amount': '100', 'employee': 'ops'})


@pytest.mark.parametrize('amount,ok', [('30', True), ('49', True), ('50', True), ('200', True), ('201', False)])
async def test_item9_penalty_authority_fine_below_50_is_within_by_declared_choice(engine, actors, amount, ok):
    manager = actors['manager']
    if not ok:
        with pytest.raises(ValidationFailed, match='超出部门处罚权限'):
            await _through(manager, {'penalty_type': '罚款', 'amount': amount})
        return
    assert (await _through(manager, {'penalty_type': '罚款', 'amount': amount}))['status'] == '已生效'


async def test_item9_penalty_authority_fine_below_50_escalates_when_chosen(engine, actors):
    policy_ = rt().catalog.policies['penalties']
    rt().catalog.policies['penalties'] = policy_.model_copy(update={'below_minimum': 'escalate'})
    try:
        with pytest.raises(ValidationFailed, match=r'超出部门处罚权限\(50–200\)'):
            await _through(actors['manager'], {'penalty_type': '罚款', 'amount': '30'})
    finally:
        rt().catalog.policies['penalties'] = policy_


# --- 10, 11. escalation to the leadership role (penalty.authority) ---------------------------------------------

async def test_item10_penalty_authority_500_goes_up_and_the_leader_decides(engine, actors):
    manager, leader, admin = actors['manager'], actors['leader'], actors['admin']
    with pytest.raises(ValidationFailed, match='提交上级审批'):
        await _through(manager, {'penalty_type': '罚款', 'amount': '500'})
    row = await _through(manager, {'penalty_type': '罚款', 'amount': '500', 'employee': 'staff2'},
                         states=('待上级审批',))
    assert '已生效' not in row['_moves']                     # the manager cannot decide it
    assert await records.count_rows(leader, 'penalties', RowQuery(queue='to_escalate')) == 1
    assert await records.count_rows(manager, 'penalties', RowQuery(queue='escalated')) == 1
    queued = await records.list_rows(leader, 'penalties', RowQuery(queue='to_escalate'))
    assert [r['id'] for r in queued] == [row['id']]
    row = await records.update_row(leader, 'penalties', row['id'], {'status': '已生效'}, version=queued[0]['version'])
    assert (row['status'], row['escalation_approval'], row['approver']) == ('已生效', '上级已批准', 'leader')
    other = await _through(manager, {'penalty_type': '开除', 'employee': 'ops'}, states=('待上级审批',))
    other = await records.update_row(leader, 'penalties', other['id'], {'status': '已撤销'}, version=other['version'])
    assert (other['status'], other['escalation_approval']) == ('已撤销', '上级已驳回')
    assert await records.count_rows(leader, 'penalties', RowQuery(queue='to_escalate')) == 0
    assert not any(q.id == 'to_escalate' and 'admin' in q.roles
                   for q in rt().catalog.register('penalties').queues)
    assert admin                                           # the IT admin is not the one who decides


def test_item11_penalty_authority_leader_is_not_the_it_admin():
    roles = catalog().roles
    assert roles['leader'].label == '总经理(上级)' and not roles['leader'].admin
    from seed.demo import DEMO_USERS
    assert ('leader', '周总经理', ['leader']) in DEMO_USERS


# --- 12. refunds and exchanges need the shop's policy met (cs.aftersales.14, cs.aftersales.15) ----------------

RETURN = {'order_no': 'TB-1', 'buyer': '王芳', 'return_type': '仅退款', 'reason': '其他', 'refund_amount': '20'}


async def test_item12_cs_aftersales_14_refund_needs_meets_policy_true(engine, actors):
    ops = actors['ops']
    for meets, ok in ((False, False), (None, False), (True, True)):
        row = await records.create_row(actors['cs'], 'returns', {**RETURN, 'order_no': f'TB-{meets}',
                                                                 'meets_policy': meets})
        row = await records.set_check(actors['cs'], 'returns', row['id'], 'policy_checked', True,
                                      version=row['version'])
        row = await records.set_check(actors['manager'], 'returns', row['id'], 'refund_by_ops', True,
                                      version=row['version'])
        if ok:
            row = await records.update_row(ops, 'returns', row['id'], {'status': '已退款'}, version=row['version'])
            assert row['status'] == '已退款'
        else:
            with pytest.raises(ValidationFailed, match='符合店铺服务要求'):
                await records.update_row(ops, 'returns', row['id'], {'status': '已退款'}, version=row['version'])


# --- 13. receipt problems need the report (storage.inbound.2) ---------------------------------------------------

@pytest.mark.parametrize('issues,needed', [(['数量不符'], True), (['品名不符'], True), (['包装破损'], False)])
async def test_item13_storage_inbound_2_problem_options_require_reported_to(engine, actors, issues, needed):
    w = actors['warehouse']
    values = {'receipt_no': 'RK20261127-001', 'supplier': '杭州织美', 'sku': 'A1', 'product_name': 'T恤',
              'quantity': 10, 'inspection': '合格', 'issues': issues}
    if needed:
        with pytest.raises(ValidationFailed) as err:
            await records.create_row(w, 'goods_receipts', values)
        assert '「已通知」必填' in err.value.message()
        row = await records.create_row(w, 'goods_receipts', {**values, 'reported_to': '采购'})
    else:
        row = await records.create_row(w, 'goods_receipts', values)
    assert row['matches_po'] is True


# --- 14. the complaint follow-up deadline is a company setting (cs.complaint.7) --------------------------------

def test_item14_cs_complaint_7_deadline_is_labelled_a_company_setting():
    register = catalog().register('complaints')
    rule = register.rule('follow_up')
    assert rule.params.source == 'company' and '公司设定' in rule.params.label
    assert '7' not in catalog().clauses['cs.complaint.7'].text


# --- 15. citations name real documents ---------------------------------------------------------------------------

def test_item15_discipline_sanction_cites_a_real_document():
    cat = catalog()
    assert cat.clause_label('discipline.sanction') == '《电商运营规章制度模板》第十五条'
    assert cat.clause_label('penalty.authority') == '《电商线上运营部门制度(完整版)》Ⅲ、营运部职能权限 2.'
    assert all(d.title not in ('纪律与处罚', '营运部职能权限', '线上运营部岗位职能分工') for d in cat.documents)
    if not SOURCE.exists():                  # a checkout without the compilation beside it (as test_loader does)
        pytest.skip('regulations source not available')
    source = SOURCE.read_text(encoding='utf-8')
    for document in cat.documents:
        assert document.title.replace('(完整版)', '') in source, document.title


# --- 17. the regulations page: rule chips in words, no internal English notes -----------------------------------

def test_item17_cs_complaint_3_rule_chip_in_words():
    from portal.catalog.regulations import usage
    cat = catalog()
    uses = usage(cat)
    labels = [u.label for u in uses['cs.complaint.3'] if u.kind == 'rule']
    assert '投诉处理登记:「状态」为 处理中/待回访/已归档时,「调查原因」必填' in labels
    everything = ' '.join(u.label for us in uses.values() for u in us)
    assert 'required_if' not in everything and 'compare' not in everything and 'status' not in everything
    for document in cat.documents:
        assert 'the one' not in (document.source or '') and 'occurrence' not in (document.source or '')


async def test_item3_attendance_signin_punches_are_imported_from_a_clock_export_by_an_admin(engine, actors, tmp_path):
    """The clock device's export (a CSV of 员工, 日期, 签到时间, 签退时间) is imported by an admin; a manager, for whom
    punch times are read-only, cannot import them."""
    from portal.excel import importer
    path = tmp_path / 'clock.csv'
    path.write_text('员工,日期,签到时间,签退时间\nstaff,2026-10-12,08:57,18:03\nstaff2,2026-10-12,09:20,17:55\n',
                    encoding='utf-8')
    plan = await importer.plan_import(actors['manager'], 'attendance', path, path.name)
    assert not plan.ok and '签到时间' in ' '.join(plan.file_problems + [p.text() for p in plan.problems])
    plan = await importer.plan_import(actors['admin'], 'attendance', path, path.name)
    assert plan.ok, [p.text() for p in plan.problems]
    await importer.apply_import(actors['admin'], plan)
    rows = {r['employee']: r for r in await records.list_rows(actors['admin'], 'attendance', RowQuery())}
    assert (rows['staff']['late_minutes'], rows['staff']['absence_days']) == (0, Decimal('0.0'))
    assert (rows['staff2']['late_minutes'], rows['staff2']['early_minutes'], rows['staff2']['absence_days']) == \
        (20, 0, Decimal('0.5'))


async def test_item12_cs_aftersales_14_exchange_needs_meets_policy_true(engine, actors):
    cs = actors['cs']
    row = await records.create_row(cs, 'returns', {**RETURN, 'order_no': 'TB-X', 'return_type': '换货',
                                                   'meets_policy': False})
    row = await records.set_check(cs, 'returns', row['id'], 'policy_checked', True, version=row['version'])
    with pytest.raises(ValidationFailed, match='须为 是'):
        await records.update_row(cs, 'returns', row['id'], {'status': '待寄回'}, version=row['version'])
    row = await records.update_row(cs, 'returns', row['id'], {'status': '已驳回'}, version=row['version'])
    assert row['status'] == '已驳回'                     # the way out for a request that fails the policy
