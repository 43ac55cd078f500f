"""What an import found in a file: its rows to create and update, and each problem at its row and column."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..i18n import t
from .limits import Limits

CHECKS = '\x00checks'     # an update's checklist ticks, beside its values (no field can have this name)


@dataclass(slots=True)
class CellProblem:
    row: int               # Excel row number (1-based)
    column: str            # column letter ('' = the whole row)
    header: str
    value: Any
    key: str
    params: dict

    def message(self, lang: str = 'zh') -> str:
        return t(self.key, lang, **self.params)

    def text(self, lang: str = 'zh') -> str:
        if self.column:
            return t('import.place', lang, row=self.row, column=self.column, header=self.header,
                     message=self.message(lang))
        return t('import.place_row', lang, row=self.row, message=self.message(lang))


@dataclass(slots=True)
class ImportPlan:
    register: str
    path: Path
    kind: str
    name: str = ''          # the file's name as the user uploaded it
    header_row: int = 0
    columns: list[tuple[int, str, str, str | None]] = field(default_factory=list)   # index, letter, header, field
    creates: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    checks: dict[int, dict[str, bool]] = field(default_factory=dict)   # excel row -> checklist item -> ticked
    updates: list[tuple[int, int, int, dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    problems: list[CellProblem] = field(default_factory=list)
    file_problems: list[str] = field(default_factory=list)
    readonly: dict[int, dict[str, Any]] = field(default_factory=dict)   # excel row -> its read-only cells (checked)
    rows: int = 0
    limits: Limits = field(default_factory=Limits)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.file_problems

    @property
    def bad_rows(self) -> set[int]:
        return {p.row for p in self.problems}
