"""The cross-reference pass: names, types, options, clauses, states, roles, rules and queues."""
from __future__ import annotations

import difflib
from typing import Any

from pydantic import ValidationError

from ..errors import Issue
from ..fields import COMMON_OPTIONS, FieldError, ValueContext, get_type, type_names
from ..i18n import t
from ..rules import conditions, get_kind, kind_names, pydantic_problems
from ..schema import SYSTEM_COLUMNS, Catalog, RegisterSchema
from .report import NAME_RE, Reporter, _rel, structural

SQL_KEYWORDS = frozenset("""
abort action add all alter always analyze and as asc attach autoincrement before begin between both by cascade case
cast check collate column commit conflict constraint create cross current current_date current_time
current_timestamp current_user database default deferrable deferred delete desc detach distinct do drop each else
end escape except exclude exclusive exists explain fail filter first following for foreign from full generated glob
grant group groups having if ignore immediate in index indexed initially inner insert instead intersect into is
isnull join key last leading left like limit localtime localtimestamp match materialized natural no not nothing
notnull null nulls of offset on only or order others outer over partition plan pragma preceding primary query raise
range recursive references regexp reindex release rename replace restrict returning right rollback row rows
savepoint select session_user set some symmetric table temp temporary then ties to trailing transaction trigger
true false unbounded union unique update user using vacuum values variadic verbose view virtual when where window
with without analyse array asymmetric authorization binary concurrently freeze ilike lateral placing similar
""".split())


MODEL_ATTRIBUTES = frozenset(n for n in dir(__import__('tortoise.models', fromlist=['Model']).Model)
                             if not n.startswith('_'))


def check_catalog(catalog: Catalog, issues: list[Issue], root=None) -> None:
    from pathlib import Path
    info = {'policies': catalog.policies, 'registers': catalog.registers, 'roles': catalog.roles,
            'root': Path(root) if root else Path('schemas')}
    labels: dict[str, str] = {}
    for register in catalog.ordered():
        report = Reporter(issues, register.file, register.key, names=_names(register))
        try:
            check_register(register, catalog, issues, info)
        except Exception as exc:       # a check that fails is a problem of its own, never a crash
            report('S000', '', f'this register could not be checked completely ({type(exc).__name__}: {exc}); '
                   'the other problems are still reported')
        first = labels.setdefault(register.label, register.key)
        if first != register.key and register.label:
            report('S115', 'label', f"label '{register.label}' is also the label of register '{first}'; each "
                   'register needs its own label (menus and messages name registers by it)', value=register.label)


def _names(register: RegisterSchema) -> dict[int, str]:
    return {i: f.name for i, f in enumerate(register.fields)}


def unknown_typed(register: RegisterSchema | None) -> dict[str, int]:
    """Fields whose type is not known (already reported as S102): name → index. Rules, queues and widgets
    that use them are skipped with one message each instead of being checked against a type that is not there."""
    if register is None:
        return {}
    return {f.name: i for i, f in enumerate(register.fields) if f.kind is None}


def uses(value: Any, names: dict[str, int]) -> str | None:
    """The first of `names` that a declaration mentions (as a value, or as a key of a condition)."""
    if not names:
        return None
    if isinstance(value, str):
        return value if value in names else None
    if isinstance(value, dict):
        for key, item in value.items():
            hit = (key if key in names else None) or uses(item, names)
            if hit:
                return hit
    if isinstance(value, (list, tuple)):
        for item in value:
            hit = uses(item, names)
            if hit:
                return hit
    return None


def skipped(report, path: str, name: str, index: int, what: str) -> None:
    report('S259', path, f"{what} not checked: it uses field '{name}', whose type is unknown (see fields[{index}])",
           value=name, severity='warning')


