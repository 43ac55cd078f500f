"""Dashboard widget kinds (one class per kind): their parameters, checks, aggregate queries (GROUP BY in the
database, over the viewer's rows only) and chart options (ECharts), plus the grid link of a clicked point."""
from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Callable, ClassVar, Literal
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr
from tortoise.expressions import RawSQL
from tortoise.functions import Avg, Sum

from .. import records
from ..errors import PermissionDenied, PortalError
from ..registry import widget_kinds
from ..rules import conditions
from ..rules.conditions import month_start
from ..runtime import rt
from ..schema import Actor
from ..store import db

AGG = {'count': lambda _: RawSQL('COUNT(*)'), 'sum': Sum, 'avg': Avg}   # COUNT(*) answers from an index


class Params(BaseModel):
    model_config = ConfigDict(extra='forbid')


class Measured(Params):
    measure: Literal['count', 'sum', 'avg'] = 'count'
    field: StrictStr | None = None
    filter: dict[str, Any] = Field(default_factory=dict)


class WidgetKind:
    name: ClassVar[str]
    params: ClassVar[type[Params]]
    needs_register: ClassVar[bool] = True
    # how the dashboard shows the kind's data: 'number' {value, change?}, 'ratio' {value, numerator, denominator,
    # days}, 'chart' (ECharts options from chart()), 'list' {items: [{key, value}]}, 'table' {columns, rows,
    # total?} — a new kind picks one of these and the page needs no change
    presentation: ClassVar[str]

    def check(self, catalog, register, p, reports, report: Callable[..., None]) -> None:
        _check_filter(register, getattr(p, 'filter', {}), report)
        if isinstance(p, Measured) and p.measure != 'count':
            _need_field(register, p.field, 'field', report, number=True)

    async def data(self, actor: Actor, widget, today: date) -> dict[str, Any]:
        raise NotImplementedError

    def chart(self, widget, data: dict, lang: str) -> dict | None:
        return None

    def link(self, widget, point: dict) -> str | None:
        return None


register_kind = widget_kinds.register
get_kind = widget_kinds.get
kind_names = widget_kinds.names


# --- helpers --------------------------------------------------------------------------------------------------

def _check_filter(register, condition: dict, report) -> None:
    if register is not None and condition:
        conditions.check(condition, register, report, 'filter')


def _need_field(register, name: str | None, path: str, report, *, number: bool = False, choice: bool = False,
                when: bool = False) -> None:
    names = [f.name for f in register.fields]
    spec = register.field(name) if name else None
    if spec is None:
        report('D410', path, f"unknown field {name!r}", value=name, allowed=names, near=name or '')
    elif number and spec.kind.filter_kind != 'number':
        report('D411', path, f"'{name}' is not a number field", value=name)
    elif choice and spec.kind.filter_kind != 'set':
        report('D411', path, f"'{name}' is not a choice-like field", value=name)
    elif when and spec.kind.filter_kind not in ('date', 'datetime'):
        report('D411', path, f"'{name}' is not a date field", value=name)


async def _aggregate(actor: Actor, key: str, where: dict, measure: str, field: str | None,
                     group: list[str] | None = None, extra=None):
    _, _, qs = await records.scoped_queryset(actor, key, where)
    if extra is not None:
        qs = qs.filter(extra)
    target = 'id' if measure == 'count' else field
    if not group:
        if measure == 'count':
            return await qs.count()
        rows = await qs.annotate(v=AGG[measure](target)).values('v')
        return _num(rows[0]['v'] if rows else None)
    return await qs.annotate(v=AGG[measure](target)).group_by(*group).values(*group, 'v')


def _num(value) -> float:
    if value is None:
        return 0
    return float(value) if isinstance(value, Decimal) else value


def _merge(*parts: dict) -> dict:
    out: dict = {}
    for part in parts:
        out.update(part or {})
    return out


def grid_link(register: str, where: dict) -> str:
    return f'/r/{register}?where={quote(json.dumps(where, ensure_ascii=False, default=str))}'


def _period(period: str, today: date) -> tuple[tuple[date, date], tuple[date, date]]:
    if period == 'day':
        return (today, today), (today - timedelta(days=1), today - timedelta(days=1))
    if period == 'week':
        start = today - timedelta(days=today.weekday())
        return (start, today), (start - timedelta(days=7), start - timedelta(days=1))
    start = month_start(today)
    previous = month_start(today, -1)
    return (start, today), (previous, start - timedelta(days=1))


# --- kinds ----------------------------------------------------------------------------------------------------

