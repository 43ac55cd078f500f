"""Declared reports (schemas/dashboards.toml [reports.*]): the monthly attendance summary per employee and
monthly breakdown tables (e.g. complaint analysis); GROUP BY queries over the viewer's rows; .xlsx export."""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Callable, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr
from tortoise.functions import Avg, Count, Sum

from .. import records
from ..errors import NotFound, PortalError
from ..excel import export as _export_messages  # noqa: F401  (the info-sheet labels)
from ..i18n import add_messages, t, yes_no
from ..people import users
from ..registry import report_kinds
from ..rules import conditions
from ..rules import get_kind as rule_kind
from ..rules.calendar import workdays
from ..rules.workday import WorkdayRule, company_calendar, is_full_month
from ..runtime import rt
from ..schema import Actor

add_messages({
    'report.not_found': ('没有报表 "{name}"', 'No report "{name}"'),
    'report.month': ('月份格式应为 YYYY-MM,如 2026-11', 'The month must look like 2026-11'),
    'report.employee': ('员工', 'Employee'), 'report.present': ('出勤天数', 'Days present'),
    'report.late': ('迟到次数', 'Late'), 'report.late_over': ('迟到超 15 分钟', 'Late over grace'),
    'report.early': ('早退次数', 'Left early'), 'report.absence': ('旷工天数', 'Absence days'),
    'report.leave': ('请假天数(已批准)', 'Approved leave days'), 'report.full': ('满勤', 'Full attendance'),
    'report.total': ('合计', 'Total'), 'report.month_label': ('月份', 'Month'),
})
AGG = {'count': Count, 'sum': Sum, 'avg': Avg}


class Params(BaseModel):
    model_config = ConfigDict(extra='forbid')


class ReportKind:
    name: ClassVar[str]
    params: ClassVar[type[Params]]

    def check(self, catalog, register, p, report: Callable[..., None]) -> None:
        pass

    async def run(self, actor: Actor, spec, start: date, end: date, lang: str) -> dict[str, Any]:
        raise NotImplementedError

    xlsx: ClassVar[Callable[..., Any] | None] = None     # a kind's own workbook (actor, name, month) → bytes


register_kind = report_kinds.register
get_kind = report_kinds.get
kind_names = report_kinds.names


def month_range(month: str) -> tuple[date, date]:
    try:
        year, mon = (int(x) for x in month.split('-'))
        start = date(year, mon, 1)
    except (ValueError, TypeError) as exc:
        raise PortalError('report.month') from exc
    return start, conditions.month_start(start, 1)


async def run(actor: Actor, name: str, month: str) -> dict[str, Any]:
    spec = rt().catalog.reports.get(name)
    if spec is None:
        raise NotFound('report.not_found', name=name)
    start, end = month_range(month)
    result = await get_kind(spec.kind).run(actor, spec, start, end, actor.lang)
    return {'name': name, 'title': spec.title(actor.lang), 'month': month, **result}


def _num(value):
    if value is None:
        return 0
    return float(value) if isinstance(value, Decimal) else value


@register_kind
class WorkdaySummary(ReportKind):
    """Per employee and month: days present, late/early counts, absence days, approved leave, full month (满勤)."""

    name = 'workday_summary'

    class params(Params):
        pass

    def check(self, catalog, register, p, report) -> None:
        if _policy_rule(register) is None:
            report('D420', 'register', f"register '{register.key}' has no workday_policy rule", value=register.key)

    async def run(self, actor, spec, start, end, lang):
        register = rt().catalog.register(spec.register)
        rule = _policy_rule(register)
        m, policy = rule.params, rt().catalog.policies[rule.params.policy]
        base = {m.date: {'gte': str(start), 'lt': str(end)}}

        async def per_employee(where: dict, measure: str = 'count', field: str | None = None) -> dict[str, Any]:
            _, _, qs = await records.scoped_queryset(actor, spec.register, {**base, **where})
            target = 'id' if measure == 'count' else field
            rows = await qs.annotate(v=AGG[measure](target)).group_by(m.employee).values(m.employee, 'v')
            return {r[m.employee]: _num(r['v']) for r in rows}
        company = company_calendar(rt().catalog.policies, policy)
        until = min(end, rt().today() + timedelta(days=1))      # this month: the workdays so far
        month_workdays = set(workdays(start, until, company))
        _, _, qs = await records.scoped_queryset(actor, spec.register, {**base, m.kind: list(policy.present_kinds)})
        present: dict[str, int] = {}
        on_workdays: dict[str, int] = {}    # 满勤 (full_attendance = "workdays") counts the calendar's workdays
        for employee, when in await qs.values_list(m.employee, m.date):
            present[employee] = present.get(employee, 0) + 1
            if when in month_workdays:
                on_workdays[employee] = on_workdays.get(employee, 0) + 1
        late = await per_employee({m.late_minutes: {'gt': 0}})
        late_over = await per_employee({m.late_minutes: {'gt': policy.late_grace_minutes}})
        early = await per_employee({m.early_minutes: {'gt': 0}})
        absence = await per_employee({}, 'sum', m.absence_days)
        leave = await per_employee({m.kind: list(policy.leave_kinds), m.approval: list(policy.approved_states)})
        names = await users.directory()
        rows = []
        for employee in sorted(set(present) | set(absence) | set(leave) | set(late)):
            days, out = present.get(employee, 0), Decimal(str(absence.get(employee, 0)))
            rows.append({'employee': names.get(employee, employee), 'login': employee, 'present': days,
                         'late': late.get(employee, 0), 'late_over': late_over.get(employee, 0),
                         'early': early.get(employee, 0), 'absence': float(out), 'leave': leave.get(employee, 0),
                         'full': is_full_month(policy, on_workdays.get(employee, 0) if policy.full_attendance ==
                                               'workdays' else days, out, workdays=len(month_workdays))})
        columns = [(k, t(f'report.{k}', 'zh'), t(f'report.{k}', 'en')) for k in
                   ('employee', 'present', 'late', 'late_over', 'early', 'absence', 'leave', 'full')]
        return {'columns': columns, 'rows': rows}


