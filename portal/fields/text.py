"""Text-like field types: text, longtext, phone."""
from __future__ import annotations

import re
from typing import Any

from tortoise import fields as tf

from .base import FieldError, FieldType, TEXT_FILTER_PARAMS, check_pattern, register_type

_DEMO_WORDS = ('加急', '已核对', '客户要求周末送达', '赠品已放', '包装加固', '尺码偏大', '备注见面单', '老客户')


@register_type
class Text(FieldType):
    name = 'text'
    label = '文本'
    label_en = 'text'
    storage = 'text'
    filter_kind = 'text'
    options = frozenset({'max_length', 'pattern'})
    searchable = True
    default_max_length = 200

    def column(self, spec):
        return tf.TextField(null=True)

    def convert(self, raw: Any, spec, ctx) -> str:
        if raw.__class__ is str:
            return raw
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)    # Excel keeps 10086 as 10086.0
        if isinstance(raw, (dict, list, bytes)):
            raise FieldError('value.not_text', value=str(raw)[:40])
        return str(raw)

    def check(self, value, spec) -> None:
        if value is None:
            return
        limit = spec.max_length or self.default_max_length
        if len(value) > limit:
            raise FieldError('value.too_long', length=len(value), max_length=limit)
        check_pattern(value, spec)

    def check_spec(self, spec, report) -> None:
        if spec.pattern:
            try:
                re.compile(spec.pattern)
            except re.error as exc:
                report('S121', 'pattern', f'invalid regular expression {spec.pattern!r}: {exc}', value=spec.pattern)
        if spec.max_length is not None and (not isinstance(spec.max_length, int) or spec.max_length < 1):
            report('S122', 'max_length', 'max_length must be a positive integer', value=spec.max_length)

    def grid(self, spec, ctx) -> dict:
        return {'cellEditor': 'agTextCellEditor', 'filter': 'agTextColumnFilter', 'filterParams': TEXT_FILTER_PARAMS,
                'cellEditorParams': {'maxLength': spec.max_length or self.default_max_length}}

    def demo(self, rng, spec, ctx):
        return rng.choice(_DEMO_WORDS)


@register_type
class LongText(Text):
    name = 'longtext'
    input_kind = 'textarea'
    label = '长文本'
    label_en = 'long text'
    default_max_length = 5000

    def grid(self, spec, ctx) -> dict:
        return {'cellEditor': 'agLargeTextCellEditor', 'cellEditorPopup': True,
                'cellEditorParams': {'maxLength': spec.max_length or self.default_max_length, 'rows': 8, 'cols': 50},
                'filter': 'agTextColumnFilter', 'filterParams': TEXT_FILTER_PARAMS, 'tooltipField': spec.name}

    def demo(self, rng, spec, ctx):
        return ','.join(rng.sample(_DEMO_WORDS, 3)) + '。'


_PHONE_RE = re.compile(r'^1[3-9]\d{9}$')
_PHONE_NOISE = re.compile(r'[\s\-()]')
_PHONE_COUNTRY = re.compile(r'^(\+?86)')


@register_type
class Phone(Text):
    name = 'phone'
    label = '手机号'
    label_en = 'mobile number'
    options = frozenset()
    default_max_length = 11

    def convert(self, raw, spec, ctx) -> str:
        text = super().convert(raw, spec, ctx)
        digits = _PHONE_COUNTRY.sub('', _PHONE_NOISE.sub('', text))
        if not _PHONE_RE.match(digits):
            raise FieldError('value.not_phone', value=text)
        return digits

    def check(self, value, spec) -> None:
        return None

    def hint(self, spec, lang='zh') -> str:
        return 'mainland mobile, 11 digits' if lang == 'en' else '手机号,11 位数字'

    def demo(self, rng, spec, ctx):
        return f'1{rng.choice("3456789")}{rng.randrange(10**9):09d}'
