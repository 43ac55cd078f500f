"""The records service on a real database: validation, versions, conflicts, audit, soft delete, queries."""
from __future__ import annotations

import asyncio
from datetime import date

import pytest

from portal import records
from portal.errors import Conflict, NotFound, PermissionDenied, PortalError, ValidationFailed
from portal.store import audit, db
from portal.store.models import AuditEntry
from portal.store.query import RowQuery

from .conftest import NOW

SHIPMENT = {'order_no': 'TM-1001', 'platform': '天猫', 'sku': 'A1001-01', 'quantity': '2', 'courier': '顺丰'}


async def test_create_fills_defaults_and_audits(engine, actors):
    row = await records.create_row(actors['warehouse'], 'shipments', SHIPMENT)
    assert row['version'] == 1
    assert row['ship_date'] == date(2026, 11, 27)          # default = today
    assert row['shipper'] == 'warehouse'                    # default = current_user
    assert row['status'] == '待发货'                         # workflow initial state
    assert row['quantity'] == 2
    assert 'order_amount' not in row                        # hidden for warehouse
    entries = await audit.row_history('shipments', row['id'])
    assert len(entries) == 1
    entry = entries[0]
    assert (entry['event'], entry['field'], entry['actor'], entry['source']) == ('create', None, 'warehouse', 'form')
    assert entry['new']['order_no'] == 'TM-1001' and entry['new']['quantity'] == 2


async def test_invalid_values_are_refused_with_messages_and_nothing_is_written(engine, actors):
    with pytest.raises(ValidationFailed) as err:
        await records.create_row(actors['warehouse'], 'shipments',
                                 {**SHIPMENT, 'quantity': 'abc', 'platform': '拼夕夕', 'tracking_no': '#!'})
    messages = err.value.by_field()
    assert messages['quantity'] == '"abc" 不是整数'
    assert messages['platform'].startswith('"拼夕夕" 不在可选项中')
    assert 'tracking_no' in messages
    assert await db.row_model('shipments').all().count() == 0
    assert await AuditEntry.filter(register='shipments').count() == 0


async def test_required_fields(engine, actors):
    with pytest.raises(ValidationFailed) as err:
        await records.create_row(actors['warehouse'], 'shipments', {'platform': '京东'})
    assert set(err.value.by_field()) >= {'order_no', 'sku'}
    assert err.value.by_field()['sku'] == '必填'


async def test_update_bumps_version_and_audits_old_and_new(engine, actors):
    row = await records.create_row(actors['warehouse'], 'shipments', SHIPMENT)
    updated = await records.update_row(actors['warehouse'], 'shipments', row['id'], {'quantity': '3'}, version=1)
    assert updated['quantity'] == 3 and updated['version'] == 2
    history = await audit.row_history('shipments', row['id'])
    last = history[-1]
    assert (last['event'], last['field'], last['old'], last['new'], last['version']) == ('update', 'quantity', 2, 3, 2)


async def test_stale_version_is_refused_not_overwritten(engine, actors):
    row = await records.create_row(actors['warehouse'], 'shipments', SHIPMENT)
    await records.update_row(actors['manager'], 'shipments', row['id'], {'quantity': '5'}, version=1)
    with pytest.raises(Conflict) as err:
        await records.update_row(actors['warehouse'], 'shipments', row['id'], {'quantity': '7'}, version=1)
    assert err.value.current['quantity'] == 5 and err.value.current['version'] == 2
    assert '王经理' in err.value.message() or 'manager' in err.value.message()
    fresh = await records.get_row(actors['warehouse'], 'shipments', row['id'])
    assert fresh['quantity'] == 5


