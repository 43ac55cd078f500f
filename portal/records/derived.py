"""Derived sums kept right: a `derived_sum` rule's field (stock on hand = Σ receipts − Σ shipments + Σ returns per
货号) is a real column of the target register, so a grid sorts, filters and pages it like any other column with its
indexes. Every write through the records service notes the keys it touched (old and new key of each source or
target row); before the transaction commits, the sums of those keys are computed again from the sources in the
database (GROUP BY over the keys, by the sources' own key indexes) and written to the targets — the same
transaction as the source write, so the value is never seen out of step. Recomputing the touched keys (rather than
adding deltas) means a missed path cannot leave drift behind: `refresh_all` rebuilds every key (demo seed, repair)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from tortoise.functions import Sum

from ..events import ChangeEvent
from ..rules.conditions import terms, to_q
from ..rules.derived import flag
from ..runtime import rt
from ..schema import Catalog, RegisterSchema
from ..store import db

CHUNK = 500      # keys per IN (…) list

Touched = dict[tuple[str, int], set]     # (target register, rule index) → key values


def _plan(catalog: Catalog) -> dict[str, list[tuple[str, int, str, frozenset[str]]]]:
    """register → [(target register, rule index, the field of that register holding the key, the fields whose change
    can move the sum)] for every derived sum the register feeds or holds. Cached on the catalog object (frozen: a
    reload makes a new one)."""
    cached = catalog.__dict__.get('_derived_plan')
    if cached is not None:
        return cached
    plan: dict[str, list[tuple[str, int, str, frozenset[str]]]] = defaultdict(list)
    for register in catalog.registers.values():
        for i, rule in enumerate(register.rules):
            if rule.kind != 'derived_sum' or rule.params is None or isinstance(rule.params, dict):
                continue
            plan[register.key].append((register.key, i, rule.params.key, frozenset({rule.params.key})))
            for source in rule.params.sources:
                plan[source.source].append((register.key, i, source.match,
                                            frozenset({source.match, source.value, *_fields(source.when or {})})))
    plan = dict(plan)
    catalog.__dict__['_derived_plan'] = plan
    return plan


def _fields(condition: dict[str, Any]) -> set[str]:
    """The fields a condition reads (inside `any` alternatives too)."""
    out: set[str] = set()
    for term in terms(condition):
        if term.op == 'any':
            for alternative in term.value:
                out |= _fields(alternative)
        else:
            out.add(term.field)
    return out


def touch(touched: Touched, register: RegisterSchema, rows: Iterable[dict[str, Any] | None],
          changed: Iterable[str] | None = None) -> None:
    """Note the keys these rows (old and new forms of written rows) hold in the derived sums they take part in;
    with `changed` (an update), only the sums one of those fields can move (a new receiver moves no stock)."""
    feeds = _plan(rt().catalog).get(register.key)
    if not feeds:
        return
    rows = [r for r in rows if r]
    changed = None if changed is None else set(changed)
    for target, index, field, moves in feeds:
        if changed is not None and not changed & moves:
            continue
        keys = touched.setdefault((target, index), set())
        keys.update(r.get(field) for r in rows if r.get(field) is not None)


async def refresh(touched: Touched, tx, actor: str) -> list[ChangeEvent]:
    """Recompute the touched keys' sums inside the writer's transaction; events for the target rows that changed
    (client None: the page that made the source write shows the target too when it is open on it)."""
    events = []
    catalog = rt().catalog
    for (target, index), keys in touched.items():
        if not keys:
            continue
        register = catalog.registers[target]
        changed = await _recompute(register, register.rules[index].params, keys, tx)
        if changed:
            p = register.rules[index].params
            events.append(ChangeEvent(target, tuple(changed[:1000]), 'update', actor,
                                      (p.field,) + ((p.flag,) if p.flag else ()), client=None))
    return events


async def refresh_all(catalog: Catalog | None = None, *, only_missing: bool = False) -> int:
    """Every derived sum of every register, from scratch (after a bulk load that bypassed the service); returns
    how many target rows changed. `only_missing`: only where a live row has no value yet (a derived field added
    to a register that already has rows — what start-up and a schema reload check)."""
    catalog = catalog or rt().catalog
    done = 0
    for register in catalog.registers.values():
        for rule in register.rules:
            if rule.kind == 'derived_sum':
                if only_missing and not await db.row_model(register.key).filter(
                        deleted_at__isnull=True, **{f'{rule.params.field}__isnull': True}).exists():
                    continue
                async with db.transaction() as tx:
                    done += len(await _recompute(register, rule.params, None, tx))
    return done


async def _recompute(register: RegisterSchema, p, keys: set | None, tx) -> list[int]:
    ordered = None if keys is None else sorted(keys, key=str)        # once: sorting per chunk was quadratic
    chunks = [None] if ordered is None else [ordered[i:i + CHUNK] for i in range(0, len(ordered), CHUNK)]
    changed: list[int] = []
    for chunk in chunks:
        await _lock(register, p, chunk, tx)      # before the sums: they must see what the lock waited for
        query = db.row_model(register.key).filter(deleted_at__isnull=True)
        if chunk is not None:
            query = query.filter(**{f'{p.key}__in': chunk})
        names = ['id', p.key, p.field] + ([p.flag, p.at_most] if p.flag else [])
        rows = await query.using_db(tx).values(*names)
        if not rows:             # no target row holds these keys (movements of items nobody keeps): nothing to sum
            continue
        totals = await _totals(p, chunk if chunk is None else sorted({r[p.key] for r in rows}, key=str), tx)
        updates = []
        for row in rows:
            total = totals.get(row[p.key], 0)
            new_flag = flag(total, row[p.at_most]) if p.flag else None
            if row[p.field] != total or (p.flag and row[p.flag] != new_flag):
                updates.append((row['id'], total, new_flag))
        await _write(register, p, updates, tx)
        changed.extend(u[0] for u in updates)
    return changed


LOCK_SLOTS = 256       # a power of two


async def _lock(register: RegisterSchema, p, keys: list | None, tx) -> None:
    """PostgreSQL: one transaction-scoped advisory lock per (target register, key), taken in key order (two writers
    never wait on each other crosswise). Two transactions writing movements of one 货号 at once would otherwise
    each sum without the other's row and the later UPDATE would win; with the lock the second waits, and its sums
    (a fresh snapshot per statement under READ COMMITTED) include the first one's committed rows. A lock on the key,
    not on the target row, also covers a stock item created while its first receipt is written. SQLite writers are
    serialised already (BEGIN IMMEDIATE); a full recompute (no keys) locks the target rows."""
    if db.dialect() == 'sqlite':
        return
    table = db.row_model(register.key)._meta.db_table
    if keys is None:
        await tx.execute_query(f'SELECT "id" FROM "{table}" WHERE "deleted_at" IS NULL ORDER BY "id" FOR UPDATE')
        return
    # keys fall into LOCK_SLOTS slots per target (a collision only makes two writers take turns): an import of
    # 100,000 货号 takes at most LOCK_SLOTS locks, within PostgreSQL's lock table (one lock per key ran out of it)
    await tx.execute_query('SELECT count(pg_advisory_xact_lock(hashtext($2), s)) FROM (SELECT DISTINCT '
                           '(hashtextextended(k, 0) & $3)::int AS s FROM unnest($1::text[]) AS k ORDER BY 1) AS slots',
                           [[str(key) for key in keys], f'derived:{table}', LOCK_SLOTS - 1])


async def _totals(p, keys: list | None, tx) -> dict[Any, int]:
    catalog = rt().catalog
    totals: dict[Any, int] = defaultdict(int)
    for source in p.sources:
        other = catalog.registers[source.source]
        query = db.row_model(source.source).filter(deleted_at__isnull=True)
        if source.when:
            query = query.filter(to_q(source.when, other, None, rt().today()))
        if keys is not None:
            query = query.filter(**{f'{source.match}__in': keys})
        rows = await query.using_db(tx).annotate(total=Sum(source.value)).group_by(source.match).values(
            source.match, 'total')
        for row in rows:
            totals[row[source.match]] += source.sign * int(row['total'] or 0)
    return totals


async def _write(register: RegisterSchema, p, updates: list[tuple[int, int, bool | None]], tx) -> None:
    """The derived columns only: no version bump (nobody types them, so no edit can be overwritten by them)."""
    if not updates:
        return
    table = db.row_model(register.key)._meta.db_table
    sqlite = db.dialect() == 'sqlite'
    marks = ['?', '?', '?'] if sqlite else ['$1', '$2', '$3']
    if p.flag:
        sql = f'UPDATE "{table}" SET "{p.field}" = {marks[0]}, "{p.flag}" = {marks[1]} WHERE "id" = {marks[2]}'
        values = [[total, flagged, row_id] for row_id, total, flagged in updates]
    else:
        sql = f'UPDATE "{table}" SET "{p.field}" = {marks[0]} WHERE "id" = {marks[1]}'
        values = [[total, row_id] for row_id, total, _ in updates]
    if len(values) == 1:
        await tx.execute_query(sql, values[0])
    else:
        await tx.execute_many(sql, values)
