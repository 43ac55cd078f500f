"""/regulations: every document and clause, searchable, with where each clause is enforced; and the choices the
policy files declare where documents disagree (both clauses quoted, the default chosen), and the company's own
settings, labelled as such."""
from __future__ import annotations

import html
from itertools import groupby

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
    'reg.none': ('没有匹配的条款', 'No clause matches'),
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


def _matches(clause, used, needle: str) -> bool:
    text = f'{clause.id} {clause.heading} {clause.text} {clause.summary_en} {" ".join(u.label for u in used)}'
    return not needle or needle in text.lower()


def _clause_html(clause, used, lang: str, shown: bool) -> str:
    """One clause card as HTML (380 clauses as NiceGUI elements took 3.5 s to serve; as text, a fraction of that).
    Every text is escaped: clause and label texts come from files an admin edits."""
    e = html.escape
    hidden = '' if shown else ' style="display:none"'
    parts = [f'<div id="{e(clause.id)}" class="q-card q-card--bordered q-card--flat no-shadow nicegui-card w-full '
             f'portal-reg-clause"{hidden}>',
             '<div class="nicegui-row wrap items-center gap-2">'
             f'<span class="q-badge q-badge--outline text-primary">{e(clause.id)}</span>'
             f'<span class="text-grey-7 text-sm">{e(clause.heading)}</span></div>',
             f'<div class="text-body1">{e(clause.text)}</div>']
    if lang == 'en' and clause.summary_en:
        parts.append(f'<div class="text-sm text-grey-8">{e(clause.summary_en)}</div>')
    if not used:
        reason = (clause.shown_only_en or clause.shown_only) if lang == 'en' else clause.shown_only
        text = f'{t("reg.shown_only", lang)}{reason}' if reason else t('reg.missing', lang)
        kind = 'shown-only text-grey-7' if reason else 'missing text-red-8'
        parts.append(f'<div class="text-xs portal-{kind}">{e(text)}</div>')
    else:
        chips = []
        for use in used:
            label = e(f'{t("reg.kind." + use.kind, lang)} · {use.label}')
            tag, href = ('a', f' href="/r/{e(use.register)}"') if use.register else ('span', '')
            chips.append(f'<{tag}{href} class="q-chip row inline no-wrap items-center q-chip--dense q-chip--outline '
                         f'text-teal text-xs"><div class="q-chip__content col row no-wrap items-center">{label}</div>'
                         f'</{tag}>')
        parts.append('<div class="nicegui-row wrap gap-1 items-center">'
                     f'<span class="text-xs text-grey-7 no-wrap">{e(t("reg.used", lang))}</span>{"".join(chips)}</div>')
    parts.append('</div>')
    return ''.join(parts)


# the search runs in the browser over the cards' text (as the page's first `q` does on the server): no round
# trip, nothing re-sent per key. While it narrows, the overview sections and documents with no match step aside.
FILTER_JS = """(v) => { const n = (typeof v === 'string' ? v : '').trim().toLowerCase();
  const show = (e, yes) => { e.style.display = yes ? '' : 'none'; };
  document.querySelectorAll('.portal-reg-clause').forEach((c) => show(c, !n || c.textContent.toLowerCase().includes(n)));
  document.querySelectorAll('.portal-reg-doc').forEach((d) => show(d, [...d.querySelectorAll('.portal-reg-clause')]
    .some((c) => c.style.display !== 'none')));
  document.querySelectorAll('.portal-reg-overview').forEach((o) => show(o, !n));
  const none = document.querySelector('.portal-reg-none');
  if (none) show(none, n && !document.querySelector('.portal-reg-doc:not([style*="none"])')); }"""


def _document_html(title: str, documents: list, uses: dict, lang: str, needle: str) -> tuple[str, bool]:
    """The sections of one document (they follow each other under its title) with their clause cards, and whether
    any of them matches `needle`."""
    e = html.escape
    parts, any_shown = [], False
    for document in documents:
        if document.source:
            parts.append(f'<div class="text-xs text-grey-6">{e(document.source)}</div>')
        for clause in document.clauses:
            used = uses.get(clause.id, [])
            shown = _matches(clause, used, needle)
            any_shown = any_shown or shown
            parts.append(_clause_html(clause, used, lang, shown))
    hidden = '' if any_shown else ' style="display:none"'
    return (f'<div class="portal-reg-doc w-full column gap-4"{hidden}><div class="text-h6 q-mt-md">{e(title)}</div>'
            f'{"".join(parts)}</div>', any_shown)


def register() -> None:
    @ui.page('/regulations')
    async def regulations_page(q: str = '') -> None:
        actor = await page_actor('/regulations')
        if actor is None:
            return
        lang = actor.lang
        catalog = rt().catalog
        uses = usage(catalog, lang)
        needle = (q or '').strip().lower()
        with frame(actor, t('ui.regulations', lang)):
            ui.input(t('reg.search', lang), value=q).props('dense outlined clearable').classes('w-96').mark(
                'reg-search').on('update:model-value', js_handler=FILTER_JS)
            with ui.column().classes('w-full portal-reg-overview').style('display:none' if needle else ''):
                _coverage_section(lang)
                _policy_section(lang)
            title_of = (lambda d: d.title_en or d.title) if lang == 'en' else (lambda d: d.title)
            blocks = [_document_html(title, list(group), uses, lang, needle)
                      for title, group in groupby(catalog.documents, key=title_of)]
            matched = not needle or any(shown for _, shown in blocks)
            ui.html(''.join(block for block, _ in blocks), sanitize=False).classes('w-full column gap-4').mark(
                'clauses')
            ui.label(t('reg.none', lang)).classes('text-grey-7 q-mt-md portal-reg-none').style(
                'display:none' if matched else '')
