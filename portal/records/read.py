"""Reading register rows for the records service: opening a register with the actor's rights, blocks of rows
sorted and filtered in the database, counts, one row, and what the grid shows beside the values. Every
call checks the actor's rights and row scope; hidden columns never leave. `records` re-exports these, so
callers keep one door to row data."""
from __future__ import annotations

from typing import Any

from ..errors import NotFound, PermissionDenied, PortalError
from ..fields import ValueContext
from ..fields.normalize import to_date
from ..people import access, users
from ..rules import conditions
from ..rules import engine as rules
from ..runtime import rt
from ..schema import Actor, FieldSpec, RegisterSchema, Rights
from ..store import db, keyset, search
from ..store import query as rq

META_COLUMNS = ('id', 'version', 'checks', 'updated_by', 'updated_at')
LIST_COLUMNS = ('id', 'version', 'checks')
# From this row on a block is read in two steps: the ids (an index holds the sort key and the id, so the rows
# skipped are never read; PostgreSQL: an index-only scan on a vacuumed table, 115 → 8 ms for rows 30,000–30,100
# of 1M), then those rows. SQLite reads only the index for skipped rows anyway.
DEEP_BLOCK = 1000


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
    block = qs.order_by(*order).offset(query.start).limit(query.limit)
    columns = (*LIST_COLUMNS, *(f.name for f in visible))
    if query.start < DEEP_BLOCK:
        rows = await block.values(*columns)
    else:       # skip the rows before from the index alone, then read the block's rows by id
        ids = await block.values_list('id', flat=True)
        found = {r['id']: r for r in await db.row_model(key).filter(id__in=ids, deleted_at__isnull=True)
                 .values(*columns)}
        rows = [found[i] for i in ids if i in found]
    await decorate(register, granted, actor, rows)
    return rows


async def iter_rows(actor: Actor, key: str, query: rq.RowQuery, chunk: int, names: list[str]):
    """All rows of a query (exports), in chunks, as python values of the requested visible fields."""
    register, granted = open_register(actor, key, 'view')
    ctx = await value_context(actor)
    visible = {f.name: f for f in access.visible_fields(register, granted)}
    columns = [n for n in names if n in visible] + (['checks'] if 'checks' in names and register.row_checklist
                                                     else [])      # the checklist ticks, for their columns
    qs = await _queryset(register, granted, actor, query, ctx)
    order = rq.order_by(query.sort, visible, register.default_sort)
    async for rows in keyset.walk(qs, order, chunk, columns, db.dialect()):     # the grid's order, row by row
        yield rows


async def count_rows(actor: Actor, key: str, query: rq.RowQuery) -> int:
    register, granted = open_register(actor, key, 'view')
    ctx = await value_context(actor)
    if query.quick.strip() and not (query.filter or query.queue or query.where) and \
            access.scope_q(register, granted, actor, ctx.today) is None:
        fast = await search.count_only(register, query.quick, db.dialect(), db.conn(),
                                       await search_aliases(actor, register, query.quick, ctx))
        if fast is not None:
            return fast
    return await (await _queryset(register, granted, actor, query, ctx)).count()


async def search_aliases(actor: Actor, register: RegisterSchema, text: str, ctx: ValueContext
                         ) -> dict[str, list[str]]:
    """What a quick-search word may also be stored as: the logins of people whose display name contains it, the
    ids of clauses whose citation contains it, the date a typed date means (11-28, 2026/11/28 -> 2026-11-28), the
    ids of linked rows (in registers the actor may view) whose title contains it."""
    catalog = rt().catalog
    fields = search.searchable(register, catalog)
    kinds = {f.kind.name for f in fields}
    links = [f for f in fields if f.kind.name == 'ref' and access.can(catalog, actor, f.ref, 'view')]
    aliases: dict[str, list[str]] = {}
    for word in search.words(text):
        found = []
        for spec in links:
            target = catalog.register(spec.ref)
            if target is not None and target.title_field:
                ids = await db.row_model(spec.ref).filter(deleted_at__isnull=True, **{
                    f'{target.title_field}__icontains': word}).limit(50).values_list('id', flat=True)
                found += [search.exact_number(i) for i in ids]
        if 'user' in kinds and ctx.users:
            found += [search.exact(login) for login, name in ctx.users.items() if word in name.lower()]
        if 'clause' in kinds:
            found += [search.exact(cid) for cid in catalog.clauses
                      if word in catalog.clause_label(cid, ctx.lang).lower()]
        if kinds & {'date', 'datetime'} and (any(c in word for c in '-/年月') or len(word) == 8) and \
                (day := to_date(word, ctx.today.year)) and day.isoformat() != word:
            found.append(day.isoformat())
        if found:
            aliases[word] = found[:50]
    return aliases


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
        qs = await search.quick_filter(qs, register, rt().catalog, query.quick, visible, db.dialect(), db.conn(),
                                       await search_aliases(actor, register, query.quick, ctx))
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
    problems: list[str] = []
    conditions.check(where, register, lambda code, path, message, **kw: problems.append(message), 'where')
    hidden = [t.field for t in conditions.terms(where) if t.op != 'any' and t.field not in visible
              and t.field not in conditions.SYSTEM_FIELDS]
    if hidden:
        problems.append(f"unknown field '{hidden[0]}'")        # (the same words as a field that does not exist)
    if problems:
        raise PortalError('error.bad_query', detail='; '.join(dict.fromkeys(problems)))
    return conditions.to_q(where, register, actor.username, ctx.today)


def visible_row(register: RegisterSchema, granted: Rights, full: dict[str, Any]) -> dict[str, Any]:
    row = {k: full.get(k) for k in META_COLUMNS}
    for spec in access.visible_fields(register, granted):
        row[spec.name] = full.get(spec.name)
    return row


async def decorate(register: RegisterSchema, granted: Rights, actor: Actor, rows: list[dict[str, Any]],
                   rctx=None) -> None:
    """Add what the grid needs beside the values: allowed status moves, overdue deadlines, ref titles."""
    catalog = rt().catalog
    admin = access.is_admin(catalog, actor)
    rctx = rctx or rules.context(catalog, actor, rt().today())
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


LOOKUP_CHUNK = 5000      # values per IN (...) (SQLite allows 32766 parameters, PostgreSQL 32767)


async def live_rows_with(register: RegisterSchema, field: str, values: list[Any]) -> list[dict[str, Any]]:
    """Full live rows whose `field` holds one of `values` (an import matching its rows by their keys; not
    scoped: the caller checks each row's scope), looked up in chunks by the field's index."""
    model = db.row_model(register.key)
    found: list[dict[str, Any]] = []
    for start in range(0, len(values), LOOKUP_CHUNK):
        found += await model.filter(**{f'{field}__in': values[start:start + LOOKUP_CHUNK]},
                                    deleted_at__isnull=True).values()
    return found


async def taken_values(register: RegisterSchema, field: str, values: list[Any]) -> set[Any]:
    """Which of `values` a live row already holds in `field` (unique fields of new rows)."""
    model = db.row_model(register.key)
    taken: set[Any] = set()
    for start in range(0, len(values), LOOKUP_CHUNK):
        taken |= set(await model.filter(deleted_at__isnull=True, **{
            f'{field}__in': values[start:start + LOOKUP_CHUNK]}).values_list(field, flat=True))
    return taken
