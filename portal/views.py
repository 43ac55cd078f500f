"""Saved grid views: a user's named filters, sort and column layout per register; admins publish to roles."""
from __future__ import annotations

from typing import Any

from . import access
from .access import Actor
from .errors import NotFound, PermissionDenied, PortalError
from .i18n import add_messages
from .models import SavedView
from .records import open_register
from .runtime import rt

add_messages({
    'view.name': ('视图名称须为 1–40 个字符', 'A view name has 1–40 characters'),
    'view.state': ('视图内容无效', 'Invalid view state'),
    'view.not_found': ('没有这个视图', 'No such view'),
    'view.role': ('没有角色 "{role}"', 'No role "{role}"'),
})
MAX_STATE = 64 * 1024


async def list_views(actor: Actor, key: str) -> list[dict[str, Any]]:
    """The actor's own views and those published to one of their roles (own first)."""
    open_register(actor, key, 'view')
    own = await SavedView.filter(register=key, owner=actor.username, role__isnull=True).order_by('name').values()
    shared = await SavedView.filter(register=key, role__in=list(actor.roles)).order_by('name').values()
    return [*own, *shared]


async def default_view(actor: Actor, key: str) -> dict[str, Any] | None:
    views = await list_views(actor, key)
    return next((v for v in views if v['is_default'] and v['role'] is None), None) or next(
        (v for v in views if v['is_default']), None)


async def save_view(actor: Actor, key: str, name: str, state: dict[str, Any], *, default: bool = False,
                    role: str | None = None) -> dict[str, Any]:
    register, granted = open_register(actor, key, 'view')
    name = (name or '').strip()
    if not 1 <= len(name) <= 40:
        raise PortalError('view.name')
    state = _clean_state(state, register, granted)
    if role is not None:
        access.require_admin(rt().catalog, actor)
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


async def delete_view(actor: Actor, key: str, view_id: int) -> None:
    view = await SavedView.get_or_none(id=view_id, register=key)
    if view is None:
        raise NotFound('view.not_found')
    if view.role is not None:
        access.require_admin(rt().catalog, actor)
    elif view.owner != actor.username:
        raise PermissionDenied('perm.row')
    await view.delete()


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
