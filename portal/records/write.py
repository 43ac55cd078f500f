"""The records service — the only door to row data. Every call takes the acting user, checks access,
validates with the field types and rules, bumps the row version, audits in the same transaction and emits
a change event after commit. A stale version is merged cell by cell: a save based on an older version goes in when
nobody changed the cells it changes since that version (the row is re-validated as it is now); otherwise it is
refused (Conflict, naming who changed that cell from what to what) — never overwritten."""
from __future__ import annotations

from typing import Any, Awaitable, Callable

from tortoise.exceptions import IntegrityError

from ..errors import Conflict, FieldProblem, PermissionDenied, PortalError, ValidationFailed
from ..events import ChangeEvent
from ..fields import FieldType, ValueContext
from ..people import access, users
from ..rules import engine as rules
from ..runtime import rt
from ..schema import Actor, RegisterSchema, Rights
from ..store import audit, db, search
from ..store.audit import Change
from .closing import guard as closed_month_guard
from .derived import Touched
from .derived import refresh as refresh_derived_sums
from .derived import touch as touch_derived
from .refs import resolve as resolve_refs
from .action_log import begin as begin_action
from .read import _load, decorate, open_register, register_of, value_context, visible_row
from .validation import duplicate_key, prepare_create, prepare_update, unique_problems

# --- writing --------------------------------------------------------------------------------------------------

