"""Pure builders for the grid: AG Grid column definitions and options per role, and row payloads (JSON)."""
from __future__ import annotations

import json
from typing import Any

from ..i18n import add_messages, t
from ..people import access
from ..schema import Catalog, FieldSpec, RegisterSchema, Rights

add_messages({
    'grid.checks': ('检查', 'Checks'),
    'grid.id': ('编号', 'No.'),
    'grid.version': ('版本', 'Version'),
})

DEFAULT_WIDTH = 120
ERROR_CLASS = "(p) => !!(p.data && p.data._errors && p.data._errors[p.colDef.field])"
ERROR_TOOLTIP = '(p) => (p.data && p.data._errors && p.data._errors[p.colDef.field]) || null'


def field_context(catalog: Catalog, users: dict[str, str], lang: str) -> dict[str, Any]:
    """What typed columns and form inputs show beside stored values: user names, clause citations and texts."""
    return {'users': users,
            'clauses': {cid: catalog.clause_label(cid, lang) for cid in catalog.clauses},
            'clause_texts': {cid: c.text for cid, c in catalog.clauses.items()}}


def column_defs(register: RegisterSchema, granted: Rights, lang: str, ctx: dict[str, Any]) -> list[dict[str, Any]]:
    """One column per visible field (hidden columns are simply absent), typed by its field type."""
    can_edit = 'edit' in granted.actions or 'approve' in granted.actions
    columns: list[dict[str, Any]] = [{
        'colId': 'id', 'field': 'id', 'headerName': t('grid.id', lang), 'width': 96, 'pinned': 'left',
        'sortable': True, 'filter': False, 'editable': False, 'cellClass': 'portal-id', 'suppressMovable': True,
    }]
    for spec in access.visible_fields(register, granted):
        columns.append(column(spec, register, granted, lang, ctx, can_edit))
    if register.row_checklist:
        total = len(register.row_checklist)
        ids = [c.id for c in register.row_checklist]
        columns.append({
            'colId': '_checks', 'headerName': t('grid.checks', lang), 'width': 90, 'sortable': False,
            'filter': False, 'editable': False, 'cellClass': 'portal-checks',
            ':valueGetter': f'(p) => p.data ? {ids}.filter(i => p.data.checks && p.data.checks[i]).length '
                            f'+ "/{total}" : ""',
        })
    return columns


def column(spec: FieldSpec, register: RegisterSchema, granted: Rights, lang: str, ctx: dict[str, Any],
           can_edit: bool) -> dict[str, Any]:
    kind = spec.kind
    editable = can_edit and access.writable(spec, granted)
    col = {
        'colId': spec.name, 'field': spec.name, 'headerName': spec.title(lang),
        'headerTooltip': (spec.help_en or spec.help) if lang == 'en' else (spec.help or spec.title(lang)),
        'width': spec.width or DEFAULT_WIDTH, 'sortable': kind.sortable, 'editable': editable,
        'hide': spec.hidden, 'resizable': True,
        ':cellClassRules': "{'portal-cell-error': " + ERROR_CLASS + "}",
        ':tooltipValueGetter': ERROR_TOOLTIP,
        **kind.grid(spec, ctx),
    }
    if spec.name == register.title_field:
        col['pinned'] = 'left'
    if kind.holds_files:          # its thumbnails are fetched with the register's key and the row's id
        col['cellRendererParams'] = {'register': register.key}
    wf = register.workflow
    if editable and wf is not None and wf.locked and spec.name != wf.field and spec.name not in wf.locked_except:
        # a settled row (an effective penalty) keeps this cell: the service refuses it, the grid does not offer it
        del col['editable']
        col[':editable'] = (f'p => !(p.data && {json.dumps(list(wf.locked), ensure_ascii=False)}'
                            f'.includes(p.data[{json.dumps(wf.field)}]))')
    if not editable:
        col['cellClass'] = ' '.join(filter(None, [col.get('cellClass'), 'portal-readonly']))
    if spec.required:
        col['headerClass'] = 'portal-required'
    return col


def grid_options(register: RegisterSchema, granted: Rights, lang: str, ctx: dict[str, Any], grid_js: str
                 ) -> dict[str, Any]:
    """Options of the register grid: infinite row model served by the portal in blocks of 100 rows."""
    return {
        'columnDefs': column_defs(register, granted, lang, ctx),
        # long Chinese headers (外出时长(小时)) wrap onto a second line instead of being cut
        # every cell started by typing (a key, an IME composition) gets the portal's editor (portal.js)
        'defaultColDef': {'resizable': True, 'minWidth': 60, 'suppressHeaderMenuButton': False,
                          'wrapHeaderText': True, 'autoHeaderHeight': True,
                          ':cellEditorSelector': '(p) => portalGrid.editorSelector(p)'},
        'rowModelType': 'infinite',
        'cacheBlockSize': 100,
        'maxBlocksInCache': 40,
        'infiniteInitialRowCount': 100,
        'rowSelection': {'mode': 'multiRow', 'checkboxes': True, 'headerCheckbox': False,
                         'enableClickSelection': False},
        'selectionColumnDef': {'pinned': 'left', 'width': 44, 'maxWidth': 44, 'suppressMovable': True},
        ':getRowId': '(p) => String(p.data.id)',
        ':components': '{portalSetFilter: window.PortalSetFilter, portalCellEditor: window.PortalCellEditor, '
                       'portalFilesRenderer: window.PortalFilesRenderer}',
        ':datasource': grid_js,
        ':rowClassRules': "{'portal-row-overdue': (p) => !!(p.data && p.data._overdue && p.data._overdue.length)}",
        'tooltipShowDelay': 200,
        'enterNavigatesVertically': True,
        'enterNavigatesVerticallyAfterEdit': True,
        'stopEditingWhenCellsLoseFocus': True,
        'undoRedoCellEditing': False,
        'suppressClipboardPaste': True,
        'animateRows': False,
        'localeText': LOCALE_ZH if lang != 'en' else {},
    }


LOCALE_ZH = {
    'contains': '包含', 'notContains': '不包含', 'equals': '等于', 'notEqual': '不等于', 'startsWith': '开头是',
    'endsWith': '结尾是', 'blank': '为空', 'notBlank': '不为空', 'lessThan': '小于', 'greaterThan': '大于',
    'lessThanOrEqual': '小于等于', 'greaterThanOrEqual': '大于等于', 'inRange': '介于', 'inRangeStart': '从',
    'inRangeEnd': '到', 'filterOoo': '筛选…', 'applyFilter': '应用', 'resetFilter': '重置', 'clearFilter': '清除',
    'cancelFilter': '取消', 'andCondition': '且', 'orCondition': '或', 'dateFormatOoo': 'yyyy-mm-dd',
    'loadingOoo': '加载中…', 'noRowsToShow': '没有记录', 'pinColumn': '固定列', 'autosizeThisColumn': '自动列宽',
    'autosizeAllColumns': '全部自动列宽', 'resetColumns': '重置列', 'sortAscending': '升序', 'sortDescending': '降序',
    'sortUnSort': '取消排序', 'columnFilter': '筛选', 'columnChooser': '选择列', 'chooseColumns': '选择列',
    'selectAll': '全选', 'searchOoo': '搜索…', 'true': '是', 'false': '否', 'page': '页', 'of': '/', 'to': '–',
    'more': '更多', 'ariaChecked': '已选', 'noPin': '不固定', 'pinLeft': '固定在左', 'pinRight': '固定在右',
}
