"""Undoable user actions: each write belongs to one action of one user in one register."""
from __future__ import annotations

import uuid

from ..runtime import rt
from ..store.models import UserAction

UNDOABLE = ('create', 'edit', 'paste', 'fill', 'clear', 'delete', 'restore', 'check', 'import')


async def begin(actor: str, register: str, kind: str, summary: str = '', using=None, *,
                clear_redo: bool = True) -> str:
    """Record a new action; a new user action clears the user's redo stack in this register (as in any
    editor); undo/redo themselves are recorded as 'meta' actions that never clear it."""
    now = rt().now()
    if clear_redo:
        await UserAction.filter(actor=actor, register=register, state='undone').using_db(using).update(state='dead')
    action_id = str(uuid.uuid4())
    await UserAction.create(key=action_id, actor=actor, register=register, kind=kind,
                            state='done' if clear_redo else 'meta', summary=summary, created_at=now,
                            changed_at=now, using_db=using)
    return action_id
