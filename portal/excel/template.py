"""Import templates: header of labels (required ones marked), dropdowns for choices, a hint per column."""
from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .. import access, records, users
from ..access import Actor
from ..i18n import add_messages, t
from ..runtime import rt
from .export import _width

add_messages({
    'template.required': ('必填', 'required'),
    'template.lists': ('选项', 'lists'),
    'template.bad_choice': ('请从下拉列表中选择', 'Pick a value from the list'),
    'template.new_states': ('新记录只能是:{states}(之后按流程在表格中变更)', 'A new row can only be: {states} (it '
                            'moves on in the grid, by its workflow)'),
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
        if spec.kind.holds_state and register.workflow:     # a new row starts where the workflow lets it
            values = list(register.workflow.create_states)
            hint = t('template.new_states', lang, states='、'.join(values))
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
    sheet.freeze_panes = 'A2'
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filename(actor: Actor, key: str) -> str:
    register = rt().catalog.register(key)
    return f'{register.title(actor.lang)}-{"template" if actor.lang == "en" else "导入模板"}.xlsx'
