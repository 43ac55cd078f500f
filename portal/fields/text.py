"""Text-like field types: text, longtext, phone."""
from __future__ import annotations

import re
from typing import Any

import phonenumbers
from tortoise import fields as tf

from .base import TEXT_FILTER_PARAMS, FieldError, FieldType, check_pattern, register_type
from .normalize import clean
from .sample import sample

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

    def checked_parser(self, spec, ctx):
        if type(self).convert is not Text.convert or spec.pattern:
            return super().checked_parser(spec, ctx)
        limit = spec.max_length or self.default_max_length
        other = super().checked_parser(spec, ctx)

        def parse_text(raw):           # Text.parse + Text.check inlined: the common cell of an import
            if raw.__class__ is not str:
                return other(raw)
            value = raw.strip() if raw.isascii() else clean(raw)
            if not value:
                return None
            if len(value) > limit:
                raise FieldError('value.too_long', length=len(value), max_length=limit)
            return value
        return parse_text

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
        # no maxLength on the editor: it would cut what people type without a word; the service refuses an
        # over-long value with the limit in its message, as it does for the API and imports
        return {'cellEditor': 'agTextCellEditor', 'filter': 'agTextColumnFilter', 'filterParams': TEXT_FILTER_PARAMS}

    def demo(self, rng, spec, ctx):
        if spec.pattern:          # a value of the declared format (货号 A1234-56), never one the field refuses
            value = sample(spec.pattern, rng)
            if value is not None and re.fullmatch(spec.pattern, value):
                return value[:spec.max_length or self.default_max_length]
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
                'cellEditorParams': {'maxLength': 10 ** 6, 'rows': 8, 'cols': 50},   # (AG Grid's default cuts at 200)
                'filter': 'agTextColumnFilter', 'filterParams': TEXT_FILTER_PARAMS, 'tooltipField': spec.name}

    def demo(self, rng, spec, ctx):
        return ','.join(rng.sample(_DEMO_WORDS, 3)) + '。'


_MOBILE = re.compile(r'^1[3-9]\d{9}$')
_NOISE = re.compile(r'[\s\-()()]')
_COUNTRY = re.compile(r'^(?:\+|00)?86(?=1\d{10}$)')
_EXTENSION = re.compile(r'\s*(?:转|分机|ext\.?|x|#)\s*(\d{1,6})\s*$', re.IGNORECASE)


@register_type
class Phone(Text):
    """A telephone number as people write it in China: mobiles (13912345678, +86 139 1234 5678), landlines with
    their area code (0571-88886666, (0571)8888 6666), extensions (转 123), and foreign numbers with their country
    code. Parsed by `phonenumbers` (Google's libphonenumber data); stored in one form so search finds it: a
    mainland mobile as its 11 digits, a landline as 0571-88886666, a foreign number as +852 2123 4567, an extension
    after 转."""

    name = 'phone'
    label = '电话'
    label_en = 'phone number'
    options = frozenset()
    default_max_length = 40

    def convert(self, raw, spec, ctx) -> str:
        text = super().convert(raw, spec, ctx)
        body, extension = text, ''
        if match := _EXTENSION.search(text):
            body, extension = text[:match.start()], match[1]
        digits = _COUNTRY.sub('', _NOISE.sub('', body))
        if _MOBILE.match(digits):
            # any 1[3-9] + 9 digits is a mainland mobile: new number ranges reach people before they reach the
            # library's data (and it reads some, 179…, as carrier-selection prefixes)
            return digits + (f' 转 {extension}' if extension else '')
        try:
            number = phonenumbers.parse(body, 'CN')
        except phonenumbers.NumberParseException:
            raise FieldError('value.not_phone', value=text) from None
        if not phonenumbers.is_valid_number(number):
            raise FieldError('value.not_phone', value=text)
        return _stored(number) + (f' 转 {extension}' if extension else '')

    def check(self, value, spec) -> None:
        return None

    def hint(self, spec, lang='zh') -> str:
        return ('phone: mobile 13912345678, landline 0571-88886666 (ext. 转 123), +country code for abroad'
                if lang == 'en' else '电话:手机 13912345678,座机 0571-88886666(分机写 转 123),境外号码加国家码')

    def demo(self, rng, spec, ctx):
        return f'{rng.choice(_DEMO_MOBILE)}{rng.randrange(10**8):08d}'


_DEMO_MOBILE = ('135', '136', '138', '139', '150', '151', '158', '186', '187', '189')   # allocated prefixes


def _stored(number) -> str:
    if number.country_code != 86:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.national_significant_number(number)
    area = phonenumbers.length_of_geographical_area_code(number)
    if area and phonenumbers.number_type(number) != phonenumbers.PhoneNumberType.MOBILE:
        return f'0{national[:area]}-{national[area:]}'
    return national
