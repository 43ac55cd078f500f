"""What a register page shows of the regulations: the clauses it serves and its checklist, each citing its clause
(《仓储管理制度》发货 1) with a link to the clause's text."""
from __future__ import annotations

from nicegui import ui

from ..runtime import rt
from ..schema import RegisterSchema
from .texts import t


def clause_links(register: RegisterSchema, lang: str) -> None:
    """依据条款:《仓储管理制度》发货 1、发货 2 …, grouped by document; each links to the clause's text."""
    catalog = rt().catalog
    with ui.row().classes('gap-1 items-center'):
        ui.label(t('ui.clauses', lang) + ':').classes('text-xs text-grey-7')
        document = None
        for cid in register.regulation:
            clause = catalog.clauses.get(cid)
            label = catalog.clause_label(cid, lang)
            if clause is not None and clause.document == document:
                label = clause.heading                     # same document as the one before: heading only
            document = clause.document if clause else None
            ui.link(label, f'/regulations#{cid}').classes('text-xs portal-clause').tooltip(
                clause.text if clause else cid)


def checklist_panel(register: RegisterSchema, lang: str) -> None:
    items = register.checklist
    if not items:
        return
    catalog = rt().catalog
    with ui.expansion(f'{t("ui.checklist", lang)} ({len(items)})', icon='checklist').classes(
            'w-full bg-grey-1').mark('checklist'):
        # a reference list of what the regulations ask (no boxes here: rows are ticked in their 检查 cell)
        if any(item.row for item in items):
            ui.label(t('ui.checklist_where', lang)).classes('text-xs text-grey-7').mark('checklist-where')
        with ui.element('ol').classes('q-pl-md q-my-none'):
            for item in items:
                clause = catalog.clauses.get(item.clause)
                with ui.element('li'), ui.row().classes('items-center gap-2 no-wrap'):
                    ui.label(item.title(lang))
                    if not item.row:
                        ui.label(t('ui.checklist_page_item', lang)).classes('text-xs text-grey-7')
                    ui.link(catalog.clause_label(item.clause, lang), f'/regulations#{item.clause}').classes(
                        'portal-clause text-xs').tooltip(clause.text if clause else '')
                    if item.required_for:
                        ui.label('→ ' + '、'.join(item.required_for)).classes('text-xs text-orange-9')
