"""/regulations: every document and clause, searchable, with where each clause is enforced; and the choices the
policy files declare where documents disagree (both clauses quoted, the default chosen), and the company's own
settings, labelled as such."""
from __future__ import annotations

from nicegui import ui

from portal.catalog.coverage import coverage
from portal.catalog.regulations import usage
from portal.i18n import add_messages
from portal.rules.declared import Declared
from portal.runtime import rt
from portal.ui.frame import frame, page_actor
from portal.ui.texts import t

add_messages({
    'reg.search': ('搜索条款或编号', 'Search clauses or ids'),
    'reg.used': ('在这里落实:', 'Put to work in:'),
    'reg.unused': ('(尚未在登记表中落实)', '(not yet used by a register)'),
    'reg.kind.register': ('登记表', 'register'), 'reg.kind.checklist': ('检查项', 'checklist'),
    'reg.kind.rule': ('规则', 'rule'), 'reg.kind.workflow': ('流程', 'workflow'), 'reg.kind.policy': ('制度参数', 'policy'),
    'reg.choices': ('制度参数:文件之间不一致之处的取舍,以及公司自定的数字',
                    'Policy settings: choices where documents disagree, and numbers the company set itself'),
    'reg.choice': ('取舍', 'Choice'), 'reg.quotes': ('原文', 'The clauses'),
    'reg.options': ('可选', 'Options'), 'reg.default': ('默认', 'default'), 'reg.current': ('现行', 'in force'),
    'reg.reason': ('理由:', 'Why: '),
    'reg.company': ('公司设定(不是制度原文)', 'Company setting (not the regulation\'s words)'),
    'reg.value': ('取值:', 'Value: '),
    'reg.file': ('文件 schemas/policy/{name}.toml', 'file schemas/policy/{name}.toml'),
    'reg.register_settings': ('登记表中的公司设定', 'Company settings in registers'),
    'reg.coverage': ('覆盖情况:每份文件的条款由什么落实', 'Coverage: what carries the clauses of each document'),
    'reg.coverage_row': ('{carried} 条落实 · {shown} 条仅展示(已注明理由) · {missing} 条缺失',
                         '{carried} carried · {shown} shown with a reason · {missing} missing'),
    'reg.shown_only': ('仅展示:', 'Shown only: '),
    'reg.missing': ('缺失:既未落实,也未注明理由', 'Missing: neither carried nor given a reason'),
    'reg.deadline': ('{register}:{label}(文件 {file},期限 {days} 天)', '{register}: {label} (file {file}, {days} days)'),
})


def _register_settings(lang: str) -> None:
    """Deadlines whose number of days is the company's own (a rule declared source = "company")."""
    catalog = rt().catalog
    found = [(register, rule) for register in catalog.ordered() for rule in register.rules
             if getattr(rule.params, 'source', None) == 'company']
    if not found:
        return
    with ui.card().classes('w-full').props('flat bordered').mark('register-settings'):
        ui.label(t('reg.register_settings', lang)).classes('text-subtitle1')
        for register, rule in found:
            p = rule.params
            with ui.row().classes('items-center gap-2').mark(f'company-setting-{register.key}-{rule.id}'):
                ui.badge(t('reg.company', lang)).props('color=orange-8')
                ui.label(t('reg.deadline', lang, register=register.title(lang), file=register.file, days=p.days,
                           label=(p.label_en or p.label) if lang == 'en' else p.label)).classes('text-body2')
                if rule.clause:
                    ui.label(catalog.clause_label(rule.clause, lang)).classes('text-xs text-grey-7')


