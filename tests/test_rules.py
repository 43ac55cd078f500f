"""Regulations at work: the attendance policy from the regulation's own numbers, the penalty authority,
deadlines, checklist gating and every workflow transition by role."""
from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

import pytest

from portal import records
from portal.errors import PermissionDenied, ValidationFailed
from portal.rules.workday import WorkdayPolicy, evaluate_day, is_full_month
from portal.runtime import rt
from portal.schema import Actor
from portal.store import db
from portal.store.query import RowQuery

from .conftest import NOW


def cite(clause_id: str) -> str:
    return rt().catalog.clause_label(clause_id)


def policy() -> WorkdayPolicy:
    from portal.catalog.load import load_catalog

    from .conftest import SCHEMAS
    catalog, _ = load_catalog(SCHEMAS)
    return catalog.policies['attendance']


@pytest.mark.parametrize('kind,sign_in,sign_out,approval,outing,late,early,absence', [
    ('正常', time(9, 0), time(18, 0), None, None, 0, 0, '0.0'),
    ('正常', time(8, 50), time(18, 5), None, None, 0, 0, '0.0'),
    ('正常', time(9, 14), time(18, 0), None, None, 14, 0, '0.0'),        # 14 min late: late, no absence
    ('正常', time(9, 15), time(18, 0), None, None, 15, 0, '0.0'),        # exactly 15: not over 15
    ('正常', time(9, 16), time(18, 0), None, None, 16, 0, '0.5'),        # over 15 min: half a day
    ('正常', time(9, 16), time(18, 0), '已批准', None, 16, 0, '0.0'),     # approved in advance
    ('正常', time(9, 0), time(17, 44), None, None, 0, 16, '0.5'),        # early leave over 15 min
    ('正常', time(9, 30), time(17, 30), None, None, 30, 30, '1.0'),      # both: a whole day
    ('正常', time(13, 40), time(18, 0), None, None, 190, 0, '0.5'),      # lunch 12:00–13:30 not counted
    ('正常', None, time(18, 0), None, None, 0, 0, '0.5'),                 # missing sign-in
    ('正常', None, None, None, None, 0, 0, '1.0'),                        # no punches, no approval: 旷工
    ('外出', time(9, 0), time(18, 0), None, 60, 0, 0, '0.0'),            # outing of exactly one hour
    ('外出', time(9, 0), time(18, 0), None, 61, 0, 0, '0.5'),            # 61 min unapproved: half a day
    ('外出', time(9, 0), time(18, 0), '已批准', 120, 0, 0, '0.0'),
    ('请假', None, None, '已批准', None, 0, 0, '0.0'),
    ('请假', None, None, '已驳回', None, 0, 0, '1.0'),                   # unapproved absence is 旷工
    ('旷工', None, None, None, None, 0, 0, '1.0'),
])
def test_attendance_policy(kind, sign_in, sign_out, approval, outing, late, early, absence):
    result = evaluate_day(policy(), kind=kind, sign_in=sign_in, sign_out=sign_out, approval=approval,
                          outing_minutes=outing)
    assert (result.late_minutes, result.early_minutes, result.absence_days) == (late, early, Decimal(absence))


@pytest.mark.parametrize('present,absence,full', [(26, '0', True), (25, '0', False), (27, '0.5', True),
                                                  (26, '0.5', False)])
def test_full_attendance_is_26_days_when_the_policy_chooses_days(present, absence, full):
    """每月26天为满勤 is one of the two readings (schemas/policy/attendance.toml, full_attendance); the default is
    every workday of the calendar (tests/test_regulation_items.py)."""
    chosen = policy().model_copy(update={'full_attendance': 'days'})
    assert is_full_month(chosen, present, Decimal(absence)) is full


async def test_attendance_rows_are_computed_on_every_write(engine, actors):
    """Punch times come from the clock (签到/签退, or an admin's import of a clock device's export): the employee
    cannot type them — changing 09:16 to 09:14 would wipe a half-day 旷工."""
    admin, staff = actors['admin'], actors['staff']
    row = await records.create_row(admin, 'attendance', {'employee': 'staff', 'sign_in': '09:16',
                                                         'sign_out': '18:00'})
    assert (row['late_minutes'], row['absence_days']) == (16, Decimal('0.5'))
    with pytest.raises(PermissionDenied):     # punch times are read-only to the employee
        await records.update_row(staff, 'attendance', row['id'], {'sign_in': '09:14'}, version=row['version'])
    row = await records.update_row(admin, 'attendance', row['id'], {'sign_in': '09:14'}, version=row['version'])
    assert (row['late_minutes'], row['absence_days']) == (14, Decimal('0.0'))
    with pytest.raises(PermissionDenied):     # computed columns cannot be written
        await records.update_row(staff, 'attendance', row['id'], {'late_minutes': 0},
                                 version=row['version'])
    with pytest.raises(ValidationFailed) as err:
        await records.update_row(admin, 'attendance', row['id'], {'sign_out': '08:00'},
                                 version=row['version'])
    assert '签退时间' in err.value.message() and f'[{cite("attendance.signout")}]' in err.value.message()


