"""The attendance policy (上下班制度) as a rule kind: late/early minutes, absence days and the after-the-fact flag
per row, on the days the calendar says are workdays."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Literal

from pydantic import ConfigDict, StrictInt, StrictStr, ValidationError

from .base import Params, RuleKind, pydantic_problems, register_kind
from .calendar import CompanyCalendar, is_workday
from .declared import Declared


class WorkdayPolicy(Declared):
    """schemas/policy/<name>.toml — each number names its clause; choices and company settings are declared."""

    model_config = ConfigDict(extra='forbid')
    label: StrictStr
    clauses: list[StrictStr]
    calendar: StrictStr = 'calendar'
    workday_start: time
    workday_end: time
    lunch_start: time
    lunch_end: time
    signout_window_minutes: StrictInt = 10
    late_grace_minutes: StrictInt
    early_grace_minutes: StrictInt
    late_absence_days: float
    early_absence_days: float
    outing_grace_minutes: StrictInt
    outing_absence_days: float
    missing_punch_days: float
    unapproved_absence_days: float
    serious_absence_days: float = 0.5
    full_attendance: Literal['workdays', 'days'] = 'workdays'
    full_attendance_days: StrictInt
    long_leave: Literal['half_day_absence', 'not_applied'] = 'half_day_absence'
    long_leave_days: float = 1.0
    long_leave_absence_days: float = 0.5
    pending_requests: Literal['not_counted', 'counted'] = 'not_counted'
    present_kinds: list[StrictStr]
    leave_kinds: list[StrictStr]
    outing_kinds: list[StrictStr]
    absent_kinds: list[StrictStr]
    advance_kinds: list[StrictStr] = []
    approved_states: list[StrictStr]
    pending_states: list[StrictStr] = []
    correction_in: StrictStr = '签到'
    correction_out: StrictStr = '签退'


@dataclass(frozen=True, slots=True)
class DayResult:
    late_minutes: int
    early_minutes: int
    absence_days: Decimal
    present: bool


def evaluate_day(policy: WorkdayPolicy, *, kind: str | None, sign_in: time | None, sign_out: time | None,
                 approval: str | None, outing_minutes: int | None, workday: bool = True,
                 leave_days: Decimal | float | None = None) -> DayResult:
    """One day of one employee under the policy. Pure: the table-driven tests call this. `workday`: what the
    calendar says of the day — on a rest day nobody is late, leaves early or is absent."""
    present = kind in policy.present_kinds or kind is None
    if not workday:
        return DayResult(0, 0, _d(0), present and kind not in policy.absent_kinds)
    approved = approval in policy.approved_states
    # a request not decided yet counts as nothing until it is decided (the decision is a write: the row is
    # recomputed then); policy.pending_requests = "counted" scores it as not approved instead
    waiting = approval in policy.pending_states and policy.pending_requests == 'not_counted'
    excused = approved or waiting
    if kind in policy.absent_kinds:
        return DayResult(0, 0, _d(policy.unapproved_absence_days), False)
    if kind in policy.leave_kinds:
        days = 0.0 if excused else policy.unapproved_absence_days
        if (policy.long_leave == 'half_day_absence' and leave_days is not None
                and Decimal(str(leave_days)) > Decimal(str(policy.long_leave_days))):
            days += policy.long_leave_absence_days          # 请假时间超过1天视为半天旷工
        return DayResult(0, 0, _d(min(days, 1.0)), False)
    late = _minutes_between(policy.workday_start, sign_in, policy) if sign_in else 0
    early = _early_minutes(policy, sign_out) if sign_out else 0
    if sign_in is None and sign_out is None:
        return DayResult(0, 0, _d(0 if excused else policy.unapproved_absence_days), False)
    absence = 0.0
    if sign_in is None or sign_out is None:
        absence += 0 if excused else policy.missing_punch_days
    if late > policy.late_grace_minutes and not excused:
        absence += policy.late_absence_days
    if early > policy.early_grace_minutes and not excused:
        absence += policy.early_absence_days
    if kind in policy.outing_kinds and (outing_minutes or 0) > policy.outing_grace_minutes and not excused:
        absence += policy.outing_absence_days
    return DayResult(late, early, _d(min(absence, 1.0)), present)


def _early_minutes(policy: WorkdayPolicy, sign_out: time) -> int:
    """下班前10分钟内完成手头工作,进行签退: a sign-out inside the window before the end of work is on time; before
    the window, early leave is counted from the end of work (迟到早退时间 is measured against the working hours)."""
    minutes = _minutes_between(sign_out, policy.workday_end, policy)
    return 0 if minutes <= policy.signout_window_minutes else minutes


def is_full_month(policy: WorkdayPolicy, present_days: int, absence_days: Decimal,
                  workdays: int | None = None) -> bool:
    """满勤, as the policy chose: 'workdays' — present on every workday of the month (`workdays`, from the calendar)
    with no absence; 'days' — present days less absence days reach full_attendance_days (每月26天为满勤)."""
    absence = Decimal(str(absence_days))
    if policy.full_attendance == 'workdays':
        return workdays is not None and present_days >= workdays and absence == 0
    return Decimal(present_days) - absence >= policy.full_attendance_days


def approved_after_the_fact(policy: WorkdayPolicy, *, kind: str | None, day: date | None, approval: str | None,
                            approved_at: datetime | None, correction: bool) -> bool:
    """获得批准后方可…: a request approved only after its working day began was not approved in advance. A 补卡
    (missed-punch correction) is by nature after the fact and is not flagged."""
    if correction or approval not in policy.approved_states or approved_at is None or day is None:
        return False
    if kind not in policy.advance_kinds and kind not in policy.present_kinds:
        return False
    return approved_at.replace(tzinfo=None) > datetime.combine(day, policy.workday_start)


def _minutes_between(start: time, end: time, policy: WorkdayPolicy) -> int:
    """Working minutes from start to end (lunch break excluded); 0 when end is not after start."""
    day = datetime(2000, 1, 1)
    a, b = datetime.combine(day, start), datetime.combine(day, end)
    if b <= a:
        return 0
    total = (b - a).seconds // 60
    lunch_a, lunch_b = datetime.combine(day, policy.lunch_start), datetime.combine(day, policy.lunch_end)
    overlap = (min(b, lunch_b) - max(a, lunch_a)).total_seconds() // 60
    return int(total - max(0, overlap))


def _d(days: float) -> Decimal:
    return Decimal(str(days)).quantize(Decimal('0.1'))


def company_calendar(policies: dict[str, Any], policy: WorkdayPolicy) -> CompanyCalendar | None:
    found = policies.get(policy.calendar)
    return found if isinstance(found, CompanyCalendar) else None


@register_kind
class WorkdayRule(RuleKind):
    name = 'workday_policy'
    computes = True
    policy_model = WorkdayPolicy

    class params(Params):
        policy: StrictStr
        employee: StrictStr = 'employee'
        date: StrictStr = 'date'
        kind: StrictStr = 'kind'
        sign_in: StrictStr = 'sign_in'
        sign_out: StrictStr = 'sign_out'
        approval: StrictStr = 'approval'
        outing_minutes: StrictStr = 'outing_minutes'
        leave_days: StrictStr = 'leave_days'
        correction_of: StrictStr = 'correction_of'
        correction_time: StrictStr = 'correction_time'
        approved_at: StrictStr = 'approved_at'
        late_minutes: StrictStr = 'late_minutes'
        early_minutes: StrictStr = 'early_minutes'
        absence_days: StrictStr = 'absence_days'
        after_the_fact: StrictStr = 'after_the_fact'

    MAPPED = ('employee', 'date', 'kind', 'sign_in', 'sign_out', 'approval', 'outing_minutes', 'leave_days',
              'correction_of', 'correction_time', 'approved_at', 'late_minutes', 'early_minutes', 'absence_days',
              'after_the_fact')

    def check_decl(self, register, rule, p, report, info) -> None:
        for key in self.MAPPED:
            name = getattr(p, key)
            if register.field(name) is None:
                report('S251', key, f"unknown field '{name}'", value=name,
                       allowed=[f.name for f in register.fields], near=name)
        policies = info.get('policies', {})
        if p.policy not in policies:
            report('S257', 'policy', f"no policy file schemas/policy/{p.policy}.toml", value=p.policy,
                   allowed=sorted(policies), near=p.policy)
            return
        raw = policies[p.policy]
        name = raw.calendar if isinstance(raw, WorkdayPolicy) else (raw.get('calendar', 'calendar')
                                                                     if isinstance(raw, dict) else 'calendar')
        calendar = policies.get(name)
        if calendar is None:
            report('S257', 'policy', f"no company calendar schemas/policy/{name}.toml (named by the policy's "
                   f"'calendar')", value=name, allowed=sorted(policies), near=name)
        elif not isinstance(calendar, CompanyCalendar):
            try:
                policies[name] = CompanyCalendar.model_validate(calendar)
            except ValidationError as exc:
                for path, message, value in pydantic_problems(exc):
                    report('S258', 'policy', f'schemas/policy/{name}.toml {path}: {message}', value=value)

    def words(self, register, rule, p, lang='zh', policies=None):
        if lang == 'en':
            return ('late and early minutes, absence days and approvals after the fact, computed by the attendance '
                    'policy on the workdays of the calendar')
        return '按上下班制度和工作日历计算迟到、早退分钟、旷工天数和事后审批'

    def computed_fields(self, p) -> tuple[str, ...]:
        return (p.late_minutes, p.early_minutes, p.absence_days, p.after_the_fact)

    def compute(self, register, rule, p, row: dict[str, Any], ctx) -> dict:
        policy = ctx.policies[p.policy]
        day = row.get(p.date)
        workday = True if day is None else is_workday(day, company_calendar(ctx.policies, policy))
        sign_in, sign_out, approval = row.get(p.sign_in), row.get(p.sign_out), row.get(p.approval)
        which, corrected = row.get(p.correction_of), row.get(p.correction_time)
        correction = bool(which and corrected)
        if correction and approval in policy.approved_states:    # a 补卡: the approval is the correction's
            sign_in = corrected if which == policy.correction_in else sign_in
            sign_out = corrected if which == policy.correction_out else sign_out
            approval = None         # … not an excuse for the day
        result = evaluate_day(policy, kind=row.get(p.kind), sign_in=sign_in, sign_out=sign_out, approval=approval,
                              outing_minutes=row.get(p.outing_minutes), workday=workday,
                              leave_days=row.get(p.leave_days))
        late = approved_after_the_fact(policy, kind=row.get(p.kind), day=day, approval=row.get(p.approval),
                                       approved_at=row.get(p.approved_at), correction=correction)
        return {p.late_minutes: result.late_minutes, p.early_minutes: result.early_minutes,
                p.absence_days: result.absence_days, p.after_the_fact: late}