async def test_stale_edit_of_another_cell_merges(engine, actors):
    row = await records.create_row(actors['warehouse'], 'shipments', SHIPMENT)
    await records.update_row(actors['manager'], 'shipments', row['id'], {'quantity': '5'}, version=1)
    merged = await records.update_row(actors['warehouse'], 'shipments', row['id'], {'courier': '中通'}, version=1)
    assert (merged['quantity'], merged['courier'], merged['version']) == (5, '中通', 3)
    fresh = await records.get_row(actors['warehouse'], 'shipments', row['id'])
    assert (fresh['quantity'], fresh['courier'], fresh['version']) == (5, '中通', 3)
    # and the same user typing along a row (each save on the version the grid showed before the last one)
    again = await records.update_row(actors['warehouse'], 'shipments', row['id'], {'quantity': '6'}, version=2)
    assert (again['quantity'], again['courier']) == (6, '中通')


async def test_stale_edit_of_the_same_cell_names_who_changed_it_from_what_to_what(engine, actors):
    row = await records.create_row(actors['warehouse'], 'shipments', SHIPMENT)
    await records.update_row(actors['manager'], 'shipments', row['id'], {'courier': '中通'}, version=1)
    await records.update_row(actors['manager'], 'shipments', row['id'], {'quantity': '5'}, version=2)
    with pytest.raises(Conflict) as err:
        await records.update_row(actors['warehouse'], 'shipments', row['id'], {'courier': '圆通'}, version=1)
    message = err.value.message()
    assert '「快递公司」' in message and '顺丰' in message and '中通' in message and '版本 3' in message
    assert err.value.params['field'] == 'courier' and err.value.current['courier'] == '中通'
    assert (await records.get_row(actors['warehouse'], 'shipments', row['id']))['courier'] == '中通'


async def test_stale_merge_is_checked_against_the_row_as_it_is_now(engine, actors):
    """不合格数量 ≤ 数量: 8 rejects fit the 50 the editor saw, not the 5 someone else has set meanwhile."""
    w = actors['warehouse']
    row = await records.create_row(w, 'goods_receipts', {
        'receipt_no': 'RK20261127-001', 'supplier': '杭州织美服饰厂', 'sku': 'Q-1', 'product_name': 'T恤',
        'quantity': 50, 'inspection': '部分不合格', 'reject_quantity': 3, 'reject_handling': '返厂'})
    await records.update_row(actors['manager'], 'goods_receipts', row['id'], {'quantity': '5'}, version=1)
    with pytest.raises(ValidationFailed) as err:
        await records.update_row(w, 'goods_receipts', row['id'], {'reject_quantity': '8'}, version=1)
    assert err.value.by_field()['reject_quantity'].startswith('「不合格数量」必须不大于「数量」')
    fresh = await records.get_row(w, 'goods_receipts', row['id'])
    assert (fresh['quantity'], fresh['reject_quantity'], fresh['version']) == (5, 3, 2)


async def test_a_version_that_never_existed_is_refused_as_such(engine, actors):
    row = await records.create_row(actors['warehouse'], 'shipments', SHIPMENT)
    with pytest.raises(Conflict) as err:
        await records.update_row(actors['warehouse'], 'shipments', row['id'], {'quantity': '7'}, version=8)
    assert err.value.key == 'error.version_unknown'
    assert '版本 8 不存在' in err.value.message() and 'Version 8 never existed' in err.value.message('en')


async def test_bad_cell_keeps_old_value(engine, actors):
    row = await records.create_row(actors['warehouse'], 'shipments', SHIPMENT)
    with pytest.raises(ValidationFailed):
        await records.update_row(actors['warehouse'], 'shipments', row['id'], {'quantity': '0'}, version=1)
    fresh = await records.get_row(actors['warehouse'], 'shipments', row['id'])
    assert fresh['quantity'] == 2 and fresh['version'] == 1


async def test_audit_is_in_the_same_transaction(engine, actors, monkeypatch):
    row = await records.create_row(actors['warehouse'], 'shipments', SHIPMENT)

    async def broken_save(batch, using=None):
        raise RuntimeError('disk full while auditing')
    monkeypatch.setattr(audit, 'save', broken_save)
    with pytest.raises(RuntimeError):
        await records.update_row(actors['warehouse'], 'shipments', row['id'], {'quantity': '9'}, version=1)
    monkeypatch.undo()
    fresh = await records.get_row(actors['warehouse'], 'shipments', row['id'])
    assert fresh['quantity'] == 2 and fresh['version'] == 1