PENALTY = {'employee': 'staff', 'category': '工作失误', 'clause': 'storage.shipping.2', 'description': '错发颜色',
           'severity': '一般', 'penalty_type': '罚款', 'amount': '100'}


async def _submit(actor: Actor, amount, ptype='罚款', escalation=None):
    values = {**PENALTY, 'amount': amount, 'penalty_type': ptype}
    if escalation:
        values['escalation_approval'] = escalation
    row = await records.create_row(actor, 'penalties', values)
    row = await records.set_check(actor, 'penalties', row['id'], 'facts_verified', True, version=row['version'])
    row = await records.update_row(actor, 'penalties', row['id'], {'status': '待审批'}, version=row['version'])
    return row


@pytest.mark.parametrize('amount,ptype,ok', [('49', '罚款', True), ('50', '罚款', True), ('200', '罚款', True),
                                             ('201', '罚款', False), (None, '开除', False), (None, '警告', True)])
async def test_penalty_authority(engine, actors, amount, ptype, ok):
    """50–200 元 is the department's; a fine below 50 is within it (the declared default of
    schemas/policy/penalties.toml); beyond, or 开除, goes up to the general manager (leader)."""
    manager = actors['manager']
    if ok:
        row = await _submit(manager, amount, ptype)
        assert row['status'] == '待审批'
        row = await records.update_row(manager, 'penalties', row['id'], {'status': '已生效'}, version=row['version'])
        assert row['status'] == '已生效' and row['approver'] == 'manager'
        return
    with pytest.raises(ValidationFailed) as err:
        await _submit(manager, amount, ptype)
    message = err.value.message()
    assert f'[{cite("penalty.authority")}]' in message and '须「提交上级审批」,由上级(总经理)决定' in message
    if amount is None:            # the case, not an amount, is the reason
        assert message.startswith('「处罚方式」为 开除,属于须上报的处罚') and 'None' not in message
    else:
        assert message.startswith(f'「金额(元)」为 ¥{amount}.00,超出部门处罚权限(50–200)')
    # submitted for escalation, the general manager (leader) decides it
    row = await records.create_row(manager, 'penalties', {**PENALTY, 'amount': amount, 'penalty_type': ptype,
                                                          'employee': 'staff2'})
    row = await records.set_check(manager, 'penalties', row['id'], 'facts_verified', True, version=row['version'])
    row = await records.update_row(manager, 'penalties', row['id'], {'status': '待上级审批'}, version=row['version'])
    row = await records.update_row(actors['leader'], 'penalties', row['id'], {'status': '已生效'},
                                   version=row['version'])
    assert (row['status'], row['escalation_approval']) == ('已生效', '上级已批准')


async def test_nobody_approves_their_own_penalty(engine, actors):
    manager, admin = actors['manager'], actors['admin']
    row = await records.create_row(manager, 'penalties', {**PENALTY, 'employee': 'manager'})
    row = await records.set_check(manager, 'penalties', row['id'], 'facts_verified', True, version=row['version'])
    row = await records.update_row(manager, 'penalties', row['id'], {'status': '待审批'}, version=row['version'])
    assert row['_moves'] == ['待上级审批']          # 批准生效, 退回修改 and 撤销 are not offered: it goes up to the leader
    for target in ('已生效', '草稿', '已撤销'):
        with pytest.raises(PermissionDenied) as err:
            await records.update_row(manager, 'penalties', row['id'], {'status': target}, version=row['version'])
        assert err.value.message() == f'这条记录的「员工」是您本人,改为「{target}」须由其他有权限的人办理'
    assert (await records.get_row(manager, 'penalties', row['id']))['status'] == '待审批'
    other = await _submit(manager, '100')                # someone else's penalty: as before
    assert '已生效' in other['_moves']
    row = await records.update_row(admin, 'penalties', row['id'], {'status': '已生效'}, version=row['version'])
    assert row['status'] == '已生效' and row['approver'] == 'admin'


