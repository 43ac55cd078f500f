"""Fill registers with deterministic demo rows and create one demo user per role."""
from __future__ import annotations

import os
import random
import secrets
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

from portal import records
from portal.people.access import SYSTEM
from portal.rules import engine as rules
from portal.rules.calendar import CompanyCalendar
from portal.runtime import rt
from portal.schema import Catalog, RegisterSchema
from portal.store import db, stats
from portal.store.models import User

from .registers import REALISM

# about three months of a small shop: ~11 parcels a day, a return rate of a few percent, two months of attendance
DEFAULT_ROWS = {'shipments': 1000, 'returns': 60, 'complaints': 150, 'attendance': 7 * 60, 'penalties': 80,
                'stock_items': 120, 'replenishments': 60, 'stockouts': 60, 'price_changes': 60, 'promotions': 60,
                'cs_handovers': 120, 'reviews': 60, 'cashbacks': 120, 'listings': 100,
                'targets': 60, 'rewards': 60, 'appraisals': 60}
DEFAULT_COUNT = 300
SEED = 20261127

# username, display name, roles — one per shipped role (everyone but the admin is also an employee)
DEMO_USERS = [
    ('admin', '系统管理员', ['admin']),
    ('leader', '周总经理', ['leader']),
    ('manager', '王经理', ['manager', 'staff']),
    ('ops', '李运营', ['ops', 'staff']),
    ('cs', '张客服', ['cs', 'staff']),
    ('designer', '赵美工', ['designer', 'staff']),
    ('warehouse', '陈仓管', ['warehouse', 'staff']),
    ('staff', '刘员工', ['staff']),
    ('promoter', '孙推广', ['promoter', 'staff']),
    ('analyst', '郑分析', ['analyst', 'staff']),
    ('supervisor', '吴主管', ['supervisor', 'cs', 'staff']),
]


async def ensure_demo_users(catalog: Catalog) -> list[tuple[str, str, str]]:
    """On a database without users, create the demo users; returns (login, password, roles) to print once.
    PORTAL_DEMO_PASSWORD sets one known password for all of them (tests, screenshots)."""
    if await User.exists():
        return []
    from portal.people import users
    fixed = os.environ.get('PORTAL_DEMO_PASSWORD')
    created = []
    for username, name, roles in DEMO_USERS:
        roles = [r for r in roles if r in catalog.roles]
        password = fixed or secrets.token_urlsafe(9)
        await users.create_user(None, username=username, display_name=name, password=password, roles=roles)
        created.append((username, password, ','.join(roles)))
    return created


async def seed(catalog: Catalog, *, rows: int | None = None, only: list[str] | None = None, seed_value: int = SEED,
               today: date | None = None, batch: int = 2000, validate: bool = True, using=None) -> dict[str, int]:
    """Add demo rows to each register (or `only` some); `rows` overrides the per-register default. `using`: one
    transaction for all of it (a first start seeds all or nothing); without it each batch commits on its own."""
    today = today or rt().today()
    directory = {u['username']: u for u in await User.all().using_db(using).values('username', 'roles')}
    ctx = _context(catalog, today, directory)
    counts = {}
    order = sorted(catalog.registers.values(), key=lambda r: (any(f.ref for f in r.fields), r.order))
    if only:        # a row that must link to another needs that register to have rows
        only = list(only) + [f.ref for key in only for f in catalog.registers[key].fields
                             if f.ref and f.required and not await db.row_model(f.ref).exists()]
    referenced = {f.ref for r in catalog.registers.values() for f in r.fields if f.ref}
    for register in order:
        if only and register.key not in only:
            continue
        n = rows if rows is not None else DEFAULT_ROWS.get(register.key, DEFAULT_COUNT)
        counts[register.key] = await _seed_register(register, n, ctx, seed_value, batch, validate, using)
        ctx['ref_ids'][register.key] = [r['id'] for r in await db.row_model(register.key).all().using_db(using)
                                        .limit(500).values('id')]
        if register.key in referenced:       # rows that link here may copy what they link to (a receipt's date)
            ctx['ref_rows'][register.key] = await db.row_model(register.key).filter(
                deleted_at__isnull=True).using_db(using).order_by('id').limit(500).values()
    if using is None:
        await refresh_stats(counts)
    return counts


async def refresh_stats(counts: dict[str, int]) -> None:
    """After demo rows went in (committed): derived sums from scratch — the rows went in beside the service — and
    the planner statistics the product keeps after any bulk load."""
    await records.refresh_derived()
    for key, count in counts.items():      # the product keeps its statistics after any bulk load, demo rows too
        await stats.after_write(key, count)


