"""Role × register × action matrix over every shipped role and register: each allowed action works through
the services, each refused one raises PermissionDenied and changes nothing; hidden columns never appear;
row scopes hold when another row's id is requested directly."""
from __future__ import annotations

import random

import pytest

from portal import records
from portal.catalog.load import load_catalog
from portal.errors import PermissionDenied, PortalError, ValidationFailed
from portal.people import access
from portal.runtime import rt
from portal.schema import Actor
from portal.store import db
from portal.store.models import AuditEntry
from portal.store.query import RowQuery
from seed.demo import _context, demo_row, seed
from seed.registers import REALISM

from .conftest import SCHEMAS, TEST_USERS

SHIPPED, _ = load_catalog(SCHEMAS)
ROLES = sorted(SHIPPED.roles)                              # whatever roles and registers the schemas declare
REGISTERS = [r.key for r in SHIPPED.ordered()]
ROW_ACTIONS = ['view', 'create', 'edit', 'delete', 'approve']


def only(role: str) -> Actor:
    """A user holding exactly one role (the matrix is per role)."""
    username = role if role in TEST_USERS else 'staff'
    return Actor(username=username, display_name=role, roles=(role,))


async def _snapshot(key: str) -> tuple:
    model = db.row_model(key)
    rows = await model.all().order_by('id').values('id', 'version', 'deleted_at')
    return tuple((r['id'], r['version'], r['deleted_at']) for r in rows), await AuditEntry.filter(
        register=key).count()


async def _visible_row(actor: Actor, key: str) -> dict | None:
    """A row the actor sees that is not settled (rows in a locked workflow state refuse edits and deletes)."""
    try:
        rows = await records.list_rows(actor, key, RowQuery(limit=50))
    except PermissionDenied:
        return None
    wf = rt().catalog.register(key).workflow
    open_rows = [r for r in rows if wf is None or r.get(wf.field) not in wf.locked]
    return (open_rows or rows or [None])[0]


async def _any_row(key: str) -> dict:
    return (await db.row_model(key).filter(deleted_at__isnull=True).order_by('id').limit(1).values())[0]


def _edit_value(spec, current):
    kind = spec.kind
    if kind.name in ('text', 'longtext') and not spec.pattern and not spec.unique and spec.max_length != 20:
        return 'matrix-test' if current != 'matrix-test' else 'matrix-test-2'
    if kind.input_kind == 'checkbox':
        return not bool(current)
    if kind.input_kind == 'date' and not spec.required:
        return rt().today().isoformat()
    return None


async def _try(action: str, actor: Actor, key: str) -> None:
    """Perform one action as `actor`; raise whatever the services raise."""
    register = rt().catalog.register(key)
    granted = access.rights(rt().catalog, actor, key)
    target = await _visible_row(actor, key) if 'view' in granted.actions else None
    target = target or await _any_row(key)
    if action == 'view':
        rows = await records.list_rows(actor, key, RowQuery(limit=20))
        assert rows, f'{actor.roles} sees no rows in {key}'
        await records.get_row(actor, key, rows[0]['id'])
    elif action == 'create':
        ctx = _context(rt().catalog, rt().today(), {u: {'roles': r} for u, (_, r) in TEST_USERS.items()})
        for spec in register.fields:        # a required link names a row that exists
            if spec.ref:
                ctx['ref_ids'][spec.ref] = [(await _any_row(spec.ref))['id']]
        row = demo_row(register, random.Random(7), 9000, ctx, REALISM.get(key))
        values = {}
        for spec in access.visible_fields(register, granted):
            if access.writable(spec, granted) and row.get(spec.name) is not None and not spec.kind.holds_state:
                values[spec.name] = spec.kind.to_json(row[spec.name], spec)
        for scope in granted.scopes:
            if scope.own:
                values[scope.own] = actor.username
        await records.create_row(actor, key, values)
    elif action == 'edit':
        for spec in access.visible_fields(register, granted) or register.fields:
            value = _edit_value(spec, target.get(spec.name))
            if value is not None and (access.writable(spec, granted) or 'edit' not in granted.actions):
                saved = await records.update_row(actor, key, target['id'], {spec.name: value},
                                                 version=target['version'])
                assert spec.kind.to_json(saved[spec.name], spec) == value
                return
        pytest.fail(f'no editable field found for {actor.roles} in {key}')
    elif action == 'delete':
        await records.delete_rows(actor, key, [target['id']])
        await records.restore_rows(actor, key, [target['id']])
    elif action == 'approve':
        await _approve(actor, register, target)