def check_register(register: RegisterSchema, catalog: Catalog, issues: list[Issue], info: dict[str, Any]) -> None:
    report = Reporter(issues, register.file, register.key, names=_names(register))
    _check_name(register, report)
    _check_icon(register, report)
    _check_fields(register, catalog, report)
    names = [f.name for f in register.fields]
    clauses = catalog.clauses
    for i, clause in enumerate(register.regulation):
        _clause(clause, f'regulation[{i}]', clauses, report)
    for i, name in enumerate(register.natural_key):
        if name not in names:
            report('S202', f'key[{i}]', f"natural key field '{name}' is not a field of this register", value=name,
                   allowed=names, near=name)
    if register.title_field and register.title_field not in names:
        report('S203', 'title', f"title field '{register.title_field}' is not a field of this register",
               value=register.title_field, allowed=names, near=register.title_field)
    for i, (name, _) in enumerate(register.default_sort):
        spec = register.field(name)
        if spec is None or spec.kind is not None and not spec.kind.sortable:
            report('S232', f'sort[{i}]', f"cannot sort by '{name}'", value=name, allowed=names, near=name)
    for i, columns in enumerate(register.indexes):
        for j, name in enumerate(columns):
            spec = register.field(name)
            if spec is None or spec.kind is not None and not spec.kind.sortable:
                report('S233', f'indexes[{i}][{j}]', f"cannot index '{name}'", value=name, allowed=names, near=name)
        if not 2 <= len(columns) <= 4:
            report('S234', f'indexes[{i}]', 'a composite index has 2 to 4 fields', value=list(columns))
    for i, name in enumerate(register.retired):
        if name in names:
            report('S116', f'retired[{i}]', f"'{name}' is a field of this register; only a removed field can be "
                   'retired', value=name)
    month = register.month_field
    if month is not None and (register.field(month) is None or register.field(month).kind.filter_kind != 'date'):
        report('S235', 'month_field', f"month_field '{month}' is not a date field of this register", value=month,
               allowed=[f.name for f in register.fields if f.kind.filter_kind == 'date'], near=month)
    _check_checklist(register, clauses, report)
    _check_workflow(register, catalog, report)
    _check_rules(register, catalog, report, info)
    _check_queues(register, catalog, report)


RESERVED_PREFIXES = ('portal_', 'sqlite_', 'pg_')   # the portal's own tables, SQLite's and PostgreSQL's


def _check_name(register: RegisterSchema, report: Reporter) -> None:
    key = register.key
    if not NAME_RE.match(key):
        report('S100', 'key', f"register key (file name) '{key}' must be lowercase ASCII snake_case, "
               'starting with a letter, at most 40 characters', value=key)
    elif key in SQL_KEYWORDS or key.startswith(RESERVED_PREFIXES) or key == 'information_schema':
        report('S100', 'key', f"register key (file name) '{key}' is reserved: names starting with portal_, "
               'sqlite_ or pg_ and SQL keywords belong to the portal and the database', value=key)
    elif '__' in key:
        report('S100', 'key', f"register key (file name) '{key}' is reserved: a double underscore marks the "
               "database's own tables of a register (such as its search index <key>__fts)", value=key)


def _check_icon(register: RegisterSchema, report: Reporter) -> None:
    from . import icons
    if not icons.known(register.icon):
        report('S114', 'icon', f"unknown icon '{register.icon}': use a Material Icons name "
               '(https://fonts.google.com/icons), as NiceGUI shows them', value=register.icon,
               hint=icons.near(register.icon))