def _context(catalog: Catalog, today: date, directory: dict[str, dict]) -> dict[str, Any]:
    def having(role: str) -> list[str]:
        return [u for u, d in directory.items() if role in d['roles']] or list(directory) or ['system']
    staff = [u for u, d in directory.items() if 'staff' in d['roles']] or list(directory) or ['system']
    return {'today': today, 'users': list(directory) or ['system'], 'staff_users': staff,
            'cs_users': having('cs'), 'ops_user': having('ops')[0], 'manager_user': having('manager')[0],
            'leader_user': having('leader')[0],
            'clauses': sorted(catalog.clauses) or ['-'], 'ref_ids': {}, 'ref_rows': {}, 'days': 90,
            'company_calendar': next((p for p in catalog.policies.values() if isinstance(p, CompanyCalendar)), None),
            'roles': {u: list(d['roles']) for u, d in directory.items()}}


async def _seed_register(register: RegisterSchema, n: int, ctx: dict, seed_value: int, batch: int,
                         validate: bool, using=None) -> int:
    model = db.row_model(register.key)
    start = await model.all().using_db(using).count()
    rng = random.Random(f'{seed_value}:{register.key}:{start}')     # a later call continues, not repeats
    vctx = await records.value_context(SYSTEM)
    rctx = rules.context(rt().catalog, SYSTEM, ctx['today'])
    realism = REALISM.get(register.key)
    now = rt().now()
    pending, written = [], 0
    audit_rows: list[dict] = []
    taken = await _keys(register, using)
    for i in range(start, start + n):
        row = _fresh_row(register, rng, i, ctx, realism, taken)
        if row is None:
            continue
        row.update(rules.compute(register, row, rctx))
        if validate and not _repair(register, row, rng, ctx, vctx, rctx):
            continue          # a row the schema's rules do not let us make valid: left out, never written broken
        author = row.pop('_author', None) or _author(register, row, ctx)
        pending.append(model(version=1, created_by=author, created_at=now, updated_by=author, updated_at=now,
                             checks=row.pop('_checks', None) or _ticks(register, row, author, now), **row))
        if len(pending) >= batch:
            written += await _flush(model, pending, register, audit_rows if validate else None, now, using)
    written += await _flush(model, pending, register, audit_rows if validate else None, now, using)
    return written


def _author(register: RegisterSchema, row: dict, ctx: dict) -> str:
    for name in ('recorded_by', 'shipper', 'owner'):
        if row.get(name):
            return row[name]
    users = [row[f.name] for f in register.fields if f.kind.holds_user and row.get(f.name)]
    return users[0] if users else ctx['users'][0]


def _repair(register: RegisterSchema, row: dict, rng: random.Random, ctx: dict, vctx, rctx, tries: int = 40) -> bool:
    """Make a demo row satisfy the register's constraints and rules by drawing again the values a problem names
    (within the bounds of its range rules); False when it cannot be done."""
    names = [f.name for f in register.fields]
    wf = register.workflow
    bounds = _rule_bounds(register)
    for _ in range(tries):
        problems = records.check_row(register, row, names, vctx, SYSTEM)
        if not problems:
            return True
        fixable = {p.field for p in problems if register.field(p.field) is not None
                   and not register.field(p.field).computed and (wf is None or p.field != wf.field)}
        if not fixable:
            return False
        for name in fixable:
            spec = register.field(name)
            row[name] = _draw(spec, rng, ctx, bounds.get(name))
        row.update(rules.compute(register, row, rctx))
    return False


def _rule_bounds(register: RegisterSchema) -> dict[str, tuple]:
    out = {}
    for rule in register.rules:
        p = rule.params
        if rule.kind in ('range', 'authority_limit') and getattr(p, 'field', None):
            out[p.field] = (getattr(p, 'min', None), getattr(p, 'max', None))
    return out


def _draw(spec, rng: random.Random, ctx: dict, bounds: tuple | None = None):
    """A value for one field (never empty), within a range rule's bounds when it has one."""
    if bounds is not None and spec.kind.filter_kind == 'number':
        low = bounds[0] if bounds[0] is not None else spec.min
        high = bounds[1] if bounds[1] is not None else spec.max
        spec = replace(spec, min=low, max=high)
    value = spec.kind.demo(rng, spec, ctx)
    return f'{value}-{rng.randrange(10**6):06d}' if spec.unique and isinstance(value, str) else value


