"""Rule kinds that reach across registers or dates: `derived_sum` (a field whose value is a signed sum over other
registers' rows with the same key — stock on hand from receipts, shipments and returns) and `approved_before`
(an approval must come no later than a date it governs — a price change approved before it takes effect).

The kinds declare and check; `records/derived.py` keeps a derived_sum's value right in the same transaction as
every write of a source row (this layer does not touch the database)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr

from ..i18n import add_messages
from ..runtime import rt
from .base import Params, RuleKind, register_kind
from .conditions import check as check_condition
from .kinds import _FieldCheck, _labels, _problem

add_messages({
    'rule.approved_before': (('「{date}」为 {value},审批须在此之前完成:{approved}为 {approved_at},晚于生效日期,'
                              '不能生效 [{clause}]'),
                             ('"{date_en}" is {value}: the approval must come first, but "{approved_en}" is '
                              '{approved_at} [{clause_en}]')),
    'rule.not_before': ('「{date}」为 {value},还没到:{date}当天或之后才能变为「{state}」 [{clause}]',
                        '"{date_en}" is {value}: "{state}" only from that day on [{clause_en}]'),
    'rule.approved_missing': ('「{target}」须先经审批(「{approved}」为空) [{clause}]',
                              '"{target}" needs the approval first ("{approved_en}" is empty) [{clause_en}]'),
})


class Source(BaseModel):
    """One register that feeds a derived sum: rows whose `match` equals the target's key add `sign` × `value`."""

    model_config = ConfigDict(extra='forbid', populate_by_name=True)
    source: StrictStr = Field(alias='register')     # (BaseModel has its own `register`)
    match: StrictStr
    value: StrictStr
    sign: Literal[1, -1] = 1
    when: dict[str, Any] | None = None


@register_kind
class DerivedSum(_FieldCheck, RuleKind):
    """`field` = Σ sign × value over the sources' live rows whose `match` equals this row's `key`. With `flag` and
    `at_most`, a yes/no field says whether the sum is at or below another field of the row (a reorder level)."""

    name = 'derived_sum'
    computes = True

    class params(Params):
        field: StrictStr
        key: StrictStr
        sources: list[Source]
        flag: StrictStr | None = None
        at_most: StrictStr | None = None

    def check_decl(self, register, rule, p, report, info) -> None:
        for name, path in ((p.field, 'field'), (p.key, 'key'), (p.flag, 'flag'), (p.at_most, 'at_most')):
            if name is not None and self.need_field(register, name, path, report):
                spec = register.field(name)
                if path in ('field', 'flag') and not spec.computed:
                    report('S260', path, f"'{name}' is derived: declare it with computed = true", value=name)
        if (p.flag is None) != (p.at_most is None):
            report('S260', 'flag', "'flag' and 'at_most' go together", value=p.flag)
        registers = info.get('registers', {})
        for i, source in enumerate(p.sources):
            other = registers.get(source.source)
            if other is None:
                report('S261', f'sources[{i}].register', f"unknown register '{source.source}'",
                       value=source.source, allowed=sorted(registers), near=source.source)
                continue
            for name, path in ((source.match, 'match'), (source.value, 'value')):
                if other.field(name) is None:
                    report('S251', f'sources[{i}].{path}', f"unknown field '{name}' in {source.source}",
                           value=name, allowed=[f.name for f in other.fields], near=name)
            if source.when is not None:
                check_condition(source.when, other, report, f'sources[{i}].when')

    def computed_fields(self, p) -> tuple[str, ...]:
        return (p.field,) + ((p.flag,) if p.flag else ())

    def compute(self, register, rule, p, row, ctx) -> dict:
        """On the row's own writes only the flag can change (the sum changes with the sources)."""
        return {p.flag: flag(row.get(p.field), row.get(p.at_most))} if p.flag else {}

    def words(self, register, rule, p, lang='zh', policies=None):
        label = _labels(register, p.field)['label_en' if lang == 'en' else 'label']
        parts = [('+' if s.sign > 0 else '−') + f' {_source_label(s, lang)}' for s in p.sources]
        if lang == 'en':
            return f'"{label}" is computed: {" ".join(parts)} (rows with the same {p.key}); not typed by hand'
        return f'「{label}」自动计算:{" ".join(parts)}(同一{_labels(register, p.key)["label"]}),不能手工填写'