async def test_an_effective_penalty_is_settled(engine, actors):
    """已生效 is locked: its fields and checklist stay, it is not deleted; the employee still acknowledges it, and
    撤销 (by someone else) is the way out."""
    manager, staff, admin = actors['manager'], actors['staff'], actors['admin']
    row = await _submit(manager, '100')
    row = await records.update_row(manager, 'penalties', row['id'], {'status': '已生效'}, version=row['version'])
    for change in ({'amount': '60'}, {'penalty_type': '警告'}, {'employee': 'staff2'}):
        with pytest.raises(PermissionDenied) as err:
            await records.update_row(manager, 'penalties', row['id'], change, version=row['version'])
        assert err.value.message().startswith('这条记录已是「已生效」,不能再修改「')
    with pytest.raises(PermissionDenied, match='不能删除'):
        await records.delete_rows(manager, 'penalties', [row['id']])
    with pytest.raises(PermissionDenied, match='已生效'):
        await records.set_check(manager, 'penalties', row['id'], 'facts_verified', False, version=row['version'])
    row = await records.update_row(staff, 'penalties', row['id'], {'acknowledged': True}, version=row['version'])
    assert row['acknowledged'] is True and row['amount'] == Decimal('100')
    row = await records.update_row(manager, 'penalties', row['id'], {'status': '已撤销'}, version=row['version'])
    with pytest.raises(PermissionDenied, match='已撤销'):
        await records.update_row(admin, 'penalties', row['id'], {'amount': '60'}, version=row['version'])


async def test_nobody_decides_their_own_leave_and_an_approval_stays_as_approved(engine, actors):
    manager, staff = actors['manager'], actors['staff']
    own = await records.create_row(manager, 'attendance', {'kind': '请假', 'leave_type': '事假', 'leave_days': '1',
                                                           'approval': '申请'})
    for target in ('已批准', '已驳回'):
        with pytest.raises(PermissionDenied, match='是您本人'):
            await records.update_row(manager, 'attendance', own['id'], {'approval': target}, version=own['version'])
    row = await records.create_row(staff, 'attendance', {'kind': '外出', 'outing_minutes': 30, 'reason': '拜访供应商',
                                                         'approval': '申请'})
    row = await records.update_row(manager, 'attendance', row['id'], {'approval': '已批准'}, version=row['version'])
    with pytest.raises(PermissionDenied, match='已批准'):        # approved 30 minutes cannot become 3 hours
        await records.update_row(staff, 'attendance', row['id'], {'outing_minutes': 180}, version=row['version'])
    row = await records.update_row(manager, 'attendance', row['id'], {'approval': '申请'}, version=row['version'])
    row = await records.update_row(staff, 'attendance', row['id'], {'outing_minutes': 180}, version=row['version'])
    assert (row['approval'], row['outing_minutes']) == ('申请', 180)


async def test_only_admin_records_the_escalation(engine, actors):
    with pytest.raises(PermissionDenied):
        await records.create_row(actors['manager'], 'penalties', {**PENALTY, 'amount': '300',
                                                                  'escalation_approval': '上级已批准'})


async def test_every_penalty_cites_a_clause(engine, actors):
    with pytest.raises(ValidationFailed) as err:
        await records.create_row(actors['manager'], 'penalties', {**PENALTY, 'clause': None})
    assert err.value.by_field() == {'clause': '必填'}
    with pytest.raises(ValidationFailed) as err:
        await records.create_row(actors['manager'], 'penalties', {**PENALTY, 'clause': 'no.such.clause'})
    assert '不是制度中的条款编号' in err.value.message()


SHIPMENT = {'order_no': 'JD-1', 'platform': '京东', 'sku': 'A1-01', 'quantity': 1, 'courier': '顺丰',
            'tracking_no': 'SF1234567890'}


