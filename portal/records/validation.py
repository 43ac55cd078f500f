"""Validation shared by forms, grid, paste, import and the API: parse by field type, defaults, computed fields,
constraints, rules (only the problems a change brings), uniqueness, workflow moves — nothing is written here."""
from __future__ import annotations

from typing import Any, Iterable

from ..errors import FieldProblem, PermissionDenied, PortalError
from ..fields import FieldError, FieldType, ValueContext
from ..people import access
from ..rules import engine as rules
from ..runtime import rt
from ..schema import Actor, FieldSpec, RegisterSchema, Rights
from ..store import db


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


def settle(register: RegisterSchema, parsed: dict[str, Any], old: dict[str, Any] | None, ctx: ValueContext,
           problems: list[FieldProblem]) -> None:
    """Let each type resolve its parsed value against the row's old one (attachments: only files the cell holds
    or this request uploaded)."""
    for name, value in parsed.items():
        spec = register.field(name)
        if type(spec.kind).settle is FieldType.settle:
            continue
        try:
            parsed[name] = spec.kind.settle((old or {}).get(name), value, spec, ctx)
        except FieldError as exc:
            problems.append(exc.problem(spec, value=value))


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


async def unique_problems(register: RegisterSchema, row: dict[str, Any], changed: Iterable[str],
                          row_id: int | None, using=None) -> list[FieldProblem]:
    """Unique fields, and the natural key as a whole, among live rows (the database's unique indexes enforce
    both; this names the row that holds the value)."""
    changed = list(changed)
    model = db.row_model(register.key)
    problems = await key_problems(register, row, changed, row_id, using)
    for name in changed:
        spec = register.field(name)
        value = row.get(name)
        if spec is None or not spec.unique or value is None or any(p.field == name for p in problems):
            continue
        qs = model.filter(deleted_at__isnull=True, **{name: value})
        if row_id is not None:
            qs = qs.exclude(id=row_id)
        if await qs.using_db(using).exists():
            problems.append(FieldProblem(field=name, key='value.unique', params={'value': spec.kind.text(value, spec)}))
    return problems


async def key_problems(register: RegisterSchema, row: dict[str, Any], changed: list[str], row_id: int | None,
                       using=None) -> list[FieldProblem]:
    """A live row that already has this row's natural key (订单号 + 货号): refused, naming that row."""
    key = register.natural_key
    if not key or not set(key) & set(changed) or any(row.get(n) is None for n in key):
        return []
    if using is not None and db.dialect() == 'postgres':
        # creates of one key wait for each other here, so the check below sees the other's row (SQLite's write
        # lock does this for every transaction); the unique index stays the last word
        name = f'{register.key}:' + '\x1f'.join(str(row[n]) for n in key)
        await using.execute_query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [name])
    qs = db.row_model(register.key).filter(deleted_at__isnull=True, **{n: row[n] for n in key})
    if row_id is not None:
        qs = qs.exclude(id=row_id)
    other = await qs.using_db(using).first().values_list('id', flat=True)
    if other is None:
        return []
    return [duplicate_key(register, row, other)]


