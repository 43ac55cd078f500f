"""/regulations: every document and clause, searchable, with where each clause is enforced."""
from __future__ import annotations

from nicegui import ui

from portal.regulations import usage
from portal.runtime import rt
from portal.ui.frame import frame, page_actor
from portal.ui.texts import t
from portal.i18n import add_messages

add_messages({
    'reg.search': ('搜索条款或编号', 'Search clauses or ids'),
    'reg.used': ('在这里落实:', 'Put to work in:'),
    'reg.unused': ('(尚未在登记表中落实)', '(not yet used by a register)'),
    'reg.kind.register': ('登记表', 'register'), 'reg.kind.checklist': ('检查项', 'checklist'),
    'reg.kind.rule': ('规则', 'rule'), 'reg.kind.workflow': ('流程', 'workflow'), 'reg.kind.policy': ('制度参数', 'policy'),
})


def register() -> None:
    @ui.page('/regulations')
    async def regulations_page(q: str = '') -> None:
        actor = await page_actor('/regulations')
        if actor is None:
            return
        lang = actor.lang
        catalog = rt().catalog
        uses = usage(catalog, lang)
        blocks: list[tuple[str, ui.element]] = []
        with frame(actor, t('ui.regulations', lang)):
            search = ui.input(t('reg.search', lang), value=q).props('dense outlined clearable').classes(
                'w-96').mark('reg-search')
            for document in catalog.documents:
                ui.label(document.title_en or document.title if lang == 'en' else document.title).classes(
                    'text-h6 q-mt-md')
                if document.source:
                    ui.label(document.source).classes('text-xs text-grey-6')
                for clause in document.clauses:
                    with ui.card().classes('w-full').props(f'id={clause.id} flat bordered') as card:
                        with ui.row().classes('items-center gap-2'):
                            ui.badge(clause.id).props('outline')
                            ui.label(clause.heading).classes('text-grey-7 text-sm')
                        ui.label(clause.text).classes('text-body1')
                        if lang == 'en' and clause.summary_en:
                            ui.label(clause.summary_en).classes('text-sm text-grey-8')
                        used = uses.get(clause.id, [])
                        if used:
                            with ui.row().classes('gap-1 items-center'):
                                ui.label(t('reg.used', lang)).classes('text-xs text-grey-7')
                                for use in used:
                                    chip = ui.chip(f'{t("reg.kind." + use.kind, lang)} · {use.label}').props(
                                        'dense outline color=teal').classes('text-xs')
                                    if use.register:
                                        chip.on('click', lambda k=use.register: ui.navigate.to(f'/r/{k}'))
                    blocks.append((f'{clause.id} {clause.heading} {clause.text} {clause.summary_en} '
                                   f'{" ".join(u.label for u in used)}'.lower(), card))

            def apply(value: str | None) -> None:
                needle = (value or '').strip().lower()
                for text, card in blocks:
                    card.set_visibility(not needle or needle in text)
            search.on_value_change(lambda e: apply(e.value))
            apply(q)
