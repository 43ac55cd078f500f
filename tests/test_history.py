"""Nothing lost: row history, the change log, the recycle bin (single and batch), purge only on command,
backup → restore with data compared, concurrent writers with no lost update, crash safety of a paste."""
from __future__ import annotations

import asyncio
import random
import sqlite3
from datetime import timedelta

import pytest

from portal import records
from portal.errors import Conflict, PermissionDenied, PortalError
from portal.records import history, paste
from portal.runtime import rt
from portal.store import backup, db
from portal.store.models import AuditEntry
from portal.store.query import RowQuery

from .conftest import NOW

SHIPMENT = {'order_no': 'H-1', 'platform': '京东', 'sku': 'S1', 'quantity': 1}


async def test_row_history_content(engine, actors):
    w, m = actors['warehouse'], actors['manager']
    row = await records.create_row(w, 'shipments', SHIPMENT)
    row = await records.update_row(w, 'shipments', row['id'], {'quantity': 3}, version=row['version'])
    await records.update_row(m, 'shipments', row['id'], {'order_amount': '99.50'}, version=row['version'],
                             source='form')
    await records.set_check(w, 'shipments', row['id'], 'sorted_logged', True, version=row['version'] + 1)
    timeline = await history.row_timeline(m, 'shipments', row['id'])
    assert [(e['event'], e['field'], e['source']) for e in timeline] == [
        ('新建', '', '表单'), ('修改', '数量', '表格'), ('修改', '订单金额', '表单'),
        ('检查项', '已按款式、数量、颜色分类,并登记所发数量和款式', '检查项')]
    assert timeline[1]['old'] == '1' and timeline[1]['new'] == '3' and timeline[1]['actor'] == '陈仓管'
    assert timeline[2]['new'] == '¥99.50' and timeline[3]['new'] == '是'
    assert timeline[0]['at'] == NOW and '订单号=H-1' in timeline[0]['new']
    seen_by_warehouse = await history.row_timeline(w, 'shipments', row['id'])
    assert '订单金额' not in [e['field'] for e in seen_by_warehouse]                 # hidden field, hidden history
    staff = actors['staff']
    with pytest.raises(PermissionDenied):
        await history.row_timeline(staff, 'shipments', row['id'])


async def test_change_log_for_managers_and_admins(engine, actors):
    w, m = actors['warehouse'], actors['manager']
    row = await records.create_row(w, 'shipments', SHIPMENT)
    await records.update_row(w, 'shipments', row['id'], {'quantity': 3}, version=1)
    log = await history.change_log(m, register='shipments', user='warehouse', field='quantity')
    assert [(e['row_id'], e['field'], e['new']) for e in log] == [(row['id'], '数量', '3')]
    assert await history.change_log(m, register='shipments', since=NOW + timedelta(days=1)) == []
    with pytest.raises(PermissionDenied):
        await history.change_log(w)                      # warehouse approves nothing: no change log
    from portal.people import users
    await users.create_user(actors['admin'], username='newcomer', display_name='新人', password='violet-kettle-42',
                            roles=['staff'])
    admin_log = await history.change_log(actors['admin'])
    assert any(e['register'] == '*' and 'newcomer' in e['new'] for e in admin_log)
    assert not any(e['register'] == '*' for e in await history.change_log(m))


async def test_recycle_bin_single_and_batch_restore(engine, actors):
    w = actors['warehouse']
    ids = [(await records.create_row(w, 'shipments', {**SHIPMENT, 'order_no': f'B-{i}'}))['id'] for i in range(4)]
    batch = await records.delete_rows(w, 'shipments', ids[:3])       # one batch of three
    await records.delete_rows(w, 'shipments', ids[3:])
    binned = await history.recycle_bin(w, 'shipments')
    assert sorted(r['id'] for r in binned) == sorted(ids)
    assert {r['batch'] for r in binned if r['id'] in ids[:3]} == {batch}
    await records.restore_rows(w, 'shipments', [ids[3]])
    assert await history.restore_batch(w, 'shipments', batch) == 3
    assert await records.count_rows(w, 'shipments', RowQuery()) == 4
    events = [e['event'] for e in await history.row_timeline(w, 'shipments', ids[0])]
    assert events == ['新建', '删除', '恢复']                       # history intact
    with pytest.raises(PermissionDenied):
        await history.recycle_bin(actors['ops'], 'shipments')       # no delete right, no bin


async def test_purge_only_on_command(engine, actors):
    w = actors['warehouse']
    old = await records.create_row(w, 'shipments', {**SHIPMENT, 'order_no': 'OLD'})
    new = await records.create_row(w, 'shipments', {**SHIPMENT, 'order_no': 'NEW'})
    await records.delete_rows(w, 'shipments', [old['id'], new['id']])
    await db.row_model('shipments').filter(id=old['id']).update(deleted_at=NOW - timedelta(days=31))
    model = db.row_model('shipments')
    assert await model.all().count() == 2                  # nothing is purged by itself
    assert (await history.purge(30))['shipments'] == 1
    assert await model.filter(id=old['id']).count() == 0 and await model.filter(id=new['id']).count() == 1
    assert [e['event'] for e in await AuditEntry.filter(row_id=old['id'], register='shipments').order_by('id')
            .values('event')] == ['create', 'delete', 'purge']


