"""A small declarative condition language shared by scopes, queues, rules and dashboards.

A condition is a table of field -> test, all of which must hold:
    { status = "待发货" }                       equals
    { status = ["受理", "调查中"] }             one of
    { amount = { lt = 50 } }                    comparison: eq ne lt lte gt gte in not_in
    { follow_up_date = { empty = true } }       empty / not empty
    { employee = "$me", date = { gte = "$today-30" } }   the actor, today ± days
    { date = { gte = "$month_start" } }         also $prev_month_start, $year_start
    { any = [ { amount = { lt = 50 } }, { penalty_type = "开除" } ] }   at least one of several conditions
    { issues = ["数量不符", "品名不符"] }       on a multiple choice: holds when any of the row's values is one of these
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Callable

from tortoise.expressions import Q

from ..fields import FieldError, ValueContext
from ..i18n import t
from ..schema import FieldSpec, RegisterSchema

OPS = ('eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'in', 'not_in', 'empty', 'contains')
SYSTEM_FIELDS = {
    'id': FieldSpec(name='id', type='integer', label='编号', label_en='ID'),
    'created_by': FieldSpec(name='created_by', type='user', label='创建人', label_en='Created by'),
    'updated_by': FieldSpec(name='updated_by', type='user', label='修改人', label_en='Updated by'),
    'created_at': FieldSpec(name='created_at', type='datetime', label='创建时间', label_en='Created at'),
    'updated_at': FieldSpec(name='updated_at', type='datetime', label='修改时间', label_en='Updated at'),
}
_TODAY = re.compile(r'^\$today(?:([+-])(\d+))?$')
_MONTH = {'$month_start': 0, '$prev_month_start': -1, '$year_start': None}


def month_start(today: date, shift: int = 0) -> date:
    month = today.month - 1 + shift
    return date(today.year + month // 12, month % 12 + 1, 1)


@dataclass(frozen=True, slots=True)
class Term:
    field: str
    op: str
    value: Any


def field_of(register: RegisterSchema, name: str) -> FieldSpec | None:
    return register.field(name) or SYSTEM_FIELDS.get(name)


def terms(condition: dict[str, Any]) -> list[Term]:
    out = []
    for name, test in condition.items():
        if name in ('any', 'or'):          # "or" reads naturally in a query string; it is the same as any
            out.append(Term('any', 'any', test))
        elif isinstance(test, dict):
            out.extend(Term(name, op, value) for op, value in test.items())
        elif isinstance(test, list):
            out.append(Term(name, 'in', test))
        else:
            out.append(Term(name, 'eq', test))
    return out


def check(condition: Any, register: RegisterSchema, report: Callable[..., None], path: str) -> None:
    """Report unknown fields, operators and values that the field's type rejects."""
    if not isinstance(condition, dict):
        report('S240', path, 'a condition must be a table of field = test', value=condition)
        return
    names = [f.name for f in register.fields] + list(SYSTEM_FIELDS)
    for term in terms(condition):
        where = f'{path}.{term.field}'
        if term.op == 'any':
            if not isinstance(term.value, list) or not term.value:
                report('S244', where, 'any takes a non-empty list of conditions', value=term.value)
                continue
            for i, sub in enumerate(term.value):
                check(sub, register, report, f'{where}[{i}]')
            continue
        spec = field_of(register, term.field)
        if spec is None:
            report('S241', where, f"unknown field '{term.field}'", value=term.field, allowed=names, near=term.field)
            continue
        if term.op not in OPS:
            report('S242', f'{where}.{term.op}', f"unknown operator '{term.op}'", value=term.op, allowed=OPS,
                   near=term.op)
            continue
        if term.op == 'empty':
            if not isinstance(term.value, bool):
                report('S243', f'{where}.empty', 'empty takes true or false', value=term.value)
            continue
        if spec.kind is None:        # its unknown type is reported with the field; nothing to parse the value by
            continue
        if term.op == 'contains':
            if spec.kind.storage != 'text' or not isinstance(term.value, str) or not term.value:
                report('S243', f'{where}.contains', 'contains takes some text, on a text-like field',
                       value=term.value)
            continue
        for value in (term.value if isinstance(term.value, list) else [term.value]):
            try:
                _typed(spec, value, 'someone', date(2026, 1, 1))
            except FieldError as exc:
                report('S243', where, f"value {value!r} does not fit field '{spec.name}' ({spec.type}): "
                       f'{t(exc.key, "en", **exc.params)}', value=value)


def to_q_not(condition: dict[str, Any], register: RegisterSchema, actor: str | None, today: date) -> Q:
    """The condition's negation, written out (De Morgan) so the database can still use its indexes:
    not (a and b) = (not a) or (not b); "not empty" becomes "empty" rather than NOT NOT … IS NULL."""
    parts = []
    for term in terms(condition):
        if term.op == 'empty':
            parts.append(to_q({term.field: {'empty': not term.value}}, register, actor, today))
        else:
            parts.append(~to_q({term.field: {term.op: term.value}} if term.op != 'any' else {'any': term.value},
                               register, actor, today))
    return Q(*parts, join_type='OR') if len(parts) > 1 else (parts[0] if parts else Q(id=-1))