def _policy_rule(register):
    return next((r for r in register.rules if isinstance(rule_kind(r.kind), WorkdayRule)), None) if register else None


class Measure(BaseModel):
    model_config = ConfigDict(extra='forbid')
    label: StrictStr
    label_en: StrictStr = ''
    agg: Literal['count', 'sum', 'avg'] = 'count'
    field: StrictStr | None = None
    where: dict[str, Any] = Field(default_factory=dict)


@register_kind
class BreakdownTable(ReportKind):
    """Rows = the values of a field, columns = measures (each with its own condition), for one month."""

    name = 'breakdown_table'

    class params(Params):
        date_field: StrictStr
        rows: StrictStr
        measures: list[Measure]

    def check(self, catalog, register, p, report) -> None:
        names = [f.name for f in register.fields]
        for path, name in (('date_field', p.date_field), ('rows', p.rows)):
            if register.field(name) is None:
                report('D421', path, f"unknown field '{name}'", value=name, allowed=names, near=name)
        for i, measure in enumerate(p.measures):
            if measure.agg != 'count' and register.field(measure.field or '') is None:
                report('D421', f'measures[{i}].field', f"unknown field {measure.field!r}", value=measure.field,
                       allowed=names)
            conditions.check(measure.where, register, report, f'measures[{i}].where')

    async def run(self, actor, spec, start, end, lang):
        p = spec.params
        base = {p.date_field: {'gte': str(start), 'lt': str(end)}}
        table: dict[Any, dict[str, Any]] = {}
        for i, measure in enumerate(p.measures):
            _, _, qs = await records.scoped_queryset(actor, spec.register, {**base, **measure.where})
            target = 'id' if measure.agg == 'count' else measure.field
            for row in await qs.annotate(v=AGG[measure.agg](target)).group_by(p.rows).values(p.rows, 'v'):
                table.setdefault(row[p.rows], {})[f'm{i}'] = round(_num(row['v']), 2)
        register = rt().catalog.register(spec.register)
        spec_rows = register.field(p.rows)
        order = list(spec_rows.choices) if spec_rows.choices else sorted(table, key=str)
        rows = []
        for key in order + [k for k in table if k not in order]:
            if key in table:
                rows.append({'key': '—' if key is None else str(key),
                             **{f'm{i}': table[key].get(f'm{i}', 0) for i in range(len(p.measures))}})
        if rows:
            rows.append({'key': t('report.total', lang), **{f'm{i}': round(sum(r[f'm{i}'] for r in rows), 2)
                                                            for i, m in enumerate(p.measures) if m.agg != 'avg'}})
        columns = [('key', spec_rows.label, spec_rows.label_en or spec_rows.label)] + [
            (f'm{i}', m.label, m.label_en or m.label) for i, m in enumerate(p.measures)]
        return {'columns': columns, 'rows': rows}


async def report_xlsx(actor: Actor, name: str, month: str) -> bytes:
    """The report as an .xlsx with the same care as register exports (header, frozen, autofilter, info)."""
    import os
    import tempfile

    from rustpy_xlsxwriter import FastExcel, Format
    spec = rt().catalog.reports.get(name)
    own = get_kind(spec.kind).xlsx if spec is not None else None
    if own is not None:
        return await own(actor, name, month)
    table = await run(actor, name, month)
    lang = actor.lang
    headers = [en if lang == 'en' else zh for _, zh, en in table['columns']]

    def cell(value):
        if isinstance(value, bool):
            return yes_no(value, lang)
        return value
    rows = [{h: cell(row.get(key)) for h, (key, _, _) in zip(headers, table['columns'])} for row in table['rows']]
    info = [{t('export.info', lang): k, ' ': v} for k, v in (
        (t('export.register', lang), table['title']), (t('report.month_label', lang), month),
        (t('export.by', lang), actor.name), (t('export.at', lang), rt().now().strftime('%Y-%m-%d %H:%M')))]
    header = Format().set_bold().set_background_color('#E8F0FE').set_border('thin')
    fd, path = tempfile.mkstemp(suffix='.xlsx')
    os.close(fd)
    try:
        sheet = re.sub(r'[\[\]:*?/\\]', ' ', str(table['title']))[:31] or name[:31]   # Excel's sheet-name rules
        (FastExcel(path).freeze(row=1, sheet=sheet)
         .sheet(sheet, rows or [{h: None for h in headers}], column_widths=[14] * len(headers),
                header_format=header, autofilter=True)
         .sheet(t('export.info', lang), info, column_widths=[16, 60]).save())
        with open(path, 'rb') as file:
            return file.read()
    finally:
        os.unlink(path)
