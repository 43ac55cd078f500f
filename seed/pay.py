"""Demo realism for the pay registers (月度指标, 奖励登记): rows that satisfy their rules — rewards inside the bonus
range of the position (推广员/客服 50–100, 主管 100–150) or escalated beyond it, approved targets by the general
manager, next month's targets still in draft or awaiting approval (每月30日前设定下月指标)."""
from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

SHOPS = ['天猫', '京东', '淘宝', '拼多多', '抖音']
RANGES = {'推广员': (50, 100), '客服': (50, 100), '主管': (100, 150)}


def _month(today: date, back: int) -> date:
    year, month = today.year, today.month - back
    while month < 1:
        year, month = year - 1, month + 12
    while month > 12:
        year, month = year + 1, month - 12
    return date(year, month, 1)


def targets(row: dict, rng: random.Random, i: int, ctx: dict) -> None:
    back = rng.randint(-1, 11)                               # next month, this month and eleven past months
    position = '主管' if row.get('employee') == ctx['manager_user'] else rng.choice(['推广员', '推广员', '客服'])
    row.update(month=_month(ctx['today'], back), position=position,
               shop='全部店铺' if position in ('主管', '客服') else rng.choice(SHOPS),
               plan_amount=Decimal(rng.choice([20000, 30000, 50000, 80000])), remark=None)
    state = '已批准' if back >= 0 else rng.choice(['草稿', '待审批'])
    row['status'] = state
    row['approver'] = ctx.get('leader_user', 'leader') if state == '已批准' else None


def rewards(row: dict, rng: random.Random, i: int, ctx: dict) -> None:
    others = [u for u in ctx['staff_users'] if u != ctx['manager_user']] or ctx['staff_users']
    position = rng.choice(['推广员', '客服'])
    low, high = RANGES[position]
    state = rng.choices(['草稿', '待审批', '待上级审批', '已生效', '已撤销'], [10, 15, 5, 62, 8])[0]
    amount = Decimal(rng.choice(range(low, high + 1, 10)))
    if state == '待上级审批':                                  # beyond the range: the general manager decides
        amount = Decimal(high + 50)
    row.update(employee=rng.choice(others), position=position, category='超额完成奖',
               clause='pay.promoter.bonus', description='超额完成月计划推广量,并有效促进销售', amount=amount,
               escalation_approval=None, status=state,
               approver=ctx['manager_user'] if state in ('已生效', '已撤销') else None)


def appraisals(row: dict, rng: random.Random, i: int, ctx: dict) -> None:
    others = [u for u in ctx['staff_users'] if u != ctx['manager_user']] or ctx['staff_users']
    kind = '年度' if rng.random() < 0.1 else '月度'
    month = date(ctx['today'].year - 1, 12, 1) if kind == '年度' else _month(ctx['today'], rng.randint(1, 11))
    state = rng.choices(['草稿', '已评定'], [15, 85])[0]

    def score() -> int:
        return rng.randint(60, 100)
    row.update(month=month, employee=rng.choice(others), kind=kind, status=state,
               completion=score() if kind == '月度' else None, results=score() if kind == '年度' else None,
               quality=score(), teamwork=score(), growth=score(), satisfaction=score() if kind == '年度' else None,
               comment='按月计划完成工作,质量稳定' if state == '已评定' else None,
               appraiser=ctx['manager_user'] if state == '已评定' else None,
               acknowledged=state == '已评定' and rng.random() < 0.7)
