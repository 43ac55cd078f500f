"""Validation shared by forms, grid, paste, import and the API: parse by field type, defaults, computed fields,
constraints, rules (only the problems a change brings), uniqueness, workflow moves — nothing is written here."""
from __future__ import annotations

from typing import Any, Iterable

from . import access, db
from .access import Actor
from .errors import FieldProblem, PermissionDenied, PortalError
from .fields import FieldError, ValueContext
from .rules import engine as rules
from .runtime import rt
from .schema import FieldSpec, RegisterSchema, Rights


def parse_values(register: RegisterSchema, granted: Rights, raw: dict[str, Any], ctx: ValueContext
                 ) -> tuple[dict[str, Any], list[FieldProblem]]:
    """Parse user input by field type. Unknown, hidden and read-only fields refuse the whole call."""
    parsed, problems = {}, []
    for name, value in raw.items():
        spec = register.field(name)
        if spec is None or spec.name in granted.hidden:
            raise PortalError('error.unknown_field', field=name)
        if not access.writable(spec, granted):
            raise PermissionDenied('perm.column', label=spec.title(ctx.lang))
        try:
            parsed[name] = spec.kind.parse(value, spec, ctx)
        except FieldError as exc:
            problems.append(exc.problem(spec, value=value))
    return parsed, problems


def check_row(register: RegisterSchema, row: dict[str, Any], changed: Iterable[str], ctx: ValueContext,
              actor: Actor | None, old: dict[str, Any] | None = None, rctx=None) -> list[FieldProblem]:
    """Constraints of changed fields, required fields, and rules — only problems this change brings."""
    changed = changed if isinstance(changed, (set, frozenset)) else set(changed)
    problems = []
    for spec in register.fields:
        if spec.name not in changed:
            continue
        value = row.get(spec.name)
        if value is None:          # (no type has a constraint on an empty value but required)
            if spec.required:
                problems.append(FieldProblem(field=spec.name, key='value.required', params={}))
            continue
        try:
            spec.kind.check(value, spec)
        except FieldError as exc:
            problems.append(exc.problem(spec, value=value))
    rctx = rctx or rules.context(rt().catalog, actor, ctx.today)
    before = {(p.field, p.key) for p in rules.evaluate(register, old, rctx)} if old is not None else set()
    for p in rules.evaluate(register, row, rctx):
        if p.field in changed or (p.field, p.key) not in before:
            problems.append(p)
    return problems


def with_computed(register: RegisterSchema, row: dict[str, Any], actor: Actor | None, ctx: ValueContext
                  ) -> dict[str, Any]:
    return {**row, **rules.compute(register, row, rules.context(rt().catalog, actor, ctx.today))}


async def unique_problems(register: RegisterSchema, row: dict[str, Any], changed: Iterable[str],
                          row_id: int | None, using=None) -> list[FieldProblem]:
    problems = []
    model = db.row_model(register.key)
    for name in changed:
        spec = register.field(name)
        value = row.get(name)
        if spec is None or not spec.unique or value is None:
            continue
        qs = model.filter(deleted_at__isnull=True, **{name: value})
        if row_id is not None:
            qs = qs.exclude(id=row_id)
        if await qs.using_db(using).exists():
            problems.append(FieldProblem(field=name, key='value.unique', params={'value': spec.kind.text(value, spec)}))
    return problems


def prepare_create(register: RegisterSchema, granted: Rights, actor: Actor, raw: dict[str, Any], ctx: ValueContext
                   ) -> tuple[dict[str, Any], list[FieldProblem]]:
    """A new row from raw input: parsed, defaults filled, computed, checked (nothing written)."""
    return Preparer(register, granted, actor, ctx).create(raw)


class Preparer:
    """What preparing rows needs that does not change from row to row (imports prepare 100,000 of them):
    the writable fields, the defaults, the rule context."""

    def __init__(self, register: RegisterSchema, granted: Rights, actor: Actor, ctx: ValueContext) -> None:
        self.register, self.granted, self.actor, self.ctx = register, granted, actor, ctx
        self.writable = {f.name: f for f in register.fields if access.writable(f, granted)}
        self.defaults = {f.name: f.kind.default(f, ctx) for f in register.fields}
        self.names = frozenset(f.name for f in register.fields)
        self.rctx = rules.context(rt().catalog, actor, ctx.today)

    def parse(self, raw: dict[str, Any]) -> tuple[dict[str, Any], list[FieldProblem]]:
        parsed, problems = {}, []
        for name, value in raw.items():
            spec = self.writable.get(name)
            if spec is None:
                parse_values(self.register, self.granted, {name: value}, self.ctx)   # raises the right refusal
            try:
                parsed[name] = spec.kind.parse(value, spec, self.ctx)
            except FieldError as exc:
                problems.append(exc.problem(spec, value=value))
        return parsed, problems

    def create(self, raw: dict[str, Any]) -> tuple[dict[str, Any], list[FieldProblem]]:
        register = self.register
        parsed, problems = self.parse(raw)
        row = {**self.defaults, **parsed}
        if register.workflow is not None:
            state = row.get(register.workflow.field) or register.workflow.initial
            row[register.workflow.field] = state
            problems += rules.check_create_state(register, state)
        row = {**row, **rules.compute(register, row, self.rctx)}
        bad = {p.field for p in problems}
        problems += [p for p in check_row(register, row, self.names, self.ctx, self.actor, rctx=self.rctx)
                     if p.field not in bad]
        return row, problems


def prepare_update(register: RegisterSchema, granted: Rights, actor: Actor, old: dict[str, Any],
                   raw: dict[str, Any], ctx: ValueContext) -> tuple[dict[str, Any], list[str], list[FieldProblem]]:
    """The row after applying raw input: (new row, changed field names, problems) — nothing written."""
    parsed, problems = parse_values(register, granted, raw, ctx)
    rules.guard_locked(register, old, [n for n, v in parsed.items() if v != old.get(n)])
    wf = register.workflow
    if wf is not None and wf.field in parsed and parsed[wf.field] != old.get(wf.field):
        problems += rules.check_transition(rt().catalog, register, actor, granted,
                                           access.is_admin(rt().catalog, actor), old.get('checks'),
                                           old.get(wf.field), parsed[wf.field], rows=(old, {**old, **parsed}))
        move = wf.find(old.get(wf.field), parsed[wf.field])
        for name, value in (move.sets.items() if move and not problems else ()):
            if name not in parsed and old.get(name) in (None, ''):
                parsed[name] = _transition_value(register.field(name), value, actor, ctx)
    row = with_computed(register, {**old, **parsed}, actor, ctx)
    changed = [f.name for f in register.fields if row.get(f.name) != old.get(f.name)]
    if not problems:
        problems = check_row(register, row, changed, ctx, actor, old)
    return row, changed, problems


def _transition_value(spec: FieldSpec, value: Any, actor: Actor, ctx: ValueContext) -> Any:
    if value == '$me':
        return actor.username
    if value == '$now':
        return ctx.now
    if value == '$today':
        return ctx.today
    return spec.kind.parse(value, spec, ctx)
