"""The audit trail: every change is written in the same transaction as the change; history queries."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from ..runtime import rt
from . import db
from .models import AuditEntry

SOURCES = ('grid', 'form', 'paste', 'fill', 'import', 'undo', 'redo', 'api', 'workflow', 'checklist', 'system')


@dataclass(slots=True)
class Change:
    field: str | None
    old: Any
    new: Any


def entries(*, actor: str, register: str, row_id: int | None, event: str, changes: list[Change], source: str,
            action_id: str | None, version: int | None, at: datetime) -> list[dict[str, Any]]:
    """Audit rows for one row event, to be saved by the caller inside its own transaction."""
    if not changes:
        changes = [Change(None, None, None)]
    return [{'at': at, 'actor': actor, 'register': register, 'row_id': row_id, 'event': event, 'field': c.field,
             'old': encode(c.old), 'new': encode(c.new), 'source': source, 'action_id': action_id,
             'version': version} for c in changes]


_ORJSON = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def encode(value: Any) -> str | None:
    """Values are kept as JSON text (the field type's JSON form), so any value round-trips. orjson (10x the
    standard library; an import writes 100,000 of these); anything it does not know, dates included, is str()."""
    return None if value is None else orjson.dumps(value, default=str, option=_ORJSON).decode()


def decode(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _decoded(rows: list[dict]) -> list[dict]:
    for row in rows:
        row['old'], row['new'] = decode(row['old']), decode(row['new'])
    return rows


async def save(batch: list[dict[str, Any]], using) -> None:
    """Write audit rows in the caller's transaction (one executemany)."""
    if batch:
        at = batch[0]['at']       # one action's entries share their time: converted once, not per entry
        fixed = {'at': at} if all(entry['at'] is at for entry in batch) else None
        await db.bulk_insert(AuditEntry, batch, using, fixed=fixed)


async def system_entry(actor: str, event: str, text: str, register: str = '*') -> None:
    """Administrative events (user and role changes, schema reloads) for the admin change log."""
    await AuditEntry.create(at=rt().now(), actor=actor, register=register, row_id=None, event=event, field=None,
                            old=None, new=encode(text), source='system', action_id=None, version=None)


async def changes_since(register: str, row_id: int, version: int, *, using=None) -> list[dict]:
    """What happened to a row after `version`, oldest first: version, field (None for a row event), old, new."""
    query = AuditEntry.filter(register=register, row_id=row_id, version__gt=version)
    if using is not None:
        query = query.using_db(using)
    return _decoded(await query.order_by('id').values('version', 'field', 'old', 'new', 'actor', 'at', 'event'))


async def row_history(register: str, row_id: int) -> list[dict]:
    return _decoded(await AuditEntry.filter(register=register, row_id=row_id).order_by('id').values())


async def change_log(*, register: str | None = None, actor: str | None = None, field: str | None = None,
                     since: datetime | None = None, until: datetime | None = None, limit: int = 500,
                     registers: list[str] | None = None) -> list[dict]:
    qs = AuditEntry.all()
    if register:
        qs = qs.filter(register=register)
    if registers is not None:
        qs = qs.filter(register__in=registers)
    if actor:
        qs = qs.filter(actor=actor)
    if field:
        qs = qs.filter(field=field)
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lte=until)
    return _decoded(await qs.order_by('-id').limit(limit).values())
