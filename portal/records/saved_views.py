"""Saved grid views: a user's named filters, sort and column layout (hidden columns too) per register; views can
be renamed, deleted and made one's default; admins and the register's approvers (managers) share them with a role."""
from __future__ import annotations

from typing import Any

from ..errors import NotFound, PermissionDenied, PortalError
from ..i18n import add_messages
from ..people import access
from ..runtime import rt
from ..schema import Actor
from ..store.models import SavedView
from .read import open_register

add_messages({
    'view.name': ('视图名称须为 1–40 个字符', 'A view name has 1–40 characters'),
    'view.state': ('视图内容无效', 'Invalid view state'),
    'view.not_found': ('没有这个视图', 'No such view'),
    'view.role': ('没有角色 "{role}"', 'No role "{role}"'),
    'view.share': ('只有管理员和本登记表的审批人可以把视图共享给角色', 'Only admins and approvers of this register share views'),
    'view.taken': ('已有同名视图「{name}」', 'A view named "{name}" exists'),
})
MAX_STATE = 64 * 1024


async def list_views(actor: Actor, key: str) -> list[dict[str, Any]]:
    """The actor's own views, those published to one of their roles, and those they published (own first)."""
    open_register(actor, key, 'view')
    own = await SavedView.filter(register=key, owner=actor.username, role__isnull=True).order_by('name').values()
    shared = await SavedView.filter(register=key, role__in=list(actor.roles)).order_by('name').values()
    published = await SavedView.filter(register=key, owner=actor.username, role__isnull=False).exclude(
        role__in=list(actor.roles)).order_by('name').values()
    return [*own, *shared, *published]


async def default_view(actor: Actor, key: str) -> dict[str, Any] | None:
    views = await list_views(actor, key)
    return next((v for v in views if v['is_default'] and v['role'] is None), None) or next(
        (v for v in views if v['is_default'] and v['role'] in actor.roles), None)


async def save_view(actor: Actor, key: str, name: str, state: dict[str, Any], *, default: bool = False,
                    role: str | None = None) -> dict[str, Any]:
    register, granted = open_register(actor, key, 'view')
    name = (name or '').strip()
    if not 1 <= len(name) <= 40:
        raise PortalError('view.name')
    state = _clean_state(state, register, granted)
    if role is not None:
        _require_sharer(actor, key)
        if role not in rt().catalog.roles:
            raise PortalError('view.role', role=role)
    owner_filter = {'role': role} if role else {'owner': actor.username, 'role__isnull': True}
    if default:
        await SavedView.filter(register=key, **owner_filter).update(is_default=False)
    existing = await SavedView.filter(register=key, name=name, **owner_filter).first()
    if existing:
        existing.state, existing.is_default = state, default
        await existing.save()
        view = existing
    else:
        view = await SavedView.create(register=key, owner=actor.username, name=name, state=state,
                                      is_default=default, role=role, created_at=rt().now())
    return (await SavedView.filter(id=view.id).values())[0]


def may_share(actor: Actor, key: str) -> bool:
    """Admins and those who approve in the register (its managers) share views with a role."""
    catalog = rt().catalog
    return access.is_admin(catalog, actor) or access.can(catalog, actor, key, 'approve')


def _require_sharer(actor: Actor, key: str) -> None:
    if not may_share(actor, key) or actor.preview:
        raise PermissionDenied('view.share')


async def _own(actor: Actor, key: str, view_id: int) -> SavedView:
    """A view the actor may change: their own, or a shared one when they may share."""
    open_register(actor, key, 'view')
    view = await SavedView.get_or_none(id=view_id, register=key)
    if view is None:
        raise NotFound('view.not_found')
    if view.role is not None:
        _require_sharer(actor, key)
    elif view.owner != actor.username:
        raise PermissionDenied('perm.row')
    return view


async def delete_view(actor: Actor, key: str, view_id: int) -> None:
    await (await _own(actor, key, view_id)).delete()


async def rename_view(actor: Actor, key: str, view_id: int, name: str) -> None:
    view = await _own(actor, key, view_id)
    name = (name or '').strip()
    if not 1 <= len(name) <= 40:
        raise PortalError('view.name')
    same = {'role': view.role} if view.role else {'owner': view.owner, 'role__isnull': True}
    if await SavedView.filter(register=key, name=name, **same).exclude(id=view.id).exists():
        raise PortalError('view.taken', name=name)
    view.name = name
    await view.save()


async def set_default(actor: Actor, key: str, view_id: int) -> None:
    """Make a view (one's own, or one shared with one's role) the one the page opens with."""
    open_register(actor, key, 'view')
    view = await SavedView.get_or_none(id=view_id, register=key)
    if view is None or (view.role is None and view.owner != actor.username) or (
            view.role is not None and view.role not in actor.roles):
        raise NotFound('view.not_found')
    if view.role is not None:        # one's own default: a copy of the shared view, kept as one's own
        state = dict(view.state)
        await save_view(actor, key, view.name, state, default=True)
        return
    await SavedView.filter(register=key, owner=actor.username, role__isnull=True).update(is_default=False)
    view.is_default = True
    await view.save()


def _clean_state(state: Any, register, granted) -> dict[str, Any]:
    """Keep only what a view may hold: column layout of visible columns, filters over visible fields."""
    import json
    if not isinstance(state, dict) or len(json.dumps(state, default=str)) > MAX_STATE:
        raise PortalError('view.state')
    visible = {f.name for f in access.visible_fields(register, granted)} | {'id', '_checks', 'ag-Grid-SelectionColumn'}
    columns = [c for c in state.get('columns') or [] if isinstance(c, dict) and c.get('colId') in visible]
    columns = [{k: c[k] for k in ('colId', 'width', 'hide', 'pinned', 'sort', 'sortIndex') if k in c}
               for c in columns]
    filters = {k: v for k, v in (state.get('filter') or {}).items() if k in visible and isinstance(v, dict)}
    quick = str(state.get('quick') or '')[:100]
    return {'columns': columns, 'filter': filters, 'quick': quick}
