"""Reading register rows for the records service: opening a register with the actor's rights, blocks of rows
sorted and filtered in the database, counts, one row, and what the grid shows beside the values. Every
call checks the actor's rights and row scope; hidden columns never leave. `records` re-exports these, so
callers keep one door to row data."""
from __future__ import annotations

from typing import Any

from . import access, db, query as rq, search, users
from .access import Actor
from .errors import NotFound, PermissionDenied, PortalError
from .fields import ValueContext
from .rules import engine as rules
from .runtime import rt
from .schema import FieldSpec, RegisterSchema, Rights

META_COLUMNS = ('id', 'version', 'checks', 'updated_by', 'updated_at')
LIST_COLUMNS = ('id', 'version', 'checks')


# --- opening a register ---------------------------------------------------------------------------------------

def register_of(key: str) -> RegisterSchema:
    register = rt().catalog.register(key)
    if register is None:
        raise NotFound('error.register_not_found', register=key)
    return register


def open_register(actor: Actor, key: str, action: str) -> tuple[RegisterSchema, Rights]:
    register = register_of(key)
    granted = access.require(rt().catalog, actor, register, action)
    return register, granted


async def value_context(actor: Actor | None) -> ValueContext:
    catalog = rt().catalog
    return ValueContext(today=rt().today(), now=rt().now(), user=actor.username if actor else None,
                        users=await users.directory(), clauses={c.id: c.heading for c in catalog.clauses.values()},
                        lang=actor.lang if actor else 'zh')


# --- reading --------------------------------------------------------------------------------------------------

async def list_rows(actor: Actor, key: str, query: rq.RowQuery) -> list[dict[str, Any]]:
    """One block of rows (visible columns only), sorted and filtered in the database."""
    register, granted = open_register(actor, key, 'view')
    ctx = await value_context(actor)
    visible = access.visible_fields(register, granted)
    qs = await _queryset(register, granted, actor, query, ctx)
    order = rq.order_by(query.sort, {f.name: f for f in visible}, register.default_sort)
    rows = await qs.order_by(*order).offset(query.start).limit(query.limit).values(
        *LIST_COLUMNS, *(f.name for f in visible))
    await decorate(register, granted, actor, rows)
    return rows


async def iter_rows(actor: Actor, key: str, query: rq.RowQuery, chunk: int, names: list[str]):
    """All rows of a query (exports), in chunks, as python values of the requested visible fields."""
    register, granted = open_register(actor, key, 'view')
    ctx = await value_context(actor)
    visible = {f.name: f for f in access.visible_fields(register, granted)}
    columns = [n for n in names if n in visible]
    qs = await _queryset(register, granted, actor, query, ctx)
    order = rq.order_by(query.sort, visible, register.default_sort)
    start = 0
    while True:
        rows = await qs.order_by(*order).offset(start).limit(chunk).values('id', *columns)
        if not rows:
            return
        yield rows
        if len(rows) < chunk:
            return
        start += chunk


async def count_rows(actor: Actor, key: str, query: rq.RowQuery) -> int:
    register, granted = open_register(actor, key, 'view')
    ctx = await value_context(actor)
    if query.quick.strip() and not (query.filter or query.queue or query.where) and \
            access.scope_q(register, granted, actor, ctx.today) is None:
        fast = await search.count_only(register, query.quick, db.dialect(), db.conn())
        if fast is not None:
            return fast
    return await (await _queryset(register, granted, actor, query, ctx)).count()


async def get_row(actor: Actor, key: str, row_id: int) -> dict[str, Any]:
    register, granted = open_register(actor, key, 'view')
    full = await _load(register, row_id)
    if not access.in_scope(register, granted, actor, full, rt().today()):
        raise PermissionDenied('perm.row')
    row = visible_row(register, granted, full)
    await decorate(register, granted, actor, [row])
    return row


async def _queryset(register: RegisterSchema, granted: Rights, actor: Actor, query: rq.RowQuery,
                    ctx: ValueContext):
    model = db.row_model(register.key)
    qs = model.filter(deleted_at__isnull=True)
    scope = access.scope_q(register, granted, actor, ctx.today)
    if scope is not None:
        qs = qs.filter(scope)
    visible = access.visible_fields(register, granted)
    by_name = {f.name: f for f in visible}
    if query.filter:
        qs = qs.filter(rq.filter_q(query.filter, by_name, ctx))
    if query.quick.strip():
        qs = await search.quick_filter(qs, register, rt().catalog, query.quick, visible, db.dialect(), db.conn())
    if query.queue:
        qs = qs.filter(queue_q(register, query.queue, actor, ctx))
    if query.where:
        qs = qs.filter(where_q(register, by_name, query.where, actor, ctx))
    return qs


