"""One row of an import file checked as the service would check it (nothing written): updates of the row with its
natural key, new rows (in any state of the workflow the importer could reach), uniqueness within the file and the
database, problems placed at their cells."""
from __future__ import annotations

from typing import Any

from .. import records
from ..errors import FieldProblem, PermissionDenied
from ..people import access
from ..rules import engine as rules
from ..runtime import rt
from ..schema import Actor, RegisterSchema
from .plan import CHECKS, CellProblem, ImportPlan


class RowCheck:
    """One row of the file checked as the service would check it (nothing written)."""

    def __init__(self, plan: ImportPlan, register, granted, actor: Actor, letters, ctx) -> None:
        self.plan, self.register, self.granted, self.actor, self.letters, self.ctx = (plan, register, granted,
                                                                                      actor, letters, ctx)
        self.may_create = 'create' in granted.actions
        self.preparer = records.Preparer(register, granted, actor, ctx)
        self.unique_seen: dict[tuple[str, Any], int] = {}

    def update(self, excel_row: int, given: dict[str, Any], old: dict[str, Any], ticks: dict | None = None) -> None:
        plan = self.plan
        if not access.in_scope(self.register, self.granted, self.actor, old, self.ctx.today):
            plan.problems.append(CellProblem(excel_row, '', '', None, 'import.out_of_scope', {}))
            return
        had = old.get('checks') or {}
        flips = {i: v for i, v in (ticks or {}).items() if bool(had.get(i)) != v}
        try:
            if flips:
                rules.guard_locked(self.register, old, list(flips))
            ticked = {**{i: s for i, s in had.items() if flips.get(i) is not False},
                      **{i: True for i, v in flips.items() if v}}
            row, changed, problems = records.prepare_update(self.register, self.granted, self.actor,
                                                            {**old, 'checks': ticked}, given, self.ctx)
        except PermissionDenied as exc:
            plan.problems.append(CellProblem(excel_row, '', '', None, exc.key, exc.params))
            return
        _add(plan, excel_row, problems, given, self.letters, self.actor.lang)
        if not problems and (changed or flips):
            values = {n: given[n] for n in given if n in changed}
            plan.updates.append((excel_row, old['id'], old['version'], {**values, **({CHECKS: flips} if flips
                                                                                      else {})}))
        elif not problems:
            plan.unchanged += 1

    def create(self, excel_row: int, given: dict[str, Any], ticks: dict | None = None) -> None:
        if not self.may_create:
            self.plan.problems.append(CellProblem(excel_row, '', '', None, 'import.no_create', {}))
            return
        row, problems = self.preparer.create(given, ticks, history=True)
        if ticks:
            stamp = {'by': self.actor.username, 'at': self.ctx.now.strftime('%Y-%m-%d %H:%M')}
            row = {**row, 'checks': {i: stamp for i, v in ticks.items() if v}}
        for spec in self.register.fields:
            if spec.unique and row.get(spec.name) is not None:
                seen = self.unique_seen.get((spec.name, row[spec.name]))
                if seen is not None:
                    problems.append(FieldProblem(field=spec.name, key='import.duplicate_key',
                                                 params={'first': seen, 'key': row[spec.name]}))
                self.unique_seen.setdefault((spec.name, row[spec.name]), excel_row)
        _add(self.plan, excel_row, problems, given, self.letters, self.actor.lang)
        if not problems:
            self.plan.creates.append((excel_row, row))


async def unique_in_database(plan: ImportPlan, register: RegisterSchema, letters) -> None:
    unique = [f for f in register.fields if f.unique]
    if not unique or not plan.creates:
        return
    keep = []
    taken: dict[str, set] = {}
    for spec in unique:
        values = [row[spec.name] for _, row in plan.creates if row.get(spec.name) is not None]
        taken[spec.name] = await records.taken_values(register, spec.name, values)
    for excel_row, row in plan.creates:
        clash = next((s for s in unique if row.get(s.name) in taken[s.name]), None)
        if clash is None:
            keep.append((excel_row, row))
            continue
        letter, header = letters.get(clash.name, ('', clash.title()))
        plan.problems.append(CellProblem(excel_row, letter, header, row[clash.name], 'value.unique',
                                         {'value': clash.kind.text(row[clash.name], clash)}))
    plan.creates = keep


def _add(plan: ImportPlan, excel_row: int, problems: list[FieldProblem], raw: dict[str, Any],
         letters: dict[str, tuple[str, str]], lang: str) -> None:
    for problem in problems:
        letter, header = letters.get(problem.field, ('', ''))
        if not letter and problem.field:
            spec = rt().catalog.register(plan.register).field(problem.field)
            header = spec.title(lang) if spec else problem.field
        plan.problems.append(CellProblem(excel_row, letter, header, raw.get(problem.field), problem.key,
                                         {**problem.params}))
