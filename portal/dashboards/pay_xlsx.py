"""The pay sheet as an .xlsx a payroll clerk can check: the inputs as numbers (plan, orders, refunds, base, bonus,
全勤奖, fines) and every derived figure as a formula over them — net sales, completion, 绩效 by the 30% rule, 提成,
the supervisor's dock, the total — beside the total the portal computed, and a sheet with the policy's numbers."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from ..i18n import add_messages, t
from ..runtime import rt
from ..schema import Actor
from .reports import run as run_report

add_messages({
    'pay.system_total': ('系统计算合计', 'Total computed by the portal'),
    'pay.params': ('参数', 'Parameters'), 'pay.param': ('参数', 'Parameter'), 'pay.value': ('数值', 'Value'),
    'pay.threshold': ('绩效门槛 %', 'Threshold %'), 'pay.perf_pay': ('绩效工资', 'Performance pay'),
    'pay.dock_each': ('主管扣款/人', 'Supervisor dock each'), 'pay.rate': ('提成比率 %', 'Commission rate %'),
    'pay.tier': ('客服组提成 % · 完成 {at}% 起', 'CS group commission % · from {at}%'),
})
# column letters of the sheet (A employee … Q total, R the portal's total, S adjustment)
ORDER = ('employee', 'position', 'shop', 'plan', 'orders', 'refunds', 'actual', 'completion', 'base', 'performance',
         'bonus', 'commission', 'full', 'penalties', 'dock', 'total')
COL = {key: chr(ord('A') + i) for i, key in enumerate(ORDER)}


def _formulas(policy, r: int, last: int) -> dict[str, str]:
    c = COL
    pct = f'{c["completion"]}{r}'
    share = f'MIN({pct},100)' if policy.performance_cap == 'capped' else pct
    rates = ','.join(f'{c["position"]}{r}="{p}",{rate}' for p, rate in policy.commission_rates.items())
    promoters = '+'.join(f'COUNTIFS(${c["position"]}$2:${c["position"]}${last},"{p}",'
                         f'${c["completion"]}$2:${c["completion"]}${last},"<{policy.performance_threshold}")'
                         for p in policy.promoter_positions) or '0'
    times = promoters if policy.dock_counting == 'per_promoter' else f'MIN(1,{promoters})'
    return {
        'actual': f'={c["orders"]}{r}-{c["refunds"]}{r}',
        'completion': f'=IF({c["plan"]}{r}>0,ROUNDDOWN({c["actual"]}{r}/{c["plan"]}{r}*100,2),0)',
        'performance': f'=IF({pct}>={policy.performance_threshold},ROUND({policy.performance_pay}*{share}/100,2),0)',
        'commission': _commission(policy, r, rates),
        'dock': f'=IF({c["position"]}{r}="{policy.supervisor_position}",{policy.supervisor_dock}*({times}),0)',
        'total': (f'={c["base"]}{r}+{c["performance"]}{r}+{c["bonus"]}{r}+{c["commission"]}{r}+{c["full"]}{r}'
                  f'-{c["penalties"]}{r}-{c["dock"]}{r}'),
    }


def _commission(policy, r: int, rates: str) -> str:
    """提成: a group's positions (cs_commission) by the tier reached × the position's ratio, the others by rate."""
    c = COL
    pct, actual, position = f'{c["completion"]}{r}', f'{c["actual"]}{r}', f'{c["position"]}{r}'
    flat = f'IF({pct}>={policy.commission_threshold},ROUND({actual}*IFS({rates},TRUE,0)/100,2),0)'
    group = policy.cs_commission
    if group is None:
        return f'=IF({actual}>0,{flat},0)'
    steps = ','.join(['0', *(str(tier.at_least) for tier in group.tiers)])
    tiers = ','.join(['0', *(str(tier.rate) for tier in group.tiers)])
    ratios = ','.join(f'{position}="{p}",{ratio}' for p, ratio in group.ratios.items())
    member = ','.join(f'{position}="{p}"' for p in group.positions)
    tiered = f'ROUND({actual}*LOOKUP({pct},{{{steps}}},{{{tiers}}})*IFS({ratios},TRUE,0)/100,2)'
    return f'=IF({actual}>0,IF(OR({member}),{tiered},{flat}),0)'


async def pay_sheet_xlsx(actor: Actor, name: str, month: str) -> bytes:
    table = await run_report(actor, name, month)
    policy = rt().catalog.policies[rt().catalog.reports[name].params.policy]
    lang = actor.lang
    labels = {k: (en if lang == 'en' else zh) for k, zh, en in table['columns']}
    book = Workbook()
    sheet = book.active
    sheet.title = str(table['title'])[:31]
    head = [labels[k] for k in ORDER] + [t('pay.system_total', lang), labels['adjustment']]
    sheet.append(head)
    last = len(table['rows']) + 1
    for r, row in enumerate(table['rows'], start=2):
        formulas = _formulas(policy, r, last)
        values = [formulas.get(k) or (row[k] if k in ('employee', 'position', 'shop') or row[k] is None else float(row[k]))
                  for k in ORDER]
        sheet.append([*values, float(row['total']), float(row['adjustment'])])
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), PatternFill('solid', fgColor='E8F0FE')
    sheet.freeze_panes = 'A2'
    sheet.auto_filter.ref = sheet.dimensions
    params = book.create_sheet(t('pay.params', lang))
    params.append([t('pay.param', lang), t('pay.value', lang)])
    params.append([t('report.month_label', lang), month])
    params.append([t('pay.threshold', lang), float(policy.performance_threshold)])
    params.append([t('pay.perf_pay', lang), float(policy.performance_pay)])
    params.append([t('pay.dock_each', lang), float(policy.supervisor_dock)])
    for position, rate in policy.commission_rates.items():
        params.append([f'{t("pay.rate", lang)} · {position}', float(rate)])
    for tier in policy.cs_commission.tiers if policy.cs_commission else []:
        params.append([t('pay.tier', lang, at=tier.at_least), float(tier.rate)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
