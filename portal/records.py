"""The records service — the only door to row data. Every call takes the acting user, checks access,
validates with the field types and rules, bumps the row version, audits in the same transaction and emits
a change event after commit. A stale version is refused (Conflict), never overwritten."""
from __future__ import annotations

from typing import Any, Callable

from tortoise.exceptions import IntegrityError

from . import access, actions, audit, db, search, users
from .access import Actor
from .audit import Change
from .errors import Conflict, FieldProblem, PermissionDenied, PortalError, ValidationFailed
from .events import ChangeEvent
from .fields import FieldType, ValueContext
from .rules import engine as rules
from .runtime import rt
from .schema import RegisterSchema, Rights
from .validation import (Preparer, check_row, parse_values, prepare_create, prepare_update,  # noqa: F401
                         unique_problems, with_computed)
from .reads import (LIST_COLUMNS, META_COLUMNS, _load, count_rows, decorate, get_row,  # noqa: F401
                    iter_rows, list_rows, open_register, queue_q, register_of, scoped_queryset, value_context,
                    visible_row, where_q)


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

    def _scope_guard(self, row: dict[str, Any]) -> None:
        if not access.in_scope(self.register, self.granted, self.actor, row, self.ctx.today):
            raise PermissionDenied('perm.row')

    async def create(self, raw: dict[str, Any]) -> dict[str, Any]:
        register = self.register
        row, problems = prepare_create(register, self.granted, self.actor, raw, self.ctx)
        problems += await unique_problems(register, row, row, None, self.tx)
        if problems:
            raise ValidationFailed(problems)
        self._scope_guard(row)
        now = self.ctx.now
        obj = await self.model.create(using_db=self.tx, version=1, created_by=self.actor.username, created_at=now,
                                      updated_by=self.actor.username, updated_at=now, checks={}, **row)
        self.audit.extend(audit.entries(actor=self.actor.username, register=register.key, row_id=obj.id,
                                       event='create', changes=[Change(None, None, row_json(register, row))],
                                        source=self.source, action_id=self.action_id, version=1, at=now))
        self.events.append(ChangeEvent(register.key, (obj.id,), 'create', self.actor.username))
        return {'id': obj.id, 'version': 1, **row, 'checks': {}}

    async def create_many(self, rows: list[dict[str, Any]]) -> list[int]:
        """Insert prepared rows (already parsed, computed and checked) in bulk, with one audit entry each."""
        if not rows:
            return []
        for row in rows:
            self._scope_guard(row)
        now, who = self.ctx.now, self.actor.username
        ids = await db.reserve_ids(self.register.key, len(rows), self.tx)
        system = {'version': 1, 'created_by': who, 'created_at': now, 'updated_by': who, 'updated_at': now,
                  'deleted_at': None, 'deleted_by': None, 'delete_batch': None, 'checks': {}}
        names = [f.name for f in self.register.fields]
        fields = set(names)      # prepared rows hold every field (defaults included): then they go in as they are
        values = rows if all(row.keys() == fields for row in rows) else [{n: row.get(n) for n in names} for row in rows]
        async with await search.paused(self.register, rt().catalog, self.tx, db.dialect()) as indexed:
            await db.bulk_insert(self.model, values, self.tx, fixed=system, ids=ids)
            indexed(ids)
        to_json = json_forms(self.register)
        self.audit.extend({'at': now, 'actor': who, 'register': self.register.key, 'row_id': row_id, 'event': 'create',
                           'field': None, 'old': None, 'new': audit.encode(to_json(row)),
                           'source': self.source, 'action_id': self.action_id, 'version': 1}
                          for row_id, row in zip(ids, rows))
        self.events.append(ChangeEvent(self.register.key, tuple(ids[:1000]), 'create', who))
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
            raise await _conflict(register, self.granted, old, version)
        row, changed, problems = prepare_update(register, self.granted, self.actor, old, raw, self.ctx)
        problems += await unique_problems(register, row, changed, row_id, self.tx)
        if problems:
            raise ValidationFailed(problems)
        if not changed:
            return visible_row(register, self.granted, old)
        self._scope_guard(row)
        return await self._write(old, {n: row[n] for n in changed}, 'update')

    async def set_check(self, row_id: int, item_id: str, checked: bool, version: int | None) -> dict[str, Any]:
        item = next((c for c in self.register.row_checklist if c.id == item_id), None)
        if item is None:
            raise PortalError('error.unknown_field', field=item_id)
        old = await _load(self.register, row_id, using=self.tx)
        self._scope_guard(old)
        if version is not None and version != old['version']:
            raise await _conflict(self.register, self.granted, old, version)
        rules.guard_locked(self.register, old, [item_id])
        checks = dict(old.get('checks') or {})
        if bool(checks.get(item_id)) == checked:
            return visible_row(self.register, self.granted, old)
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
        new = {**old, **values, 'version': version, 'updated_by': self.actor.username, 'updated_at': now}
        return visible_row(register, self.granted, new)

    async def delete(self, ids: list[int], batch: str) -> int:
        now = self.ctx.now
        done = 0
        for row_id in ids:
            old = await _load(self.register, row_id, using=self.tx)
            self._scope_guard(old)
            rules.guard_locked(self.register, old)
            await self.model.filter(id=row_id).using_db(self.tx).update(
                deleted_at=now, deleted_by=self.actor.username, delete_batch=batch, version=old['version'] + 1)
            self.audit.extend(audit.entries(actor=self.actor.username, register=self.register.key, row_id=row_id,
                                            event='delete', changes=[Change(None, None, batch)], source=self.source,
                                            action_id=self.action_id, version=old['version'] + 1, at=now))
            done += 1
        self.events.append(ChangeEvent(self.register.key, tuple(ids), 'delete', self.actor.username))
        return done

    async def restore(self, ids: list[int]) -> int:
        now = self.ctx.now
        for row_id in ids:
            old = await _load(self.register, row_id, deleted=True, using=self.tx)
            self._scope_guard(old)
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
        self.events.append(ChangeEvent(self.register.key, tuple(ids), 'restore', self.actor.username))
        return len(ids)


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


