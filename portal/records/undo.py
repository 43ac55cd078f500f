"""Undo and redo of a user's own actions in a register, rebuilt from the audit trail (refused when someone changed
the same cells since)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ..errors import PermissionDenied, PortalError
from ..i18n import add_messages, t
from ..people import access, users
from ..runtime import rt
from ..schema import Actor
from ..store.audit import decode
from ..store.models import AuditEntry, UserAction
from .action_log import UNDOABLE
from .read import register_of
from .write import session

add_messages({
    'undo.nothing': ('没有可撤销的操作', 'Nothing to undo'),
    'redo.nothing': ('没有可重做的操作', 'Nothing to redo'),
    'undo.blocked': ('无法撤销:记录 #{row} 的「{label}」之后已被 {by} 修改', 'Cannot undo: {by} changed row #{row} '
                     '("{label}") afterwards'),
    'redo.blocked': ('无法重做:记录 #{row} 的「{label}」之后已被修改', 'Cannot redo: row #{row} ("{label}") changed since'),
    'undo.done': ('已撤销:{summary}', 'Undone: {summary}'),
    'redo.done': ('已重做:{summary}', 'Redone: {summary}'),
    'action.create': ('新增 {n} 行', 'add {n} rows'),
    'action.edit': ('修改 {n} 个单元格', 'edit {n} cells'),
    'action.paste': ('粘贴 {n} 个单元格', 'paste {n} cells'),
    'action.fill': ('向下填充 {n} 个单元格', 'fill {n} cells'),
    'action.delete': ('删除 {n} 行', 'delete {n} rows'),
    'action.restore': ('恢复 {n} 行', 'restore {n} rows'),
    'action.check': ('勾选检查项', 'tick a checklist item'),
    'action.import': ('导入 {n} 行', 'import {n} rows'),
})


@dataclass(slots=True)
class StepResult:
    which: str
    summary: str

    def message(self, lang: str) -> str:
        return t(f'{self.which}.done', lang, summary=self.summary)


async def undo(actor: Actor, key: str) -> StepResult:
    action = await UserAction.filter(actor=actor.username, register=key, state='done',
                                     kind__in=_undoable()).order_by('-id').first()
    if action is None:
        raise PortalError('undo.nothing')
    return await _replay(actor, key, action, backwards=True)


async def redo(actor: Actor, key: str) -> StepResult:
    action = await UserAction.filter(actor=actor.username, register=key, state='undone').order_by(
        '-undone_seq').first()
    if action is None:
        raise PortalError('redo.nothing')
    return await _replay(actor, key, action, backwards=False)


def _undoable() -> tuple[str, ...]:
    return UNDOABLE


async def _replay(actor: Actor, key: str, action: UserAction, *, backwards: bool) -> StepResult:
    register = register_of(key)
    entries = await AuditEntry.filter(action_id=action.key).order_by('id').values()
    which = 'undo' if backwards else 'redo'
    await _guard(actor, register, entries, backwards, which)
    creates = [e['row_id'] for e in entries if e['event'] == 'create']
    deletes = [e['row_id'] for e in entries if e['event'] == 'delete']
    restores = [e['row_id'] for e in entries if e['event'] == 'restore']
    updates: dict[int, dict[str, Any]] = {}
    checks: list[tuple[int, str, bool]] = []
    for e in entries:
        if e['event'] == 'update':
            updates.setdefault(e['row_id'], {})[e['field']] = decode(e['old'] if backwards else e['new'])
        elif e['event'] == 'check':
            value = decode(e['old'] if backwards else e['new'])
            checks.append((e['row_id'], e['field'].split('.', 1)[1], bool(value)))
    if backwards:
        updates = {r: v for r, v in reversed(list(updates.items()))}
    async with session(actor, key, 'view', source=which, kind=which, clear_redo=False) as writer:
        _need(writer, 'delete' if creates or deletes or restores else 'edit')
        if backwards:
            if creates:
                await writer.delete(list(dict.fromkeys(creates)), writer.action_id)
            if deletes:
                await writer.restore(list(dict.fromkeys(deletes)))
            if restores:
                await writer.delete(list(dict.fromkeys(restores)), writer.action_id)
        else:
            if creates:
                await writer.restore(list(dict.fromkeys(creates)))
            if deletes:
                await writer.delete(list(dict.fromkeys(deletes)), writer.action_id)
            if restores:
                await writer.restore(list(dict.fromkeys(restores)))
        writer.ctx = dataclasses.replace(writer.ctx, uploads=None)     # the audit trail's own values come back
        for row_id, values in updates.items():
            await writer.update(row_id, values, None)
        for row_id, item, checked in checks:
            await writer.set_check(row_id, item, checked, None)
    step = await UserAction.get(key=writer.action_id)
    action.state = 'undone' if backwards else 'done'
    action.undone_seq = step.id if backwards else None
    action.changed_at = rt().now()
    await action.save(update_fields=['state', 'undone_seq', 'changed_at'])
    n = len({e['row_id'] for e in entries}) if action.kind in ('create', 'delete', 'restore', 'import') else \
        sum(1 for e in entries if e['event'] == 'update')
    return StepResult(which, t(f'action.{action.kind}', actor.lang, n=n))


def _need(writer, action: str) -> None:
    if action not in writer.granted.actions and not access.is_admin(rt().catalog, writer.actor):
        raise PermissionDenied('perm.action', register=writer.register.title(writer.actor.lang), action=action)


async def _guard(actor: Actor, register, entries: list[dict], backwards: bool, which: str) -> None:
    """Refuse to undo (or redo) over a later change by someone else to the same row and field."""
    if not entries:
        return
    last_id = max(e['id'] for e in entries)
    action_id = entries[0]['action_id']
    rows = {e['row_id'] for e in entries}
    later = await AuditEntry.filter(register=register.key, row_id__in=rows, id__gt=last_id).exclude(
        action_id=action_id).values('row_id', 'field', 'actor', 'action_id')
    mine = {e['action_id'] for e in later if e['actor'] == actor.username and e['action_id']}
    reverted = set(await UserAction.filter(key__in=mine, state__in=('undone', 'dead', 'meta')).values_list(
        'key', flat=True)) if mine else set()
    touched = {(e['row_id'], e['field']) for e in entries if e['event'] in ('update', 'check')}
    whole_rows = {e['row_id'] for e in entries if e['event'] in ('create', 'delete', 'restore')}
    for other in later:
        if other['action_id'] in reverted:
            continue   # the user's own step that was undone since (its effect is gone)
        if (other['row_id'], other['field']) in touched or other['row_id'] in whole_rows:
            spec = register.field(other['field'] or '')
            label = spec.title(actor.lang) if spec else (other['field'] or '—')
            raise PortalError(f'{which}.blocked', row=other['row_id'], label=label,
                              by=await _name(other['actor']))


async def _name(username: str) -> str:
    return (await users.directory()).get(username, username)