async def test_soft_delete_and_restore(engine, actors):
    a = await records.create_row(actors['warehouse'], 'shipments', SHIPMENT)
    b = await records.create_row(actors['warehouse'], 'shipments', {**SHIPMENT, 'order_no': 'TM-1002'})
    batch = await records.delete_rows(actors['warehouse'], 'shipments', [a['id'], b['id']])
    assert await records.count_rows(actors['warehouse'], 'shipments', RowQuery()) == 0
    with pytest.raises(NotFound):
        await records.get_row(actors['warehouse'], 'shipments', a['id'])
    deleted = await db.row_model('shipments').filter(delete_batch=batch).count()
    assert deleted == 2
    await records.restore_rows(actors['warehouse'], 'shipments', [a['id'], b['id']])
    assert await records.count_rows(actors['warehouse'], 'shipments', RowQuery()) == 2
    events = [e['event'] for e in await audit.row_history('shipments', a['id'])]
    assert events[-2:] == ['delete', 'restore']


async def test_unique_field(engine, actors):
    values = {'receipt_no': 'RK20261127-001', 'supplier': '杭州织美服饰厂', 'sku': 'A1', 'product_name': 'T恤',
              'quantity': 10}
    await records.create_row(actors['warehouse'], 'goods_receipts', values)
    with pytest.raises(ValidationFailed) as err:
        await records.create_row(actors['warehouse'], 'goods_receipts', values)
    assert err.value.by_field()['receipt_no'] == '「入库单号」为 RK20261127-001 的记录已存在(#1),不能重复登记'


async def test_list_sorts_filters_and_searches_in_the_database(engine, actors):
    w = actors['warehouse']
    for i, (platform, qty) in enumerate([('天猫', 1), ('京东', 5), ('天猫', 3), ('淘宝', 2)]):
        await records.create_row(w, 'shipments', {**SHIPMENT, 'order_no': f'NO-{i}', 'platform': platform,
                                                  'quantity': qty, 'receiver': f'收件人{i}'})
    rows = await records.list_rows(w, 'shipments', RowQuery(sort=[{'colId': 'quantity', 'sort': 'desc'}]))
    assert [r['quantity'] for r in rows] == [5, 3, 2, 1]
    rows = await records.list_rows(w, 'shipments', RowQuery(filter={'platform': {'filterType': 'set',
                                                                                   'values': ['天猫']}}))
    assert sorted(r['order_no'] for r in rows) == ['NO-0', 'NO-2']
    rows = await records.list_rows(w, 'shipments', RowQuery(filter={'quantity': {'filterType': 'number',
                                                                                   'type': 'inRange', 'filter': 2,
                                                                                   'filterTo': 4}}))
    assert sorted(r['quantity'] for r in rows) == [2, 3]
    assert await records.count_rows(w, 'shipments', RowQuery(quick='收件人3')) == 1
    rows = await records.list_rows(w, 'shipments', RowQuery(start=1, limit=2, sort=[{'colId': 'quantity',
                                                                                        'sort': 'asc'}]))
    assert [r['quantity'] for r in rows] == [2, 3]
    for direction in ('asc', 'desc'):             # 编号 sorts both ways (ascending used to come out descending)
        rows = await records.list_rows(w, 'shipments', RowQuery(sort=[{'colId': 'id', 'sort': direction}]))
        ids = [r['id'] for r in rows]
        assert ids == sorted(ids, reverse=direction == 'desc') and len(ids) == 4


