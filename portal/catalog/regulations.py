"""Where each clause of the regulations is put to work: registers, checklist items, rules, workflow moves."""
from __future__ import annotations

from dataclasses import dataclass

from ..rules import get_kind
from ..schema import Catalog


@dataclass(frozen=True, slots=True)
class Use:
    register: str
    kind: str        # register, checklist, rule, workflow, policy, field
    label: str


def usage(catalog: Catalog, lang: str = 'zh') -> dict[str, list[Use]]:
    out: dict[str, list[Use]] = {}

    def add(clause: str | None, use: Use) -> None:
        if clause:
            out.setdefault(clause, []).append(use)
    for register in catalog.ordered():
        title = register.title(lang)
        for clause in register.regulation:
            add(clause, Use(register.key, 'register', title))
        for item in register.checklist:
            gate = f' → {"、".join(item.required_for)}' if item.required_for else ''
            add(item.clause, Use(register.key, 'checklist', f'{title}:{item.title(lang)}{gate}'))
        for rule in register.rules:
            add(rule.clause, Use(register.key, 'rule', f'{title}:{_rule_label(catalog, register, rule, lang)}'))
        if register.workflow:
            wf = register.workflow
            status = register.field(wf.field)
            add(wf.clause, Use(register.key, 'workflow', f'{title}:{status.title(lang) if status else wf.field}'))
            for tr in wf.transitions:
                move = (tr.label_en or tr.label) if lang == 'en' else tr.label
                add(tr.clause, Use(register.key, 'workflow',
                                   f'{title}:{move}({"/".join(tr.source)} → {tr.target})' if move else
                                   f'{title}:{"/".join(tr.source)} → {tr.target}'))
    for name, policy in catalog.policies.items():
        label = getattr(policy, 'label_en' if lang == 'en' else 'label', '') or getattr(policy, 'label', '') or name
        for clause in getattr(policy, 'clauses', []) or []:
            add(clause, Use('', 'policy', label))
    return out


def _rule_label(catalog: Catalog, register, rule, lang: str) -> str:
    """The rule in words (「调查原因」必填 when …), never the engine's name for its kind."""
    return get_kind(rule.kind).words(register, rule, rule.params, lang, catalog.policies)
