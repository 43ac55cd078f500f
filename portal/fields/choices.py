"""Choice-like field types: bool, choice, multichoice, status (a workflow state)."""
from __future__ import annotations

import re

from tortoise import fields as tf

from ..i18n import yes_no
from .base import FieldError, FieldType, register_type
from .normalize import clean, to_bool

SET_FILTER = 'portalSetFilter'


@register_type
class Bool(FieldType):
    name = 'bool'
    input_kind = 'checkbox'
    label = '是/否'
    label_en = 'yes/no'
    storage = 'bool'
    filter_kind = 'set'

    def column(self, spec):
        return tf.BooleanField(null=True)

    def convert(self, raw, spec, ctx) -> bool:
        value = to_bool(raw)
        if value is None:
            raise FieldError('value.not_bool', value=raw)
        return value

    def text(self, value, spec, lang='zh') -> str:
        if value is None:
            return ''
        return yes_no(value, lang)

    def to_cell(self, value, spec):
        return self.text(value, spec)

    def dropdown(self, spec, lang='zh'):
        return (yes_no(True, lang), yes_no(False, lang))

    def filter_values(self, spec) -> list:
        return [True, False]

    def grid(self, spec, ctx) -> dict:
        return {'cellEditor': 'agCheckboxCellEditor', 'cellRenderer': 'agCheckboxCellRenderer',
                'filter': SET_FILTER, 'filterParams': {'values': [True, False], 'labels': ['是', '否']}}

    def demo(self, rng, spec, ctx):
        return rng.random() < 0.8


@register_type
class Choice(FieldType):
    name = 'choice'
    input_kind = 'select'
    label = '单选'
    label_en = 'choice'
    storage = 'text'
    filter_kind = 'set'
    options = frozenset({'choices'})
    searchable = True

    def column(self, spec):
        return tf.TextField(null=True)

    def convert(self, raw, spec, ctx) -> str:
        text = str(raw)
        if text in spec.choices:
            return text
        folded = {c.lower(): c for c in spec.choices}
        if text.lower() in folded:
            return folded[text.lower()]
        raise FieldError('value.not_choice', value=text, choices='、'.join(spec.choices))

    def check(self, value, spec) -> None:
        if value is not None and value not in spec.choices:
            raise FieldError('value.not_choice', value=value, choices='、'.join(spec.choices))

    def dropdown(self, spec, lang='zh'):
        return spec.choices

    def filter_values(self, spec) -> list:
        return list(spec.choices)

    def input_options(self, spec, ctx):
        return list(spec.choices)

    def grid(self, spec, ctx) -> dict:
        return {'cellEditor': 'agSelectCellEditor', 'cellEditorParams': {'values': [None, *spec.choices]},
                'filter': SET_FILTER, 'filterParams': {'values': list(spec.choices)}}

    def hint(self, spec, lang='zh') -> str:
        return ('one of: ' if lang == 'en' else '可选:') + '、'.join(spec.choices)

    def check_spec(self, spec, report) -> None:
        if not spec.choices:
            report('S130', 'choices', f"type '{spec.type}' needs a non-empty list of choices", value=None)
        elif len(set(spec.choices)) != len(spec.choices):
            dup = sorted({c for c in spec.choices if spec.choices.count(c) > 1})
            report('S131', 'choices', f'duplicate choices: {", ".join(dup)}', value=list(spec.choices))

    def demo(self, rng, spec, ctx):
        return rng.choice(spec.choices)


_SPLIT = re.compile(r'\s*[,,、;;/|\n]\s*')


@register_type
class MultiChoice(Choice):
    name = 'multichoice'
    input_kind = 'multiselect'
    label = '多选'
    label_en = 'multiple choice'
    storage = 'json'
    searchable = False
    sortable = False

    def column(self, spec):
        return tf.JSONField(null=True)

    def parse(self, raw, spec, ctx):
        if raw is None:
            return None
        items = raw if isinstance(raw, (list, tuple)) else _SPLIT.split(str(clean(raw)))
        values = []
        for item in items:
            item = clean(item)
            if item in ('', None):
                continue
            value = Choice.convert(self, item, spec, ctx)
            if value not in values:
                values.append(value)
        return sorted(values, key=spec.choices.index) or None

    def check(self, value, spec) -> None:
        for item in value or ():
            Choice.check(self, item, spec)

    def text(self, value, spec, lang='zh') -> str:
        return '、'.join(value or ())

    def to_json(self, value, spec):
        return list(value) if value else None

    def to_cell(self, value, spec):
        return self.text(value, spec)

    def dropdown(self, spec, lang='zh'):
        return ()

    def grid(self, spec, ctx) -> dict:
        return {'cellEditor': 'agTextCellEditor', 'filter': SET_FILTER,
                'filterParams': {'values': list(spec.choices)},
                ':valueFormatter': '(p) => Array.isArray(p.value) ? p.value.join("、") : (p.value ?? "")',
                ':valueParser': '(p) => p.newValue'}

    def hint(self, spec, lang='zh') -> str:
        return ('any of (separate with 、): ' if lang == 'en' else '可多选(用 、 分隔):') + '、'.join(spec.choices)

    def demo(self, rng, spec, ctx):
        return sorted(rng.sample(spec.choices, rng.randint(1, min(2, len(spec.choices)))), key=spec.choices.index)


@register_type
class Status(Choice):
    """A workflow state: its choices are the register's workflow states; it moves by transitions."""

    name = 'status'
    label = '状态'
    label_en = 'status'
    options = frozenset()
    holds_state = True

    def grid(self, spec, ctx) -> dict:
        return {'cellEditor': 'agSelectCellEditor',
                ':cellEditorParams': '(p) => ({values: [p.value, ...((p.data && p.data._moves) || [])]})',
                'filter': SET_FILTER, 'filterParams': {'values': list(spec.choices)},
                'cellClass': 'portal-status'}

    def check_spec(self, spec, report) -> None:
        if not spec.choices:
            report('S132', 'type', "a 'status' field needs a [workflow] whose field is this field", value=spec.type)
