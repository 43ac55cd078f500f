"""The deadline rule kind: rows must reach a state within N days of a date; late ones are overdue (highlighted in
the grid, counted in queues and on dashboards)."""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

from pydantic import StrictInt, StrictStr
from tortoise.expressions import Q

from .base import Params, RuleKind, register_kind
from .conditions import check as check_condition
from .conditions import matches, to_q, to_q_not
from .kinds import _FieldCheck


@register_kind
class Deadline(_FieldCheck, RuleKind):
    """Rows must reach `done_when` within `days` of `start`; late ones are overdue (highlighted, queued).
    `source = "company"`: the number of days is the company's own setting, not the regulation's (shown so)."""

    name = 'deadline'
    example = '''
id = "follow_up"
start = "accepted_date"
days = 7
done_when = { status = "已归档" }
label = "回访逾期"
clause = "cs.complaint.7"'''

    class params(Params):
        start: StrictStr
        """The date (or datetime) field the time runs from."""
        days: StrictInt
        """Days allowed."""
        done_when: dict[str, Any]
        """The condition of a finished row."""
        label: StrictStr
        """What is late (highlight, queue, dashboard)."""
        label_en: StrictStr = ''
        """English label."""
        source: Literal['regulation', 'company'] = 'regulation'
        """Where the number of days comes from: the regulation's words, or a company setting (shown as such)."""

    def words(self, register, rule, p, lang='zh', policies=None):
        text = (p.label_en or p.label) if lang == 'en' else p.label
        return text

    def check_decl(self, register, rule, p, report, info) -> None:
        if self.need_field(register, p.start, 'start', report) and register.field(p.start).kind.filter_kind not in (
                'date', 'datetime'):
            report('S255', 'start', f"'{p.start}' is not a date field", value=p.start)
        check_condition(p.done_when, register, report, 'done_when')
        if not rule.id:
            report('S256', 'id', 'a deadline rule needs an id (queues and dashboards refer to it)', value=None)

    def due(self, p, row) -> date | None:
        start = row.get(p.start)
        if start is None:
            return None
        start = start.date() if hasattr(start, 'date') and callable(start.date) else start
        return start + timedelta(days=p.days)

    def is_overdue(self, register, rule, p, row, ctx) -> bool:
        due = self.due(p, row)
        if due is None or ctx.today <= due:
            return False
        if rule.when and not matches(rule.when, register, row, ctx.actor, ctx.today):
            return False
        return not matches(p.done_when, register, row, ctx.actor, ctx.today)

    def overdue_q(self, register, rule, p, actor: str | None, today: date) -> Q:
        q = Q(**{f'{p.start}__lt': today - timedelta(days=p.days)}) & to_q_not(p.done_when, register,
                                                                                         actor, today)
        if rule.when:
            q &= to_q(rule.when, register, actor, today)
        return q
