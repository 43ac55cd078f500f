"""Row history, the register-wide change log and the recycle bin — all through the actor's rights."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ..errors import PermissionDenied, PortalError
from ..fields import ValueContext
from ..i18n import add_messages, t
from ..people import access, users
from ..runtime import rt
from ..schema import Actor, RegisterSchema
from ..store import audit, db
from .read import open_register
from .write import restore_rows

add_messages({
    'history.create': ('新建', 'created'), 'history.update': ('修改', 'changed'), 'history.delete': ('删除', 'deleted'),
    'history.restore': ('恢复', 'restored'), 'history.check': ('检查项', 'checklist'), 'history.purge': ('清除', 'purged'),
    'history.schema': ('模式', 'schema'), 'history.user': ('用户', 'user'), 'history.import': ('导入', 'imported'),
    'source.grid': ('表格', 'grid'), 'source.form': ('表单', 'form'), 'source.paste': ('粘贴', 'paste'),
    'source.fill': ('填充', 'fill'), 'source.import': ('导入', 'import'), 'source.undo': ('撤销', 'undo'),
    'source.redo': ('重做', 'redo'), 'source.api': ('API', 'API'), 'source.workflow': ('流程', 'workflow'),
    'source.checklist': ('检查项', 'checklist'), 'source.system': ('系统', 'system'),
    'history.batch': ('批次 {batch}', 'batch {batch}'),
    'history.no_log': ('只有经理(审批权限)或管理员可以查看变更日志', 'Only managers (approve right) and admins see the '
                       'change log'),
})


async def row_timeline(actor: Actor, key: str, row_id: int) -> list[dict[str, Any]]:
    """Every change of one row the actor may see, oldest first (hidden fields left out)."""
    register, granted = open_register(actor, key, 'view')
    model = db.row_model(key)
    rows = await model.filter(id=row_id).values()
    if not rows:
        raise PortalError('error.not_found', register=register.title(actor.lang), row_id=row_id)
    if not access.in_scope(register, granted, actor, rows[0], rt().today()):
        raise PermissionDenied('perm.row')
    return await _present(register, granted, await audit.row_history(key, row_id), actor.lang)


async def change_log(actor: Actor, *, register: str | None = None, user: str | None = None,
                     field: str | None = None, since: datetime | None = None, until: datetime | None = None,
                     limit: int = 500) -> list[dict[str, Any]]:
    """Managers (approve right) see their registers' changes; admins see everything incl. schema and users."""
    catalog = rt().catalog
    admin = access.is_admin(catalog, actor)
    allowed = [r.key for r in catalog.ordered() if admin or access.can(catalog, actor, r.key, 'approve')]
    if not allowed:
        raise PermissionDenied('history.no_log')
    if register and register not in allowed + (['*'] if admin else []):
        raise PermissionDenied('perm.action', register=register, action='log')
    keys = [register] if register else (allowed + ['*'] if admin else allowed)
    until = until + timedelta(days=1) if until and until.time() == datetime.min.time() else until
    entries = await audit.change_log(registers=keys, actor=user, field=field, since=since, until=until, limit=limit)
    out = []
    for key in {e['register'] for e in entries}:
        reg = catalog.register(key)
        chunk = [e for e in entries if e['register'] == key]
        if reg is None:
            out.extend(_plain(e, actor.lang) for e in chunk)
        else:
            out.extend(await _present(reg, access.rights(catalog, actor, key), chunk, actor.lang))
    return sorted(out, key=lambda e: e['id'], reverse=True)


async def recycle_bin(actor: Actor, key: str) -> list[dict[str, Any]]:
    register, granted = open_register(actor, key, 'delete')
    title = register.title_field
    rows = await db.row_model(key).filter(deleted_at__isnull=False).order_by('-deleted_at', '-id').limit(1000).values(
        'id', 'deleted_at', 'deleted_by', 'delete_batch', *([title] if title not in granted.hidden else []))
    names = await users.directory()
    today = rt().today()
    spec = register.field(title)
    visible = []
    for row in rows:
        full = (await db.row_model(key).filter(id=row['id']).values())[0]
        if not access.in_scope(register, granted, actor, full, today):
            continue
        visible.append({'id': row['id'], 'title': spec.kind.text(row.get(title), spec) if title in row else '',
                        'deleted_at': row['deleted_at'], 'deleted_by': names.get(row['deleted_by'],
                                                                                 row['deleted_by']),
                        'batch': row['delete_batch']})
    return visible