class Writer:
    """The writes of one actor in one register inside one transaction: audit, action and events."""

    def __init__(self, actor: Actor, register: RegisterSchema, granted: Rights, ctx: ValueContext, tx, *,
                 source: str, action_id: str) -> None:
        self.actor, self.register, self.granted, self.ctx, self.tx = actor, register, granted, ctx, tx
        self.source, self.action_id = source, action_id
        self.model = db.row_model(register.key)
        self.events: list[ChangeEvent] = []
        self.audit: list[dict[str, Any]] = []      # written in one go before the transaction commits
        self.admin = access.is_admin(rt().catalog, actor)
        self.rctx = rules.context(rt().catalog, actor, ctx.today)      # one rule context for all its writes
        self.touched: Touched = {}     # keys of derived sums this writer's rows feed (recomputed at commit)
        self.closed: set[str] | None = None     # the closed months (月结), read once per transaction

    def _scope_guard(self, row: dict[str, Any]) -> None:
        if not access.in_scope(self.register, self.granted, self.actor, row, self.ctx.today):
            raise PermissionDenied('perm.row')

    async def create(self, raw: dict[str, Any]) -> dict[str, Any]:
        register = self.register
        await resolve_refs(register, [raw], self.ctx)
        row, problems = prepare_create(register, self.granted, self.actor, raw, self.ctx)
        if problems:
            raise ValidationFailed(problems)
        self._scope_guard(row)        # before the key: a row outside one's scope learns nothing of the rows there
        await closed_month_guard(self, None, row)
        if problems := await unique_problems(register, row, row, None, self.tx):
            raise ValidationFailed(problems)
        now = self.ctx.now
        try:
            obj = await self.model.create(using_db=self.tx, version=1, created_by=self.actor.username,
                                          created_at=now, updated_by=self.actor.username, updated_at=now, checks={},
                                          **row)
        except IntegrityError as exc:       # a concurrent create took the key between our check and insert
            raise ValidationFailed([_taken(register, row)]) from exc
        self.audit.extend(audit.entries(actor=self.actor.username, register=register.key, row_id=obj.id,
                                       event='create', changes=[Change(None, None, row_json(register, row))],
                                        source=self.source, action_id=self.action_id, version=1, at=now))
        self.events.append(ChangeEvent(register.key, (obj.id,), 'create', self.actor.username))
        touch_derived(self.touched, register, [row])
        return {'id': obj.id, 'version': 1, **row, 'checks': {}, 'updated_by': self.actor.username, 'updated_at': now}

    async def create_many(self, rows: list[dict[str, Any]],
                          written: Callable[[int], Awaitable[None]] | None = None) -> list[int]:
        """Insert prepared rows (already parsed, computed and checked) in bulk, with one audit entry each;
        `written(n)` hears how many rows are in."""
        if not rows:
            return []
        for row in rows:
            self._scope_guard(row)
            await closed_month_guard(self, None, row)
        now, who = self.ctx.now, self.actor.username
        ids = await db.reserve_ids(self.register.key, len(rows), self.tx)
        system = {'version': 1, 'created_by': who, 'created_at': now, 'updated_by': who, 'updated_at': now,
                  'deleted_at': None, 'deleted_by': None, 'delete_batch': None, 'checks': {}}
        names = [f.name for f in self.register.fields]
        fields = set(names)      # prepared rows hold every field (defaults included): then they go in as they are
        if any('checks' in row for row in rows):      # rows brought in with their checklist ticks (an import)
            del system['checks']
            values = [{**{n: row.get(n) for n in names}, 'checks': row.get('checks') or {}} for row in rows]
        else:
            values = rows if all(row.keys() == fields for row in rows) else [{n: row.get(n) for n in names}
                                                                             for row in rows]
        async with await search.paused(self.register, rt().catalog, self.tx, db.dialect()) as index:
            await db.bulk_insert(self.model, values, self.tx, fixed=system, ids=ids, written=written)
            indexing = await index(ids)      # the search index fills in the database's thread…
            to_json = json_forms(self.register)
            self.audit.extend({'at': now, 'actor': who, 'register': self.register.key, 'row_id': row_id,
                               'event': 'create', 'field': None, 'old': None, 'new': audit.encode(to_json(row)),
                               'source': self.source, 'action_id': self.action_id, 'version': 1}
                              for row_id, row in zip(ids, rows))     # …while the audit entries are made here
            await indexing
        self.events.append(ChangeEvent(self.register.key, tuple(ids[:1000]), 'create', who))
        touch_derived(self.touched, self.register, rows)
        return ids

    async def update(self, row_id: int, raw: dict[str, Any], version: int | None,
                     old: dict[str, Any] | None = None) -> dict[str, Any]:
        """`old` may be given when the caller loaded the full row in this request (a paste plan): the version
        check in the UPDATE still refuses it if the row changed since."""
        register = self.register
        if old is None or old.get('version') != version or old.get('id') != row_id:
            old = await _load(register, row_id, using=self.tx)
        self._scope_guard(old)
        if version is not None and version != old['version']:
            await _merge_or_refuse(register, self.granted, old, version, set(raw), self.tx)
        await resolve_refs(register, [raw], self.ctx)
        row, changed, problems = prepare_update(register, self.granted, self.actor, old, raw, self.ctx, self.rctx)
        if problems:
            raise ValidationFailed(problems)
        if not changed:
            return old
        self._scope_guard(row)
        await closed_month_guard(self, old, row)
        if problems := await unique_problems(register, row, changed, row_id, self.tx):
            raise ValidationFailed(problems)
        return await self._write(old, {n: row[n] for n in changed}, 'update')

    async def set_check(self, row_id: int, item_id: str, checked: bool, version: int | None) -> dict[str, Any]:
        item = next((c for c in self.register.row_checklist if c.id == item_id), None)
        if item is None:
            raise PortalError('error.unknown_field', field=item_id)
        old = await _load(self.register, row_id, using=self.tx)
        self._scope_guard(old)
        if version is not None and version != old['version']:
            await _merge_or_refuse(self.register, self.granted, old, version, {f'checklist.{item_id}'}, self.tx)
        rules.guard_locked(self.register, old, [item_id])
        await closed_month_guard(self, old, old)
        checks = dict(old.get('checks') or {})
        if bool(checks.get(item_id)) == checked:
            return old
        if checked:
            checks[item_id] = {'by': self.actor.username, 'at': self.ctx.now.strftime('%Y-%m-%d %H:%M')}
        else:
            checks.pop(item_id, None)
        was = bool((old.get('checks') or {}).get(item_id))
        return await self._write(old, {'checks': checks}, 'check', [Change(f'checklist.{item_id}', was, checked)])

    async def _write(self, old: dict[str, Any], values: dict[str, Any], event: str,
                     changes: list[Change] | None = None) -> dict[str, Any]:
        register = self.register
        version = old['version'] + 1
        now = self.ctx.now
        try:
            count = await db.update_where_version(self.model, old['id'], old['version'], {
                'version': version, 'updated_by': self.actor.username, 'updated_at': now, **values}, self.tx)
        except IntegrityError as exc:
            raise ValidationFailed([FieldProblem(field='', key='value.unique', params={'value': str(exc)[:80]})])
        if count < 1:   # (SQLite counts the search-index trigger's changes too, so more than 1 is fine)
            raise await _conflict(register, self.granted, await _load(register, old['id']), old['version'])
        if changes is None:
            changes = [Change(n, register.field(n).kind.to_json(old.get(n), register.field(n)),
                              register.field(n).kind.to_json(v, register.field(n))) for n, v in values.items()]
        self.audit.extend(audit.entries(actor=self.actor.username, register=register.key, row_id=old['id'],
                                        event=event, changes=changes, source=self.source, action_id=self.action_id,
                                        version=version, at=now))
        self.events.append(ChangeEvent(register.key, (old['id'],), 'update', self.actor.username,
                                       tuple(c.field or '' for c in changes)))
        touch_derived(self.touched, register, [old, values], values)
        return {**old, **values, 'version': version, 'updated_by': self.actor.username, 'updated_at': now}

    async def delete(self, ids: list[int], batch: str) -> int:
        now = self.ctx.now
        done = 0
        for row_id in ids:
            old = await _load(self.register, row_id, using=self.tx)
            self._scope_guard(old)
            rules.guard_locked(self.register, old)
            await closed_month_guard(self, old, old)
            await self.model.filter(id=row_id).using_db(self.tx).update(
                deleted_at=now, deleted_by=self.actor.username, delete_batch=batch, version=old['version'] + 1)
            self.audit.extend(audit.entries(actor=self.actor.username, register=self.register.key, row_id=row_id,
                                            event='delete', changes=[Change(None, None, batch)], source=self.source,
                                            action_id=self.action_id, version=old['version'] + 1, at=now))
            touch_derived(self.touched, self.register, [old])
            done += 1
        self.events.append(ChangeEvent(self.register.key, tuple(ids), 'delete', self.actor.username))
        return done

    async def restore(self, ids: list[int]) -> int:
        now = self.ctx.now
        for row_id in ids:
            old = await _load(self.register, row_id, deleted=True, using=self.tx)
            self._scope_guard(old)
            await closed_month_guard(self, old, old)
            problems = await unique_problems(self.register, old, [f.name for f in self.register.fields], row_id,
                                             self.tx)
            if problems:
                raise ValidationFailed(problems)
            await self.model.filter(id=row_id).using_db(self.tx).update(
                deleted_at=None, deleted_by=None, delete_batch=None, version=old['version'] + 1,
                updated_by=self.actor.username, updated_at=now)
            self.audit.extend(audit.entries(actor=self.actor.username, register=self.register.key, row_id=row_id,
                                            event='restore', changes=[Change(None, old['delete_batch'], None)],
                                            source=self.source, action_id=self.action_id,
                                            version=old['version'] + 1, at=now))
            touch_derived(self.touched, self.register, [old])
        self.events.append(ChangeEvent(self.register.key, tuple(ids), 'restore', self.actor.username))
        return len(ids)


