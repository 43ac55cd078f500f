"""Which days are workdays: China's public holidays and 调休 working days (the `chinesecalendar` package), then the
company's own calendar (schemas/policy/calendar.toml) on top. 电商运营上下班制度范本 三、2.: "遇到国家法定节假日、双休日
及公司规定的休息日,按照公司相关规定执行" — a rest day is not a workday for lateness, absence or 满勤."""
from __future__ import annotations

from datetime import date, timedelta
from functools import cached_property, lru_cache

import chinese_calendar
from pydantic import BaseModel, ConfigDict, StrictStr


class CompanyDay(BaseModel):
    model_config = ConfigDict(extra='forbid')
    date: date
    label: StrictStr


class CompanyCalendar(BaseModel):
    """schemas/policy/calendar.toml: the company's own rest days (公司规定的休息日) and extra working days."""

    model_config = ConfigDict(extra='forbid')
    label: StrictStr
    label_en: StrictStr = ''
    clauses: list[StrictStr] = []
    days_off: list[CompanyDay] = []
    extra_workdays: list[CompanyDay] = []

    @cached_property
    def _sets(self) -> tuple[frozenset[date], frozenset[date]]:
        return frozenset(d.date for d in self.days_off), frozenset(d.date for d in self.extra_workdays)

    def frozen(self) -> tuple[frozenset[date], frozenset[date]]:
        """(days off, extra workdays) — computed once: every computed attendance row asks."""
        return self._sets


@lru_cache(maxsize=4096)
def national_workday(day: date) -> bool:
    """The state calendar: public holidays off, 调休 Saturdays/Sundays on. For a year the package does not cover
    yet, Monday to Friday (工作时间为每周五天)."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def national_holiday(day: date) -> str | None:
    """The public holiday's name (English, as the package gives it) when the day is one, else None."""
    try:
        holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return None
    return name if holiday and name else None


def is_workday(day: date, company: CompanyCalendar | None = None) -> bool:
    if company is not None:
        off, extra = company.frozen()
        if day in off:
            return False
        if day in extra:
            return True
    return national_workday(day)


def workdays(start: date, end: date, company: CompanyCalendar | None = None) -> list[date]:
    """Workdays from start up to (not including) end."""
    out, day = [], start
    while day < end:
        if is_workday(day, company):
            out.append(day)
        day += timedelta(days=1)
    return out


def day_kind(day: date, company: CompanyCalendar | None = None) -> str:
    """'workday', 'company_off', 'holiday', 'weekend' or 'adjusted_workday' (a 调休 weekend working day)."""
    if company is not None:
        off, extra = company.frozen()
        if day in off:
            return 'company_off'
        if day in extra:
            return 'workday'
    if national_workday(day):
        return 'adjusted_workday' if day.weekday() >= 5 else 'workday'
    return 'holiday' if national_holiday(day) or day.weekday() < 5 else 'weekend'
