"""Load schemas/ into a Catalog: structural pass (TOML + pydantic), then cross-reference checks."""
from __future__ import annotations

from pathlib import Path

from ..errors import Issue, SchemaError
from ..schema import (
    Catalog,
    ChecklistItem,
    Clause,
    Document,
    FieldSpec,
    QueueSpec,
    RegisterSchema,
    RuleSpec,
    Transition,
    Workflow,
)
from ..schema import raw as si
from .checks import check_catalog
from .dashboards import load_dashboards
from .report import _BASE, Reporter, _rel, lenient, read_toml, structural
from .roles import load_roles

REGISTER_DIR = 'registers'


def load_catalog(schema_dir: Path | str) -> tuple[Catalog | None, list[Issue]]:
    """Read every schema file; return the catalog (None if any error) and all issues found. Never raises: a
    stage that fails unexpectedly becomes an issue of its own and the other stages still report."""
    root = Path(schema_dir)
    _BASE.append(root.parent)
    issues: list[Issue] = []
    try:
        return _load(root, issues)
    except Exception as exc:        # the last safety net: the checker reports, it never crashes the portal
        Reporter(issues, _rel(root))('S000', '', f'the check stopped unexpectedly ({type(exc).__name__}: {exc}); '
                                     'the problems above were found before it')
        return None, issues
    finally:
        _BASE.pop()


def _load(root: Path, issues: list[Issue]) -> tuple[Catalog | None, list[Issue]]:
    documents = guarded(issues, _rel(root / 'regulations.toml'), lambda: _load_regulations(root, issues)) or ()
    registers, broken = {}, []
    register_dir = root / REGISTER_DIR
    files = _register_files(root, register_dir, issues)
    for path in files:
        register, clean = guarded(issues, _rel(path), lambda path=path: _load_register(path, issues)) or (None, False)
        if register is not None:
            registers[register.key] = register
        if not clean:
            broken.append(path.stem)
    policies = _load_policies(root, issues)
    catalog = Catalog(registers=registers, documents=documents, policies=policies, broken=tuple(broken))
    catalog = guarded(issues, _rel(root / 'roles.toml'), lambda: load_roles(root, catalog, issues)) or catalog
    catalog = guarded(issues, _rel(root / 'dashboards.toml'),
                      lambda: load_dashboards(root, catalog, issues)) or catalog
    check_catalog(catalog, issues, root)
    errors = [i for i in issues if i.severity == 'error']
    return (None if errors else catalog), issues


def _register_files(root: Path, register_dir: Path, issues: list[Issue]) -> list[Path]:
    """The register files; a subfolder or a file that is not *.toml is reported (it would be silently unread)."""
    if not register_dir.is_dir():
        Reporter(issues, _rel(register_dir))('S001', '', 'no register files (*.toml) found')
        return []
    files = []
    for path in sorted(register_dir.iterdir()):
        if path.name.startswith('.') or path.name.endswith('~'):
            continue                   # editors' swap and backup files
        if path.is_dir():
            Reporter(issues, _rel(path))('S005', '', 'a subfolder is not read: register files must sit directly in '
                                         f'{_rel(register_dir)}/ (move the .toml files up)', severity='warning')
        elif path.suffix != '.toml':
            Reporter(issues, _rel(path))('S006', '', 'not a register file (only *.toml files are read); ignored',
                                         severity='warning')
        else:
            files.append(path)
    if not files:
        Reporter(issues, _rel(register_dir))('S001', '', 'no register files (*.toml) found')
    for path in sorted(root.iterdir()) if root.is_dir() else []:
        if not path.name.startswith('.') and path.name not in KNOWN_ENTRIES and not path.name.endswith('~'):
            Reporter(issues, _rel(path))('S007', '', 'not a schema file the portal reads; ignored', severity='warning',
                                         allowed=sorted(KNOWN_ENTRIES), near=path.name)
    return files


KNOWN_ENTRIES = frozenset({'registers', 'policy', 'regulations.toml', 'roles.toml', 'dashboards.toml'})


def guarded(issues: list[Issue], file: str, stage):
    """Run one stage of the check; an unexpected failure is reported against its file and the check goes on."""
    try:
        return stage()
    except Exception as exc:
        Reporter(issues, file)('S000', '', f'this file could not be checked completely ({type(exc).__name__}: '
                               f'{exc}); the other problems are still reported')
        return None


def load_or_raise(schema_dir: Path | str) -> Catalog:
    catalog, issues = load_catalog(schema_dir)
    if catalog is None:
        raise SchemaError([i for i in issues if i.severity == 'error'])
    return catalog


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
                                  summary_en=clause.summary_en, source=clause.source or doc.source,
                                  shown_only=clause.shown_only, shown_only_en=clause.shown_only_en))
        documents.append(Document(id=doc.id, title=doc.title, title_en=doc.title_en, source=doc.source,
                                  clauses=tuple(clauses)))
    return tuple(documents)


def _load_register(path: Path, issues: list[Issue]) -> tuple[RegisterSchema | None, bool]:
    """(register, clean): a file with structural problems still gives the register its valid parts (for the
    cross-references of the others), marked not clean; only unreadable TOML gives no register at all."""
    key = path.stem
    data = read_toml(path, issues, key)
    if data is None:
        return None, False
    report = Reporter(issues, _rel(path), key, names=_raw_names(data))
    parsed, clean = lenient(si.RegisterIn, data, report)
    if parsed is None:
        return None, False
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
        indexes=tuple(tuple(i) for i in parsed.indexes), retired=tuple(parsed.retired),
        month_field=parsed.month_field), clean


def _raw_names(data: dict) -> dict[int, str]:
    fields = data.get('fields') if isinstance(data, dict) else None
    if not isinstance(fields, list):
        return {}
    return {i: f['name'] for i, f in enumerate(fields) if isinstance(f, dict) and isinstance(f.get('name'), str)}


def _field(f: si.FieldIn) -> FieldSpec:
    values = f.model_dump(exclude_unset=True)
    values['choices'] = tuple(f.choices or ())
    values['accept'] = tuple(f.accept or ())
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