@pytest.mark.parametrize('bad', [
    {'sort': [{'colId': 'nope', 'sort': 'asc'}]},
    {'filter': {'nope': {'type': 'contains', 'filter': 'x'}}},
    {'filter': {'quantity': {'filterType': 'number', 'type': 'drop table', 'filter': 1}}},
    {'filter': {'order_amount': {'filterType': 'number', 'type': 'equals', 'filter': 1}}},   # hidden for warehouse
    {'sort': [{'colId': 'order_amount', 'sort': 'asc'}]},
    {'limit': 100000},
])
async def test_bad_queries_are_refused(engine, actors, bad):
    with pytest.raises(PortalError):
        await records.list_rows(actors['warehouse'], 'shipments', RowQuery.parse(bad))


async def test_hidden_and_readonly_columns(engine, actors):
    row = await records.create_row(actors['manager'], 'shipments', {**SHIPMENT, 'order_amount': '199.00'})
    seen = await records.get_row(actors['warehouse'], 'shipments', row['id'])
    assert 'order_amount' not in seen
    with pytest.raises(PortalError):
        await records.update_row(actors['warehouse'], 'shipments', row['id'], {'order_amount': '1'}, version=1)
    with pytest.raises(PermissionDenied):
        await records.update_row(actors['ops'], 'shipments', row['id'], {'quantity': '4'}, version=1)
    fresh = await records.get_row(actors['manager'], 'shipments', row['id'])
    assert fresh['order_amount'] == 199 and fresh['quantity'] == 2


async def test_own_scope_holds_for_direct_ids(engine, actors):
    mine = await records.create_row(actors['staff'], 'attendance', {'remark': '今天的行'})   # punches: the clock's
    other = await records.create_row(actors['admin'], 'attendance', {'employee': 'staff2', 'sign_in': '09:20',
                                                                     'sign_out': '18:00'})
    assert [r['id'] for r in await records.list_rows(actors['staff'], 'attendance', RowQuery())] == [mine['id']]
    with pytest.raises(PermissionDenied):
        await records.get_row(actors['staff'], 'attendance', other['id'])
    with pytest.raises(PermissionDenied):
        await records.update_row(actors['staff'], 'attendance', other['id'], {'remark': 'x'}, version=1)
    with pytest.raises(PermissionDenied):   # cannot create a row for someone else
        await records.create_row(actors['staff'], 'attendance', {'employee': 'staff2', 'remark': 'x'})
    assert other['late_minutes'] == 20 and other['absence_days'] == 0.5


async def test_quick_search_terms_of_any_length(engine, actors):
    w = actors['warehouse']
    for i, (receiver, tracking) in enumerate([('王芳', 'SF1234567890'), ('王芳芳', 'YT9876543210'),
                                              ('李雷', 'ZT5555555555')]):
        await records.create_row(w, 'shipments', {**SHIPMENT, 'order_no': f'Q-{i}', 'receiver': receiver,
                                                  'tracking_no': tracking})
    async def hits(text):
        return sorted(r['order_no'] for r in await records.list_rows(w, 'shipments', RowQuery(quick=text)))
    assert await hits('王芳') == ['Q-0', 'Q-1']          # two characters
    assert await hits('芳') == ['Q-0', 'Q-1']            # one character
    assert await hits('sf12345') == ['Q-0']              # 3+ characters, case-insensitive
    assert await hits('王芳 yt98') == ['Q-1']            # every word must match
    assert await hits('不存在') == []
    assert await hits('5_5') == [] and await hits('5%5') == []    # % and _ are themselves, not wildcards
    assert await records.count_rows(w, 'shipments', RowQuery(quick='王芳')) == 2
    first = (await records.list_rows(w, 'shipments', RowQuery(quick='王芳芳')))[0]
    await records.delete_rows(w, 'shipments', [first['id']])          # deleted rows leave the search
    assert await records.count_rows(w, 'shipments', RowQuery(quick='王芳')) == 1
    assert await hits('王芳') == ['Q-0']
    await records.restore_rows(w, 'shipments', [first['id']])
    assert await records.count_rows(w, 'shipments', RowQuery(quick='芳')) == 2      # 1 character: scanned