def _source_label(source: Source, lang: str) -> str:
    try:
        other = rt().catalog.registers.get(source.source)
    except RuntimeError:        # described outside a running portal (python -m portal coverage, docs)
        other = None
    if other is None or other.field(source.value) is None:
        return f'{source.source}.{source.value}'
    return f'{other.title(lang)}·{other.field(source.value).title(lang)}'


def flag(total: Any, limit: Any) -> bool | None:
    if total is None or limit is None:
        return None
    return total <= limit


@register_kind
class ApprovedBefore(_FieldCheck, RuleKind):
    """In the `states` (a workflow state reached by approval), the approval stamp `approved` must be filled and
    fall on or before the `date` it governs: a change cannot take effect before it was approved."""

    name = 'approved_before'

    class params(Params):
        approved: StrictStr
        date: StrictStr
        states: list[StrictStr]

    def check_decl(self, register, rule, p, report, info) -> None:
        self.need_field(register, p.approved, 'approved', report)
        _check_date_and_states(self, register, p, report)

    def evaluate(self, register, rule, p, row, ctx):
        wf = register.workflow
        if wf is None or row.get(wf.field) not in p.states:
            return []
        approved, effective = row.get(p.approved), row.get(p.date)
        a, d = _labels(register, p.approved), _labels(register, p.date)
        if approved is None:
            return [_problem(p.approved, rule, 'rule.approved_missing', target=row.get(wf.field),
                             approved=a['label'], approved_en=a['label_en'])]
        day = approved.date() if isinstance(approved, datetime) else approved
        if effective is None or not isinstance(day, date) or day <= effective:
            return []
        return [_problem(p.date, rule, 'rule.approved_before', date=d['label'], date_en=d['label_en'],
                         value=effective.isoformat(), approved=a['label'], approved_en=a['label_en'],
                         approved_at=day.isoformat())]

    def words(self, register, rule, p, lang='zh', policies=None):
        a, d = _labels(register, p.approved), _labels(register, p.date)
        states = '/'.join(p.states)
        if lang == 'en':
            return f'in {states}, "{a["label_en"]}" must be on or before "{d["label_en"]}"'
        return f'{states}时,须先审批:「{a["label"]}」不晚于「{d["label"]}」'


@register_kind
class NotBefore(_FieldCheck, RuleKind):
    """A workflow state that belongs after a date: in the `states`, the `date` field must be today or earlier (a
    promotion is summarised and closed after it ended, not before)."""

    name = 'not_before'

    class params(Params):
        date: StrictStr
        states: list[StrictStr]

    def check_decl(self, register, rule, p, report, info) -> None:
        _check_date_and_states(self, register, p, report)

    def evaluate(self, register, rule, p, row, ctx):
        wf = register.workflow
        day = row.get(p.date)
        if wf is None or row.get(wf.field) not in p.states or day is None or day <= ctx.today:
            return []
        d = _labels(register, p.date)
        return [_problem(p.date, rule, 'rule.not_before', date=d['label'], date_en=d['label_en'],
                         value=day.isoformat(), state=row.get(wf.field))]

    def words(self, register, rule, p, lang='zh', policies=None):
        d = _labels(register, p.date)
        states = '/'.join(p.states)
        if lang == 'en':
            return f'{states} only on or after "{d["label_en"]}"'
        return f'「{d["label"]}」当天或之后才能{states}'


def _check_date_and_states(kind, register, p, report) -> None:
    """`p.date` names a date field and every one of `p.states` is a state of the register's workflow."""
    if kind.need_field(register, p.date, 'date', report) and register.field(p.date).kind.storage != 'date':
        report('S253', 'date', f"'{p.date}' is not a date field", value=p.date)
    wf = register.workflow
    for state in p.states:
        if wf is None or state not in wf.states:
            report('S262', 'states', f"unknown state '{state}'", value=state,
                   allowed=list(wf.states) if wf else [], near=state)
