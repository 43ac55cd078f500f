"""Date and time field types: date, datetime, time (wall-clock time of the department)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from tortoise import fields as tf

from .base import DATE_FILTER_PARAMS, TEXT_FILTER_PARAMS, FieldError, FieldType, register_type
from .normalize import to_date, to_datetime, to_time


@register_type
class Date(FieldType):
    name = 'date'
    input_kind = 'date'
    label = '日期'
    label_en = 'date'
    storage = 'date'
    filter_kind = 'date'
    options = frozenset({'min', 'max'})
    default_keywords = frozenset({'today'})
    searchable = True      # quick search finds 2026-11-28 (and 11-28, 2026/11/28: the page turns them into this)

    def column(self, spec):
        return tf.DateField(null=True)

    def convert(self, raw, spec, ctx) -> date:
        value = to_date(raw, ctx.today.year)          # 11-26 is this year's
        if value is None:
            raise FieldError('value.not_date', value=raw)
        return value

    def bound(self, raw, spec):
        return to_date(raw)

    def keyword_default(self, keyword, ctx):
        return ctx.today

    def to_json(self, value, spec):
        return None if value is None else value.isoformat()

    def text(self, value, spec, lang='zh') -> str:
        return '' if value is None else value.isoformat()

    def to_cell(self, value, spec):
        return value

    def cell_format(self, spec):
        return 'yyyy-mm-dd'

    def grid(self, spec, ctx) -> dict:
        # a text editor (the portal's): typed dates go to the server's parser, as pasted and imported ones do
        return {'cellEditor': 'portalCellEditor', 'filter': 'agDateColumnFilter', 'filterParams': DATE_FILTER_PARAMS}

    def hint(self, spec, lang='zh') -> str:
        return 'date, e.g. 2026-11-03' if lang == 'en' else '日期,如 2026-11-03、2026/11/3、2026年11月3日'

    def demo(self, rng, spec, ctx):
        return ctx['today'] - timedelta(days=rng.randint(0, ctx.get('days', 90)))

    def check_spec(self, spec, report) -> None:
        for option in ('min', 'max'):
            value = getattr(spec, option)
            if value is not None and to_date(value) is None:
                report('S125', option, f'{option} must be a date like 2026-01-01', value=value)


@register_type
class DateTime(Date):
    name = 'datetime'
    input_kind = 'datetime'
    label = '日期时间'
    label_en = 'date and time'
    storage = 'datetime'
    filter_kind = 'datetime'
    default_keywords = frozenset({'now', 'today'})
    searchable = False     # 19 characters a row in the index (a 100k import pays ~0.15 s) for a rarely searched time

    def column(self, spec):
        return tf.DatetimeField(null=True)

    def convert(self, raw, spec, ctx) -> datetime:
        value = to_datetime(raw)
        if value is None:
            raise FieldError('value.not_datetime', value=raw)
        return value

    def bound(self, raw, spec):
        return to_datetime(raw)

    def keyword_default(self, keyword, ctx):
        return ctx.now.replace(microsecond=0) if keyword == 'now' else datetime.combine(ctx.today, time())

    def to_json(self, value, spec):
        return None if value is None else value.strftime('%Y-%m-%d %H:%M')

    def text(self, value, spec, lang='zh') -> str:
        return '' if value is None else value.strftime('%Y-%m-%d %H:%M')

    def cell_format(self, spec):
        return 'yyyy-mm-dd hh:mm'

    def grid(self, spec, ctx) -> dict:
        return {'cellEditor': 'agTextCellEditor', 'filter': 'agDateColumnFilter', 'filterParams': DATE_FILTER_PARAMS}

    def hint(self, spec, lang='zh') -> str:
        return 'date and time, e.g. 2026-11-03 09:30' if lang == 'en' else '日期时间,如 2026-11-03 09:30'

    def demo(self, rng, spec, ctx):
        day = ctx['today'] - timedelta(days=rng.randint(0, ctx.get('days', 90)))
        return datetime.combine(day, time(rng.randint(9, 17), rng.choice((0, 15, 30, 45))))


class ClockField(tf.CharField):
    """Wall-clock times stored as 'HH:MM:SS' text: the same on SQLite and PostgreSQL (tortoise's TimeField
    binds time objects SQLite cannot take, and is TIMETZ on PostgreSQL), and it sorts and compares correctly."""

    def __init__(self, **kwargs) -> None:
        super().__init__(max_length=8, **kwargs)

    def to_db_value(self, value, instance):
        if isinstance(value, time):
            return value.strftime('%H:%M:%S')
        return value

    def to_python_value(self, value):
        if isinstance(value, str):
            return time.fromisoformat(value)
        return value


@register_type
class Time(FieldType):
    name = 'time'
    input_kind = 'time'
    label = '时间'
    label_en = 'time'
    storage = 'time'
    filter_kind = 'text'
    options = frozenset({'min', 'max'})
    default_keywords = frozenset({'now'})

    def column(self, spec):
        return ClockField(null=True)

    def convert(self, raw, spec, ctx) -> time:
        value = to_time(raw)
        if value is None:
            raise FieldError('value.not_time', value=raw)
        return value

    def bound(self, raw, spec):
        return to_time(raw)

    def keyword_default(self, keyword, ctx):
        return ctx.now.time().replace(second=0, microsecond=0)

    def to_json(self, value, spec):
        return None if value is None else value.strftime('%H:%M')

    def text(self, value, spec, lang='zh') -> str:
        return '' if value is None else value.strftime('%H:%M' if value.second == 0 else '%H:%M:%S')

    def to_cell(self, value, spec):
        return value

    def cell_format(self, spec):
        return 'hh:mm'

    def grid(self, spec, ctx) -> dict:
        return {'cellEditor': 'agTextCellEditor', 'filter': 'agTextColumnFilter',
                'filterParams': {**TEXT_FILTER_PARAMS, 'filterOptions': ['equals', 'blank', 'notBlank']}}

    def hint(self, spec, lang='zh') -> str:
        return 'time, e.g. 09:30' if lang == 'en' else '时间,如 09:30'

    def demo(self, rng, spec, ctx):
        return time(rng.randint(8, 18), rng.randrange(0, 60))

    def check_spec(self, spec, report) -> None:
        for option in ('min', 'max'):
            value = getattr(spec, option)
            if value is not None and to_time(value) is None:
                report('S125', option, f'{option} must be a time like 09:00', value=value)
