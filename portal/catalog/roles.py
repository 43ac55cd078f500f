"""Load and check schemas/roles.toml: per role and register, actions, hidden/read-only columns, row scope."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ..errors import Issue
from ..rules import conditions
from ..schema import Catalog, Rights, RoleSpec, Scope
from ..schema import raw as si
from .report import NAME_RE, Reporter, _rel, read_toml, structural

ALL_ACTIONS = frozenset(si.ACTIONS)


def load_roles(root: Path, catalog: Catalog, issues: list[Issue]) -> Catalog:
    path = root / 'roles.toml'
    report = Reporter(issues, _rel(path))
    if not path.exists():
        report('R300', '', 'missing: roles.toml declares who may do what')
        return catalog
    data = read_toml(path, issues)
    parsed = structural(si.RolesIn, data, report) if data is not None else None
    if parsed is None:
        return catalog
    roles = {}
    for key, role in parsed.roles.items():
        roles[key] = _role(key, role, catalog, report)
    return replace(catalog, roles=roles)


def _role(key: str, role: si.RoleIn, catalog: Catalog, report: Reporter) -> RoleSpec:
    if not NAME_RE.match(key):
        report('R301', f'roles.{key}', f"role key '{key}' must be lowercase ASCII snake_case", value=key)
    registers = {}
    for reg_key, rights in role.registers.items():
        at = f'roles.{key}.registers.{reg_key}'
        register = catalog.registers.get(reg_key)
        if reg_key != '*' and register is None and reg_key in catalog.broken:
            continue
        if reg_key != '*' and register is None:
            report('R302', at, f"unknown register '{reg_key}'", value=reg_key,
                   allowed=sorted(set(catalog.registers) | set(catalog.broken)), near=reg_key)
            continue
        names = [f.name for f in register.fields] if register else []
        for option in ('hidden', 'readonly'):
            for i, name in enumerate(getattr(rights, option)):
                if register is not None and name not in names:
                    report('R303', f'{at}.{option}[{i}]', f"unknown field '{name}' in register '{reg_key}'",
                           value=name, allowed=names, near=name)
        registers[reg_key] = Rights(actions=frozenset(rights.actions), hidden=frozenset(rights.hidden),
                                    readonly=frozenset(rights.readonly),
                                    scopes=(_scope(rights.scope, register, f'{at}.scope', report),))
    return RoleSpec(key=key, label=role.label, label_en=role.label_en, admin=role.admin, registers=registers,
                    dashboard=role.dashboard)


def _scope(raw, register, at: str, report: Reporter) -> Scope:
    if raw == 'all':
        return Scope()
    unknown = set(raw) - {'own', 'where'}
    for key in sorted(unknown):
        report('R304', f'{at}.{key}', f"unknown scope key '{key}'", value=key, allowed=['own', 'where'], near=key)
    own, where = raw.get('own'), raw.get('where')
    if own is not None and register is not None:
        spec = conditions.field_of(register, own) if isinstance(own, str) else None
        if spec is not None and spec.kind is None:
            pass                     # its unknown type is reported with the field
        elif spec is None or not spec.kind.holds_user:
            users = [f.name for f in register.fields if f.kind is not None and f.kind.holds_user] + ['created_by']
            report('R305', f'{at}.own', f"'own' needs a user field of register '{register.key}'", value=own,
                   allowed=users, near=str(own))
    if where is not None and register is not None:
        conditions.check(where, register, lambda code, path, msg, **kw: report('R307', path, msg, **kw),
                         f'{at}.where')
    return Scope(own=own, where=where)
