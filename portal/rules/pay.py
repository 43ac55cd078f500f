"""The pay policy (schemas/policy/pay.toml, 《电商运营管理制度》篇1 三、薪资方案) and the pure arithmetic of one
person's month: completion, 绩效工资 by the 30% rule, 提成, the supervisor's dock. The pay sheet
(dashboards/pay.py) feeds it sums computed in the database; the worked-example tests call it too."""
from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

from .declared import Declared

CENT = Decimal('0.01')


class Source(BaseModel):
    """Which register and fields carry one kind of figure."""

    model_config = ConfigDict(extra='forbid', populate_by_name=True)
    reg: StrictStr = Field(alias='register')     # the register's key ("register" would shadow a BaseModel method)
    date: StrictStr | None = None
    month: StrictStr | None = None
    employee: StrictStr | None = None
    amount: StrictStr | None = None
    order: StrictStr | None = None         # the order number (订单量 counts distinct ones)
    shop: StrictStr | None = None
    position: StrictStr | None = None
    plan: StrictStr | None = None
    status: StrictStr | None = None
    states: list[StrictStr] = []
    kind: StrictStr | None = None
    kinds: list[StrictStr] = []


class AttendanceSource(Source):
    """The attendance register (the rows behind 全勤奖) and the report whose 满勤 column decides it."""

    report: StrictStr


class Tier(BaseModel):
    """From this completion (per cent of the plan, inclusive) the group earns `rate` per cent of its net sales."""

    model_config = ConfigDict(extra='forbid')
    at_least: Decimal = Field(ge=0)
    rate: Decimal = Field(ge=0)


class GroupCommission(BaseModel):
    """A group's tiered 提成 (pay.targets: 根据完成目标给予客服组不同比例提成奖金; pay.commission: 职位不同享受不同
    分配比率): the tier the completion reaches gives a rate, each position's ratio scales it. Positions listed here
    take these tiers instead of commission_rates and commission_threshold (the lowest tier is the threshold)."""

    model_config = ConfigDict(extra='forbid')
    positions: list[StrictStr] = Field(min_length=1)
    tiers: list[Tier] = Field(min_length=1)
    ratios: dict[str, Decimal]

    @model_validator(mode='after')
    def _ordered(self) -> GroupCommission:
        steps = [tier.at_least for tier in self.tiers]
        if steps != sorted(set(steps)):
            raise ValueError('tiers: at_least must rise from tier to tier')
        for name in self.positions:
            if name not in self.ratios:
                raise ValueError(f"position '{name}' has no ratio")
        for name, ratio in self.ratios.items():
            if name not in self.positions or ratio < 0:
                raise ValueError(f"ratios.{name}: a position of this group, not negative")
        return self

    def rate(self, position: str, pct: Decimal) -> Decimal:
        """Per cent of net sales: the highest tier reached × the position's ratio (0 under the lowest tier)."""
        reached = [tier.rate for tier in self.tiers if pct >= tier.at_least]
        return reached[-1] * self.ratios[position] if reached else Decimal(0)


class Closing(BaseModel):
    """月结: who closes a month, and the reason codes a correction after closing must give."""

    model_config = ConfigDict(extra='forbid')
    roles: list[StrictStr]
    reasons: dict[str, str]


class PayPolicy(Declared):
    model_config = ConfigDict(extra='forbid')
    label: StrictStr
    label_en: StrictStr = ''
    clauses: list[StrictStr] = []
    base_salary: dict[str, Decimal]
    supervisor_position: StrictStr
    promoter_positions: list[StrictStr]
    performance_pay: Decimal
    performance_threshold: Decimal
    performance_cap: Literal['capped', 'uncapped'] = 'capped'
    supervisor_dock: Decimal
    dock_counting: Literal['per_promoter', 'once'] = 'per_promoter'
    full_attendance_bonus: Decimal
    commission_rates: dict[str, Decimal]
    commission_threshold: Decimal
    cs_commission: GroupCommission | None = None
    all_shops: StrictStr
    sales: Source
    returns: Source
    targets: Source
    penalties: Source
    rewards: Source
    attendance: AttendanceSource
    closing: Closing

    @model_validator(mode='after')
    def _positions(self) -> PayPolicy:
        group = self.cs_commission.positions if self.cs_commission else []
        for name in [self.supervisor_position, *self.promoter_positions, *self.commission_rates, *group]:
            if name not in self.base_salary:
                raise ValueError(f"position '{name}' has no base_salary")
        for name, value in [('performance_pay', self.performance_pay), ('supervisor_dock', self.supervisor_dock),
                            ('full_attendance_bonus', self.full_attendance_bonus),
                            *[(f'base_salary.{k}', v) for k, v in self.base_salary.items()],
                            *[(f'commission_rates.{k}', v) for k, v in self.commission_rates.items()]]:
            if value < 0:
                raise ValueError(f"{name} cannot be negative")
        if not Decimal(0) <= self.performance_threshold <= Decimal(100):
            raise ValueError('performance_threshold is a percentage between 0 and 100')
        return self


def completion(actual: Decimal, plan: Decimal | None) -> Decimal | None:
    """Per cent of the plan reached, cut (not rounded) to two decimals: 29.999% stays under 30%."""
    if not plan:
        return None
    return (Decimal(actual) * 100 / Decimal(plan)).quantize(CENT, rounding=ROUND_DOWN)


def performance(policy: PayPolicy, pct: Decimal | None) -> Decimal:
    """绩效工资: under the threshold nothing; at or over it, that percentage × 500 (capped at 100% if chosen)."""
    if pct is None or pct < policy.performance_threshold:
        return Decimal('0.00')
    share = min(pct, Decimal(100)) if policy.performance_cap == 'capped' else pct
    return (policy.performance_pay * share / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def commission(policy: PayPolicy, position: str, actual: Decimal, pct: Decimal | None) -> Decimal:
    group = policy.cs_commission
    if pct is None or actual <= 0:
        return Decimal('0.00')
    if group is not None and position in group.positions:
        rate = group.rate(position, pct)
    elif pct < policy.commission_threshold:
        return Decimal('0.00')
    else:
        rate = policy.commission_rates.get(position, Decimal(0))
    return (Decimal(actual) * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def supervisor_dock(policy: PayPolicy, promoters_under: int) -> Decimal:
    if promoters_under <= 0:
        return Decimal('0.00')
    times = promoters_under if policy.dock_counting == 'per_promoter' else 1
    return (policy.supervisor_dock * times).quantize(CENT)
