"""Where each clause of the regulations is put to work: registers, checklist items, rules, workflow moves."""
from __future__ import annotations

from dataclasses import dataclass

from .schema import Catalog


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
            add(rule.clause, Use(register.key, 'rule', f'{title}:{_rule_label(register, rule, lang)}'))
        if register.workflow:
            add(register.workflow.clause, Use(register.key, 'workflow', f'{title}:{register.workflow.field}'))
            for tr in register.workflow.transitions:
                add(tr.clause, Use(register.key, 'workflow', f'{title}:{"/".join(tr.source)} → {tr.target}'))
    for name, policy in catalog.policies.items():
        for clause in getattr(policy, 'clauses', []) or []:
            add(clause, Use('', 'policy', f'schemas/policy/{name}.toml'))
    return out


def _rule_label(register, rule, lang: str) -> str:
    params = rule.params
    if rule.kind == 'deadline':
        return getattr(params, 'label_en' if lang == 'en' else 'label', '') or getattr(params, 'label', '')
    fields = [getattr(params, k, None) for k in ('field', 'left', 'right')]
    names = [register.field(f).title(lang) for f in fields if f and register.field(f)]
    return f'{rule.kind} ({", ".join(names)})' if names else rule.kind
