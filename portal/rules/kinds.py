"""The general rule kinds: required_if, compare, range, authority_limit, deadline."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import ConfigDict, StrictStr

from ..errors import FieldProblem
from ..i18n import add_messages, yes_no
from ..runtime import rt
from .base import Params, RuleKind, register_kind
from .conditions import check as check_condition
from .conditions import field_of, matches, terms
from .declared import Declared

add_messages({
    'rule.custom': ('{message} [{clause}]', '{message_en} [{clause_en}]'),
    'rule.required_if': ('「{label}」必填({when}) [{clause}]', '"{label_en}" is required ({when_en}) [{clause_en}]'),
    'rule.required_value': ('「{label}」须为 {value}({when}) [{clause}]',
                            '"{label_en}" must be {value_en} ({when_en}) [{clause_en}]'),
    'rule.compare': ('「{left}」必须{op}「{right}」 [{clause}]', '"{left_en}" must be {op_en} "{right_en}" [{clause_en}]'),
    'rule.range': ('「{label}」应在 {min} – {max} 之间,当前为 {value} [{clause}]',
                   '"{label_en}" must be between {min} and {max}, got {value} [{clause_en}]'),
    'rule.authority': ('「{label}」为 {value},超出部门处罚权限({min}–{max}):须「提交上级审批」,由上级(总经理)'
                       '决定({unless}后方可生效) [{clause}]',
                       '"{label_en}" is {value}, beyond the department\'s authority ({min}–{max}): submit it for '
                       'escalation; the general manager decides ({unless_en} first) [{clause_en}]'),
    'rule.authority_case': ('{case},属于须上报的处罚:须「提交上级审批」,由上级(总经理)决定({unless}后方可生效) '
                            '[{clause}]',
                            '{case_en}: a penalty that must be escalated; the general manager decides '
                            '({unless_en} first) [{clause_en}]'),
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
    for term in terms(condition):
        if term.op == 'any':
            parts.append((' or ' if en else ' 或 ').join(describe(register, c, lang) for c in term.value))
            continue
        spec = field_of(register, term.field)
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
    """A field must be filled when the rule's `when` condition holds; with `value`, it must hold that value (or
    one of a list): `value = true` makes a yes/no field require yes — false is filled, but it is not yes."""

    name = 'required_if'
    example = '''
field = "tracking_no"
when = { status = "已出库" }
clause = "storage.shipping.7"'''

    class params(Params):
        field: StrictStr
        """The field that must be filled."""
        value: Any = None
        """The value (or list of values) the field must hold, e.g. true for a yes/no that must be yes."""

    def check_decl(self, register, rule, p, report, info) -> None:
        if self.need_field(register, p.field, 'field', report) and p.value is not None:
            check_condition({p.field: p.value}, register, report, 'value')
        if rule.when is None:
            report('S252', 'when', "a 'required_if' rule needs when = { … }", value=None)

    def evaluate(self, register, rule, p, row, ctx):
        when = {'when': describe(register, rule.when or {}) + '时', 'when_en': describe(register, rule.when or {}, 'en')}
        if p.value is not None:
            if matches({p.field: p.value}, register, row, ctx.actor, ctx.today):
                return []
            values = p.value if isinstance(p.value, list) else [p.value]
            words = ['/'.join(yes_no(v, lang) if isinstance(v, bool) else str(v) for v in values) for lang in
                     ('zh', 'en')]
            return [_problem(p.field, rule, 'rule.required_value', value=words[0], value_en=words[1], **when,
                             **_labels(register, p.field))]
        if row.get(p.field) in (None, '', []):
            return [_problem(p.field, rule, 'rule.required_if', **when, **_labels(register, p.field))]
        return []

    def words(self, register, rule, p, lang='zh', policies=None):
        en = lang == 'en'
        label = _labels(register, p.field)['label_en' if en else 'label']
        when = describe(register, rule.when or {}, lang)
        if p.value is not None:
            values = p.value if isinstance(p.value, list) else [p.value]
            value = '/'.join(yes_no(v, lang) if isinstance(v, bool) else str(v) for v in values)
            return f'when {when}, "{label}" must be {value}' if en else f'{when}时,「{label}」须为 {value}'
        return f'"{label}" is required when {when}' if en else f'{when}时,「{label}」必填'


@register_kind
class Compare(_FieldCheck, RuleKind):
    """Two fields of the same kind of value compared (a follow-up not before the complaint)."""

    name = 'compare'
    example = '''
left = "follow_up_date"
op = ">="
right = "accepted_date"
clause = "cs.complaint.7"'''

    class params(Params):
        left: StrictStr
        """The field whose value is judged (the message names it)."""
        op: Literal['<', '<=', '>', '>=', '==', '!=']
        """How `left` must relate to `right`."""
        right: StrictStr
        """The field it is compared with (same kind of value)."""

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

    def words(self, register, rule, p, lang='zh', policies=None):
        a, b = _labels(register, p.left), _labels(register, p.right)
        words, op_en = _OPS[p.op]
        when = describe(register, rule.when, lang) if rule.when else ''
        if lang == 'en':
            return (f'when {when}, ' if when else '') + f'"{a["label_en"]}" must be {op_en} "{b["label_en"]}"'
        op = words[register.field(p.left).kind.name in _TEMPORAL]
        return (f'{when}时,' if when else '') + f'「{a["label"]}」须{op}「{b["label"]}」'


@register_kind
class Range(_FieldCheck, RuleKind):
    """A number field within limits set by the regulations (at least one of `min`, `max`)."""

    name = 'range'
    example = '''
field = "amount"
min = 10
max = 500
clause = "penalty.authority"'''

    class params(Params):
        field: StrictStr
        """The number field."""
        min: float | None = None
        """Smallest allowed value."""
        max: float | None = None
        """Largest allowed value."""

    def check_decl(self, register, rule, p, report, info) -> None:
        if self.need_field(register, p.field, 'field', report) and register.field(p.field).kind.filter_kind != 'number':
            report('S254', 'field', f"'{p.field}' is not a number field", value=p.field)
        if self.name == 'range' and p.min is None and p.max is None:
            report('S258', 'min', "a 'range' rule needs min, max or both (without them it allows everything)",
                   value=None, allowed=['min', 'max'])
        elif p.min is not None and p.max is not None and p.min > p.max:
            report('S258', 'max', f'max {_num(p.max)} is below min {_num(p.min)}: no value could pass', value=p.max)

    def evaluate(self, register, rule, p, row, ctx):
        value = row.get(p.field)
        if value is None or _within(value, p.min, p.max):
            return []
        return [_problem(p.field, rule, 'rule.range', value=value, min=_num(p.min), max=_num(p.max),
                         **_labels(register, p.field))]

    def words(self, register, rule, p, lang='zh', policies=None):
        label = _labels(register, p.field)['label_en' if lang == 'en' else 'label']
        if lang == 'en':
            return f'"{label}" between {_num(p.min)} and {_num(p.max)}'
        return f'「{label}」在 {_num(p.min)}–{_num(p.max)} 之间'


class PenaltyPolicy(Declared):
    """schemas/policy/<name>.toml for an authority_limit: the department's fine authority and how a fine below its
    minimum is treated (a declared choice)."""

    model_config = ConfigDict(extra='forbid')
    label: StrictStr
    clauses: list[StrictStr]
    fine_min: float
    fine_max: float
    below_minimum: Literal['within_authority', 'escalate'] = 'within_authority'

    def limits(self) -> tuple[float | None, float]:
        return (None if self.below_minimum == 'within_authority' else self.fine_min), self.fine_max


@register_kind
class AuthorityLimit(Range):
    """A value outside the limits (or a case named in also_when) needs an escalation recorded in the row. With
    `policy`, the limits come from that policy file (schemas/policy/<policy>.toml) instead of min/max."""

    name = 'authority_limit'
    policy_model = PenaltyPolicy
    example = '''
field = "amount"
min = 10
max = 500
unless = { escalation_approval = { empty = false } }
clause = "penalty.authority"'''

    class params(Params):
        field: StrictStr
        """The number field (an amount)."""
        min: float | None = None
        """Lower limit of the department's authority."""
        max: float | None = None
        """Upper limit of the department's authority."""
        policy: StrictStr | None = None
        """A policy file (schemas/policy/<policy>.toml) whose limits apply instead of min/max."""
        also_when: dict[str, Any] | None = None
        """A condition naming cases that always need escalation (a dismissal)."""
        unless: dict[str, Any]
        """The condition that records the escalation (an approval filled in)."""

    def check_decl(self, register, rule, p, report, info) -> None:
        super().check_decl(register, rule, p, report, info)
        if p.also_when is not None:
            check_condition(p.also_when, register, report, 'also_when')
        check_condition(p.unless, register, report, 'unless')
        if p.policy is not None and p.policy not in info.get('policies', {}):
            report('S257', 'policy', f"no policy file schemas/policy/{p.policy}.toml", value=p.policy,
                   allowed=sorted(info.get('policies', {})), near=p.policy)

    def limits(self, p, policies: dict | None = None) -> tuple[float | None, float | None]:
        policy = (policies if policies is not None else rt().catalog.policies).get(p.policy) if p.policy else None
        if isinstance(policy, PenaltyPolicy):
            low, high = policy.limits()
            return low, high
        return p.min, p.max

    def _beyond(self, p, row, policies: dict | None = None) -> bool:
        value = row.get(p.field)
        return value is not None and not _within(value, *self.limits(p, policies))

    def _named(self, register, p, row, ctx) -> bool:
        return p.also_when is not None and matches(p.also_when, register, row, ctx.actor, ctx.today)

    def needs_escalation(self, register, p, row, ctx) -> bool:
        return self._beyond(p, row, ctx.policies) or self._named(register, p, row, ctx)

    def evaluate(self, register, rule, p, row, ctx):
        if not self.needs_escalation(register, p, row, ctx):
            return []
        if matches(p.unless, register, row, ctx.actor, ctx.today):
            return []
        unless = {'unless': describe(register, p.unless), 'unless_en': describe(register, p.unless, 'en')}
        if self._beyond(p, row, ctx.policies):     # the amount is the reason: say it, in the field's own format
            spec = register.field(p.field)
            low, high = self.limits(p, ctx.policies)
            if low is None and p.policy:          # a smaller fine is within the authority: say the cap only
                low = ctx.policies[p.policy].fine_min
            return [_problem(p.field, rule, 'rule.authority', value=spec.kind.text(row[p.field], spec),
                             min=_num(low), max=_num(high), **unless, **_labels(register, p.field))]
        named = [t.field for t in terms(p.also_when) if t.op != 'any']     # the case: at its field
        return [_problem(named[0] if named else p.field, rule, 'rule.authority_case',
                         case=describe(register, p.also_when), case_en=describe(register, p.also_when, 'en'),
                         **unless)]

    def words(self, register, rule, p, lang='zh', policies=None):
        low, high = self.limits(p, policies)
        label = _labels(register, p.field)['label_en' if lang == 'en' else 'label']
        when = describe(register, rule.when, lang) if rule.when else ''
        case = describe(register, p.also_when, lang) if p.also_when else ''
        if lang == 'en':
            limit = f'at most {_num(high)}' if low is None else f'between {_num(low)} and {_num(high)}'
            return (f'when {when}: "{label}" {limit}' + (f' and not {case}' if case else '') +
                    ', or else submitted for escalation and approved by the general manager')
        limit = f'不超过 {_num(high)}' if low is None else f'在 {_num(low)}–{_num(high)} 之内'
        return (f'{when}时,「{label}」{limit}' + (f'且不是{case}' if case else '') +
                ';否则须提交上级审批,由总经理批准')


def _within(value, low, high) -> bool:
    value = Decimal(str(value))
    return (low is None or value >= Decimal(str(low))) and (high is None or value <= Decimal(str(high)))


def _num(value) -> str:
    if value is None:
        return '—'
    return str(int(value)) if float(value).is_integer() else str(value)
