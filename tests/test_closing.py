"""月结 (closing a month): the leadership role closes a month; rows dated in it (考勤, 处罚, 奖励, 月度指标 — the
registers that declare a month_field) become read-only for everyone through the records service, whatever the door;
a correction needs a declared reason code, is recorded and shows on the pay sheet as an adjustment."""
from __future__ import annotations

from decimal import Decimal

import pytest

from portal import records
from portal.dashboards import pay, reports
from portal.errors import PermissionDenied, PortalError
from portal.store.models import Correction

from .test_pay import _fine, _reward, month_of_team


async def _closed_october(actors):
    await month_of_team(actors)
    await pay.close_month(actors['leader'], '2026-10')


async def _row(actor, key, **where):
    _, _, qs = await records.scoped_queryset(actor, key, where)
    return await records.get_row(actor, key, (await qs.order_by('id').first()).id)


async def test_only_the_leadership_role_closes_an_ended_month_once(engine, actors):
    await month_of_team(actors)
    with pytest.raises(PermissionDenied, match='只有总经理'):
        await pay.close_month(actors['manager'], '2026-10')
    with pytest.raises(PortalError, match='还没有结束'):
        await pay.close_month(actors['leader'], '2026-11')
    table = await pay.close_month(actors['leader'], '2026-10')
    assert {r['login'] for r in table['rows']} == {'ops', 'staff', 'manager', 'cs'}
    with pytest.raises(PortalError, match='已经月结'):
        await pay.close_month(actors['leader'], '2026-10')
    sheet = await reports.run(actors['manager'], 'pay_sheet', '2026-10')
    assert sheet['closed']['closed_by'] == 'leader' and all(r['adjustment'] == 0 for r in sheet['rows'])


@pytest.mark.parametrize('key,where,change', [
    ('attendance', {'employee': 'cs', 'date': '2026-10-09'}, {'remark': '改'}),
    ('penalties', {'employee': 'staff', 'category': '其他'}, {'description': '改'}),     # a draft fine
    ('targets', {'employee': 'designer'}, {'plan_amount': '6000'}),                  # a draft target
])
async def test_rows_of_a_closed_month_are_read_only_for_everyone(engine, actors, key, where, change):
    await _closed_october(actors)
    for who in ('manager', 'admin'):
        row = await _row(actors[who], key, **where)
        with pytest.raises(PermissionDenied, match='2026-10 已月结'):
            await records.update_row(actors[who], key, row['id'], change, version=row['version'])
        with pytest.raises(PermissionDenied, match='已月结'):
            await records.delete_rows(actors[who], key, [row['id']])
    assert (await _row(actors['manager'], key, **where))['version'] == row['version']     # nothing changed


async def test_no_row_moves_into_or_appears_in_a_closed_month(engine, actors):
    await _closed_october(actors)
    m = actors['manager']
    with pytest.raises(PermissionDenied, match='已月结'):
        await _fine(m, 'ops', '50', category='违规操作')                   # dated 2026-10-20
    with pytest.raises(PermissionDenied, match='已月结'):
        await records.create_row(actors['admin'], 'attendance', {'employee': 'ops', 'date': '2026-10-12',
                                                                  'sign_in': '09:00', 'sign_out': '18:00'})
    row = await records.create_row(m, 'rewards', {'employee': 'ops', 'date': '2026-11-05', 'position': '推广员',
                                                  'category': '表彰', 'clause': 'pay.promoter.bonus',
                                                  'description': 'x', 'amount': '60'})
    with pytest.raises(PermissionDenied, match='已月结'):                   # November is open; October is not
        await records.update_row(m, 'rewards', row['id'], {'date': '2026-10-30'}, version=row['version'])
    await _reward(m, 'ops', '推广员', '70', date_='2026-11-06')             # November rows: business as usual


async def test_paste_into_a_closed_month_is_refused(engine, actors):
    """The preview marks the cells of a closed month's rows and leaves them out; a plan made before the month was
    closed is refused when applied after."""
    from portal.records import paste
    await month_of_team(actors)
    m = actors['manager']
    row = await _row(m, 'penalties', employee='staff', category='其他')

    async def plan():
        return await paste.plan_paste(m, 'penalties', '粘贴的事实经过', start_row=0, start_col='description',
                                      columns=['description'], query={'where': {'id': row['id']}})
    early = await plan()
    assert early.updates and not early.errors
    await pay.close_month(actors['leader'], '2026-10')
    late = await plan()
    assert not late.updates and [c.error for c in late.errors] == [
        '2026-10 已月结:「处罚登记」中该月的记录只读;如需更正,请由有权限的人填写更正原因后更正']
    with pytest.raises(PermissionDenied, match='已月结'):
        await paste.apply_paste(m, early)
    assert (await records.get_row(m, 'penalties', row['id']))['description'] == row['description']


async def test_a_reasoned_correction_is_recorded_and_shows_as_an_adjustment(engine, actors):
    await _closed_october(actors)
    m = actors['manager']
    fine = await _row(m, 'penalties', employee='staff', category='工作失误')      # the effective 100 fine
    with pytest.raises(PortalError, match='更正原因应为以下之一'):
        async with records.closing.correcting(m, '随便'):
            pass
    async with records.closing.correcting(m, '审批更正', '罚款有误,经总经理同意撤销'):
        await records.update_row(m, 'penalties', fine['id'], {'status': '已撤销'}, version=fine['version'])
    sheet = await reports.run(m, 'pay_sheet', '2026-10')
    rows = {r['login']: r for r in sheet['rows']}
    assert rows['staff']['penalties'] == 0 and rows['staff']['total'] == Decimal('2180')
    assert rows['staff']['adjustment'] == Decimal('100')                     # against the 2 080 kept at closing
    assert all(r['adjustment'] == 0 for login, r in rows.items() if login != 'staff')
    assert [(c['register'], c['row_id'], c['reason'], c['actor']) for c in sheet['corrections']] == [
        ('penalties', fine['id'], '审批更正', 'manager')]
    assert await Correction.filter(month='2026-10').count() == 1
    draft = await _row(m, 'penalties', employee='staff', category='其他')
    with pytest.raises(PermissionDenied, match='已月结'):                   # the month stays closed afterwards
        await records.update_row(m, 'penalties', draft['id'], {'description': '改'}, version=draft['version'])