def _policy_section(lang: str) -> None:
    catalog = rt().catalog
    declared = [(name, p) for name, p in catalog.policies.items() if isinstance(p, Declared) and
                (p.choices or p.company_settings)]
    if not declared:
        return
    ui.label(t('reg.choices', lang)).classes('text-h6 q-mt-md')
    _register_settings(lang)
    for name, policy in declared:
        with ui.card().classes('w-full').props('flat bordered').mark(f'policy-{name}'):
            ui.label(policy.label).classes('text-subtitle1')
            ui.label(t('reg.file', lang, name=name)).classes('text-xs text-grey-6')
            for choice in policy.choices:
                _choice(catalog, policy, choice, lang)
            for setting in policy.company_settings:
                with ui.column().classes('gap-0 q-mt-sm').mark(f'company-setting-{setting.setting}'):
                    with ui.row().classes('items-center gap-2'):
                        ui.badge(t('reg.company', lang)).props('color=orange-8')
                        ui.label((setting.label_en or setting.label) if lang == 'en' else setting.label).classes(
                            'text-body1')
                    ui.label(f'{t("reg.value", lang)}{setting.setting} = {policy.value_of(setting.setting)}').classes(
                        'text-sm text-grey-8')
                    ui.label(setting.note).classes('text-sm')
                    if setting.clause:
                        ui.label(catalog.clause_label(setting.clause, lang)).classes('text-xs text-grey-7')


def _coverage_section(lang: str) -> None:
    """Per document: how many clauses a record carries, how many are shown with a reason, how many are missing."""
    with ui.card().classes('w-full').props('flat bordered').mark('coverage'):
        ui.label(t('reg.coverage', lang)).classes('text-subtitle1')
        for doc in coverage(rt().catalog, lang):
            title = (doc.document.title_en or doc.document.title) if lang == 'en' else doc.document.title
            with ui.row().classes('items-center gap-2').mark(f'coverage-{doc.document.id}'):
                ui.link(title, f'#{doc.document.clauses[0].id}' if doc.document.clauses else '#').classes('text-body2')
                ui.label(t('reg.coverage_row', lang, carried=doc.count('carried'), shown=doc.count('shown'),
                           missing=doc.count('missing'))).classes('text-sm text-grey-8')


def _choice(catalog, policy, choice, lang: str) -> None:
    current = str(policy.value_of(choice.setting))
    with ui.column().classes('gap-1 q-mt-sm').mark(f'policy-choice-{choice.setting}'):
        with ui.row().classes('items-center gap-2'):
            ui.badge(t('reg.choice', lang)).props('color=teal')
            ui.label((choice.label_en or choice.label) if lang == 'en' else choice.label).classes('text-body1')
        ui.label(t('reg.quotes', lang)).classes('text-xs text-grey-7')
        for quote in choice.quotes:
            with ui.row().classes('items-center gap-2'):
                ui.badge(quote.clause).props('outline')
                ui.label(f'{catalog.clause_label(quote.clause, lang)}:「{quote.text}」').classes('text-sm')
        ui.label(t('reg.options', lang)).classes('text-xs text-grey-7')
        for value, meaning in choice.options.items():
            tags = [t('reg.default', lang)] if value == choice.default else []
            tags += [t('reg.current', lang)] if value == current else []
            with ui.row().classes('items-center gap-2'):
                ui.label(f'{choice.setting} = "{value}"').classes('text-sm text-mono')
                for tag in tags:
                    ui.badge(tag).props('color=blue-8')
                ui.label(meaning).classes('text-sm')
        ui.label(f'{t("reg.reason", lang)}{choice.reason}').classes('text-sm text-grey-8')


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
            _coverage_section(lang)
            _policy_section(lang)
            shown = None
            for document in catalog.documents:
                title = document.title_en or document.title if lang == 'en' else document.title
                if title != shown:         # sections of one document follow each other under its title
                    ui.label(title).classes('text-h6 q-mt-md')
                    shown = title
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
                        if not used:
                            reason = (clause.shown_only_en or clause.shown_only) if lang == 'en' else clause.shown_only
                            ui.label(f'{t("reg.shown_only", lang)}{reason}' if reason else t('reg.missing', lang)
                                     ).classes('text-xs ' + ('text-grey-7' if reason else 'text-red-8')).mark(
                                'shown-only' if reason else 'missing')
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
