"""Fill registers with deterministic demo rows and create one demo user per role."""
from __future__ import annotations

import os
import random
import secrets
from datetime import date
from typing import Any

from portal import db, records
from portal.access import SYSTEM
from portal.models import User
from portal.rules import engine as rules
from portal.runtime import rt
from portal.schema import Catalog, RegisterSchema

from .registers import REALISM

# about three months of a small shop: ~11 parcels a day, a return rate of a few percent, two months of attendance
DEFAULT_ROWS = {'shipments': 1000, 'returns': 60, 'complaints': 150, 'attendance': 7 * 60, 'penalties': 80}
DEFAULT_COUNT = 300
SEED = 20261127

# username, display name, roles — one per shipped role (everyone but the admin is also an employee)
DEMO_USERS = [
    ('admin', '系统管理员', ['admin']),
    ('manager', '王经理', ['manager', 'staff']),
    ('ops', '李运营', ['ops', 'staff']),
    ('cs', '张客服', ['cs', 'staff']),
    ('designer', '赵美工', ['designer', 'staff']),
    ('warehouse', '陈仓管', ['warehouse', 'staff']),
    ('staff', '刘员工', ['staff']),
]


async def ensure_demo_users(catalog: Catalog) -> list[tuple[str, str, str]]:
    """On a database without users, create the demo users; returns (login, password, roles) to print once.
    PORTAL_DEMO_PASSWORD sets one known password for all of them (tests, screenshots)."""
    if await User.exists():
        return []
    from portal import users
    fixed = os.environ.get('PORTAL_DEMO_PASSWORD')
    created = []
    for username, name, roles in DEMO_USERS:
        roles = [r for r in roles if r in catalog.roles]
        password = fixed or secrets.token_urlsafe(9)
        await users.create_user(None, username=username, display_name=name, password=password, roles=roles)
        created.append((username, password, ','.join(roles)))
    return created


async def seed(catalog: Catalog, *, rows: int | None = None, only: list[str] | None = None, seed_value: int = SEED,
               today: date | None = None, batch: int = 2000, validate: bool = True) -> dict[str, int]:
    """Add demo rows to each register (or `only` some); `rows` overrides the per-register default."""
    today = today or rt().today()
    directory = {u['username']: u for u in await User.all().values('username', 'roles')}
    ctx = _context(catalog, today, directory)
    counts = {}
    order = sorted(catalog.registers.values(), key=lambda r: (any(f.ref for f in r.fields), r.order))
    for register in order:
        if only and register.key not in only:
            continue
        n = rows if rows is not None else DEFAULT_ROWS.get(register.key, DEFAULT_COUNT)
        counts[register.key] = await _seed_register(register, n, ctx, seed_value, batch, validate)
        ctx['ref_ids'][register.key] = [r['id'] for r in await db.row_model(register.key).all().limit(500).values(
            'id')]
    return counts


def _context(catalog: Catalog, today: date, directory: dict[str, dict]) -> dict[str, Any]:
    def having(role: str) -> list[str]:
        return [u for u, d in directory.items() if role in d['roles']] or list(directory) or ['system']
    staff = [u for u, d in directory.items() if 'staff' in d['roles']] or list(directory) or ['system']
    return {'today': today, 'users': list(directory) or ['system'], 'staff_users': staff,
            'cs_users': having('cs'), 'ops_user': having('ops')[0], 'manager_user': having('manager')[0],
            'clauses': sorted(catalog.clauses) or ['-'], 'ref_ids': {}, 'days': 90}


async def _seed_register(register: RegisterSchema, n: int, ctx: dict, seed_value: int, batch: int,
                         validate: bool) -> int:
    model = db.row_model(register.key)
    start = await model.all().count()
    rng = random.Random(f'{seed_value}:{register.key}:{start}')     # a later call continues, not repeats
    vctx = await records.value_context(SYSTEM)
    rctx = rules.context(rt().catalog, SYSTEM, ctx['today'])
    realism = REALISM.get(register.key)
    now = rt().now()
    pending, written = [], 0
    audit_rows: list[dict] = []
    for i in range(start, start + n):
        row = demo_row(register, rng, i, ctx, realism)
        row.update(rules.compute(register, row, rctx))
        if validate:
            problems = records.check_row(register, row, [f.name for f in register.fields], vctx, SYSTEM)
            if problems:
                raise AssertionError(f'demo row {i} of {register.key} breaks a rule: '
                                     f'{[(p.field, p.message()) for p in problems]}')
        author = row.get('recorded_by') or row.get('shipper') or row.get('owner') or 'system'
        pending.append(model(version=1, created_by=author, created_at=now, updated_by=author, updated_at=now,
                             checks=_ticks(register, row, author, now), **row))
        if len(pending) >= batch:
            written += await _flush(model, pending, register, audit_rows if validate else None, now)
    written += await _flush(model, pending, register, audit_rows if validate else None, now)
    return written


def demo_row(register: RegisterSchema, rng: random.Random, i: int, ctx: dict, realism=None) -> dict[str, Any]:
    row = {}
    for spec in register.fields:
        row[spec.name] = None if spec.computed or (not spec.required and rng.random() < 0.15) \
            else spec.kind.demo(rng, spec, ctx)
        if spec.unique and isinstance(row[spec.name], str):
            row[spec.name] = f'{row[spec.name]}-{i:06d}'       # unique fields get unique demo values
    if register.workflow is not None:
        row[register.workflow.field] = register.workflow.initial
    if realism is not None:
        realism(row, rng, i, ctx)
    return {k: (None if v == '' else v) for k, v in row.items()}     # empty text is stored as NULL, as input is


def _ticks(register: RegisterSchema, row: dict, author: str, now) -> dict:
    """Tick the checklist items a row in its state must have ticked (and most others)."""
    wf = register.workflow
    state = row.get(wf.field) if wf else None
    stamp = {'by': author, 'at': now.strftime('%Y-%m-%d %H:%M')}
    ticks = {}
    for item in register.row_checklist:
        needed = state in item.required_for or (wf is not None and _beyond(wf, state, item.required_for))
        if needed:
            ticks[item.id] = stamp
    return ticks


def _beyond(wf, state, required_for) -> bool:
    """A row in a later state has passed the gates of earlier ones."""
    if state not in wf.states:
        return False
    position = wf.states.index(state)
    return any(s in wf.states and wf.states.index(s) < position for s in required_for)


async def _flush(model, pending: list, register: RegisterSchema, audit_rows: list | None, now) -> int:
    """Insert a batch; demo rows (not benchmark volumes) also get their 'create' entry in the audit trail."""
    if not pending:
        return 0
    count = len(pending)
    async with db.transaction() as tx:
        ids = await db.reserve_ids(register.key, count, tx)
        columns = ['id', 'version', 'created_by', 'created_at', 'updated_by', 'updated_at', 'checks',
                   *(f.name for f in register.fields)]
        for obj, row_id in zip(pending, ids):
            obj.id = row_id
        await db.bulk_insert(model, [{c: getattr(obj, c) for c in columns} for obj in pending], tx)
        if audit_rows is not None:
            from portal import audit
            from portal.records import row_json
            await audit.save([{'at': now, 'actor': obj.created_by, 'register': register.key, 'row_id': obj.id,
                               'event': 'create', 'field': None, 'old': None,
                               'new': audit.encode(row_json(register, {f.name: getattr(obj, f.name)
                                                                       for f in register.fields})),
                               'source': 'system', 'action_id': None, 'version': 1} for obj in pending], tx)
    pending.clear()
    return count
