"""Undoable user actions: each write belongs to one action of one user in one register."""
from __future__ import annotations

import uuid

from .models import UserAction
from .runtime import rt


async def begin(actor: str, register: str, kind: str, summary: str = '', using=None) -> str:
    """Record a new action; the user's redo stack in this register is cleared (as in any editor)."""
    now = rt().now()
    await UserAction.filter(actor=actor, register=register, state='undone').using_db(using).update(state='dead')
    action_id = str(uuid.uuid4())
    await UserAction.create(id=action_id, actor=actor, register=register, kind=kind, state='done', summary=summary,
                            created_at=now, changed_at=now, using_db=using)
    return action_id
