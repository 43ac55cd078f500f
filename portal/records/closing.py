"""月结 — closing a month. The leadership role closes a month (pay.toml [closing] names the roles); from then on the
rows a register dates in that month (its `month_field`) are read-only for everyone, whatever the door — grid, paste,
fill, import, API — because the Writer asks here before every create, update, check, delete and restore. A change
after closing is a correction: made inside `correcting(actor, reason, note)` with a declared reason code, it goes
through every usual check, is recorded (portal_corrections, beside the row's own audit) and the pay sheet shows its
effect as an adjustment against the totals kept at closing. Nothing reopens a month."""
from __future__ import annotations

import contextvars
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any

from ..errors import PermissionDenied, PortalError
from ..i18n import add_messages
from ..people import access
from ..rules.pay import PayPolicy
from ..runtime import rt
from ..schema import Actor
from ..store.models import ClosedMonth, Correction

add_messages({
    'closing.locked': ('{month} 已月结:「{register}」中该月的记录只读;如需更正,请由有权限的人填写更正原因后更正',
                       '{month} is closed: rows of "{register}" in that month are read-only; a correction needs a '
                       'reason code'),
    'closing.not_allowed': ('只有{roles}可以月结', 'Only {roles} may close a month'),
    'closing.already': ('{month} 已经月结', '{month} is already closed'),
    'closing.reason': ('更正原因应为以下之一:{allowed}', 'The correction reason must be one of: {allowed}'),
    'closing.future': ('{month} 还没有结束,不能月结', '{month} has not ended yet: it cannot be closed'),
})
_CORRECTION: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar('correction', default=None)


def policy() -> PayPolicy | None:
    return next((p for p in rt().catalog.policies.values() if isinstance(p, PayPolicy)), None)


def month_of(value: Any) -> str | None:
    if isinstance(value, datetime):
        value = value.date()
    return value.strftime('%Y-%m') if isinstance(value, date) else None


async def closed_months(using=None) -> set[str]:
    query = ClosedMonth.all()
    if using is not None:
        query = query.using_db(using)
    return set(await query.values_list('month', flat=True))


async def closed_record(month: str) -> dict[str, Any] | None:
    rows = await ClosedMonth.filter(month=month).values()
    return rows[0] if rows else None


def _roles() -> list[str]:
    found = policy()
    return list(found.closing.roles) if found else []


def may_close(actor: Actor) -> bool:
    return access.is_admin(rt().catalog, actor) or bool(set(actor.roles) & set(_roles()))


async def close(actor: Actor, month: str, totals: dict[str, str]) -> None:
    """Record the month as closed with the pay sheet's totals (the caller computed them just now)."""
    if not may_close(actor):
        labels = '、'.join(rt().catalog.roles[r].label for r in _roles() if r in rt().catalog.roles)
        raise PermissionDenied('closing.not_allowed', roles=labels or '—')
    year, mon = (int(x) for x in month.split('-'))
    if date(year + (mon == 12), mon % 12 + 1, 1) > rt().today():
        raise PortalError('closing.future', month=month)
    if await ClosedMonth.filter(month=month).exists():
        raise PortalError('closing.already', month=month)
    await ClosedMonth.create(month=month, closed_by=actor.username, closed_at=rt().now(), totals=totals)


@asynccontextmanager
async def correcting(actor: Actor, reason: str, note: str = ''):
    """Writes inside this block may touch closed months: each is recorded as a correction with this reason."""
    found = policy()
    allowed = list(found.closing.reasons) if found else []
    if reason not in allowed:
        raise PortalError('closing.reason', allowed='、'.join(allowed) or '—')
    token = _CORRECTION.set({'reason': reason, 'note': note})
    try:
        yield
    finally:
        _CORRECTION.reset(token)


async def guard(writer, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
    """Refuse a write that touches a closed month (the row's month before or after), unless it is a correction."""
    name = writer.register.month_field
    if name is None:
        return
    months = {m for m in (month_of((old or {}).get(name)), month_of((new or {}).get(name))) if m}
    if not months:
        return
    if writer.closed is None:                         # once per transaction: a paste of 1 000 rows asks once
        writer.closed = await closed_months(writer.tx)
    hit = sorted(months & writer.closed)
    if not hit:
        return
    correction = _CORRECTION.get()
    if correction is None:
        raise PermissionDenied('closing.locked', month=hit[0], register=writer.register.title(writer.actor.lang))
    row_id = (old or {}).get('id') or (new or {}).get('id')
    for month in hit:
        await Correction.create(using_db=writer.tx, month=month, register=writer.register.key, row_id=row_id,
                                reason=correction['reason'], note=correction['note'],
                                actor=writer.actor.username, at=writer.ctx.now, action_id=writer.action_id)


async def corrections(month: str) -> list[dict[str, Any]]:
    return list(await Correction.filter(month=month).order_by('id').values(
        'register', 'row_id', 'reason', 'note', 'actor', 'at'))