async def test_quick_search_finds_what_people_see(engine, actors):
    """People by display name (stored as logins), dates in the forms people type, clauses by their citation."""
    await records.create_row(actors['warehouse'], 'shipments', {**SHIPMENT, 'order_no': 'S-1', 'ship_date': '2026-11-28'})
    await records.create_row(actors['manager'], 'shipments', {**SHIPMENT, 'order_no': 'S-2', 'ship_date': '2026-10-02'})
    w = actors['manager']

    async def hits(text):
        found = sorted(r['order_no'] for r in await records.list_rows(w, 'shipments', RowQuery(quick=text)))
        assert await records.count_rows(w, 'shipments', RowQuery(quick=text)) == len(found)
        return found
    assert await hits('陈仓管') == ['S-1'] and await hits('王经理') == ['S-2']
    assert await hits('仓管') == ['S-1']                          # part of a name
    assert await hits('2026-11-28') == ['S-1']
    for typed in ('2026/11/28', '20261128', '2026年11月28日'):
        assert await hits(typed) == ['S-1'], typed
    if rt_year() == 2026:
        assert await hits('10-02') == ['S-2']                     # month-day: this year
    assert await hits('王经理 2026-11-28') == []                  # every word must match
    from .test_rules import PENALTY
    penalty = await records.create_row(w, 'penalties', PENALTY)
    cited = rt().catalog.clause_label(penalty['clause'])          # 《员工奖惩制度》… : stored as the clause id
    rows = await records.list_rows(w, 'penalties', RowQuery(quick=cited[1:5]))
    assert penalty['id'] in [r['id'] for r in rows] and penalty['clause'] not in cited
    complaint = await records.create_row(w, 'complaints', {'complaint_no': 'TS20261127-07', 'customer': '王芳',
                                                            'category': '物流', 'content': '快递太慢'})
    linked = await records.create_row(w, 'penalties', {**PENALTY, 'employee': 'staff2', 'complaint': complaint['id']})
    found = await records.list_rows(w, 'penalties', RowQuery(quick='TS20261127-07'))   # a link by its title
    assert [r['id'] for r in found] == [linked['id']]
    assert await records.count_rows(w, 'penalties', RowQuery(quick='TS20261127-07')) == 1


def rt():
    from portal.runtime import rt as runtime
    return runtime()


def rt_year() -> int:
    return rt().today().year


async def test_quick_search_never_reveals_hidden_columns(engine, actors):
    values = {'receipt_no': 'RK20261127-001', 'supplier': '秘密供应商', 'sku': 'A1', 'product_name': 'T恤',
              'quantity': 10, 'inspection': '合格'}
    await records.create_row(actors['warehouse'], 'goods_receipts', values)
    designer = actors['designer']
    assert 'supplier' not in (await records.list_rows(designer, 'goods_receipts', RowQuery()))[0]
    assert await records.count_rows(designer, 'goods_receipts', RowQuery(quick='秘密供应商')) == 0
    assert await records.count_rows(designer, 'goods_receipts', RowQuery(quick='T恤')) == 1