async def scoped_queryset(actor: Actor, key: str, where: dict[str, Any] | None = None):
    """(register, rights, queryset) of the rows the actor may see, narrowed by a declared condition
    (dashboards and reports aggregate over this; a condition on a hidden field is refused)."""
    register, granted = open_register(actor, key, 'view')
    ctx = await value_context(actor)
    return register, granted, await _queryset(register, granted, actor, rq.RowQuery(where=where or None), ctx)


def queue_q(register: RegisterSchema, queue_id: str, actor: Actor, ctx: ValueContext):
    from . import conditions
    queue = next((q for q in register.queues if q.id == queue_id), None)
    if queue is None:
        raise PortalError('error.bad_query', detail=f'unknown queue {queue_id!r}')
    q = conditions.to_q(queue.filter, register, actor.username, ctx.today)
    if queue.overdue:
        q &= rules.overdue_q(register, queue.overdue, actor.username, ctx.today)
    return q


def where_q(register: RegisterSchema, visible: dict[str, FieldSpec], where: dict[str, Any], actor: Actor,
            ctx: ValueContext):
    """A condition from a link or the CLI: only over visible fields; problems refuse the query."""
    from . import conditions
    problems: list[str] = []
    conditions.check(where, register, lambda code, path, message, **kw: problems.append(message), 'where')
    hidden = [t.field for t in conditions.terms(where) if t.op != 'any' and t.field not in visible
              and t.field not in conditions.SYSTEM_FIELDS]
    if hidden:
        problems.append(f'unknown field {hidden[0]!r}')
    if problems:
        raise PortalError('error.bad_query', detail='; '.join(problems))
    return conditions.to_q(where, register, actor.username, ctx.today)


def visible_row(register: RegisterSchema, granted: Rights, full: dict[str, Any]) -> dict[str, Any]:
    row = {k: full.get(k) for k in META_COLUMNS}
    for spec in access.visible_fields(register, granted):
        row[spec.name] = full.get(spec.name)
    return row


async def decorate(register: RegisterSchema, granted: Rights, actor: Actor, rows: list[dict[str, Any]]) -> None:
    """Add what the grid needs beside the values: allowed status moves, overdue deadlines, ref titles."""
    catalog = rt().catalog
    admin = access.is_admin(catalog, actor)
    rctx = rules.context(catalog, actor, rt().today())
    wf = register.workflow
    has_deadlines = bool(rules.deadlines(register))
    for row in rows:
        if wf is not None and wf.field in row:
            row['_moves'] = rules.moves(register, actor, granted, row.get(wf.field), admin, row)
        if has_deadlines:
            row['_overdue'] = rules.overdue(register, row, rctx)
    for spec in access.visible_fields(register, granted):
        if spec.ref:
            await _ref_titles(spec, actor, rows)


async def _ref_titles(spec: FieldSpec, actor: Actor, rows: list[dict[str, Any]]) -> None:
    ids = {r[spec.name] for r in rows if r.get(spec.name) is not None}
    target = rt().catalog.register(spec.ref)
    titles: dict[int, str] = {}
    if ids and target is not None and access.can(rt().catalog, actor, target.key, 'view'):
        granted = access.rights(rt().catalog, actor, target.key)
        if target.title_field not in granted.hidden:
            qs = db.row_model(target.key).filter(id__in=ids, deleted_at__isnull=True)
            scope = access.scope_q(target, granted, actor, rt().today())
            if scope is not None:
                qs = qs.filter(scope)
            title_spec = target.field(target.title_field)
            for r in await qs.values('id', target.title_field):
                titles[r['id']] = title_spec.kind.text(r[target.title_field], title_spec)
    for row in rows:
        value = row.get(spec.name)
        if value is not None:
            row[f'{spec.name}__title'] = titles.get(value, f'#{value}')


async def _load(register: RegisterSchema, row_id: int, *, deleted: bool = False, using=None) -> dict[str, Any]:
    model = db.row_model(register.key)
    qs = model.filter(id=row_id, deleted_at__isnull=not deleted)
    if using is not None:
        qs = qs.using_db(using)
    rows = await qs.values()
    if not rows:
        raise NotFound('error.not_found', register=register.title(), row_id=row_id)
    return rows[0]
