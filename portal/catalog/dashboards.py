"""Declarative dashboards and reports (schemas/dashboards.toml): loaded and checked like every schema."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, ValidationError

from ..errors import Issue
from ..registry import load_plugins, report_kinds, widget_kinds
from ..rules import pydantic_problems
from ..schema import Catalog
from .checks import skipped, unknown_typed, uses
from .report import Reporter, _rel, read_toml, structural

COMMON = frozenset({'id', 'kind', 'title', 'title_en', 'width', 'register'})


class _In(BaseModel):
    model_config = ConfigDict(extra='allow', populate_by_name=True)


class WidgetIn(_In):
    id: StrictStr
    kind: StrictStr
    title: StrictStr
    title_en: StrictStr = ''
    width: StrictInt = Field(default=4, ge=2, le=12)
    register_key: StrictStr | None = Field(default=None, alias='register')


class DashboardIn(BaseModel):
    model_config = ConfigDict(extra='forbid')
    label: StrictStr
    label_en: StrictStr = ''
    widgets: list[WidgetIn] = Field(default_factory=list)


class ReportIn(_In):
    kind: StrictStr
    label: StrictStr
    label_en: StrictStr = ''
    register_key: StrictStr = Field(alias='register')


class DashboardsIn(BaseModel):
    model_config = ConfigDict(extra='forbid')
    dashboards: dict[str, DashboardIn] = Field(default_factory=dict)
    reports: dict[str, ReportIn] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Widget:
    id: str
    kind: str
    title: str
    title_en: str
    width: int
    register: str | None
    params: Any

    def label(self, lang: str) -> str:
        return (self.title_en or self.title) if lang == 'en' else self.title


@dataclass(frozen=True, slots=True)
class Dashboard:
    key: str
    label: str
    label_en: str = ''
    widgets: tuple[Widget, ...] = ()

    def title(self, lang: str) -> str:
        return (self.label_en or self.label) if lang == 'en' else self.label


@dataclass(frozen=True, slots=True)
class Report:
    key: str
    kind: str
    label: str
    label_en: str
    register: str
    params: Any = field(default=None)

    def title(self, lang: str) -> str:
        return (self.label_en or self.label) if lang == 'en' else self.label


def load_dashboards(root: Path, catalog: Catalog, issues: list[Issue]) -> Catalog:
    path = root / 'dashboards.toml'
    if not path.exists():
        return catalog
    report = Reporter(issues, _rel(path))
    data = read_toml(path, issues)
    parsed = structural(DashboardsIn, data, report) if data is not None else None
    if parsed is None:
        return catalog
    load_plugins()
    dashboards, report_specs = {}, {}
    for rkey, raw in parsed.reports.items():
        at = f'reports.{rkey}'
        kind = report_kinds.get(raw.kind)
        if kind is None:
            report('D401', f'{at}.kind', f"unknown report kind '{raw.kind}'", value=raw.kind,
                   allowed=report_kinds.names(), near=raw.kind)
            continue
        params = _params(kind, raw, at, report)
        if params is None:
            continue
        register = _register(catalog, raw.register_key, f'{at}.register', report)
        if register is not None and not _skipped(catalog, register, raw, at, report):
            _guarded(report, at, lambda: kind.check(catalog, register, params,
                                                    lambda c, p, m, **kw: report(c, f'{at}.{p}', m, **kw)))
        report_specs[rkey] = Report(key=rkey, kind=raw.kind, label=raw.label, label_en=raw.label_en,
                                    register=raw.register_key, params=params)
    for dkey, board in parsed.dashboards.items():
        items, seen = [], set()
        for i, raw in enumerate(board.widgets):
            at = f'dashboards.{dkey}.widgets[{i}]'
            if raw.id in seen:
                report('D402', f'{at}.id', f"duplicate widget id '{raw.id}'", value=raw.id)
            seen.add(raw.id)
            kind = widget_kinds.get(raw.kind)
            if kind is None:
                report('D403', f'{at}.kind', f"unknown widget kind '{raw.kind}'", value=raw.kind,
                       allowed=widget_kinds.names(), near=raw.kind)
                continue
            params = _params(kind, raw, at, report)
            if params is None:
                continue
            register = _register(catalog, raw.register_key, f'{at}.register', report) if kind.needs_register else None
            if kind.needs_register and register is None or _skipped(catalog, register, raw, at, report):
                continue
            _guarded(report, at, lambda: kind.check(catalog, register, params, report_specs,
                                                    lambda c, p, m, at=at, **kw: report(c, f'{at}.{p}', m, **kw)))
            items.append(Widget(id=raw.id, kind=raw.kind, title=raw.title, title_en=raw.title_en, width=raw.width,
                                register=raw.register_key, params=params))
        dashboards[dkey] = Dashboard(key=dkey, label=board.label, label_en=board.label_en, widgets=tuple(items))
    new = replace(catalog, dashboards=dashboards, reports=report_specs)
    _check_role_links(new, issues, root)
    return new


def _params(kind, raw, at: str, report):
    extra = {k: v for k, v in (raw.model_extra or {}).items()}
    try:
        return kind.params.model_validate(extra)
    except ValidationError as exc:
        for path, message, value in pydantic_problems(exc):
            report('D404', f'{at}.{path}', f"{raw.kind}: {message}", value=value)
        return None


def _register(catalog: Catalog, key: str | None, at: str, report):
    if key is None:
        report('D405', at, 'this widget needs register = "<key>"')
        return None
    register = catalog.register(key)
    if register is None and key not in catalog.broken:     # a broken register's file reports its own problems
        report('D405', at, f"unknown register '{key}'", value=key,
               allowed=sorted(set(catalog.registers) | set(catalog.broken)), near=key)
    return register


def _skipped(catalog: Catalog, register, raw, at: str, report) -> bool:
    """A widget over a field whose type is unknown (or a register that could not be read) is not checked: one
    message, no cascade of problems that are really that field's."""
    params = dict(raw.model_extra or {})
    keys = [register.key] if register is not None else []
    keys += [v['register'] for v in params.values() if isinstance(v, dict) and isinstance(v.get('register'), str)]
    if any(k in catalog.broken and k not in catalog.registers for k in keys):
        return True
    for key in keys:
        unknown = unknown_typed(catalog.register(key))
        if (name := uses(params, unknown)) is not None:
            skipped(report, at, name, unknown[name], f"this widget (register '{key}') is")
            return True
    return False


def _guarded(report, at: str, check) -> None:
    try:
        check()
    except Exception as exc:        # a kind whose check fails is a problem of its own, never a crash
        report('S000', at, f'could not be checked completely ({type(exc).__name__}: {exc})')


def _check_role_links(catalog: Catalog, issues: list[Issue], root: Path) -> None:
    report = Reporter(issues, _rel(root / 'roles.toml'))
    for key, role in catalog.roles.items():
        if role.dashboard and role.dashboard not in catalog.dashboards:
            report('R306', f'roles.{key}.dashboard', f"unknown dashboard '{role.dashboard}'", value=role.dashboard,
                   allowed=sorted(catalog.dashboards), near=role.dashboard)