async def _approve(actor: Actor, register, target: dict) -> None:
    wf = register.workflow
    approvals = [t for t in wf.transitions if t.action == 'approve'] if wf else []
    if not approvals:
        raise PermissionDenied('perm.action', register=register.key, action='approve')
    tr = next((t for t in approvals if not t.roles or set(t.roles) & set(actor.roles)), approvals[0])
    model = db.row_model(register.key)
    source = next(s for s in tr.source if s != '*')
    checks = {c.id: {'by': 'admin', 'at': '2026-11-27 09:00'} for c in register.row_checklist}
    await model.filter(id=target['id']).update(**{wf.field: source}, checks=checks)
    fresh = (await model.filter(id=target['id']).values())[0]
    changes = {wf.field: tr.target}
    for _ in range(3):
        try:
            await records.update_row(actor, register.key, target['id'], changes, version=fresh['version'])
            return
        except ValidationFailed as exc:   # fill what the rules ask for at this state (an approver, say)
            needed = [p.field for p in exc.problems if p.field and p.field != wf.field]
            if not needed:
                raise
            for name in needed:
                spec = register.field(name)
                changes[name] = actor.username if spec.kind.holds_user else spec.kind.demo(
                    random.Random(1), spec, {'today': rt().today(), 'users': [actor.username], 'clauses': ['x']})
                if not spec.kind.holds_user:
                    changes[name] = spec.kind.to_json(changes[name], spec)


def _declared(role: str, key: str) -> frozenset[str]:
    spec = rt().catalog.roles[role]
    if spec.admin:
        return frozenset(access.ALL_ACTIONS)
    rights = spec.registers.get(key) or spec.registers.get('*')
    return rights.actions if rights else frozenset()


@pytest.fixture
async def seeded(engine, actors):
    await seed(rt().catalog, rows=30)
    # make sure each own-scoped role has rows of its own
    settled = {'penalties': '已生效', 'rewards': '已生效', 'targets': '已批准', 'appraisals': '已评定'}   # staff's scope
    for key in ('attendance', 'penalties', 'rewards', 'targets', 'appraisals'):
        model = db.row_model(key)
        natural = rt().catalog.register(key).natural_key
        rows = await model.all().order_by('id').values('id', *natural)
        keys = {tuple(r[n] for n in natural) for r in rows}
        ids = []
        for r in rows:           # rows that become staff's without repeating a key the database already has
            mine = tuple('staff' if n == 'employee' else r[n] for n in natural)
            if mine not in keys and len(ids) < 2:
                keys.add(mine)
                ids.append(r['id'])
        await model.filter(id__in=ids).update(employee='staff')
        await model.filter(id__in=ids[:2]).update(status=settled[key]) if key in settled else None
    return engine


@pytest.mark.parametrize('role', ROLES)
async def test_matrix(seeded, role):
    actor = only(role)
    for key in REGISTERS:
        declared = _declared(role, key)
        for action in ROW_ACTIONS:
            before = await _snapshot(key)
            if action in declared and (action != 'approve' or rt().catalog.register(key).workflow and any(
                    t.action == 'approve' and (not t.roles or role in t.roles or role == 'admin')
                    for t in rt().catalog.register(key).workflow.transitions)):
                await _try(action, actor, key)
            else:
                with pytest.raises(PermissionDenied):
                    await _try(action, actor, key)
                assert await _snapshot(key) == before, f'{role} {action} {key} changed something'


