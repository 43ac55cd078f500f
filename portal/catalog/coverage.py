"""The coverage map: every clause of every document with what carries it — a register, checklist item, rule,
workflow move or policy setting — or the reason written in regulations.toml why it is shown only. Computed from
the catalog, never typed by hand; a clause with neither is missing (python -m portal coverage exits 1)."""
from __future__ import annotations

from dataclasses import dataclass

from ..schema import Catalog, Clause, Document
from .regulations import Use, usage

STATES = ('carried', 'shown', 'missing')


@dataclass(frozen=True, slots=True)
class ClauseCoverage:
    clause: Clause
    uses: tuple[Use, ...]

    @property
    def state(self) -> str:
        if self.uses:
            return 'carried'
        return 'shown' if self.clause.shown_only else 'missing'

    def reason(self, lang: str = 'zh') -> str:
        return (self.clause.shown_only_en or self.clause.shown_only) if lang == 'en' else self.clause.shown_only


@dataclass(frozen=True, slots=True)
class DocumentCoverage:
    document: Document
    clauses: tuple[ClauseCoverage, ...]

    def count(self, state: str) -> int:
        return sum(c.state == state for c in self.clauses)


def coverage(catalog: Catalog, lang: str = 'zh') -> list[DocumentCoverage]:
    uses = usage(catalog, lang)
    return [DocumentCoverage(d, tuple(ClauseCoverage(c, tuple(uses.get(c.id, ()))) for c in d.clauses))
            for d in catalog.documents]


def lines(catalog: Catalog, lang: str = 'zh', *, missing_only: bool = False) -> list[str]:
    """The map as text: a line per document with its counts, then a line per clause."""
    out = []
    for doc in coverage(catalog, lang):
        title = (doc.document.title_en or doc.document.title) if lang == 'en' else doc.document.title
        out.append(f'{title} [{doc.document.id}]: {doc.count("carried")} carried, {doc.count("shown")} shown with '
                   f'a reason, {doc.count("missing")} missing')
        for item in doc.clauses:
            if missing_only and item.state != 'missing':
                continue
            head = f'  {item.clause.id:<32} {item.clause.heading:<12} {item.state:<8}'
            if item.state == 'carried':
                out.append(head + ' ' + '; '.join(f'{u.kind}: {u.label}' for u in item.uses))
            else:
                out.append(head + ' ' + (item.reason(lang) or '— neither carried nor given a reason'))
    return out


def totals(catalog: Catalog) -> dict[str, int]:
    found = coverage(catalog)
    return {state: sum(doc.count(state) for doc in found) for state in STATES}