async def test_bulk_create_stores_what_a_single_create_stores(engine, actors):
    """create_many (imports) writes rows, system columns and audit entries the same way as create (forms),
    for full prepared rows and for rows that hold only some fields, in any key order."""
    manager = actors['manager']
    single = await records.create_row(manager, 'shipments', {**SHIPMENT, 'order_amount': '12.50'})
    register, granted = records.open_register(manager, 'shipments', 'create')
    ctx = await records.value_context(manager)
    full, problems = records.prepare_create(register, granted, manager, {**SHIPMENT, 'order_no': 'TM-2',
                                                                          'order_amount': '12.50'}, ctx)
    assert problems == []
    partial = {'quantity': 3, 'order_no': 'TM-3', 'platform': '京东', 'sku': 'B-1'}
    async with records.session(manager, 'shipments', 'create', source='import', kind='import') as writer:
        ids = await writer.create_many([dict(reversed(list(full.items()))), partial])
    model = db.row_model('shipments')
    one, two, three = [await model.get(id=i).values() for i in (single['id'], *ids)]
    for column in ('ship_date', 'platform', 'sku', 'quantity', 'order_amount', 'status', 'shipper', 'gift',
                   'address_verified', 'checks', 'version', 'created_by', 'updated_by', 'deleted_at'):
        assert two[column] == one[column], column
    assert two['created_at'] == two['updated_at'] == ctx.now
    assert (three['order_no'], three['quantity'], three['status'], three['checks']) == ('TM-3', 3, None, {})
    assert str(two['order_amount']) == '12.50'
    for row_id, row in zip(ids, (full, partial)):
        [entry] = await audit.row_history('shipments', row_id)
        assert (entry['event'], entry['source'], entry['version']) == ('create', 'import', 1)
        assert entry['new'] == records.row_json(register, row)
    assert list((await audit.row_history('shipments', ids[0]))[0]['new']) == [
        f.name for f in register.fields if full.get(f.name) is not None]        # in the register's field order
    found = await records.list_rows(manager, 'shipments', RowQuery(quick='TM-3'))
    assert [r['id'] for r in found] == [ids[1]]                                  # in the search index too


async def test_the_natural_key_is_one_live_row(engine, actors):
    """订单号 + 货号 names one shipment: a second create is refused naming the first, a deleted row does not count,
    and restoring it beside a new one with the same key is refused too."""
    w = actors['warehouse']
    first = await records.create_row(w, 'shipments', SHIPMENT)
    with pytest.raises(ValidationFailed) as err:
        await records.create_row(w, 'shipments', SHIPMENT)
    assert err.value.by_field() == {
        'order_no': f'「订单号+货号」为 TM-1001 / A1001-01 的记录已存在(#{first["id"]}),不能重复登记'}
    other = await records.create_row(w, 'shipments', {**SHIPMENT, 'sku': 'A1001-02'})     # another item: fine
    with pytest.raises(ValidationFailed):
        await records.update_row(w, 'shipments', other['id'], {'sku': 'A1001-01'}, version=other['version'])
    await records.delete_rows(w, 'shipments', [first['id']])
    again = await records.create_row(w, 'shipments', SHIPMENT)
    with pytest.raises(ValidationFailed) as err:
        await records.restore_rows(w, 'shipments', [first['id']])
    assert f'(#{again["id"]})' in err.value.by_field()['order_no']
    assert await db.row_model('shipments').filter(deleted_at__isnull=True).count() == 2


async def test_concurrent_creates_of_one_key_make_one_row(engine, actors):
    w = actors['warehouse']
    outcomes = await asyncio.gather(*(records.create_row(w, 'shipments', SHIPMENT) for _ in range(4)),
                                    return_exceptions=True)
    made = [o for o in outcomes if isinstance(o, dict)]
    refused = [o for o in outcomes if isinstance(o, ValidationFailed)]
    assert len(made) == 1 and len(refused) == 3, outcomes
    assert all(f'(#{made[0]["id"]})' in r.by_field()['order_no'] for r in refused)
    assert await db.row_model('shipments').filter(order_no='TM-1001').count() == 1


async def test_the_database_itself_refuses_a_second_live_row_with_the_key(engine, actors):
    from tortoise.exceptions import IntegrityError
    model = db.row_model('shipments')
    base = {'version': 1, 'created_by': 'x', 'created_at': NOW, 'updated_by': 'x', 'updated_at': NOW, 'checks': {},
            'order_no': 'TM-9', 'sku': 'S', 'platform': '天猫', 'quantity': 1}
    await model.create(**base)
    with pytest.raises(IntegrityError):
        await model.create(**base)
    await model.create(**base, deleted_at=NOW)          # deleted rows may repeat a key
