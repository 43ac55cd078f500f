"""Import templates: header of labels (required ones marked), dropdowns for choices, a hint per column."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .. import records
from ..i18n import add_messages, t, yes_no
from ..people import access, users
from ..runtime import rt
from ..schema import Actor
from . import checkcols
from .export import _width

add_messages({
    'template.required': ('必填', 'required'),
    'template.lists': ('选项', 'lists'),
    'template.bad_choice': ('请从下拉列表中选择', 'Pick a value from the list'),
    'template.new_states': ('新记录从「{initial}」开始;也可以直接导入为流程中的其他状态(例如往年的登记),前提是您有权按流程'
                            '办理到该状态,并在检查项列中勾选该状态要求的各项', 'A new row starts as "{initial}"; a row '
                            'can also come in any later state of its workflow (an earlier year\'s register) when you '
                            'could move it there and the items that state requires are ticked in the checklist '
                            'columns'),
})


async def template(actor: Actor, key: str) -> bytes:
    """An .xlsx the user fills in and imports (only columns the role may write)."""
    register, granted = records.open_register(actor, key, 'import')
    lang = actor.lang
    names = await users.directory()
    book = Workbook()
    sheet = book.active
    sheet.title = register.key[:31]
    lists = book.create_sheet(t('template.lists', lang))
    lists.sheet_state = 'hidden'
    fields = [f for f in access.visible_fields(register, granted) if access.writable(f, granted)]
    list_column = 0
    for i, spec in enumerate(fields, start=1):
        cell = sheet.cell(row=1, column=i, value=spec.title(lang) + (' *' if spec.required else ''))
        cell.font = Font(bold=True, color='C5221F' if spec.required else '000000')
        cell.fill = PatternFill('solid', fgColor='E8F0FE')
        hint = spec.kind.hint(spec, lang)
        values = list(spec.kind.dropdown(spec, lang))
        if spec.kind.holds_state and register.workflow:     # any state: history comes in as it stands
            values = list(register.workflow.states)
            hint = t('template.new_states', lang, initial=register.workflow.initial)
        help_text = (spec.help_en or spec.help) if lang == 'en' else spec.help
        note = '\n'.join(filter(None, [hint, help_text, t('template.required', lang) if spec.required else '']))
        cell.comment = Comment(note, 'Ops Portal', width=260, height=110)
        sheet.column_dimensions[get_column_letter(i)].width = _width(spec)
        if spec.kind.holds_user:
            values = [f'{name} ({login})' for login, name in names.items()]
        if values:
            list_column += 1
            letter = get_column_letter(list_column)
            for r, value in enumerate(values, start=1):
                lists.cell(row=r, column=list_column, value=value)
            validation = DataValidation(type='list', formula1=f"='{lists.title}'!${letter}$1:${letter}${len(values)}",
                                        allow_blank=not spec.required, showErrorMessage=True,
                                        errorTitle=spec.title(lang), error=t('template.bad_choice', lang))
            validation.add(f'{get_column_letter(i)}2:{get_column_letter(i)}5000')
            sheet.add_data_validation(validation)
    for i, item in enumerate(register.row_checklist if 'edit' in granted.actions else (), start=len(fields) + 1):
        cell = sheet.cell(row=1, column=i, value=checkcols.header(item, lang))
        cell.font = Font(bold=True)
        cell.fill = PatternFill('solid', fgColor='E6F4EA')
        cell.comment = Comment(t('excel.check_hint', lang), 'Ops Portal', width=220, height=60)
        sheet.column_dimensions[get_column_letter(i)].width = 16
        validation = DataValidation(type='list', formula1=f'"{yes_no(True, lang)},{yes_no(False, lang)}"',
                                    allow_blank=True)
        validation.add(f'{get_column_letter(i)}2:{get_column_letter(i)}5000')
        sheet.add_data_validation(validation)
    sheet.freeze_panes = 'A2'
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filename(actor: Actor, key: str) -> str:
    register = rt().catalog.register(key)
    return f'{register.title(actor.lang)}-{"template" if actor.lang == "en" else "导入模板"}.xlsx'