async def restore_batch(actor: Actor, key: str, batch: str) -> int:
    ids = await db.row_model(key).filter(delete_batch=batch, deleted_at__isnull=False).values_list('id', flat=True)
    return await restore_rows(actor, key, list(ids)) if ids else 0


async def purge(days: int, register: str | None = None) -> dict[str, int]:
    """Hard-delete rows that have been in the recycle bin longer than `days` (an admin command, never automatic).
    Their audit trail stays, with one 'purge' entry per row."""
    catalog = rt().catalog
    cutoff = rt().now() - timedelta(days=days)
    counts = {}
    for key in ([register] if register else list(catalog.registers)):
        model = db.row_model(key)
        async with db.transaction() as tx:
            ids = await model.filter(deleted_at__lt=cutoff).using_db(tx).values_list('id', flat=True)
            if ids:
                await audit.save([e for row_id in ids for e in audit.entries(
                    actor='system', register=key, row_id=row_id, event='purge', changes=[], source='system',
                    action_id=None, version=None, at=rt().now())], tx)
                await model.filter(id__in=list(ids)).using_db(tx).delete()
        counts[key] = len(ids)
    return counts


async def _present(register: RegisterSchema, granted, entries: list[dict], lang: str) -> list[dict[str, Any]]:
    names = await users.directory()
    out = []
    for e in entries:
        name = e['field'] or ''
        if name in granted.hidden:
            continue
        spec = register.field(name)
        old, new = e['old'], e['new']
        if e['event'] == 'create' and isinstance(new, dict):
            new = {k: v for k, v in new.items() if k not in granted.hidden}
            new = '; '.join(f'{register.field(k).title(lang) if register.field(k) else k}='
                            f'{_show(register.field(k), v, lang, names)}' for k, v in new.items())
            old = ''
        elif spec is not None:
            old, new = _show(spec, old, lang, names), _show(spec, new, lang, names)
        elif e['event'] in ('delete', 'restore'):
            batch = (new if e['event'] == 'delete' else old) or ''
            old, new = '', t('history.batch', lang, batch=str(batch)[:8])
        elif name.startswith('checklist.'):
            item = next((c for c in register.checklist if c.id == name.split('.', 1)[1]), None)
            name = item.title(lang) if item else name
            old, new = _yes(old, lang), _yes(new, lang)
        out.append({'id': e['id'], 'at': e['at'], 'actor': names.get(e['actor'], e['actor']), 'login': e['actor'],
                    'event': t(f'history.{e["event"]}', lang), 'register': e['register'], 'row_id': e['row_id'],
                    'field': spec.title(lang) if spec else name, 'old': old, 'new': new,
                    'source': t(f'source.{e["source"]}', lang), 'version': e['version']})
    return out


def _plain(e: dict, lang: str) -> dict[str, Any]:
    return {'id': e['id'], 'at': e['at'], 'actor': e['actor'], 'login': e['actor'],
            'event': t(f'history.{e["event"]}', lang), 'register': e['register'], 'row_id': e['row_id'],
            'field': e['field'] or '', 'old': e['old'] or '', 'new': e['new'] or '',
            'source': t(f'source.{e["source"]}', lang), 'version': e['version']}


def _show(spec, value, lang: str, names: dict[str, str]) -> str:
    """A stored value as people see it in the grid: a person by name, a clause by its citation."""
    if value is None or spec is None:
        return '' if value is None else str(value)
    try:
        parsed = spec.kind.parse(value, spec, ValueContext(today=rt().today(), now=rt().now()))
        text = spec.kind.text(parsed, spec, lang)
    except Exception:
        return str(value)
    if spec.kind.holds_user:
        return names.get(text, text)
    if spec.kind.name == 'clause':
        return rt().catalog.clause_label(text, lang)
    return text


def _yes(value, lang: str) -> str:
    return ('Yes' if value else 'No') if lang == 'en' else ('是' if value else '否')
