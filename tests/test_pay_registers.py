"""The registers of the monthly cycle: 考核 (four monthly indicators, five annual, appraised by the manager — never
himself — and acknowledged by the employee), 奖励 (bonus ranges by position; beyond them the general manager decides)
and 月度指标 (set by the manager, approved by the general manager only)."""
from __future__ import annotations

import pytest

from portal import records
from portal.errors import PermissionDenied, ValidationFailed

SCORES = {'completion': '85', 'quality': '90', 'teamwork': '80', 'growth': '75'}


async def test_monthly_appraisal_needs_the_four_indicators_and_the_employee_acknowledges(engine, actors):
    m, staff = actors['manager'], actors['staff']
    row = await records.create_row(m, 'appraisals', {'month': '2026-11-01', 'employee': 'staff', 'kind': '月度'})
    with pytest.raises(ValidationFailed, match='工作完成情况'):
        await records.update_row(m, 'appraisals', row['id'], {'status': '已评定'}, version=row['version'])
    row = await records.update_row(m, 'appraisals', row['id'], SCORES, version=row['version'])
    row = await records.update_row(m, 'appraisals', row['id'], {'status': '已评定'}, version=row['version'])
    assert (row['status'], row['appraiser']) == ('已评定', 'manager')
    with pytest.raises(PermissionDenied):                                    # the employee cannot change a score
        await records.update_row(staff, 'appraisals', row['id'], {'quality': '100'}, version=row['version'])
    row = await records.update_row(staff, 'appraisals', row['id'], {'acknowledged': True}, version=row['version'])
    assert row['acknowledged'] is True


async def test_annual_appraisal_has_five_indicators_and_nobody_appraises_himself(engine, actors):
    m = actors['manager']
    row = await records.create_row(m, 'appraisals', {'month': '2025-12-01', 'employee': 'ops', 'kind': '年度',
                                                     'quality': '90', 'teamwork': '80', 'growth': '75'})
    with pytest.raises(ValidationFailed, match='工作业绩'):
        await records.update_row(m, 'appraisals', row['id'], {'status': '已评定'}, version=row['version'])
    own = await records.create_row(m, 'appraisals', {'month': '2026-11-01', 'employee': 'manager', **SCORES})
    with pytest.raises(PermissionDenied, match='本人'):
        await records.update_row(m, 'appraisals', own['id'], {'status': '已评定'}, version=own['version'])


@pytest.mark.parametrize('position,amount,within', [('推广员', '50', True), ('推广员', '100', True),
                                                    ('推广员', '120', False), ('客服', '40', False),
                                                    ('主管', '150', True), ('主管', '90', False)])
async def test_reward_ranges_by_position(engine, actors, position, amount, within):
    m = actors['manager']
    row = await records.create_row(m, 'rewards', {'employee': 'ops', 'date': '2026-11-20', 'position': position,
                                                  'category': '超额完成奖', 'clause': 'pay.promoter.bonus',
                                                  'description': '超额完成', 'amount': amount})
    if within:
        row = await records.update_row(m, 'rewards', row['id'], {'status': '待审批'}, version=row['version'])
        assert row['status'] == '待审批'
        return
    with pytest.raises(ValidationFailed, match='上级审批'):
        await records.update_row(m, 'rewards', row['id'], {'status': '待审批'}, version=row['version'])
    row = await records.update_row(m, 'rewards', row['id'], {'status': '待上级审批'}, version=row['version'])
    row = await records.update_row(actors['leader'], 'rewards', row['id'], {'status': '已生效'},
                                   version=row['version'])
    assert (row['status'], row['escalation_approval'], row['approver']) == ('已生效', '上级已批准', 'leader')


async def test_targets_are_approved_by_the_general_manager_only(engine, actors):
    m = actors['manager']
    row = await records.create_row(m, 'targets', {'month': '2026-12-01', 'employee': 'ops', 'position': '推广员',
                                                  'shop': '天猫', 'plan_amount': '20000'})
    assert [r['id'] for r in await records.list_rows(m, 'targets', records.read.rq.RowQuery(queue='to_set'))] == [
        row['id']]
    row = await records.update_row(m, 'targets', row['id'], {'status': '待审批'}, version=row['version'])
    with pytest.raises(PermissionDenied):
        await records.update_row(m, 'targets', row['id'], {'status': '已批准'}, version=row['version'])
    queued = await records.list_rows(actors['leader'], 'targets', records.read.rq.RowQuery(queue='to_approve'))
    assert [r['id'] for r in queued] == [row['id']]
    row = await records.update_row(actors['leader'], 'targets', row['id'], {'status': '已批准'},
                                   version=row['version'])
    assert row['approver'] == 'leader'