def _check_fields(register: RegisterSchema, catalog: Catalog, report: Reporter) -> None:
    if not register.fields:
        report('S107', 'fields', 'a register needs at least one field')
    seen: dict[str, int] = {}
    renamed: dict[str, int] = {}
    types = type_names()
    for i, spec in enumerate(register.fields):
        at = f'fields[{i}]'
        if not NAME_RE.match(spec.name):
            report('S104', f'{at}.name', f"field name '{spec.name}' must be lowercase ASCII snake_case "
                   '(letters, digits, _), starting with a letter, at most 40 characters', value=spec.name)
        elif spec.name in SQL_KEYWORDS:
            report('S105', f'{at}.name', f"field name '{spec.name}' is an SQL keyword; choose another name",
                   value=spec.name)
        elif spec.name in SYSTEM_COLUMNS or spec.name in MODEL_ATTRIBUTES or '__' in spec.name:
            report('S109', f'{at}.name', f"field name '{spec.name}' is reserved for a system column",
                   value=spec.name, allowed=SYSTEM_COLUMNS)
        if spec.name in seen:
            report('S106', f'{at}.name', f"duplicate field name '{spec.name}' (also fields[{seen[spec.name]}])",
                   value=spec.name)
        seen.setdefault(spec.name, i)
        if spec.renamed_from:
            if spec.renamed_from in renamed:
                report('S112', f'{at}.renamed_from', f"'{spec.renamed_from}' is renamed twice", value=spec.renamed_from)
            renamed[spec.renamed_from] = i
        if spec.width is not None and not 40 <= spec.width <= 1000:
            report('S113', f'{at}.width', 'width must be between 40 and 1000 pixels', value=spec.width)
        if spec.ref is not None and spec.ref not in catalog.registers and spec.ref not in catalog.broken:
            report('S204', f'{at}.ref', f"ref to unknown register '{spec.ref}'", value=spec.ref,
                   allowed=sorted(set(catalog.registers) | set(catalog.broken)), near=spec.ref)
        if spec.type not in types:        # what the type would judge (its options, default) waits for a known type
            report('S102', f'{at}.type', f"unknown type '{spec.type}'", value=spec.type, allowed=types, near=spec.type)
            continue
        kind = get_type(spec.type)
        allowed = sorted(COMMON_OPTIONS | kind.options)
        for option in _set_options(spec):
            if option not in COMMON_OPTIONS | kind.options:
                report('S103', f'{at}.{option}', f"option '{option}' is not allowed for type '{spec.type}'",
                       value=option, allowed=allowed, near=option)
        kind.check_spec(spec, _sub(report, at))
        _check_default(spec, kind, at, report)


def _sub(report: Reporter, at: str):
    def inner(code: str, path: str, message: str, **kw: Any) -> None:
        report(code, f'{at}.{path}' if path else at, message, **kw)
    return inner


def _set_options(spec) -> list[str]:
    """Options written in the file, in declaration order of the FieldSpec."""
    return [name for name in spec.__dataclass_fields__ if name in spec.declared]


def _check_default(spec, kind, at: str, report: Reporter) -> None:
    if spec.default is None:
        return
    if isinstance(spec.default, str) and spec.default.startswith(('today', 'now', 'current_user')) \
            and spec.default not in kind.default_keywords:
        report('S111', f'{at}.default', f"default '{spec.default}' is not available for type '{spec.type}'",
               value=spec.default, allowed=sorted(kind.default_keywords) or ['a literal value'])
        return
    if isinstance(spec.default, str) and spec.default in kind.default_keywords:
        return
    from datetime import date, datetime
    ctx = ValueContext(today=date(2026, 1, 1), now=datetime(2026, 1, 1))
    try:
        kind.check(kind.parse(spec.default, spec, ctx), spec)
    except FieldError as exc:
        allowed = list(spec.choices) if spec.choices else sorted(kind.default_keywords)
        report('S110', f'{at}.default', f'default {spec.default!r} is not valid: {t(exc.key, "en", **exc.params)}',
               value=spec.default, allowed=allowed, near=str(spec.default))


def _clause(clause: str | None, path: str, clauses: dict, report: Reporter) -> None:
    if clause is not None and clause not in clauses:
        close = difflib.get_close_matches(clause, list(clauses), n=1, cutoff=0.6)
        report('S201', path, f"unknown regulation clause '{clause}' (see schemas/regulations.toml)", value=clause,
               hint=close[0] if close else None)