@pytest.mark.parametrize('role', ROLES)
async def test_hidden_columns_never_leave_the_server(seeded, role):
    actor = only(role)
    for key in REGISTERS:
        granted = access.rights(rt().catalog, actor, key)
        if 'view' not in granted.actions:
            continue
        rows = await records.list_rows(actor, key, RowQuery(limit=100))
        for row in rows:
            assert not (set(row) & granted.hidden), (role, key)
        if rows:
            one = await records.get_row(actor, key, rows[0]['id'])
            assert not (set(one) & granted.hidden)
        for name in granted.hidden:   # nor can they be probed by filtering or sorting
            with pytest.raises(PortalError):
                await records.list_rows(actor, key, RowQuery.parse({'sort': [{'colId': name, 'sort': 'asc'}]}))
            with pytest.raises(PortalError):
                await records.count_rows(actor, key, RowQuery.parse(
                    {'filter': {name: {'filterType': 'text', 'type': 'blank'}}}))


async def test_own_rows_scope_by_direct_id(seeded):
    staff = only('staff')
    mine = {r['id'] for r in await records.list_rows(staff, 'attendance', RowQuery(limit=1000))}
    assert mine and all(r['employee'] == 'staff' for r in await records.list_rows(staff, 'attendance', RowQuery()))
    other = await db.row_model('attendance').exclude(employee='staff').first().values('id', 'version')
    before = await _snapshot('attendance')
    with pytest.raises(PermissionDenied):
        await records.get_row(staff, 'attendance', other['id'])
    with pytest.raises(PermissionDenied):
        await records.update_row(staff, 'attendance', other['id'], {'remark': 'x'}, version=other['version'])
    assert await _snapshot('attendance') == before


async def test_condition_scope(seeded):
    designer = only('designer')
    rows = await records.list_rows(designer, 'goods_receipts', RowQuery(limit=1000))
    assert rows and all(r['inspection'] in ('合格', '部分不合格') for r in rows)
    hidden = await db.row_model('goods_receipts').filter(inspection='不合格').first().values('id')
    if hidden:
        with pytest.raises(PermissionDenied):
            await records.get_row(designer, 'goods_receipts', hidden['id'])


def test_roles_follow_the_regulations(engine):
    """The shipped roles.toml gives each role its part (仓储 → warehouse, 客服 → returns/complaints, …)."""
    catalog = rt().catalog
    assert {'create', 'edit'} <= _declared('warehouse', 'goods_receipts')
    assert {'create', 'edit'} <= _declared('warehouse', 'shipments')
    assert {'create', 'edit'} <= _declared('cs', 'returns') and {'create', 'edit'} <= _declared('cs', 'complaints')
    assert 'view' not in _declared('warehouse', 'penalties') and 'view' not in _declared('cs', 'attendance')
    assert 'approve' in _declared('manager', 'penalties') and 'approve' in _declared('manager', 'attendance')
    for role in ('ops', 'cs', 'designer', 'warehouse', 'staff'):
        assert 'approve' not in _declared(role, 'penalties') and 'approve' not in _declared(role, 'attendance')
    staff = catalog.roles['staff'].registers
    assert staff['attendance'].scopes[0].own == 'employee' and staff['penalties'].scopes[0].own == 'employee'
    approvals = [t for t in catalog.register('penalties').workflow.transitions if t.action == 'approve']
    escalated = [t for t in approvals if t.source == ('待上级审批',)]       # 上级: the general manager, not the IT admin
    assert escalated and all(t.roles == ('leader',) for t in escalated) and not catalog.roles['leader'].admin
    assert all(t.roles == ('manager',) for t in approvals if t not in escalated)