async def test_checklist_gates_the_status(engine, actors):
    w = actors['warehouse']
    row = await records.create_row(w, 'shipments', SHIPMENT)
    with pytest.raises(ValidationFailed) as err:
        await records.update_row(w, 'shipments', row['id'], {'status': '已打包'}, version=row['version'])
    message = err.value.message()
    assert message.startswith('变为「已打包」前须完成检查项:')
    assert '[《仓储管理制度》发货 1]' in message and f'[{cite("storage.shipping.2")}]' in message
    for item in ('sorted_logged', 'remark_checked'):
        row = await records.set_check(w, 'shipments', row['id'], item, True, version=row['version'])
    assert row['checks']['sorted_logged']['by'] == 'warehouse'
    row = await records.update_row(w, 'shipments', row['id'], {'status': '已打包'}, version=row['version'])
    with pytest.raises(ValidationFailed) as err:
        await records.update_row(w, 'shipments', row['id'], {'status': '已出库'}, version=row['version'])
    assert f'[{cite("storage.shipping.3")}]' in err.value.message() and \
        f'[{cite("storage.shipping.4")}]' in err.value.message()
    for item in ('inspected', 'contents_match'):
        row = await records.set_check(w, 'shipments', row['id'], item, True, version=row['version'])
    row = await records.update_row(w, 'shipments', row['id'], {'status': '已出库'}, version=row['version'])
    assert row['status'] == '已出库' and row['picked_up_at'] is not None     # filled by the transition


async def test_undeclared_transition_is_refused(engine, actors):
    row = await records.create_row(actors['warehouse'], 'shipments', SHIPMENT)
    with pytest.raises(ValidationFailed) as err:
        await records.update_row(actors['warehouse'], 'shipments', row['id'], {'status': '已出库'},
                                 version=row['version'])
    assert '不能从「待发货」直接变为「已出库」' in err.value.message()


def _transitions():
    from portal.catalog.load import load_catalog

    from .conftest import SCHEMAS
    catalog, _ = load_catalog(SCHEMAS)
    for register in catalog.ordered():
        if register.workflow:
            for i, tr in enumerate(register.workflow.transitions):
                yield register.key, i


ROLE_USERS = {'leader': 'leader', 'manager': 'manager', 'ops': 'ops', 'cs': 'cs', 'designer': 'designer', 'warehouse': 'warehouse',
              'staff': 'staff'}


@pytest.mark.parametrize('key,index', list(_transitions()))
async def test_every_workflow_transition_by_role(engine, actors, key, index):
    """For each declared transition and each role: allowed roles move the row, the others are refused."""
    from seed.demo import seed
    await seed(rt().catalog, rows=6, only=[key])
    register = rt().catalog.register(key)
    wf = register.workflow
    tr = wf.transitions[index]
    source = next(s for s in tr.source if s != '*') if '*' not in tr.source else wf.initial
    model = db.row_model(key)
    for role, username in ROLE_USERS.items():
        actor = Actor(username=username, display_name=username, roles=(role,))
        row = await model.filter(deleted_at__isnull=True).order_by('id').first().values()
        ticks = {c.id: {'by': 'admin', 'at': '2026-11-27 09:00'} for c in register.row_checklist}
        extra = _fill_for(register, tr.target)
        if register.field('employee'):     # the row becomes staff's: staff's other rows go (one per natural key)
            await model.filter(employee='staff').exclude(id=row['id']).delete()
            await model.filter(id=row['id']).update(**{wf.field: source}, checks=ticks, employee='staff')
        else:
            await model.filter(id=row['id']).update(**{wf.field: source}, checks=ticks)
        await model.filter(id=row['id']).update(**extra)
        fresh = (await model.filter(id=row['id']).values())[0]
        granted_roles = set(tr.roles) if tr.roles else None
        from portal.people import access
        rights = access.rights(rt().catalog, actor, key)
        needed = 'approve' if tr.action == 'approve' else 'edit'
        may = needed in rights.actions and (granted_roles is None or role in granted_roles)
        try:
            await records.update_row(actor, key, row['id'], {wf.field: tr.target}, version=fresh['version'])
            moved = True
        except PermissionDenied:
            moved = False
        assert moved == may, (key, tr.source, tr.target, role)


