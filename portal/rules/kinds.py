"""The general rule kinds: required_if, compare, range, authority_limit, deadline."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import StrictInt, StrictStr
from tortoise.expressions import Q

from .. import conditions
from ..errors import FieldProblem
from ..i18n import add_messages, yes_no
from ..runtime import rt
from .base import Params, RuleKind, register_kind

add_messages({
    'rule.custom': ('{message} [{clause}]', '{message_en} [{clause_en}]'),
    'rule.required_if': ('「{label}」必填({when}) [{clause}]', '"{label_en}" is required ({when_en}) [{clause_en}]'),
    'rule.compare': ('「{left}」必须{op}「{right}」 [{clause}]', '"{left_en}" must be {op_en} "{right_en}" [{clause_en}]'),
    'rule.range': ('「{label}」应在 {min} – {max} 之间,当前为 {value} [{clause}]',
                   '"{label_en}" must be between {min} and {max}, got {value} [{clause_en}]'),
    'rule.authority': ('「{label}」为 {value},超出部门处罚权限({min}–{max});需先经上级审批({unless}) [{clause}]',
                       '"{label_en}" is {value}, beyond the department\'s authority ({min}–{max}); it needs higher '
                       'approval first ({unless_en}) [{clause_en}]'),
    'rule.authority_case': ('{case},属于须上报的处罚;需先经上级审批({unless}) [{clause}]',
                            '{case_en}: a penalty that must be escalated; it needs higher approval first '
                            '({unless_en}) [{clause_en}]'),
})

# (words for numbers, words for dates and times); English says the same for both
_OPS = {'<': (('小于', '早于'), 'less than'), '<=': (('不大于', '不晚于'), 'at most'),
        '>': (('大于', '晚于'), 'greater than'), '>=': (('不小于', '不早于'), 'at least'),
        '==': (('等于', '等于'), 'equal to'), '!=': (('不等于', '不等于'), 'different from')}
_TEMPORAL = {'date', 'datetime', 'time'}


def _problem(field: str, rule, key: str, **params: Any) -> FieldProblem:
    cited = cite(rule.clause)
    if rule.message:
        return FieldProblem(field=field, key='rule.custom',
                            params={'message': rule.message, 'message_en': rule.message_en or rule.message, **cited})
    return FieldProblem(field=field, key=key, params={**cited, **params})


def cite(clause_id: str) -> dict[str, str]:
    """A clause as messages cite it — 《仓储管理制度》入库 1 (zh) / its English form — and its id."""
    catalog = rt().catalog
    return {'clause': catalog.clause_label(clause_id, 'zh'), 'clause_en': catalog.clause_label(clause_id, 'en'),
            'clause_id': clause_id}


def _labels(register, name: str) -> dict[str, str]:
    spec = register.field(name)
    return {'label': spec.label, 'label_en': spec.label_en or spec.label}


_OP_WORDS = {'eq': ('为', 'is'), 'ne': ('不是', 'is not'), 'in': ('为', 'is'), 'not_in': ('不是', 'is not'),
             'lt': ('小于', '<'), 'lte': ('不大于', '≤'), 'gt': ('大于', '>'), 'gte': ('不小于', '≥')}


def describe(register, condition: dict[str, Any], lang: str = 'zh') -> str:
    """A condition in words: 「处罚方式」为 罚款/赔偿."""
    parts = []
    en = lang == 'en'
    for term in conditions.terms(condition):
        if term.op == 'any':
            parts.append((' or ' if en else ' 或 ').join(describe(register, c, lang) for c in term.value))
            continue
        spec = conditions.field_of(register, term.field)
        label = (spec.label_en or spec.label) if en else spec.label
        name = f'"{label}"' if en else f'「{label}」'
        if term.op == 'empty':
            word = ('is empty' if term.value else 'is filled') if en else ('为空' if term.value else '已填写')
            parts.append(f'{name} {word}' if en else f'{name}{word}')
            continue
        values = term.value if isinstance(term.value, list) else [term.value]
        value = '/'.join(yes_no(v, lang) if isinstance(v, bool) else str(v) for v in values)   # not 'False'
        word = _OP_WORDS[term.op][1 if en else 0]
        parts.append(f'{name} {word} {value}' if en else f'{name}{word} {value}')
    return (', ' if en else ',').join(parts)


class _FieldCheck:
    def need_field(self, register, name: str, path: str, report) -> bool:
        if register.field(name) is None:
            report('S251', path, f"unknown field '{name}'", value=name, allowed=[f.name for f in register.fields],
                   near=name)
            return False
        return True


@register_kind
class RequiredIf(_FieldCheck, RuleKind):
    name = 'required_if'

    class params(Params):
        field: StrictStr

    def check_decl(self, register, rule, p, report, info) -> None:
        self.need_field(register, p.field, 'field', report)
        if rule.when is None:
            report('S252', 'when', "a 'required_if' rule needs when = { … }", value=None)

    def evaluate(self, register, rule, p, row, ctx):
        if row.get(p.field) in (None, '', []):
            return [_problem(p.field, rule, 'rule.required_if', when=describe(register, rule.when or {}) + '时',
                             when_en=describe(register, rule.when or {}, 'en'), **_labels(register, p.field))]
        return []


@register_kind
class Compare(_FieldCheck, RuleKind):
    name = 'compare'

    class params(Params):
        left: StrictStr
        op: Literal['<', '<=', '>', '>=', '==', '!=']
        right: StrictStr

    def check_decl(self, register, rule, p, report, info) -> None:
        ok = self.need_field(register, p.left, 'left', report) & self.need_field(register, p.right, 'right', report)
        if ok and register.field(p.left).kind.storage != register.field(p.right).kind.storage:
            report('S253', 'right', f"'{p.left}' and '{p.right}' hold different kinds of values", value=p.right)

    def evaluate(self, register, rule, p, row, ctx):
        left, right = row.get(p.left), row.get(p.right)
        if left is None or right is None:
            return []
        holds = {'<': left < right, '<=': left <= right, '>': left > right, '>=': left >= right,
                 '==': left == right, '!=': left != right}[p.op]
        if holds:
            return []
        a, b = _labels(register, p.left), _labels(register, p.right)
        words, op_en = _OPS[p.op]
        op = words[register.field(p.left).kind.name in _TEMPORAL]
        return [_problem(p.left, rule, 'rule.compare', left=a['label'], left_en=a['label_en'], right=b['label'],
                         right_en=b['label_en'], op=op, op_en=op_en)]


@register_kind
class Range(_FieldCheck, RuleKind):
    name = 'range'

    class params(Params):
        field: StrictStr
        min: float | None = None
        max: float | None = None

    def check_decl(self, register, rule, p, report, info) -> None:
        if self.need_field(register, p.field, 'field', report) and register.field(p.field).kind.filter_kind != 'number':
            report('S254', 'field', f"'{p.field}' is not a number field", value=p.field)

    def evaluate(self, register, rule, p, row, ctx):
        value = row.get(p.field)
        if value is None or _within(value, p.min, p.max):
            return []
        return [_problem(p.field, rule, 'rule.range', value=value, min=_num(p.min), max=_num(p.max),
                         **_labels(register, p.field))]


@register_kind
class AuthorityLimit(Range):
    """A value outside the limits (or a case named in also_when) needs an escalation recorded in the row."""

    name = 'authority_limit'

    class params(Params):
        field: StrictStr
        min: float | None = None
        max: float | None = None
        also_when: dict[str, Any] | None = None
        unless: dict[str, Any]

    def check_decl(self, register, rule, p, report, info) -> None:
        super().check_decl(register, rule, p, report, info)
        if p.also_when is not None:
            conditions.check(p.also_when, register, report, 'also_when')
        conditions.check(p.unless, register, report, 'unless')

    def _beyond(self, p, row) -> bool:
        value = row.get(p.field)
        return value is not None and not _within(value, p.min, p.max)

    def _named(self, register, p, row, ctx) -> bool:
        return p.also_when is not None and conditions.matches(p.also_when, register, row, ctx.actor, ctx.today)

    def needs_escalation(self, register, p, row, ctx) -> bool:
        return self._beyond(p, row) or self._named(register, p, row, ctx)

    def evaluate(self, register, rule, p, row, ctx):
        if not self.needs_escalation(register, p, row, ctx):
            return []
        if conditions.matches(p.unless, register, row, ctx.actor, ctx.today):
            return []
        unless = {'unless': describe(register, p.unless), 'unless_en': describe(register, p.unless, 'en')}
        if self._beyond(p, row):     # the amount is the reason: say it, in the field's own format
            spec = register.field(p.field)
            return [_problem(p.field, rule, 'rule.authority', value=spec.kind.text(row[p.field], spec),
                             min=_num(p.min), max=_num(p.max), **unless, **_labels(register, p.field))]
        named = [t.field for t in conditions.terms(p.also_when) if t.op != 'any']     # the case: at its field
        return [_problem(named[0] if named else p.field, rule, 'rule.authority_case',
                         case=describe(register, p.also_when), case_en=describe(register, p.also_when, 'en'),
                         **unless)]


@register_kind
class Deadline(_FieldCheck, RuleKind):
    """Rows must reach `done_when` within `days` of `start`; late ones are overdue (highlighted, queued)."""

    name = 'deadline'

    class params(Params):
        start: StrictStr
        days: StrictInt
        done_when: dict[str, Any]
        label: StrictStr
        label_en: StrictStr = ''

    def check_decl(self, register, rule, p, report, info) -> None:
        if self.need_field(register, p.start, 'start', report) and register.field(p.start).kind.filter_kind not in (
                'date', 'datetime'):
            report('S255', 'start', f"'{p.start}' is not a date field", value=p.start)
        conditions.check(p.done_when, register, report, 'done_when')
        if not rule.id:
            report('S256', 'id', 'a deadline rule needs an id (queues and dashboards refer to it)', value=None)

    def due(self, p, row) -> date | None:
        start = row.get(p.start)
        if start is None:
            return None
        start = start.date() if hasattr(start, 'date') and callable(start.date) else start
        return start + timedelta(days=p.days)

    def is_overdue(self, register, rule, p, row, ctx) -> bool:
        due = self.due(p, row)
        if due is None or ctx.today <= due:
            return False
        if rule.when and not conditions.matches(rule.when, register, row, ctx.actor, ctx.today):
            return False
        return not conditions.matches(p.done_when, register, row, ctx.actor, ctx.today)

    def overdue_q(self, register, rule, p, actor: str | None, today: date) -> Q:
        q = Q(**{f'{p.start}__lt': today - timedelta(days=p.days)}) & conditions.to_q_not(p.done_when, register,
                                                                                         actor, today)
        if rule.when:
            q &= conditions.to_q(rule.when, register, actor, today)
        return q


def _within(value, low, high) -> bool:
    value = Decimal(str(value))
    return (low is None or value >= Decimal(str(low))) and (high is None or value <= Decimal(str(high)))


def _num(value) -> str:
    if value is None:
        return '—'
    return str(int(value)) if float(value).is_integer() else str(value)