def _check_checklist(register: RegisterSchema, clauses: dict, report: Reporter) -> None:
    seen = set()
    states = register.workflow.states if register.workflow else ()
    for i, item in enumerate(register.checklist):
        at = f'checklist[{i}]'
        if item.id in seen:
            report('S210', f'{at}.id', f"duplicate checklist item id '{item.id}'", value=item.id)
        seen.add(item.id)
        if not NAME_RE.match(item.id):
            report('S211', f'{at}.id', f"checklist id '{item.id}' must be lowercase ASCII snake_case", value=item.id)
        _clause(item.clause, f'{at}.clause', clauses, report)
        for state in item.required_for:
            if state not in states:
                report('S206', f'{at}.required_for', f"'{state}' is not a workflow state of this register",
                       value=state, allowed=states, near=state)
        if item.required_for and not item.row:
            report('S212', f'{at}.required_for', 'a page-level item (row = false) cannot gate a status')


def _check_workflow(register: RegisterSchema, catalog: Catalog, report: Reporter) -> None:
    wf = register.workflow
    if wf is None:
        return
    spec = register.field(wf.field)
    if spec is None:
        report('S207', 'workflow.field', f"workflow field '{wf.field}' is not a field of this register",
               value=wf.field, allowed=[f.name for f in register.fields], near=wf.field)
    elif spec.kind is not None and not spec.kind.holds_state:
        report('S207', 'workflow.field', f"workflow field '{wf.field}' must have type 'status', not '{spec.type}'",
               value=spec.type, allowed=[t for t in type_names() if get_type(t).holds_state])
    states = wf.states
    if len(set(states)) != len(states):
        report('S208', 'workflow.states', 'duplicate states', value=list(states))
    for path, state in [('workflow.initial', wf.initial)] + [
            (f'workflow.create_states[{i}]', s) for i, s in enumerate(wf.create_states)] + [
            (f'workflow.locked[{i}]', s) for i, s in enumerate(wf.locked)]:
        if state not in states:
            report('S208', path, f"'{state}' is not one of the workflow states", value=state, allowed=states,
                   near=state)
    for i, name in enumerate(wf.locked_except):
        if register.field(name) is None:
            report('S217', f'workflow.locked_except[{i}]', f"unknown field '{name}'", value=name,
                   allowed=[f.name for f in register.fields], near=name)
    roles = sorted(catalog.roles)
    for i, tr in enumerate(wf.transitions):
        at = f'workflow.transitions[{i}]'
        for state in tr.source:
            if state != '*' and state not in states:
                report('S208', f'{at}.from', f"'{state}' is not one of the workflow states", value=state,
                       allowed=states, near=state)
        if tr.target not in states:
            report('S208', f'{at}.to', f"'{tr.target}' is not one of the workflow states", value=tr.target,
                   allowed=states, near=tr.target)
        for role in tr.roles:
            if catalog.roles and role not in catalog.roles:
                report('S209', f'{at}.roles', f"unknown role '{role}'", value=role, allowed=roles, near=role)
        _clause(tr.clause, f'{at}.clause', catalog.clauses, report)
        if tr.not_by is not None:
            users = [f.name for f in register.fields if f.kind is not None and f.kind.holds_user]
            if tr.not_by not in users and tr.not_by not in unknown_typed(register):
                report('S216', f'{at}.not_by', f"'{tr.not_by}' is not a user field of this register", value=tr.not_by,
                       allowed=users, near=tr.not_by)
        for name, value in tr.sets.items():
            target = register.field(name)
            if target is None:
                report('S214', f'{at}.set.{name}', f"unknown field '{name}'", value=name,
                       allowed=[f.name for f in register.fields], near=name)
            elif target.kind is not None and not (isinstance(value, str) and value in TRANSITION_VALUES):
                _check_literal(target, value, f'{at}.set.{name}', report)
    _clause(wf.clause, 'workflow.clause', catalog.clauses, report)


TRANSITION_VALUES = ('$me', '$now', '$today')