async def test_backup_restore_round_trip(engine, actors, tmp_path):
    if not rt().settings.is_sqlite:
        with pytest.raises(PortalError, match='pg_dump'):
            backup.backup(rt().settings)
        return
    w = actors['warehouse']
    for i in range(5):
        await records.create_row(w, 'shipments', {**SHIPMENT, 'order_no': f'K-{i}'})
    before = await db.row_model('shipments').all().order_by('id').values('id', 'order_no', 'version')
    path = backup.backup(rt().settings, tmp_path / 'b.db')       # online: the engine keeps running
    assert sqlite3.connect(path).execute('PRAGMA integrity_check').fetchone()[0] == 'ok'
    await records.create_row(w, 'shipments', {**SHIPMENT, 'order_no': 'AFTER-BACKUP'})
    await db.close()
    kept = backup.restore(rt().settings, path)
    assert kept.exists()
    await db.connect(rt().settings.db_url, rt().catalog)
    assert await db.row_model('shipments').all().order_by('id').values('id', 'order_no', 'version') == before
    broken = tmp_path / 'broken.db'
    broken.write_bytes(b'SQLite format 3\x00' + b'\x00' * 200)
    with pytest.raises(PortalError):
        backup.restore(rt().settings, broken)


def test_restore_refuses_a_running_portal(tmp_path):
    from portal.config import Settings
    settings = Settings(data_dir=tmp_path, db_url=f'sqlite://{tmp_path / "portal.db"}')
    backup.mark_running(settings)
    with pytest.raises(PortalError, match='正在运行'):
        backup.restore(settings, tmp_path / 'whatever.db')
    backup.clear_running(settings)


async def test_concurrent_writers_lose_nothing(engine, actors):
    """≥50 tasks, several per row, each reads then writes with the version it saw: every write is applied or
    refused as a conflict; final values and versions agree with the audit trail."""
    w = actors['warehouse']
    rows = [await records.create_row(w, 'shipments', {**SHIPMENT, 'order_no': f'C-{i}'}) for i in range(8)]
    editors = [actors['warehouse'], actors['manager']]
    outcomes = {'applied': 0, 'conflict': 0}
    errors = []

    async def editor(n: int) -> None:
        rng = random.Random(n)
        for _ in range(4):
            target = rng.choice(rows)
            actor = editors[n % 2]
            try:
                current = await records.get_row(actor, 'shipments', target['id'])
                await asyncio.sleep(rng.random() / 200)
                value = rng.randint(1, 998)
                value += value >= current['quantity']          # always a change (an unchanged save writes nothing)
                await records.update_row(actor, 'shipments', target['id'], {'quantity': value},
                                         version=current['version'])
                outcomes['applied'] += 1
            except Conflict:
                outcomes['conflict'] += 1
            except Exception as exc:       # e.g. "database is locked" must never escape
                errors.append(repr(exc))
    await asyncio.gather(*(editor(n) for n in range(60)))
    assert errors == []
    assert outcomes['applied'] + outcomes['conflict'] == 240 and outcomes['conflict'] > 0
    for row in rows:
        final = (await db.row_model('shipments').filter(id=row['id']).values('quantity', 'version'))[0]
        updates = await AuditEntry.filter(register='shipments', row_id=row['id'], event='update').order_by(
            'id').values('new', 'version')
        assert final['version'] == 1 + len(updates)
        if updates:
            assert str(final['quantity']) == updates[-1]['new'] and updates[-1]['version'] == final['version']
        assert [u['version'] for u in updates] == list(range(2, 2 + len(updates)))
    applied = await AuditEntry.filter(register='shipments', event='update').count()
    assert applied == outcomes['applied']


async def test_paste_interrupted_half_way_leaves_the_register_as_it_was(engine, actors, monkeypatch):
    m = actors['manager']
    rows = [await records.create_row(m, 'shipments', {**SHIPMENT, 'order_no': f'P-{i}'}) for i in range(6)]
    before = await db.row_model('shipments').all().order_by('id').values('id', 'quantity', 'version')
    plan = await paste.plan_paste(m, 'shipments', '\n'.join(str(i + 10) for i in range(6)), start_row=0,
                                  start_col='quantity', columns=['order_no', 'quantity'],
                                  query={'sort': [{'colId': 'order_no', 'sort': 'asc'}]})
    assert len(plan.updates) == 6
    original = records.Writer.update
    calls = []

    async def failing(self, row_id, raw, version, old=None):
        calls.append(row_id)
        if len(calls) == 4:
            raise RuntimeError('the process died here')
        return await original(self, row_id, raw, version, old)
    monkeypatch.setattr(records.Writer, 'update', failing)
    with pytest.raises(RuntimeError):
        await paste.apply_paste(m, plan)
    assert await db.row_model('shipments').all().order_by('id').values('id', 'quantity', 'version') == before
    assert await AuditEntry.filter(register='shipments', event='update').count() == 0
    assert rows


async def test_history_shows_names_and_citations_not_stored_keys(engine, actors):
    from .test_rules import PENALTY
    m = actors['manager']
    row = await records.create_row(m, 'penalties', {**PENALTY, 'employee': 'designer'})
    await records.update_row(m, 'penalties', row['id'], {'employee': 'staff', 'clause': 'storage.shipping.1'},
                             version=row['version'])
    timeline = await history.row_timeline(m, 'penalties', row['id'])
    created, *changes = timeline
    assert '员工=赵美工' in created['new'] and 'designer' not in created['new']
    cited = rt().catalog.clause_label('storage.shipping.2')
    assert f'依据条款={cited}' in created['new'] and cited.startswith('《')
    by_field = {e['field']: e for e in changes}
    assert (by_field['员工']['old'], by_field['员工']['new']) == ('赵美工', '刘员工')
    assert by_field['依据条款']['new'] == rt().catalog.clause_label('storage.shipping.1')
    log = await history.change_log(m, register='penalties')
    assert all('storage.shipping' not in str(e['new']) and e['actor'] == '王经理' for e in log)
