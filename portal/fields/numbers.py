"""Number field types: integer, decimal, money (元, two places)."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from tortoise import fields as tf

from .base import NUMBER_FILTER_PARAMS, FieldError, FieldType, register_type
from .normalize import to_decimal

DIGITS = 18          # digits a number column holds (DecimalField max_digits; a BIGINT holds 18 in full)


@register_type
class Integer(FieldType):
    name = 'integer'
    input_kind = 'number'
    label = '整数'
    label_en = 'whole number'
    storage = 'int'
    filter_kind = 'number'
    options = frozenset({'min', 'max'})

    def column(self, spec):
        return tf.BigIntField(null=True)

    def convert(self, raw: Any, spec, ctx) -> int:
        number = to_decimal(raw)
        if number is None or number != number.to_integral_value():
            raise FieldError('value.not_integer', value=raw)
        if number.adjusted() >= DIGITS:        # a 64-bit column holds 18 digits safely (SQLite and PostgreSQL)
            raise FieldError('value.too_large', value=raw, digits=DIGITS)
        return int(number)

    def bound(self, raw, spec):
        return int(raw)

    def grid(self, spec, ctx) -> dict:
        # a text editor: AG Grid's number editor rounds 30.7 to 30 (and reads 12.5.3 as 12) before the server
        # sees it; the server parses what was typed as it parses a paste (１２, 1,234) and refuses what is wrong
        return {'cellEditor': 'agTextCellEditor',
                'filter': 'agNumberColumnFilter', 'filterParams': NUMBER_FILTER_PARAMS, 'type': 'rightAligned'}

    def to_cell(self, value, spec):
        return value

    def cell_format(self, spec):
        return '0'

    def demo(self, rng, spec, ctx):
        low = spec.min if spec.min is not None else 1
        high = spec.max if spec.max is not None else max(low, 20)
        return rng.randint(int(low), int(min(high, low + 50)))

    def check_spec(self, spec, report) -> None:
        for option in ('min', 'max'):
            value = getattr(spec, option)
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                report('S123', option, f'{option} must be a number', value=value)


@register_type
class DecimalType(Integer):
    name = 'decimal'
    label = '小数'
    label_en = 'decimal number'
    storage = 'decimal'
    options = frozenset({'min', 'max', 'decimals'})
    default_places = 2

    def places(self, spec) -> int:
        return spec.decimals if spec.decimals is not None else self.default_places

    def column(self, spec):
        return tf.DecimalField(max_digits=DIGITS, decimal_places=self.places(spec), null=True)

    def convert(self, raw, spec, ctx) -> Decimal:
        number = to_decimal(raw)
        if number is None:
            raise FieldError('value.not_number', value=raw)
        places = self.places(spec)
        if number.adjusted() >= DIGITS - places:   # the column's 18 digits, `places` of them after the point
            raise FieldError('value.too_large', value=raw, digits=DIGITS - places)
        quantum = Decimal(1).scaleb(-places)
        if number != number.quantize(quantum, rounding=ROUND_HALF_UP):
            raise FieldError('value.too_many_decimals', value=raw, places=places)
        return number.quantize(quantum)

    def bound(self, raw, spec):
        return Decimal(str(raw))

    def to_json(self, value, spec):
        return None if value is None else float(value)

    def text(self, value, spec, lang='zh') -> str:
        return '' if value is None else f'{Decimal(value):.{self.places(spec)}f}'

    def to_cell(self, value, spec):
        return None if value is None else float(value)

    def cell_format(self, spec):
        places = self.places(spec)
        return '0.' + '0' * places if places else '0'

    def grid(self, spec, ctx) -> dict:
        places = self.places(spec)
        return {'cellEditor': 'agTextCellEditor',                   # see Integer.grid
                'filter': 'agNumberColumnFilter', 'filterParams': NUMBER_FILTER_PARAMS, 'type': 'rightAligned',
                ':valueFormatter': f'(p) => p.value == null ? "" : Number(p.value).toFixed({places})'}

    def demo(self, rng, spec, ctx):
        low = float(spec.min) if spec.min is not None else 0
        high = float(spec.max) if spec.max is not None else 100
        return Decimal(str(round(rng.uniform(low, min(high, low + 500)), self.places(spec))))

    def check_spec(self, spec, report) -> None:
        super().check_spec(spec, report)
        if spec.decimals is not None and (not isinstance(spec.decimals, int) or not 0 <= spec.decimals <= 6):
            report('S124', 'decimals', 'decimals must be an integer from 0 to 6', value=spec.decimals)


@register_type
class Money(DecimalType):
    name = 'money'
    label = '金额(元)'
    label_en = 'amount (CNY)'
    options = frozenset({'min', 'max'})

    def places(self, spec) -> int:
        return 2

    def convert(self, raw, spec, ctx) -> Decimal:
        number = to_decimal(raw)
        if number is None:
            raise FieldError('value.not_number', value=raw)
        if number.adjusted() >= DIGITS - 2:
            raise FieldError('value.too_large', value=raw, digits=DIGITS - 2)
        if number != number.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):
            raise FieldError('value.too_many_decimals', value=raw, places=2)
        return number.quantize(Decimal('0.01'))

    def text(self, value, spec, lang='zh') -> str:
        return '' if value is None else f'¥{Decimal(value):,.2f}'

    def cell_format(self, spec):
        return '"¥"#,##0.00'

    def grid(self, spec, ctx) -> dict:
        options = super().grid(spec, ctx)
        options[':valueFormatter'] = ('(p) => p.value == null ? "" : "¥" + Number(p.value).toLocaleString("zh-CN", '
                                      '{minimumFractionDigits: 2, maximumFractionDigits: 2})')
        return options