def to_q(condition: dict[str, Any], register: RegisterSchema, actor: str | None, today: date) -> Q:
    """The condition as a database filter."""
    q = Q()
    for term in terms(condition):
        if term.op == 'any':
            alternatives = [to_q(sub, register, actor, today) for sub in term.value]
            q &= Q(*alternatives, join_type='OR')
            continue
        spec = field_of(register, term.field)
        name = term.field
        if term.op == 'empty':
            empty = Q(**{f'{name}__isnull': True})
            if spec.kind.storage == 'text':
                empty |= Q(**{name: ''})
            q &= empty if term.value else ~empty
            continue
        if term.op == 'contains':
            q &= Q(**{f'{name}__icontains': term.value})
            continue
        value = _value(spec, term.value, actor, today)
        if term.op in ('in', 'not_in'):
            values = value if isinstance(value, list) else [value]
            part = Q(**{f'{name}__in': values})
            q &= part if term.op == 'in' else ~part | Q(**{f'{name}__isnull': True})
        elif term.op == 'eq':
            q &= Q(**{name: value}) if value is not None else Q(**{f'{name}__isnull': True})
        elif term.op == 'ne':
            q &= ~Q(**{name: value}) | Q(**{f'{name}__isnull': True})
        else:
            q &= Q(**{f'{name}__{term.op}': value})
    return q


def matches(condition: dict[str, Any], register: RegisterSchema, row: dict[str, Any], actor: str | None,
            today: date) -> bool:
    """The same condition evaluated on a row in memory (rules, gating, live checks)."""
    for name, op, value in _prepared(condition, register, actor, today):
        if op == 'any':
            if not any(matches(sub, register, row, actor, today) for sub in value):
                return False
            continue
        current = row.get(name)
        if op == 'empty':
            if (current in (None, '', [])) != value:
                return False
            continue
        if op == 'contains':
            if current is None or str(value).casefold() not in str(current).casefold():
                return False
            continue
        if not _compare(op, current, value):
            return False
    return True


_PREPARED: dict[int, tuple] = {}


def _prepared(condition: dict, register: RegisterSchema, actor: str | None, today: date) -> list[tuple]:
    """Terms with their values parsed once per (condition, register, actor, day): rules run on every row of an
    import, so parsing the declared values again each time would dominate."""
    hit = _PREPARED.get(id(condition))
    if hit is not None and hit[0] is condition and hit[1] is register and hit[2] == (actor, today):
        return hit[3]
    out = []
    for term in terms(condition):
        if term.op in ('any', 'empty', 'contains'):
            out.append((term.field, term.op, term.value))
        else:
            out.append((term.field, term.op, _value(field_of(register, term.field), term.value, actor, today)))
    if len(_PREPARED) > 4096:
        _PREPARED.clear()
    _PREPARED[id(condition)] = (condition, register, (actor, today), out)
    return out


def _flat(value: Any) -> list:
    out = []
    for item in value if isinstance(value, list) else [value]:
        out.extend(item if isinstance(item, list) else [item])
    return out


def _compare(op: str, current: Any, value: Any) -> bool:
    if isinstance(current, list) and op in ('eq', 'in', 'ne', 'not_in'):   # a multiple choice: any of its values
        hit = bool(set(current) & set(_flat(value)))
        return hit if op in ('eq', 'in') else not hit
    if op == 'in':
        return current in value
    if op == 'not_in':
        return current not in value
    if op == 'eq':
        return current == value
    if op == 'ne':
        return current != value
    if current is None or value is None:
        return False
    return {'lt': current < value, 'lte': current <= value, 'gt': current > value, 'gte': current >= value}[op]


def _value(spec: FieldSpec, raw: Any, actor: str | None, today: date) -> Any:
    if isinstance(raw, list):
        return [_typed(spec, v, actor, today) for v in raw]
    return _typed(spec, raw, actor, today)


def _typed(spec: FieldSpec, raw: Any, actor: str | None, today: date) -> Any:
    if raw == '$me':
        return actor
    if raw in _MONTH:
        day = date(today.year, 1, 1) if _MONTH[raw] is None else month_start(today, _MONTH[raw])
        return datetime.combine(day, datetime.min.time()) if spec.kind.storage == 'datetime' else day
    if isinstance(raw, str) and (match := _TODAY.match(raw)):
        offset = int(match[2] or 0) * (-1 if match[1] == '-' else 1)
        day = today + timedelta(days=offset)
        return datetime.combine(day, datetime.min.time()) if spec.kind.storage == 'datetime' else day
    ctx = ValueContext(today=today, now=datetime.combine(today, datetime.min.time()), user=actor)
    return spec.kind.parse(raw, spec, ctx)
