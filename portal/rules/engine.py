"""Rules at work on a row: computed fields, rule problems, overdue deadlines, workflow moves and gating."""
from __future__ import annotations

from datetime import date
from typing import Any

from tortoise.expressions import Q

from ..errors import FieldProblem, PermissionDenied
from ..i18n import add_messages
from ..schema import Actor, Catalog, ChecklistItem, RegisterSchema, Rights
from .base import RuleContext, get_kind
from .conditions import matches

add_messages({
    'workflow.no_transition': ('「{label}」不能从「{source}」直接变为「{target}」;可以变为:{allowed}',
                               '"{label_en}" cannot go from "{source}" to "{target}"; allowed: {allowed}'),
    'workflow.role': ('只有{roles}可以把「{label}」改为「{target}」', 'Only {roles} may set "{label_en}" to "{target}"'),
    'workflow.approve': ('把「{label}」改为「{target}」需要审批权限', 'Setting "{label_en}" to "{target}" needs the approve right'),
    'workflow.checklist': ('变为「{target}」前须完成检查项:{items}', 'Before "{target}", tick: {items_en}'),
    'workflow.not_self': ('这条记录的「{person}」是您本人,改为「{target}」须由其他有权限的人办理',
                          'You are the "{person_en}" of this row: someone else must set it to "{target}"'),
    'workflow.create_state': ('新记录的「{label}」只能是:{allowed}', 'A new row\'s "{label_en}" can only be: {allowed}'),
    'workflow.none': ('无', 'none'),
    'workflow.unreachable': ('导入的记录不能直接处于「{target}」:您无权从「{initial}」按流程办理到这个状态',
                             'An imported row cannot be "{target}": you could not move a row there from "{initial}" '
                             'by its workflow'),
    'workflow.history_checklist': ('处于「{target}」的记录须勾选检查项:{items}(在导入文件的检查项列中填“是”)',
                                   'A row in "{target}" needs these items ticked: {items_en} (put "yes" in their '
                                   'columns of the file)'),
    'workflow.locked': ('这条记录已是「{state}」,不能再修改「{label}」;如需更改,须先按流程改变状态',
                        'This row is "{state}": "{label_en}" can no longer change; move it out of that state first'),
    'workflow.locked_delete': ('这条记录已是「{state}」,不能删除;如需作废,请按流程办理',
                               'This row is "{state}" and cannot be deleted; use its workflow instead'),
})


def context(catalog: Catalog, actor: Actor | None, today: date) -> RuleContext:
    return RuleContext(actor=actor.username if actor else None, today=today, policies=catalog.policies)


def _active(register: RegisterSchema, ctx: RuleContext, row: dict[str, Any]):
    for rule in register.rules:
        if rule.when and not matches(rule.when, register, row, ctx.actor, ctx.today):
            continue
        yield rule, get_kind(rule.kind)


def computed_names(register: RegisterSchema) -> set[str]:
    names = set()
    for rule in register.rules:
        names.update(get_kind(rule.kind).computed_fields(rule.params))
    return names


def compute(register: RegisterSchema, row: dict[str, Any], ctx: RuleContext) -> dict[str, Any]:
    """Values of computed fields (they are recomputed on every write)."""
    out: dict[str, Any] = {}
    for rule in register.rules:
        kind = get_kind(rule.kind)
        if kind.computes:
            out.update(kind.compute(register, rule, rule.params, {**row, **out}, ctx))
    return out


def evaluate(register: RegisterSchema, row: dict[str, Any], ctx: RuleContext) -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for rule, kind in _active(register, ctx, row):
        problems.extend(kind.evaluate(register, rule, rule.params, row, ctx))
    return problems


def deadlines(register: RegisterSchema):
    return [r for r in register.rules if hasattr(get_kind(r.kind), 'is_overdue')]


def overdue(register: RegisterSchema, row: dict[str, Any], ctx: RuleContext) -> list[str]:
    return [r.id for r in deadlines(register) if get_kind(r.kind).is_overdue(register, r, r.params, row, ctx)]


def overdue_q(register: RegisterSchema, rule_id: str, actor: str | None, today: date) -> Q:
    rule = register.rule(rule_id)
    return get_kind(rule.kind).overdue_q(register, rule, rule.params, actor, today)


# --- workflow -----------------------------------------------------------------------------------------------

def moves(register: RegisterSchema, actor: Actor, granted: Rights, state: str | None, is_admin: bool,
          row: dict[str, Any] | None = None) -> list[str]:
    """Target states this actor may move `row` to from `state`."""
    wf = register.workflow
    if wf is None or 'edit' not in granted.actions and 'approve' not in granted.actions:
        return []
    out = []
    for tr in wf.moves_from(state):
        if _allowed(tr, actor, granted, is_admin) and not _own(tr, actor, row) and tr.target not in out:
            out.append(tr.target)
    return out


def _own(tr, actor: Actor, *rows: dict[str, Any] | None) -> bool:
    """Whether the move is barred because the row names the actor in the transition's `not_by` field."""
    return tr.not_by is not None and any(r and r.get(tr.not_by) == actor.username for r in rows)


def _allowed(tr, actor: Actor, granted: Rights, is_admin: bool) -> bool:
    if is_admin:
        return True
    needed = 'approve' if tr.action == 'approve' else 'edit'
    if needed not in granted.actions:
        return False
    return not tr.roles or any(r in tr.roles for r in actor.roles)


