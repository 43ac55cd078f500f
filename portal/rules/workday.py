"""The attendance policy (上下班制度) as a rule kind: late/early minutes and absence days per row."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictInt, StrictStr

from .base import Params, RuleKind, register_kind


class WorkdayPolicy(BaseModel):
    """schemas/policy/<name>.toml — every number comes from the regulations, each with its clause."""

    model_config = ConfigDict(extra='forbid')
    label: StrictStr
    clauses: list[StrictStr]
    workday_start: time
    workday_end: time
    lunch_start: time
    lunch_end: time
    late_grace_minutes: StrictInt
    early_grace_minutes: StrictInt
    late_absence_days: float
    early_absence_days: float
    outing_grace_minutes: StrictInt
    outing_absence_days: float
    missing_punch_days: float
    unapproved_absence_days: float
    full_attendance_days: StrictInt
    present_kinds: list[StrictStr]
    leave_kinds: list[StrictStr]
    outing_kinds: list[StrictStr]
    absent_kinds: list[StrictStr]
    approved_states: list[StrictStr]
    pending_states: list[StrictStr] = []


@dataclass(frozen=True, slots=True)
class DayResult:
    late_minutes: int
    early_minutes: int
    absence_days: Decimal
    present: bool


def evaluate_day(policy: WorkdayPolicy, *, kind: str | None, sign_in: time | None, sign_out: time | None,
                 approval: str | None, outing_minutes: int | None) -> DayResult:
    """One day of one employee under the policy. Pure: the table-driven tests call this."""
    approved = approval in policy.approved_states
    pending = approval in policy.pending_states
    if kind in policy.absent_kinds:
        return DayResult(0, 0, _d(policy.unapproved_absence_days), False)
    if kind in policy.leave_kinds:
        days = 0 if approved or pending else policy.unapproved_absence_days
        return DayResult(0, 0, _d(days), False)
    late = _minutes_between(policy.workday_start, sign_in, policy) if sign_in else 0
    early = _minutes_between(sign_out, policy.workday_end, policy) if sign_out else 0
    absence = 0.0
    if sign_in is None and sign_out is None:
        return DayResult(0, 0, _d(0 if approved else policy.unapproved_absence_days), False)
    if sign_in is None or sign_out is None:
        absence += 0 if approved else policy.missing_punch_days
    if late > policy.late_grace_minutes and not approved:
        absence += policy.late_absence_days
    if early > policy.early_grace_minutes and not approved:
        absence += policy.early_absence_days
    if kind in policy.outing_kinds and (outing_minutes or 0) > policy.outing_grace_minutes and not approved:
        absence += policy.outing_absence_days
    return DayResult(late, early, _d(min(absence, 1.0)), kind in policy.present_kinds or kind is None)


def is_full_month(policy: WorkdayPolicy, present_days: int, absence_days: Decimal) -> bool:
    """每月26天为满勤: present days, less days counted as absence, reach the policy's number."""
    return Decimal(present_days) - Decimal(absence_days) >= policy.full_attendance_days


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
        late_minutes: StrictStr = 'late_minutes'
        early_minutes: StrictStr = 'early_minutes'
        absence_days: StrictStr = 'absence_days'

    MAPPED = ('employee', 'date', 'kind', 'sign_in', 'sign_out', 'approval', 'outing_minutes', 'late_minutes',
              'early_minutes', 'absence_days')

    def check_decl(self, register, rule, p, report, info) -> None:
        for key in self.MAPPED:
            name = getattr(p, key)
            if register.field(name) is None:
                report('S251', key, f"unknown field '{name}'", value=name,
                       allowed=[f.name for f in register.fields], near=name)
        if p.policy not in info.get('policies', {}):
            report('S257', 'policy', f"no policy file schemas/policy/{p.policy}.toml", value=p.policy,
                   allowed=sorted(info.get('policies', {})), near=p.policy)

    def computed_fields(self, p) -> tuple[str, ...]:
        return (p.late_minutes, p.early_minutes, p.absence_days)

    def compute(self, register, rule, p, row: dict[str, Any], ctx) -> dict:
        policy = ctx.policies[p.policy]
        result = evaluate_day(policy, kind=row.get(p.kind), sign_in=row.get(p.sign_in), sign_out=row.get(p.sign_out),
                              approval=row.get(p.approval), outing_minutes=row.get(p.outing_minutes))
        return {p.late_minutes: result.late_minutes, p.early_minutes: result.early_minutes,
                p.absence_days: result.absence_days}
