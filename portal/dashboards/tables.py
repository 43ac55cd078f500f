"""Dashboard widget kinds shown as tables: the top N values of a field, rows past a deadline, and a declared
report's rows. Registered with the other kinds when `portal.widgets` is imported."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, StrictInt, StrictStr

from .. import records
from ..people import users
from ..rules import engine as rules
from ..rules.conditions import month_start
from .reports import run
from .widgets import (
    Measured,
    Params,
    WidgetKind,
    _aggregate,
    _check_filter,
    _merge,
    _need_field,
    _num,
    grid_link,
    register_kind,
)


@register_kind
class Top(WidgetKind):
    """The top N values of a field by a measure (a small table)."""

    name = 'top'
    presentation = 'list'

    class params(Measured):
        group_by: StrictStr
        limit: StrictInt = 10

    def check(self, catalog, register, p, reports, report) -> None:
        super().check(catalog, register, p, reports, report)
        _need_field(register, p.group_by, 'group_by', report)

    async def data(self, actor, widget, today):
        p = widget.params
        rows = await _aggregate(actor, widget.register, p.filter, p.measure, p.field, [p.group_by])
        items = sorted(({'key': r[p.group_by], 'value': _num(r['v'])} for r in rows if r[p.group_by] is not None),
                       key=lambda i: (-i['value'], str(i['key'])))     # ties by name
        return {'items': items[:p.limit]}

    def link(self, widget, point):
        return grid_link(widget.register, _merge(widget.params.filter, {widget.params.group_by: point.get('name')}))


@register_kind
class Overdue(WidgetKind):
    """Rows past a deadline rule of the register (e.g. a follow-up not done in time)."""

    name = 'overdue'
    presentation = 'table'

    class params(Params):
        deadline: StrictStr
        columns: list[StrictStr] = Field(default_factory=list)
        filter: dict[str, Any] = Field(default_factory=dict)
        limit: StrictInt = 10
        queue: StrictStr | None = None

    def check(self, catalog, register, p, reports, report) -> None:
        _check_filter(register, p.filter, report)
        ids = [r.id for r in rules.deadlines(register)]
        if p.deadline not in ids:
            report('D412', 'deadline', f"'{p.deadline}' is not a deadline rule of '{register.key}'",
                   value=p.deadline, allowed=ids, near=p.deadline)
        for i, name in enumerate(p.columns):
            _need_field(register, name, f'columns[{i}]', report)
        if p.queue and p.queue not in [q.id for q in register.queues]:
            report('D413', 'queue', f"unknown queue '{p.queue}'", value=p.queue,
                   allowed=[q.id for q in register.queues], near=p.queue)

    async def data(self, actor, widget, today):
        p = widget.params
        register, granted, qs = await records.scoped_queryset(actor, widget.register, p.filter)
        qs = qs.filter(rules.overdue_q(register, p.deadline, actor.username, today))
        total = await qs.count()
        columns = [c for c in p.columns if c not in granted.hidden]
        rows = await qs.order_by(register.rule(p.deadline).params.start, 'id').limit(p.limit).values(
            'id', *columns)
        names = await users.directory()
        shown = []
        for row in rows:
            shown.append({'id': row['id'], **{c: _cell(register.field(c), row[c], names) for c in columns}})
        return {'total': total, 'rows': shown, 'columns': [(c, register.field(c).label, register.field(c).label_en)
                                                           for c in columns]}

    def link(self, widget, point):
        if widget.params.queue:
            return f'/r/{widget.register}?queue={widget.params.queue}'
        return f'/r/{widget.register}'


@register_kind
class ReportTable(WidgetKind):
    """Rows of a declared report for this month, optionally only those where a column has a value."""

    name = 'report'
    presentation = 'table'
    needs_register = False

    class params(Params):
        report: StrictStr
        only: dict[str, Any] = Field(default_factory=dict)
        columns: list[StrictStr] = Field(default_factory=list)
        month: Literal['current', 'previous'] = 'current'

    def check(self, catalog, register, p, reports, report) -> None:
        if p.report not in reports:
            report('D414', 'report', f"unknown report '{p.report}'", value=p.report, allowed=sorted(reports),
                   near=p.report)

    async def data(self, actor, widget, today):
        p = widget.params
        month = month_start(today, 0 if p.month == 'current' else -1).strftime('%Y-%m')
        table = await run(actor, p.report, month)
        rows = [r for r in table['rows'] if all(r.get(k) == v for k, v in p.only.items())]
        keep = p.columns or [c for c, _, _ in table['columns']]
        return {'month': month, 'columns': [c for c in table['columns'] if c[0] in keep],
                'rows': [{**{k: r.get(k) for k in keep}, **({'login': r['login']} if 'login' in r else {})}
                         for r in rows]}

    def link(self, widget, point):
        return f'/reports?name={widget.params.report}'


def _cell(spec, value, names: dict[str, str]) -> str:
    """A table cell as people read it: a user by name (张客服), not by login."""
    if spec.kind.holds_user and value is not None:
        return names.get(value, value)
    return spec.kind.text(value, spec)