@register_kind
class Number(WidgetKind):
    """One figure (count/sum/avg), optionally compared with the previous day/week/month."""

    name = 'number'
    presentation = 'number'

    class params(Measured):
        period: Literal['day', 'week', 'month'] | None = None
        date_field: StrictStr | None = None
        unit: StrictStr = ''
        link: bool = True

    def check(self, catalog, register, p, reports, report) -> None:
        super().check(catalog, register, p, reports, report)
        if p.period:
            _need_field(register, p.date_field, 'date_field', report, when=True)

    async def data(self, actor, widget, today):
        p = widget.params
        if not p.period:
            return {'value': await _aggregate(actor, widget.register, p.filter, p.measure, p.field)}
        (a, b), (c, d) = _period(p.period, today)
        now = await _aggregate(actor, widget.register, _merge(p.filter, {p.date_field: {'gte': str(a),
                                                                                         'lte': str(b)}}),
                               p.measure, p.field)
        before = await _aggregate(actor, widget.register, _merge(p.filter, {p.date_field: {'gte': str(c),
                                                                                            'lte': str(d)}}),
                                  p.measure, p.field)
        change = None if not before else round((now - before) * 100 / before, 1)
        return {'value': now, 'previous': before, 'change': change, 'from': str(a), 'to': str(b)}

    def link(self, widget, point):
        p = widget.params
        where = dict(p.filter)
        if p.period and 'from' in point:
            where[p.date_field] = {'gte': point['from'], 'lte': point['to']}
        return grid_link(widget.register, where) if p.link else None


@register_kind
class Ratio(WidgetKind):
    """A share of two counts in the last N days (e.g. a return rate: returned orders / shipped orders)."""

    name = 'ratio'
    presentation = 'ratio'
    needs_register = False

    class params(Params):
        numerator: dict[str, Any]
        denominator: dict[str, Any]
        days: StrictInt = 30

    def check(self, catalog, register, p, reports, report) -> None:
        for side in ('numerator', 'denominator'):
            spec = getattr(p, side)
            reg = catalog.register(spec.get('register', ''))
            if reg is None:
                report('D405', f'{side}.register', f"unknown register {spec.get('register')!r}",
                       value=spec.get('register'), allowed=sorted(catalog.registers))
                continue
            _need_field(reg, spec.get('date_field'), f'{side}.date_field', report, when=True)
            _check_filter(reg, spec.get('filter') or {}, lambda c, path, m, **kw: report(c, f'{side}.{path}', m, **kw))

    async def data(self, actor, widget, today):
        p = widget.params
        values = []
        for spec in (p.numerator, p.denominator):
            where = _merge(spec.get('filter') or {}, {spec['date_field']: {'gte': f'$today-{p.days}'}})
            values.append(await _aggregate(actor, spec['register'], where, 'count', None))
        num, den = values
        return {'value': round(num * 100 / den, 1) if den else None, 'numerator': num, 'denominator': den,
                'days': p.days}


@register_kind
class Breakdown(WidgetKind):
    """A measure per value of a choice-like field, as a pie or bar chart."""

    name = 'breakdown'
    presentation = 'chart'

    class params(Measured):
        by: StrictStr
        chart: Literal['pie', 'bar'] = 'pie'
        limit: StrictInt = 12

    def check(self, catalog, register, p, reports, report) -> None:
        super().check(catalog, register, p, reports, report)
        _need_field(register, p.by, 'by', report, choice=True)

    async def data(self, actor, widget, today):
        p = widget.params
        rows = await _aggregate(actor, widget.register, p.filter, p.measure, p.field, [p.by])
        items = sorted(({'key': r[p.by], 'value': _num(r['v'])} for r in rows),
                       key=lambda i: (-i['value'], '' if i['key'] is None else str(i['key'])))   # ties by name
        return {'items': items[:p.limit]}

    def chart(self, widget, data, lang):
        items = data['items']
        names = ['—' if i['key'] is None else str(i['key']) for i in items]
        if widget.params.chart == 'pie':
            # narrow cards: a smaller ring leaves the labels room to wrap instead of being cut to "待..."
            return {'tooltip': {'trigger': 'item', 'formatter': '{b}: {c} ({d}%)'},
                    'series': [{'type': 'pie', 'radius': ['28%', '50%'], 'center': ['50%', '50%'],
                                'data': [{'name': n, 'value': i['value']} for n, i in zip(names, items)],
                                'label': {'formatter': '{b}\n{c}', 'overflow': 'break', 'width': 72,
                                          'lineHeight': 14, 'fontSize': 11},
                                'labelLine': {'length': 6, 'length2': 6}, 'minShowLabelAngle': 4}]}
        return {'tooltip': {'trigger': 'axis'}, 'grid': {'left': 40, 'right': 10, 'bottom': 30, 'top': 10},
                'xAxis': {'type': 'category', 'data': names, 'axisLabel': {'interval': 0, 'rotate': 30}},
                'yAxis': {'type': 'value'}, 'series': [{'type': 'bar', 'data': [i['value'] for i in items]}]}

    def link(self, widget, point):
        key = point.get('name')
        value = None if key == '—' else key
        return grid_link(widget.register, _merge(widget.params.filter, {widget.params.by: value}))


