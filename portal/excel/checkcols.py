"""Checklist items as spreadsheet columns: one optional column per item of a row checklist, in exports, templates
and imports ("检查:<item>" holding 是/否), so registers kept in Excel bring their ticks along."""
from __future__ import annotations

from typing import Any

from ..fields.normalize import to_bool
from ..i18n import add_messages, t, yes_no
from ..schema import ChecklistItem, RegisterSchema

add_messages({
    'excel.check_header': ('检查:{text}', 'Check: {text}'),
    'excel.check_value': ('检查项「{text}」只能填“是”或“否”,不是“{value}”', 'Checklist item "{text}" takes yes or '
                          'no, not "{value}"'),
    'excel.check_hint': ('检查项:填“是”表示已勾选', 'checklist item: "yes" = ticked'),
})


def header(item: ChecklistItem, lang: str = 'zh') -> str:
    return t('excel.check_header', lang, text=item.title(lang))


def names(item: ChecklistItem) -> set[str]:
    """Headers that mean this item: its column header in either language, its text, its id."""
    out = {header(item, 'zh'), header(item, 'en'), item.text, item.text_en, item.id}
    return {_norm(n) for n in out if n}


def lookup(register: RegisterSchema) -> dict[str, ChecklistItem]:
    return {name: item for item in register.row_checklist for name in names(item)}


def cell(checks: dict | None, item: ChecklistItem, lang: str = 'zh') -> str:
    return yes_no(bool((checks or {}).get(item.id)), lang)


def parse(value: Any) -> bool | None:
    return to_bool(value)


def _norm(text: Any) -> str:
    return str(text or '').strip().replace('\n', '').rstrip('*').strip().lower()