def check_transition(catalog: Catalog, register: RegisterSchema, actor: Actor, granted: Rights, is_admin: bool,
                     row_checks: dict | None, source: str | None, target: str,
                     rows: tuple[dict[str, Any] | None, ...] = ()) -> list[FieldProblem]:
    """Refuse an undeclared move (problem), a move by a role that may not make it or by the person the row is
    about where the move says `not_by` (PermissionDenied), and a move whose required checklist items are not
    ticked (problem naming the items and their clauses). `rows`: the row before and after the change."""
    wf = register.workflow
    spec = register.field(wf.field)
    labels = {'label': spec.label, 'label_en': spec.label_en or spec.label}
    tr = wf.find(source, target)
    if tr is None:
        allowed = '、'.join(t.target for t in wf.moves_from(source)) or '无'
        return [FieldProblem(field=spec.name, key='workflow.no_transition',
                             params={**labels, 'source': source or '—', 'target': target or '—', 'allowed': allowed})]
    if not _allowed(tr, actor, granted, is_admin):
        if tr.action == 'approve' and 'approve' not in granted.actions:
            raise PermissionDenied('workflow.approve', target=target, **labels)
        names = '、'.join(catalog.roles[r].label for r in tr.roles if r in catalog.roles)
        raise PermissionDenied('workflow.role', roles=names, target=target, **labels)
    if _own(tr, actor, *rows):
        person = register.field(tr.not_by)
        raise PermissionDenied('workflow.not_self', target=target, person=person.label,
                               person_en=person.label_en or person.label, **labels)
    missing = missing_checks(register, row_checks, target)
    if missing:
        items = ';'.join(f'{c.title("zh")} [{catalog.clause_label(c.clause, "zh")}]' for c in missing)
        items_en = '; '.join(f'{c.title("en")} [{catalog.clause_label(c.clause, "en")}]' for c in missing)
        return [FieldProblem(field=spec.name, key='workflow.checklist',
                             params={'target': target, 'items': items, 'items_en': items_en})]
    return []


def missing_checks(register: RegisterSchema, row_checks: dict | None, target: str) -> list[ChecklistItem]:
    ticked = row_checks or {}
    return [c for c in register.row_checklist if target in c.required_for and not ticked.get(c.id)]


def check_create_state(register: RegisterSchema, state: str | None) -> list[FieldProblem]:
    wf = register.workflow
    if wf is None or state in wf.create_states:
        return []
    spec = register.field(wf.field)
    return [FieldProblem(field=spec.name, key='workflow.create_state',
                         params={'label': spec.label, 'label_en': spec.label_en or spec.label,
                                 'allowed': '、'.join(wf.create_states)})]


def path_to(register: RegisterSchema, actor: Actor, granted: Rights, is_admin: bool, target: str
            ) -> list | None:
    """The shortest chain of declared moves this actor may make from the initial state to `target` (an empty chain
    for a state a row may be created in); None when there is none."""
    wf = register.workflow
    if target in wf.create_states:
        return []
    seen, frontier = {s: [] for s in wf.create_states}, list(wf.create_states)
    while frontier:
        state = frontier.pop(0)
        for tr in wf.moves_from(state):
            if tr.target in seen or not _allowed(tr, actor, granted, is_admin):
                continue
            seen[tr.target] = seen[state] + [tr]
            if tr.target == target:
                return seen[target]
            frontier.append(tr.target)
    return None


def check_history_state(catalog: Catalog, register: RegisterSchema, actor: Actor, granted: Rights, is_admin: bool,
                        row: dict[str, Any], checks: dict | None) -> tuple[list, list[FieldProblem]]:
    """A row brought in from an older register in any state: allowed when the importing user could have made the
    moves from the initial state, nobody made a move the row's `not_by` forbids them, and the checklist items that
    state requires are ticked. Returns (the moves, problems)."""
    wf = register.workflow
    spec = register.field(wf.field)
    target = row.get(wf.field)
    moves = path_to(register, actor, granted, is_admin, target) if target in wf.states else None
    if moves is None:
        return [], [FieldProblem(field=spec.name, key='workflow.unreachable',
                                 params={'target': target or '—', 'initial': wf.initial})]
    for tr in moves:
        if _own(tr, actor, row):
            person = register.field(tr.not_by)
            return moves, [FieldProblem(field=spec.name, key='workflow.not_self', params={
                'target': tr.target, 'person': person.label, 'person_en': person.label_en or person.label,
                'label': spec.label, 'label_en': spec.label_en or spec.label})]
    missing = missing_checks(register, checks, target)
    if missing:
        items = ';'.join(f'{c.title("zh")} [{catalog.clause_label(c.clause, "zh")}]' for c in missing)
        items_en = '; '.join(f'{c.title("en")} [{catalog.clause_label(c.clause, "en")}]' for c in missing)
        return moves, [FieldProblem(field=spec.name, key='workflow.history_checklist',
                                    params={'target': target, 'items': items, 'items_en': items_en})]
    return moves, []


def guard_locked(register: RegisterSchema, old: dict[str, Any], changing: list[str] | None = None) -> None:
    """A row in a settled (locked) state keeps its fields and stays: only a declared move takes it out. `changing`:
    the fields an update changes (None = the row is being deleted)."""
    wf = register.workflow
    state = old.get(wf.field) if wf is not None else None
    if wf is None or state not in wf.locked:
        return
    if changing is None:
        raise PermissionDenied('workflow.locked_delete', state=state)
    edits = [n for n in changing if n != wf.field and n not in wf.locked_except]
    if edits:      # a field, or a checklist item of the row
        named = register.field(edits[0]) or next((c for c in register.row_checklist if c.id == edits[0]), None)
        raise PermissionDenied('workflow.locked', state=state, label=named.title('zh') if named else edits[0],
                               label_en=named.title('en') if named else edits[0])