def _walk(register: RegisterSchema, row: dict, rng: random.Random, ctx: dict, now) -> None:
    """A generic row's state, reached from the initial state through declared moves: each move's required
    checklist items are ticked and its `set` values filled, as the move in the grid would."""
    wf = register.workflow
    state, visited = wf.initial, [wf.initial]
    mover = ctx['users'][0]
    for move in wf.transitions:       # what a move fills stays empty until the row makes that move
        for name in move.sets:
            row[name] = None
    for _ in range(rng.randint(0, len(wf.states))):
        moves = wf.moves_from(state)
        if not moves:
            break
        move = rng.choice(moves)
        movers = [u for u, roles in ctx.get('roles', {}).items() if not move.roles or set(roles) & set(move.roles)]
        mover = rng.choice(movers or ctx['users'])
        if move.not_by and row.get(move.not_by) == mover:
            others = [u for u in ctx['users'] if u != mover]
            if not others:
                break
            row[move.not_by] = rng.choice(others)
        for name, value in move.sets.items():
            if row.get(name) in (None, ''):
                spec = register.field(name)
                row[name] = {'$me': mover, '$now': now, '$today': ctx['today']}.get(value, value) \
                    if isinstance(value, str) else value
                if spec is not None and spec.kind.storage == 'date' and value == '$now':
                    row[name] = ctx['today']
        state = move.target
        visited.append(state)
    row[wf.field] = state
    stamp = {'by': mover, 'at': now.strftime('%Y-%m-%d %H:%M')}
    row['_checks'] = {c.id: stamp for c in register.row_checklist if set(c.required_for) & set(visited)}
    row['_author'] = mover


async def _keys(register: RegisterSchema, using=None) -> set[tuple] | None:
    """The natural keys of the live rows already there (None: the register has no key)."""
    if not register.natural_key:
        return None
    rows = await db.row_model(register.key).filter(deleted_at__isnull=True).using_db(using).values_list(
        *register.natural_key)
    return {tuple(r) if len(register.natural_key) > 1 else (r,) for r in rows}


def _fresh_row(register: RegisterSchema, rng: random.Random, i: int, ctx: dict, realism, taken: set | None,
               tries: int = 20) -> dict[str, Any] | None:
    """A demo row whose natural key no live row has yet (the database enforces it); None after `tries` draws."""
    for _ in range(tries):
        row = demo_row(register, rng, i, ctx, realism)
        if taken is None:
            return row
        key = tuple(row.get(n) for n in register.natural_key)
        if key not in taken:
            taken.add(key)
            return row
    return None


def demo_row(register: RegisterSchema, rng: random.Random, i: int, ctx: dict, realism=None) -> dict[str, Any]:
    row = {}
    for spec in register.fields:
        row[spec.name] = None if spec.computed or (not spec.required and rng.random() < 0.15) \
            else spec.kind.demo(rng, spec, ctx)
        if spec.unique and isinstance(row[spec.name], str):
            row[spec.name] = f'{row[spec.name]}-{i:06d}'       # unique fields get unique demo values
    if register.workflow is not None:
        row[register.workflow.field] = register.workflow.initial
        if realism is None:           # a register added by file: its states come from its own workflow
            _walk(register, row, rng, ctx, datetime.combine(ctx['today'], time(10)))
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


async def _flush(model, pending: list, register: RegisterSchema, audit_rows: list | None, now, using=None) -> int:
    """Insert a batch; demo rows (not benchmark volumes) also get their 'create' entry in the audit trail."""
    if not pending:
        return 0
    count = len(pending)
    if using is not None:
        await _insert(model, pending, register, audit_rows, now, using)
    else:
        async with db.transaction() as tx:
            await _insert(model, pending, register, audit_rows, now, tx)
    pending.clear()
    return count


async def _insert(model, pending: list, register: RegisterSchema, audit_rows: list | None, now, tx) -> None:
    from portal.records import row_json
    from portal.store import audit
    ids = await db.reserve_ids(register.key, len(pending), tx)
    columns = ['id', 'version', 'created_by', 'created_at', 'updated_by', 'updated_at', 'checks',
               *(f.name for f in register.fields)]
    for obj, row_id in zip(pending, ids):
        obj.id = row_id
    await db.bulk_insert(model, [{c: getattr(obj, c) for c in columns} for obj in pending], tx)
    if audit_rows is not None:
        await audit.save([{'at': now, 'actor': obj.created_by, 'register': register.key, 'row_id': obj.id,
                           'event': 'create', 'field': None, 'old': None,
                           'new': audit.encode(row_json(register, {f.name: getattr(obj, f.name)
                                                                   for f in register.fields})),
                           'source': 'system', 'action_id': None, 'version': 1} for obj in pending], tx)