@register_kind
class TimeSeries(WidgetKind):
    """A measure per day/week/month over the last N days, optionally one series per choice value."""

    name = 'timeseries'
    presentation = 'chart'

    class params(Measured):
        date_field: StrictStr
        bucket: Literal['day', 'week', 'month'] = 'day'
        days: StrictInt = 30
        split_by: StrictStr | None = None
        chart: Literal['line', 'bar'] = 'line'

    def check(self, catalog, register, p, reports, report) -> None:
        super().check(catalog, register, p, reports, report)
        _need_field(register, p.date_field, 'date_field', report, when=True)
        if p.split_by:
            _need_field(register, p.split_by, 'split_by', report, choice=True)

    async def data(self, actor, widget, today):
        p = widget.params
        where = _merge(p.filter, {p.date_field: {'gte': f'$today-{p.days - 1}'}})
        register, _, qs = await records.scoped_queryset(actor, widget.register, where)
        target = 'id' if p.measure == 'count' else p.field
        if p.bucket == 'day' and register.field(p.date_field).kind.storage == 'date':
            # a date column is its own day bucket: grouping by the column lets the database answer from an index
            group = [p.date_field] + ([p.split_by] if p.split_by else [])
            rows = [{**r, 'b': r[p.date_field]} for r in
                    await qs.annotate(v=AGG[p.measure](target)).group_by(*group).values(*group, 'v')]
        else:
            group = ['b'] + ([p.split_by] if p.split_by else [])
            rows = await qs.annotate(b=RawSQL(db.bucket_sql(p.date_field, p.bucket)),
                                     v=AGG[p.measure](target)).group_by(*group).values(*group, 'v')
        buckets = _buckets(today, p.days, p.bucket)
        series: dict[str, list] = {}
        for row in rows:
            name = str(row.get(p.split_by) or '—') if p.split_by else ''
            values = series.setdefault(name, [0] * len(buckets))
            if str(row['b']) in buckets:
                values[buckets.index(str(row['b']))] = _num(row['v'])
        return {'buckets': buckets, 'series': series}

    def chart(self, widget, data, lang):
        kind = widget.params.chart
        series = [{'name': name or widget.label(lang), 'type': kind, 'data': values,
                   **({'stack': 'total'} if kind == 'bar' else {'smooth': True, 'showSymbol': False})}
                  for name, values in sorted(data['series'].items())]
        return {'tooltip': {'trigger': 'axis'}, 'legend': {'bottom': 0, 'type': 'scroll'},
                'grid': {'left': 40, 'right': 10, 'bottom': 45, 'top': 10},
                'xAxis': {'type': 'category', 'data': [b[5:] if len(b) == 10 else b for b in data['buckets']]},
                'yAxis': {'type': 'value'}, 'series': series}

    def link(self, widget, point):
        p = widget.params
        where = dict(p.filter)
        label = point.get('name', '')
        if p.bucket == 'day' and len(label) == 5:
            where[p.date_field] = _day_of(label, rt().today())
        if p.split_by and point.get('series_name'):
            where[p.split_by] = point['series_name']
        return grid_link(widget.register, where)


def _day_of(label: str, today: date) -> str:
    """The date an axis label 'MM-DD' stands for on a chart that ends today: this year's, or last year's when that
    would lie ahead (in January, the December days of a 30-day chart)."""
    for year in range(today.year, today.year - 5, -1):      # 02-29: the latest year that has one
        try:
            day = date.fromisoformat(f'{year}-{label}')
        except ValueError:
            continue
        if day <= today:
            return day.isoformat()
    return f'{today.year}-{label}'          # not a day at all: the filter refuses it as it would any bad date


def _buckets(today: date, days: int, bucket: str) -> list[str]:
    out: list[str] = []
    for n in range(days - 1, -1, -1):
        day = today - timedelta(days=n)
        label = {'day': day.isoformat(), 'week': f'{day.strftime("%Y")}-W{day.strftime("%W")}',
                 'month': day.strftime('%Y-%m')}[bucket]
        if label not in out:
            out.append(label)
    return out


async def dashboard_data(actor: Actor, key: str, today: date) -> list[tuple[Any, dict | None]]:
    """Every widget's data for this viewer; a widget over a register (or field) the viewer may not see gives None
    and is left out of the page."""
    board = rt().catalog.dashboards[key]
    out = []
    for widget in board.widgets:
        kind = get_kind(widget.kind)
        try:
            out.append((widget, await kind.data(actor, widget, today)))
        except (PermissionDenied, PortalError):
            out.append((widget, None))
    return out


def dashboard_for(actor: Actor) -> str | None:
    catalog = rt().catalog
    for role in actor.roles:
        spec = catalog.roles.get(role)
        if spec and spec.dashboard in catalog.dashboards:
            return spec.dashboard
    return None