def _fill_for(register, target: str) -> dict:
    """Values the register's rules require in the target state (so only the workflow decides)."""
    values = {}
    today = NOW.date()
    for name, value in {'picked_up_at': NOW, 'tracking_no': 'SF1234567890', 'problem_note': '货号不符',
                        'refund_amount': Decimal('10.00'), 'handled_by': 'ops', 'meets_policy': True,
                        'return_tracking_no': 'YT1234567890', 'cause': '仓库拿错货', 'resolution': '补发',
                        'evaluation': '满意', 'follow_up_date': today, 'approver': 'manager',
                        'escalation_approval': '上级已批准', 'amount': Decimal('100.00'),
                        'leave_type': '事假', 'leave_days': Decimal('1.0'), 'outing_minutes': 30,
                        'overtime_hours': Decimal('1.0'), 'loss_assessed': Decimal('100.00'),
                        'accepted_date': today - timedelta(days=1), 'approved_price': Decimal('99.00'),
                        'actual_sales': Decimal('100.00'), 'summary': '达成目标', 'result': '已追评说明',
                        'contact_method': '电话', 'notify_method': '电话', 'review_checked': True,
                        'reviewed_by': 'cs', 'paid_by': 'ops', 'production_line': '杭州织美', 'receipt': 1,
                        'handed_by': 'staff', 'received_by': 'manager', 'dimensions': '衣长 68cm', 'colours': '黑色',
                        'sizes': 'M', 'fabric': '纯棉', 'description': '进货说明', 'brand': '织美',
                        'price': Decimal('99.00'), 'selling_points': '一\n二\n三\n四\n五'}.items():
        if register.field(name):
            values[name] = value
    if target in ('待总结', '已结案') and register.field('end_date'):     # a promotion is summarised after it ended
        values.update(start_date=today, end_date=today, approved_at=NOW)
    return values


async def test_deadlines_highlight_and_queue(engine, actors):
    cs = actors['cs']
    old = await records.create_row(cs, 'complaints', {'complaint_no': 'TS20261101-01', 'customer': '王芳',
                                                      'category': '物流', 'content': '太慢',
                                                      'accepted_date': '2026-11-01'})
    fresh = await records.create_row(cs, 'complaints', {'complaint_no': 'TS20261126-01', 'customer': '李雷',
                                                        'category': '物流', 'content': '太慢',
                                                        'accepted_date': '2026-11-26'})
    assert old['_overdue'] == ['follow_up'] and fresh['_overdue'] == []
    assert await records.count_rows(cs, 'complaints', RowQuery(queue='follow_up_overdue')) == 1
    done = await records.update_row(cs, 'complaints', old['id'], {'follow_up_date': '2026-11-20'},
                                    version=old['version'])
    assert done['_overdue'] == []
    assert await records.count_rows(cs, 'complaints', RowQuery(queue='follow_up_overdue')) == 0


async def test_listing_deadline_of_three_days(engine, actors):
    w = actors['warehouse']
    base = {'supplier': '杭州织美', 'sku': 'A1', 'product_name': 'T恤', 'quantity': 10, 'inspection': '合格'}
    rows = {}
    for days in (3, 4):
        day = (NOW.date() - timedelta(days=days)).isoformat()
        row = await records.create_row(w, 'goods_receipts', {**base, 'receipt_no': f'RK20261120-00{days}',
                                                             'receipt_date': day})
        for item in ('inspected', 'shelved'):
            row = await records.set_check(w, 'goods_receipts', row['id'], item, True, version=row['version'])
        rows[days] = await records.update_row(w, 'goods_receipts', row['id'], {'status': '已入库'},
                                              version=row['version'])
    assert rows[3]['_overdue'] == [] and rows[4]['_overdue'] == ['listing']
    designer = Actor(username='designer', roles=('designer',))
    assert await records.count_rows(designer, 'goods_receipts', RowQuery(queue='listing_overdue')) == 1


async def test_required_if_and_compare_rules(engine, actors):
    w = actors['warehouse']
    with pytest.raises(ValidationFailed) as err:
        await records.create_row(w, 'goods_receipts', {'receipt_no': 'RK20261127-009', 'supplier': 'x', 'sku': 'A',
                                                       'product_name': 'T恤', 'quantity': 5, 'inspection': '不合格',
                                                       'reject_quantity': 6})
    problems = err.value.by_field()
    assert problems['reject_handling'] == '「不合格处理」必填(「检验结果」为 不合格/部分不合格时) [《仓储管理制度》入库 1]'
    assert problems['reject_quantity'] == '「不合格数量」必须不大于「数量」 [《仓储管理制度》入库 1]'


def test_conditions_in_words_say_yes_and_no_not_python():
    from portal.catalog.load import load_catalog
    from portal.rules.kinds import describe

    from .conftest import SCHEMAS
    register = load_catalog(SCHEMAS)[0].register('goods_receipts')
    spec = next(f for f in register.fields if f.kind.name == 'bool')
    assert describe(register, {spec.name: False}) == f'「{spec.label}」为 否'
    assert describe(register, {spec.name: True}, 'en') == f'"{spec.label_en or spec.label}" is Yes'
