"""Load schemas/ into a Catalog: structural pass (TOML + pydantic), then cross-reference checks."""
from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any, Callable

from pydantic import BaseModel, ValidationError

from . import schema_in as si
from .errors import Issue, SchemaError
from .schema import (Catalog, ChecklistItem, Clause, Document, FieldSpec, QueueSpec, RegisterSchema, RuleSpec,
                     Transition, Workflow)

REGISTER_DIR = 'registers'


class Reporter:
    """Collects issues for one file/register; `near` turns into a did-you-mean hint."""

    def __init__(self, issues: list[Issue], file: str, register: str | None = None, prefix: str = '') -> None:
        self.issues, self.file, self.register, self.prefix = issues, file, register, prefix

    def __call__(self, code: str, path: str, message: str, *, value: Any = None, allowed=(), near: str | None = None,
                 severity: str = 'error', hint: str | None = None) -> None:
        allowed = tuple(str(a) for a in allowed)
        if near is not None and allowed and hint is None:
            close = difflib.get_close_matches(str(near), allowed, n=1, cutoff=0.5)
            hint = close[0] if close else None
        full = f'{self.prefix}.{path}' if self.prefix and path else (self.prefix or path)
        self.issues.append(Issue(code=code, file=self.file, register=self.register, path=full, message=message,
                                 value=value, allowed=allowed, hint=hint, severity=severity))

    def at(self, prefix: str) -> Reporter:
        full = f'{self.prefix}.{prefix}' if self.prefix else prefix
        return Reporter(self.issues, self.file, self.register, full)


def load_catalog(schema_dir: Path | str) -> tuple[Catalog | None, list[Issue]]:
    """Read every schema file; return the catalog (None if any error) and all issues found."""
    root = Path(schema_dir)
    _BASE.append(root.parent)
    try:
        return _load(root)
    finally:
        _BASE.pop()


def _load(root: Path) -> tuple[Catalog | None, list[Issue]]:
    from .checks import check_catalog
    issues: list[Issue] = []
    documents = _load_regulations(root, issues)
    registers, broken = {}, []
    register_dir = root / REGISTER_DIR
    files = sorted(register_dir.glob('*.toml')) if register_dir.is_dir() else []
    if not files:
        Reporter(issues, _rel(register_dir))('S001', '', 'no register files (*.toml) found')
    for path in files:
        register = _load_register(path, issues)
        if register is not None:
            registers[register.key] = register
        else:
            broken.append(path.stem)
    policies = _load_policies(root, issues)
    catalog = Catalog(registers=registers, documents=documents, policies=policies, broken=tuple(broken))
    from .roles import load_roles
    catalog = load_roles(root, catalog, issues)
    from .dashboards import load_dashboards
    catalog = load_dashboards(root, catalog, issues)
    check_catalog(catalog, issues, root)
    errors = [i for i in issues if i.severity == 'error']
    return (None if errors else catalog), issues


def load_or_raise(schema_dir: Path | str) -> Catalog:
    catalog, issues = load_catalog(schema_dir)
    if catalog is None:
        raise SchemaError([i for i in issues if i.severity == 'error'])
    return catalog


def read_toml(path: Path, issues: list[Issue], register: str | None = None) -> dict | None:
    try:
        return tomllib.loads(path.read_text(encoding='utf-8'))
    except tomllib.TOMLDecodeError as exc:
        Reporter(issues, _rel(path), register)('S002', '', f'not valid TOML: {exc}')
    except UnicodeDecodeError as exc:
        Reporter(issues, _rel(path), register)('S003', '', f'not UTF-8 text: {exc}')
    return None


def structural(model: type[BaseModel], data: dict, report: Reporter, context: Callable[[tuple], tuple] | None = None
               ) -> BaseModel | None:
    """Validate raw TOML with a pydantic model; turn each error into an Issue with path, allowed, hint."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = err['loc']
            path = pathify(loc)
            if err['type'] == 'extra_forbidden':
                allowed = _allowed_keys(model, loc[:-1], data)
                report('S010', path, f"unknown key '{loc[-1]}'", value=loc[-1], allowed=allowed, near=str(loc[-1]))
            elif err['type'] == 'missing':
                report('S011', path, f"missing required key '{loc[-1]}'")
            elif err['type'] == 'literal_error':
                expected = err.get('ctx', {}).get('expected', '')
                allowed = [a.strip(" '") for a in expected.replace(' or ', ',').split(',')]
                report('S012', path, f'{err["input"]!r} is not allowed', value=err.get('input'), allowed=allowed,
                       near=str(err.get('input')))
            else:
                report('S013', path, f'wrong kind of value {err.get("input")!r}: {err["msg"]}', value=err.get('input'))
        return None


def pathify(loc: tuple) -> str:
    out = ''
    for part in loc:
        if isinstance(part, int):
            out += f'[{part}]'
        else:
            out += ('.' if out else '') + str(part)
    return out


def _allowed_keys(model: type[BaseModel], loc: tuple, data: Any) -> list[str]:
    """The keys the model accepts at `loc` (walks nested models by annotation)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        field = current.model_fields.get(part) if hasattr(current, 'model_fields') else None
        if field is None:
            field = next((f for f in current.model_fields.values() if f.alias == part), None)
        current = _inner_model(field.annotation) if field else None
    if current is None:
        return []
    return sorted(f.alias or name for name, f in current.model_fields.items())