class session:
    """`async with records.session(actor, key, 'edit', source='paste', kind='paste') as w:` — one transaction,
    one undoable action; events are published after commit."""

    def __init__(self, actor: Actor, key: str, action: str, *, source: str, kind: str | None = None,
                 summary: str = '', action_id: str | None = None, clear_redo: bool = True) -> None:
        self.actor, self.key, self.action, self.source = actor, key, action, source
        self.kind, self.summary, self.action_id = kind or source, summary, action_id
        self.clear_redo = clear_redo

    async def __aenter__(self) -> Writer:
        if self.actor.preview:
            raise PermissionDenied('perm.preview')
        register, granted = open_register(self.actor, self.key, self.action)
        ctx = await value_context(self.actor)
        self._tx_cm = db.transaction()
        tx = await self._tx_cm.__aenter__()
        try:
            action_id = self.action_id or await actions.begin(self.actor.username, self.key, self.kind,
                                                              self.summary, tx, clear_redo=self.clear_redo)
        except BaseException as exc:
            await self._tx_cm.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        self.writer = Writer(self.actor, register, granted, ctx, tx, source=self.source, action_id=action_id)
        return self.writer

    async def __aexit__(self, exc_type, exc, tb) -> bool:
        if exc_type is None:
            try:
                await audit.save(self.writer.audit, self.writer.tx)     # same transaction as the changes
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
    return await _fresh(actor, key, row['id'])


async def update_row(actor: Actor, key: str, row_id: int, changes: dict[str, Any], *, version: int | None,
                     source: str = 'grid') -> dict[str, Any]:
    """Change cells of one row. `version` is what the caller saw (None only for trusted system callers)."""
    action = 'approve' if _is_approval(actor, key, changes) else 'edit'
    if action == 'approve' and set(changes) != {register_of(key).workflow.field}:
        raise PermissionDenied('perm.action', register=register_of(key).title(actor.lang), action='编辑')
    async with session(actor, key, action, source=source, kind='edit') as w:
        row = await w.update(row_id, changes, version)
    return await _fresh(actor, key, row['id'])


async def set_check(actor: Actor, key: str, row_id: int, item_id: str, checked: bool, *,
                    version: int | None) -> dict[str, Any]:
    async with session(actor, key, 'edit', source='checklist', kind='check') as w:
        await w.set_check(row_id, item_id, checked, version)
    return await _fresh(actor, key, row_id)


async def delete_rows(actor: Actor, key: str, ids: list[int], *, source: str = 'grid') -> str:
    """Soft-delete rows as one batch (restorable from the recycle bin); returns the batch id."""
    async with session(actor, key, 'delete', source=source, kind='delete') as w:
        await w.delete(list(dict.fromkeys(ids)), w.action_id)
        return w.action_id


async def restore_rows(actor: Actor, key: str, ids: list[int], *, source: str = 'grid') -> int:
    async with session(actor, key, 'delete', source=source, kind='restore') as w:
        return await w.restore(list(dict.fromkeys(ids)))


async def _fresh(actor: Actor, key: str, row_id: int) -> dict[str, Any]:
    """The row as this actor sees it now (it may have left the actor's scope: then only its id/version)."""
    try:
        return await get_row(actor, key, row_id)
    except PermissionDenied:
        return {'id': row_id}


def _is_approval(actor: Actor, key: str, changes: dict[str, Any]) -> bool:
    """A status change by a transition declared as an approval needs the approve right instead of edit."""
    register = register_of(key)
    wf = register.workflow
    if wf is None or wf.field not in changes:
        return False
    granted = access.rights(rt().catalog, actor, key)
    targets = [t for t in wf.transitions if t.target == changes[wf.field]]
    return bool(targets) and all(t.action == 'approve' for t in targets) and 'approve' in granted.actions \
        and 'edit' not in granted.actions