def duplicate_key(register: RegisterSchema, row: dict[str, Any], other: int | None) -> FieldProblem:
    specs = [register.field(n) for n in register.natural_key]
    return FieldProblem(field=specs[0].name, key='value.duplicate_key' if other else 'value.key_taken', params={
        'id': other, 'labels': '+'.join(s.title() for s in specs),
        'labels_en': '+'.join(s.title('en') for s in specs),
        'key': ' / '.join(s.kind.text(row.get(s.name), s) for s in specs)})


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
        self.parsers = {name: f.kind.checked_parser(f, ctx) for name, f in self.writable.items()}
        self.defaults = {f.name: f.kind.default(f, ctx) for f in register.fields}
        self.names = frozenset(f.name for f in register.fields)
        self.settled = frozenset(f.name for f in register.fields if type(f.kind).settle is not FieldType.settle)
        self.rctx = rules.context(rt().catalog, actor, ctx.today)

    def parse(self, raw: dict[str, Any]) -> tuple[dict[str, Any], list[FieldProblem]]:
        """Each given value parsed and checked against its field's own constraints."""
        parsed, problems = {}, []
        for name, value in raw.items():
            parser = self.parsers.get(name)
            if parser is None:
                parse_values(self.register, self.granted, {name: value}, self.ctx)   # raises the right refusal
            try:
                parsed[name] = parser(value)
            except FieldError as exc:
                problems.append(exc.problem(self.writable[name], value=value))
        return parsed, problems

    def create(self, raw: dict[str, Any], checks: dict | None = None, *, history: bool = False
               ) -> tuple[dict[str, Any], list[FieldProblem]]:
        """`history`: an import may bring a row in any state its importer could have moved it to (with `checks`,
        the checklist items ticked in the file); elsewhere a new row starts in a create state."""
        register = self.register
        parsed, problems = self.parse(raw)
        if self.settled & parsed.keys():
            settle(register, parsed, None, self.ctx, problems)
        row = {**self.defaults, **parsed}
        wf = register.workflow
        if wf is not None:
            state = row.get(wf.field) or wf.initial
            row[wf.field] = state
            if history and state not in wf.create_states:
                moves, refused = rules.check_history_state(rt().catalog, register, self.actor, self.granted,
                                                           access.is_admin(rt().catalog, self.actor), row, checks)
                problems += refused
                for move in moves if not refused else ():     # what each move fills, as the grid's move would
                    for name, value in move.sets.items():
                        if row.get(name) in (None, '') and register.field(name) is not None:
                            row[name] = _transition_value(register.field(name), value, self.actor, self.ctx)
            else:
                problems += rules.check_create_state(register, state)
        computed = rules.compute(register, row, self.rctx)
        row.update(computed)
        # the given values were checked as they were parsed, the defaults by the schema check (S110): what is
        # left are the computed values, required fields and the rules
        bad = {p.field for p in problems}
        problems += [p for p in self._check(row, computed) if p.field not in bad]
        return row, problems

    def _check(self, row: dict[str, Any], given) -> list[FieldProblem]:
        """What check_row finds in a new row (every field counts as changed) beyond the values already checked."""
        problems = []
        for spec in self.register.fields:
            value = row.get(spec.name)
            if value is None:
                if spec.required:
                    problems.append(FieldProblem(field=spec.name, key='value.required', params={}))
            elif spec.name in given:
                try:
                    spec.kind.check(value, spec)
                except FieldError as exc:
                    problems.append(exc.problem(spec, value=value))
        problems += rules.evaluate(self.register, row, self.rctx)
        return problems


def prepare_update(register: RegisterSchema, granted: Rights, actor: Actor, old: dict[str, Any],
                   raw: dict[str, Any], ctx: ValueContext, rctx=None
                   ) -> tuple[dict[str, Any], list[str], list[FieldProblem]]:
    """The row after applying raw input: (new row, changed field names, problems) — nothing written. `rctx`:
    the caller's rule context, if it has one."""
    rctx = rctx or rules.context(rt().catalog, actor, ctx.today)
    parsed, problems = parse_values(register, granted, raw, ctx)
    settle(register, parsed, old, ctx, problems)
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
    row = {**old, **parsed}
    row.update(rules.compute(register, row, rctx))
    changed = [f.name for f in register.fields if row.get(f.name) != old.get(f.name)]
    if not problems:
        problems = check_row(register, row, changed, ctx, actor, old, rctx)
    return row, changed, problems


def _transition_value(spec: FieldSpec, value: Any, actor: Actor, ctx: ValueContext) -> Any:
    if value == '$me':
        return actor.username
    if value == '$now':
        return ctx.now
    if value == '$today':
        return ctx.today
    return spec.kind.parse(value, spec, ctx)