def _taken(register: RegisterSchema, row: dict[str, Any]) -> FieldProblem:
    """The problem of a row the database's unique index refused (the transaction is over: nothing more is read)."""
    if register.natural_key and all(row.get(n) is not None for n in register.natural_key):
        return duplicate_key(register, row, None)
    return FieldProblem(field='', key='value.unique', params={'value': ''})


def row_json(register: RegisterSchema, row: dict[str, Any]) -> dict[str, Any]:
    """A row's field values in their JSON forms (the audit keeps created rows like this)."""
    return json_forms(register)(row)


def json_forms(register: RegisterSchema) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """`row_json` for many rows: the types whose JSON form is the value itself are not called per cell."""
    forms = [(f.name, None if type(f.kind).to_json is FieldType.to_json else f.kind.to_json, f)
             for f in register.fields]

    def convert(row: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for name, to_json, spec in forms:
            value = row.get(name)
            if value is not None:
                out[name] = value if to_json is None else to_json(value, spec)
        return out
    return convert


async def _conflict(register: RegisterSchema, granted: Rights, current: dict[str, Any], seen: int) -> Conflict:
    at = current.get('updated_at')
    login = current.get('updated_by') or '?'
    return Conflict('error.conflict', current=visible_row(register, granted, current),
                    by=(await users.directory()).get(login, login),
                    at=at.strftime('%Y-%m-%d %H:%M:%S') if at else '?',
                    version=current['version'], seen=seen)


async def _merge_or_refuse(register: RegisterSchema, granted: Rights, current: dict[str, Any], seen: int,
                           fields: set[str], tx) -> None:
    """A save made on version `seen` of a row that is now at a later one: fine when the audit trail shows every
    change since `seen` and none of them touched `fields`; else a Conflict about the cell someone else changed."""
    if seen > current['version'] or seen < 1:
        raise Conflict('error.version_unknown', seen=seen, version=current['version'],
                       current=visible_row(register, granted, current))
    since = await audit.changes_since(register.key, current['id'], seen, using=tx)
    if {entry['version'] for entry in since} != set(range(seen + 1, current['version'] + 1)):
        raise await _conflict(register, granted, current, seen)        # a gap: the trail cannot vouch for it
    clash = next((e for e in reversed(since) if e['field'] is None or e['field'] in fields), None)
    if clash is None:
        return
    spec = register.field(clash['field'] or '')
    if spec is None:
        raise await _conflict(register, granted, current, seen)

    def shown(value: Any) -> str:
        return spec.kind.text(value, spec) or '(空)'
    raise Conflict('error.cell_conflict', current=visible_row(register, granted, current),
                   by=(await users.directory()).get(clash['actor'], clash['actor']), label=spec.title('zh'),
                   label_en=spec.title('en'),
                   at=clash['at'].strftime('%Y-%m-%d %H:%M:%S'), old=shown(clash['old']), new=shown(clash['new']),
                   version=current['version'], seen=seen, field=spec.name)


class session:
    """`async with records.session(actor, key, 'edit', source='paste', kind='paste') as w:` — one transaction,
    one undoable action; events are published after commit."""

    def __init__(self, actor: Actor, key: str, action: str, *, source: str, kind: str | None = None,
                 summary: str = '', action_id: str | None = None, clear_redo: bool = True,
                 granted: Rights | None = None) -> None:
        self.actor, self.key, self.action, self.source = actor, key, action, source
        self.kind, self.summary, self.action_id = kind or source, summary, action_id
        self.clear_redo, self.granted = clear_redo, granted       # rights the caller already computed

    async def __aenter__(self) -> Writer:
        if self.actor.preview:
            raise PermissionDenied('perm.preview')
        await db.settled()        # a cell edit by websocket while a schema switch re-initialises the connections waits
        if self.granted is None:
            register, granted = open_register(self.actor, self.key, self.action)
        else:
            register, granted = register_of(self.key), self.granted
            if self.action not in granted.actions:
                access.require(rt().catalog, self.actor, register, self.action)      # raises the refusal
        ctx = await value_context(self.actor)
        self._tx_cm = db.transaction()
        tx = await self._tx_cm.__aenter__()
        try:
            action_id = self.action_id or await begin_action(self.actor.username, self.key, self.kind,
                                                              self.summary, tx, clear_redo=self.clear_redo)
        except BaseException as exc:
            await self._tx_cm.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        self.writer = Writer(self.actor, register, granted, ctx, tx, source=self.source, action_id=action_id)
        return self.writer

    async def __aexit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            try:
                # derived sums of the keys written, then the audit: the same transaction as the changes
                self.writer.events += await refresh_derived_sums(self.writer.touched, self.writer.tx,
                                                            self.actor.username)
                await audit.save(self.writer.audit, self.writer.tx)
            except BaseException as error:
                await self._tx_cm.__aexit__(type(error), error, error.__traceback__)
                raise
        await self._tx_cm.__aexit__(exc_type, exc, tb)
        if exc_type is None:
            for event in self.writer.events:
                await rt().bus.publish(event)
        return False


# --- the simple entry points ----------------------------------------------------------------------------------

async def create_row(actor: Actor, key: str, values: dict[str, Any], *, source: str = 'form') -> dict[str, Any]:
    async with session(actor, key, 'create', source=source, kind='create') as w:
        row = await w.create(values)
    return await _shown(w, row)


async def update_row(actor: Actor, key: str, row_id: int, changes: dict[str, Any], *, version: int | None,
                     source: str = 'grid') -> dict[str, Any]:
    """Change cells of one row. `version` is what the caller saw (None only for trusted system callers)."""
    register = register_of(key)
    granted = access.rights(rt().catalog, actor, key)      # once for the whole save
    action = 'approve' if _is_approval(register, granted, changes) else 'edit'
    if action == 'approve' and set(changes) != {register.workflow.field}:
        raise PermissionDenied('perm.action', register=register.title(actor.lang), action='编辑')
    async with session(actor, key, action, source=source, kind='edit', granted=granted) as w:
        row = await w.update(row_id, changes, version)
    return await _shown(w, row)


async def update_with_checks(actor: Actor, key: str, row_id: int, changes: dict[str, Any], checks: dict[str, bool],
                             *, version: int | None, source: str = 'api') -> dict[str, Any]:
    """Tick or untick checklist items, then change cells (a move that needs those items), in one transaction and
    one undoable action: all of it or nothing, audited as the grid audits each part."""
    granted = access.rights(rt().catalog, actor, key)
    async with session(actor, key, 'edit', source=source, kind='edit', granted=granted) as w:     # ticks need edit
        row = None
        for item_id, checked in checks.items():
            row = await w.set_check(row_id, item_id, bool(checked), version)
            version = row['version']
        if changes:
            row = await w.update(row_id, changes, version)
    return await _shown(w, row)


async def set_check(actor: Actor, key: str, row_id: int, item_id: str, checked: bool, *,
                    version: int | None) -> dict[str, Any]:
    async with session(actor, key, 'edit', source='checklist', kind='check') as w:
        row = await w.set_check(row_id, item_id, checked, version)
    return await _shown(w, row)


async def delete_rows(actor: Actor, key: str, ids: list[int], *, source: str = 'grid') -> str:
    """Soft-delete rows as one batch (restorable from the recycle bin); returns the batch id."""
    async with session(actor, key, 'delete', source=source, kind='delete') as w:
        await w.delete(list(dict.fromkeys(ids)), w.action_id)
        return w.action_id


async def restore_rows(actor: Actor, key: str, ids: list[int], *, source: str = 'grid') -> int:
    async with session(actor, key, 'delete', source=source, kind='restore') as w:
        return await w.restore(list(dict.fromkeys(ids)))


async def _shown(writer: Writer, full: dict[str, Any]) -> dict[str, Any]:
    """The written row as its writer sees it now — what reading it back would give, without reading it back (only
    its id when the writer may not view it, or the row left the writer's scope)."""
    register, granted, actor = writer.register, writer.granted, writer.actor
    if 'view' not in granted.actions or not access.in_scope(register, granted, actor, full, writer.ctx.today):
        return {'id': full['id']}
    row = visible_row(register, granted, full)
    await decorate(register, granted, actor, [row], writer.rctx)
    return row


def _is_approval(register: RegisterSchema, granted: Rights, changes: dict[str, Any]) -> bool:
    """A status change by a transition declared as an approval needs the approve right instead of edit."""
    wf = register.workflow
    if wf is None or wf.field not in changes:
        return False
    targets = [t for t in wf.transitions if t.target == changes[wf.field]]
    return bool(targets) and all(t.action == 'approve' for t in targets) and 'approve' in granted.actions \
        and 'edit' not in granted.actions