def _inner_model(annotation: Any) -> Any:
    import typing
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None


def _load_regulations(root: Path, issues: list[Issue]) -> tuple[Document, ...]:
    path = root / 'regulations.toml'
    report = Reporter(issues, _rel(path))
    if not path.exists():
        report('S004', '', 'missing: the regulations file is required (registers cite its clauses)')
        return ()
    data = read_toml(path, issues)
    parsed = structural(si.RegulationsIn, data, report) if data is not None else None
    if parsed is None:
        return ()
    documents, seen = [], {}
    for d_index, doc in enumerate(parsed.documents):
        clauses = []
        for c_index, clause in enumerate(doc.clauses):
            where = f'documents[{d_index}].clauses[{c_index}].id'
            if clause.id in seen:
                report('S020', where, f"duplicate clause id '{clause.id}' (first at {seen[clause.id]})",
                       value=clause.id)
                continue
            seen[clause.id] = where
            clauses.append(Clause(id=clause.id, document=doc.id, heading=clause.heading, text=clause.text,
                                  summary_en=clause.summary_en, source=clause.source or doc.source))
        documents.append(Document(id=doc.id, title=doc.title, title_en=doc.title_en, source=doc.source,
                                  clauses=tuple(clauses)))
    return tuple(documents)


def _load_register(path: Path, issues: list[Issue]) -> RegisterSchema | None:
    key = path.stem
    report = Reporter(issues, _rel(path), key)
    data = read_toml(path, issues, key)
    if data is None:
        return None
    parsed = structural(si.RegisterIn, data, report)
    if parsed is None:
        return None
    fields = tuple(_field(f) for f in parsed.fields)
    workflow = _workflow(parsed.workflow) if parsed.workflow else None
    if workflow:   # a status field's choices are the workflow's states
        fields = tuple(_with_states(f, workflow) for f in fields)
    title = parsed.title or (fields[0].name if fields else '')
    return RegisterSchema(
        key=key, file=_rel(path), label=parsed.label, label_en=parsed.label_en, icon=parsed.icon,
        regulation=tuple(parsed.regulation), natural_key=tuple(parsed.key), title_field=title, fields=fields,
        checklist=tuple(_checklist(c) for c in parsed.checklist), workflow=workflow,
        rules=tuple(_rule(r) for r in parsed.rules), queues=tuple(_queue(q) for q in parsed.queues),
        order=parsed.order, default_sort=tuple(_sort(s) for s in parsed.sort),
        indexes=tuple(tuple(i) for i in parsed.indexes))


def _field(f: si.FieldIn) -> FieldSpec:
    values = f.model_dump(exclude_unset=True)
    values['choices'] = tuple(f.choices or ())
    return FieldSpec(**values, declared=frozenset(f.model_fields_set))


def _with_states(f: FieldSpec, workflow: Workflow) -> FieldSpec:
    if f.name != workflow.field:
        return f
    from dataclasses import replace
    return replace(f, choices=workflow.states)


def _workflow(w: si.WorkflowIn) -> Workflow:
    transitions = tuple(
        Transition(source=tuple([t.from_] if isinstance(t.from_, str) else t.from_), target=t.to, label=t.label,
                   label_en=t.label_en, roles=tuple(t.roles), action=t.action, clause=t.clause, sets=dict(t.set),
                   not_by=t.not_by)
        for t in w.transitions)
    return Workflow(field=w.field, states=tuple(w.states), initial=w.initial,
                    create_states=tuple(w.create_states or [w.initial]), locked=tuple(w.locked),
                    locked_except=tuple(w.locked_except),
                    transitions=transitions, clause=w.clause)


def _checklist(c: si.ChecklistIn) -> ChecklistItem:
    required = [c.required_for] if isinstance(c.required_for, str) else c.required_for
    return ChecklistItem(id=c.id, text=c.text, text_en=c.text_en, clause=c.clause, required_for=tuple(required),
                         row=c.row)


def _rule(r: si.RuleIn) -> RuleSpec:
    extra = dict(r.model_extra or {})
    when = extra.get('when')
    return RuleSpec(kind=r.kind, clause=r.clause, id=r.id, params=extra, when=when, message=r.message,
                    message_en=r.message_en)


def _queue(q: si.QueueIn) -> QueueSpec:
    return QueueSpec(id=q.id, label=q.label, label_en=q.label_en, filter=q.filter, overdue=q.overdue,
                     roles=tuple(q.roles))


def _sort(text: str) -> tuple[str, str]:
    return (text[1:], 'desc') if text.startswith('-') else (text, 'asc')


def _load_policies(root: Path, issues: list[Issue]) -> dict[str, dict]:
    """Raw policy tables; the rule kinds that use them validate their content."""
    out = {}
    for path in sorted((root / 'policy').glob('*.toml')) if (root / 'policy').is_dir() else []:
        data = read_toml(path, issues)
        if data is not None:
            out[path.stem] = data
    return out


_BASE: list[Path] = []


def _rel(path: Path) -> str:
    """File names in messages start at the schema folder (schemas/registers/x.toml), wherever it lives."""
    base = _BASE[-1] if _BASE else Path.cwd()
    try:
        return str(path.resolve().relative_to(base.resolve()))
    except ValueError:
        return str(path)
