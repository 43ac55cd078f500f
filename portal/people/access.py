"""Who may do what: pure functions over roles.toml — actions, hidden/read-only columns, row scopes."""
from __future__ import annotations

from datetime import date
from typing import Any

from tortoise.expressions import Q

from ..errors import PermissionDenied
from ..i18n import t
from ..rules import conditions
from ..schema import Actor, Catalog, FieldSpec, RegisterSchema, Rights, Scope

ALL_ACTIONS = frozenset({'view', 'create', 'edit', 'delete', 'export', 'import', 'approve'})
ACTION_LABELS = {'view': ('查看', 'view'), 'create': ('新增', 'create'), 'edit': ('编辑', 'edit'),
                 'delete': ('删除', 'delete'), 'export': ('导出', 'export'), 'import': ('导入', 'import'),
                 'approve': ('审批', 'approve')}


SYSTEM = Actor(username='system', display_name='系统', roles=('admin',))


def is_admin(catalog: Catalog, actor: Actor) -> bool:
    return has_admin_role(catalog, actor.roles)


def has_admin_role(catalog: Catalog, roles) -> bool:
    return any(catalog.roles.get(r) is not None and catalog.roles[r].admin for r in roles or ())


def rights(catalog: Catalog, actor: Actor, register: str) -> Rights:
    """The actor's rights in one register, merged over all their roles."""
    if is_admin(catalog, actor):
        return Rights(actions=ALL_ACTIONS, scopes=(Scope(),))
    parts = []
    for key in actor.roles:
        role = catalog.roles.get(key)
        if role is None:
            continue
        part = role.registers.get(register) or role.registers.get('*')
        if part is not None:
            parts.append(part)
    if not parts:
        return Rights()
    viewers = [p for p in parts if 'view' in p.actions] or parts
    editors = [p for p in parts if 'edit' in p.actions] or parts
    return Rights(actions=frozenset().union(*(p.actions for p in parts)),
                  hidden=frozenset.intersection(*(p.hidden for p in viewers)),
                  readonly=frozenset.intersection(*(p.readonly for p in editors)),
                  scopes=tuple(s for p in viewers for s in p.scopes))


def can(catalog: Catalog, actor: Actor, register: str, action: str) -> bool:
    return action in rights(catalog, actor, register).actions


def require(catalog: Catalog, actor: Actor, register: RegisterSchema, action: str) -> Rights:
    granted = rights(catalog, actor, register.key)
    if action not in granted.actions:
        label = ACTION_LABELS.get(action, (action, action))
        raise PermissionDenied('perm.action', register=register.title(actor.lang),
                               action=label[1] if actor.lang == 'en' else label[0])
    return granted


def require_admin(catalog: Catalog, actor: Actor) -> None:
    if not is_admin(catalog, actor):
        raise PermissionDenied('perm.admin')


def visible_fields(register: RegisterSchema, granted: Rights) -> list[FieldSpec]:
    return [f for f in register.fields if f.name not in granted.hidden]


def writable(spec: FieldSpec, granted: Rights) -> bool:
    return not (spec.readonly or spec.computed or spec.name in granted.readonly or spec.name in granted.hidden)


def scope_q(register: RegisterSchema, granted: Rights, actor: Actor, today: date) -> Q | None:
    """A database filter for the rows the actor may see (None = all rows)."""
    if not granted.scopes or any(s.is_all for s in granted.scopes):
        return None if granted.scopes else Q(id=-1)
    parts = [_scope_q(register, s, actor, today) for s in granted.scopes]
    return Q(*parts, join_type='OR')


def in_scope(register: RegisterSchema, granted: Rights, actor: Actor, row: dict[str, Any], today: date) -> bool:
    if not granted.scopes:
        return False
    return any(_scope_matches(register, s, actor, row, today) for s in granted.scopes)


def _scope_q(register: RegisterSchema, scope: Scope, actor: Actor, today: date) -> Q:
    q = Q()
    if scope.own:
        q &= Q(**{scope.own: actor.username})
    if scope.where:
        q &= conditions.to_q(scope.where, register, actor.username, today)
    return q


def _scope_matches(register: RegisterSchema, scope: Scope, actor: Actor, row: dict[str, Any], today: date) -> bool:
    if scope.is_all:
        return True
    if scope.own and row.get(scope.own) != actor.username:
        return False
    return not scope.where or conditions.matches(scope.where, register, row, actor.username, today)


def registers_for(catalog: Catalog, actor: Actor) -> list[RegisterSchema]:
    return [r for r in catalog.ordered() if can(catalog, actor, r.key, 'view')]


def refusal(actor: Actor, key: str, **params: Any) -> str:
    return t(key, actor.lang, **params)
