"""The user's own file back, with each bad cell highlighted and commented, and an error column per row."""
from __future__ import annotations

import io
from collections import defaultdict
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from ..i18n import t
from . import reader
from .export import FORMULA_START
from .importer import ImportPlan

BAD = PatternFill('solid', fgColor='F4C7C3')


def filename(plan: ImportPlan, lang: str = 'zh') -> str:
    """The user's own file name, marked: 发货单-错误标注.xlsx."""
    return f'{Path(plan.name or plan.path.name).stem}-{"errors" if lang == "en" else "错误标注"}.xlsx'


def annotated(plan: ImportPlan, lang: str = 'zh') -> bytes:
    if plan.kind == 'xlsx':
        book = load_workbook(plan.path)      # defusedxml is installed: openpyxl parses with it
        sheet = book.worksheets[0]
    else:
        book = Workbook()
        sheet = book.active
        for r, row in reader.rows(plan.path, 'csv', plan.limits):     # read within the limits it passed before
            for c, value in enumerate(row, start=1):
                cell = sheet.cell(row=r, column=c, value=value)
                if isinstance(value, str) and value.startswith(FORMULA_START):
                    cell.data_type = 's'       # text stays text: openpyxl would store '=…' as a formula
    per_row: dict[int, list[str]] = defaultdict(list)
    for problem in plan.problems:
        per_row[problem.row].append(problem.text(lang))
        if problem.column:
            cell = sheet[f'{problem.column}{problem.row}']
            cell.fill = BAD
            note = problem.message(lang)
            cell.comment = Comment(note if cell.comment is None else f'{cell.comment.text}\n{note}', 'Ops Portal',
                                   width=240, height=90)
    errors_col = sheet.max_column + 1
    header = sheet.cell(row=max(plan.header_row, 1), column=errors_col, value=t('import.errors_column', lang))
    header.font = Font(bold=True, color='C5221F')
    for row, messages in per_row.items():
        sheet.cell(row=row, column=errors_col, value='\n'.join(messages)).font = Font(color='C5221F')
    if plan.file_problems:
        sheet.cell(row=max(plan.header_row, 1), column=errors_col + 1, value='\n'.join(plan.file_problems))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
