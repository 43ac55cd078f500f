"""One page's cell saves: its own saves of a row in a queue, built on the version it wrote last, and the dialog
shown when someone else changed the row."""
from __future__ import annotations

import asyncio
from typing import Any

from nicegui import ui

from ..errors import Conflict
from .texts import t


class OwnSaves:
    """What one page wrote itself, per row: a lock that puts its saves of a row in a queue, and the versions it
    made. A save sent with a version this page has since moved on from itself (the grid had not heard back yet:
    type, Tab, type) builds on the page's last write; the version check still refuses anyone else's change."""

    def __init__(self) -> None:
        self.locks: dict[int, asyncio.Lock] = {}
        self.chain: dict[int, tuple[int, int]] = {}     # row id -> (first version built on, last version written)

    def lock(self, row_id: int) -> asyncio.Lock:
        return self.locks.setdefault(row_id, asyncio.Lock())

    def seen(self, row_id: int, version: int | None) -> int | None:
        base, last = self.chain.get(row_id, (None, None))
        if version is not None and base is not None and base <= version < last:
            return last
        return version

    def wrote(self, row_id: int, built_on: int | None, version: int | None) -> None:
        if built_on is None or version is None:
            return
        base, last = self.chain.get(row_id, (built_on, built_on))
        self.chain[row_id] = (base if last == built_on else built_on, version)


def conflict_dialog(page, row_id: int, col: str, mine: Any, exc: Conflict) -> None:
    """Someone else changed the row: show both values. The grid keeps the typed value and the keyboard (the
    dialog does not take the focus), and the cell has it back when the dialog closes."""
    theirs = exc.current or {}
    spec = page.register.field(col)
    shown = spec.kind.text(theirs.get(col), spec, page.lang) if spec else str(theirs.get(col))
    with ui.dialog().props('no-focus no-refocus') as dialog, ui.card().classes('w-[520px]').mark(
            'conflict-dialog'):
        ui.label(t('ui.conflict_title', page.lang)).classes('text-h6')
        ui.label(exc.message(page.lang)).classes('text-sm')
        with ui.grid(columns=2).classes('w-full gap-2'):
            ui.label(t('ui.theirs', page.lang)).classes('text-grey-7')
            ui.label(t('ui.yours', page.lang)).classes('text-grey-7')
            ui.label(f'{page.label_of(col)}:{shown or "(空)"}').mark('theirs')
            ui.label(f'{page.label_of(col)}:{mine if mine not in (None, "") else "(空)"}').mark('yours')

        async def keep() -> None:
            dialog.close()
            page.show(theirs)
            page.say('')
            page.refocus(row_id, col)

        async def overwrite() -> None:
            dialog.close()
            await page.save_cell(row_id, col, mine, theirs.get('version'))
            page.refocus(row_id, col)
        with ui.row().classes('w-full justify-end'):
            ui.button(t('ui.keep_theirs', page.lang), on_click=keep).props('flat').mark('keep-theirs')
            ui.button(t('ui.overwrite', page.lang), on_click=overwrite).props('color=negative').mark('overwrite')
    dialog.open()