def _check_literal(spec, value, path: str, report: Reporter) -> None:
    from datetime import date, datetime
    ctx = ValueContext(today=date(2026, 1, 1), now=datetime(2026, 1, 1))
    try:
        spec.kind.check(spec.kind.parse(value, spec, ctx), spec)
    except FieldError as exc:
        report('S215', path, f'{value!r} does not fit field {spec.name!r}: {t(exc.key, "en", **exc.params)}',
               value=value, allowed=TRANSITION_VALUES)


def _check_rules(register: RegisterSchema, catalog: Catalog, report: Reporter, info: dict) -> None:
    from dataclasses import replace
    ids = set()
    checked = []
    unknown = unknown_typed(register)
    for i, rule in enumerate(register.rules):
        at = f'rules[{i}]'
        sub = _sub(report, at)
        kind = get_kind(rule.kind)
        if kind is None:
            report('S220', f'{at}.kind', f"unknown rule kind '{rule.kind}'", value=rule.kind, allowed=kind_names(),
                   near=rule.kind)
            continue
        _clause(rule.clause, f'{at}.clause', catalog.clauses, report)
        if rule.id:
            if rule.id in ids:
                report('S222', f'{at}.id', f"duplicate rule id '{rule.id}'", value=rule.id)
            ids.add(rule.id)
        if (name := uses([rule.params, rule.when], unknown)) is not None:
            skipped(report, at, name, unknown[name], 'this rule is')
            continue
        if rule.when is not None:
            conditions.check(rule.when, register, sub, 'when')
        try:
            params = kind.parse_params(rule.params)
        except ValidationError as exc:
            for path, message, value in pydantic_problems(exc):
                report('S221', f'{at}.{path}', f"rule kind '{rule.kind}': {message}", value=value)
            continue
        try:
            kind.check_decl(register, rule, params, sub, info)
            _check_policy(kind, params, catalog, report.issues, info['root'])
        except Exception as exc:
            report('S000', at, f"rule kind '{rule.kind}' could not check this rule ({type(exc).__name__}: {exc})")
            continue
        checked.append((i, replace(rule, params=params)))
    # keep the validated parameters on the frozen register (rules are evaluated from them)
    if len(checked) == len(register.rules):
        object.__setattr__(register, 'rules', tuple(r for _, r in checked))


def _check_policy(kind, params, catalog: Catalog, issues: list[Issue], root) -> None:
    model = getattr(kind, 'policy_model', None)
    name = getattr(params, 'policy', None)
    if model is None or name is None or name not in catalog.policies:
        return
    raw = catalog.policies[name]
    if isinstance(raw, model):
        return
    report = Reporter(issues, _rel(root / 'policy' / f'{name}.toml'))
    parsed = structural(model, raw, report)
    if parsed is not None:
        for i, clause in enumerate(parsed.clauses):
            _clause(clause, f'clauses[{i}]', catalog.clauses, report)
        catalog.policies[name] = parsed


def _check_queues(register: RegisterSchema, catalog: Catalog, report: Reporter) -> None:
    seen = set()
    deadlines = [r.id for r in register.rules if r.id and hasattr(get_kind(r.kind), 'is_overdue')]
    for i, queue in enumerate(register.queues):
        at = f'queues[{i}]'
        if queue.id in seen:
            report('S230', f'{at}.id', f"duplicate queue id '{queue.id}'", value=queue.id)
        seen.add(queue.id)
        if (name := uses(queue.filter, unknown_typed(register))) is not None:
            skipped(report, f'{at}.filter', name, unknown_typed(register)[name], 'this queue filter is')
        else:
            conditions.check(queue.filter, register, _sub(report, at), 'filter')
        if queue.overdue is not None and queue.overdue not in deadlines:
            report('S231', f'{at}.overdue', f"'{queue.overdue}' is not the id of a deadline rule of this register",
                   value=queue.overdue, allowed=deadlines, near=queue.overdue)
        for role in queue.roles:
            if catalog.roles and role not in catalog.roles:
                report('S209', f'{at}.roles', f"unknown role '{role}'", value=role, allowed=sorted(catalog.roles),
                       near=role)
