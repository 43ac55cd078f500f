"""Excel round trip with real files: export → import identical, templates, every kind of bad cell reported
at its row and column with nothing written, annotated error files, formula injection, hostile files."""
from __future__ import annotations

import asyncio
import csv
import io
import time
import tracemalloc
import zipfile
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from portal import records
from portal.errors import PortalError
from portal.excel import annotate, export, importer, template
from portal.runtime import rt
from portal.store import db
from portal.store.query import RowQuery
from seed.demo import seed

ALL_TYPES = '''
label = "全类型"
label_en = "All types"
regulation = ["storage.2"]
key = ["code"]

[[fields]]
name = "code"
type = "text"
label = "编号"
required = true
unique = true
[[fields]]
name = "note"
type = "longtext"
label = "说明"
[[fields]]
name = "qty"
type = "integer"
label = "数量"
min = 0
[[fields]]
name = "ratio"
type = "decimal"
label = "比例"
decimals = 3
[[fields]]
name = "price"
type = "money"
label = "价格"
[[fields]]
name = "day"
type = "date"
label = "日期"
[[fields]]
name = "moment"
type = "datetime"
label = "时间点"
[[fields]]
name = "clock"
type = "time"
label = "钟点"
[[fields]]
name = "flag"
type = "bool"
label = "标记"
[[fields]]
name = "kind"
type = "choice"
label = "种类"
choices = ["甲", "乙", "1688"]
[[fields]]
name = "tags"
type = "multichoice"
label = "标签"
choices = ["红", "绿", "蓝"]
[[fields]]
name = "owner"
type = "user"
label = "负责人"
[[fields]]
name = "shipment"
type = "ref"
ref = "shipments"
label = "发货"
[[fields]]
name = "state"
type = "status"
label = "状态"
[[fields]]
name = "mobile"
type = "phone"
label = "手机"
[[fields]]
name = "rule"
type = "clause"
label = "条款"

[workflow]
field = "state"
states = ["新", "旧"]
initial = "新"
create_states = ["新", "旧"]
[[workflow.transitions]]
from = "新"
to = "旧"
'''


@pytest.fixture
def all_types(schema_dir):
    (schema_dir / 'registers' / 'all_types.toml').write_text(ALL_TYPES, encoding='utf-8')
    return schema_dir


async def _export(actor, key, tmp_path, fmt='xlsx', query=None) -> Path:
    out = tmp_path / f'out.{fmt}'
    await export.export(actor, key, query or RowQuery(sort=[{'colId': 'id', 'sort': 'asc'}]), out, fmt=fmt)
    return out


async def _snapshot(key: str, names: list[str]) -> list[tuple]:
    rows = await db.row_model(key).filter(deleted_at__isnull=True).order_by('id').values(*names)
    return sorted(tuple(str(r[n]) for n in names) for r in rows)


async def test_round_trip_over_every_field_type(all_types, engine, actors, tmp_path):
    await seed(rt().catalog, rows=25, only=['shipments', 'all_types'])
    admin = actors['admin']
    names = [f.name for f in rt().catalog.register('all_types').fields]
    before = await _snapshot('all_types', names)
    for fmt in ('xlsx', 'csv'):
        path = await _export(admin, 'all_types', tmp_path, fmt)
        plan = await importer.plan_import(admin, 'all_types', path, path.name)
        assert plan.ok, [p.text() for p in plan.problems] + plan.file_problems
        assert (len(plan.creates), len(plan.updates), plan.unchanged) == (0, 0, 25), fmt
        ids = await db.row_model('all_types').filter(deleted_at__isnull=True).values_list('id', flat=True)
        await records.delete_rows(admin, 'all_types', list(ids))
        plan = await importer.plan_import(admin, 'all_types', path, path.name)
        assert plan.ok and len(plan.creates) == 25
        await importer.apply_import(admin, plan)
        assert await _snapshot('all_types', names) == before, fmt


async def test_export_file_feels_native(engine, actors, tmp_path):
    await seed(rt().catalog, rows=40, only=['shipments'])
    manager = actors['manager']
    query = RowQuery.parse({'filter': {'platform': {'filterType': 'set', 'values': ['京东']}},
                            'sort': [{'colId': 'quantity', 'sort': 'desc'}]})
    path = await _export(manager, 'shipments', tmp_path, query=query)
    book = load_workbook(path)
    sheet = book['shipments']
    assert sheet.freeze_panes == 'A2'
    assert sheet.auto_filter.ref.startswith('A1:')
    headers = [c.value for c in sheet[1]]
    assert '订单号' in headers and '订单金额' in headers
    col = {h: i for i, h in enumerate(headers)}
    rows = list(sheet.iter_rows(min_row=2))
    assert rows and all(r[col['平台']].value == '京东' for r in rows)
    quantities = [r[col['数量']].value for r in rows]
    assert quantities == sorted(quantities, reverse=True) and float(quantities[0]).is_integer()
    assert rows[0][col['数量']].number_format == '0' and rows[0][col['数量']].data_type == 'n'
    day = rows[0][col['发货日期']]
    assert day.is_date and day.number_format == 'yyyy-mm-dd'
    money = rows[0][col['订单金额']]
    assert isinstance(money.value, float) and '¥' in money.number_format
    info = book['说明']
    text = ' '.join(str(c.value) for row in info.iter_rows() for c in row)
    assert '平台 ∈ 京东' in text and '王经理' in text and '数量 ↓' in text
    warehouse = await _export(actors['warehouse'], 'shipments', tmp_path)
    assert '订单金额' not in [c.value for c in load_workbook(warehouse)['shipments'][1]]   # hidden: not exported
    info = {row[0].value: row[1].value for row in load_workbook(warehouse)['说明'].iter_rows()}
    assert info['排序'] == '编号 ↑'                                 # (was the first field's name for id)
    unsorted = await _export(actors['warehouse'], 'shipments', tmp_path, query=RowQuery())
    info = {row[0].value: row[1].value for row in load_workbook(unsorted)['说明'].iter_rows()}
    assert info['排序'] == '发货日期 ↓'              # no sort chosen: the register's own order, as the rows are


async def _styles(actor, payloads: list[str]) -> list[str]:
    """Shipments whose 款式 holds each payload (text a spreadsheet might take for a formula)."""
    for i, text in enumerate(payloads):
        await records.create_row(actor, 'shipments', {'order_no': f'F-{i}', 'platform': '京东', 'sku': 'A',
                                                      'style': text})
    return payloads


async def test_formula_injection_is_exported_as_text(engine, actors, tmp_path):
    manager = actors['manager']
    payloads = await _styles(manager, ['=1+1', '+cmd|calc', '-2+3', '@SUM(A1)', '=HYPERLINK("http://x")'])
    sheet = load_workbook(await _export(manager, 'shipments', tmp_path))['shipments']
    headers = [c.value for c in sheet[1]]
    cells = [r[headers.index('款式')] for r in sheet.iter_rows(min_row=2)]
    assert sorted(c.value for c in cells) == sorted(payloads)
    assert all(c.data_type == 's' for c in cells)
    with open(await _export(manager, 'shipments', tmp_path, 'csv'), encoding='utf-8-sig') as f:
        rows = list(csv.DictReader(f))
    assert sorted(r['款式'] for r in rows) == sorted("'" + p for p in payloads)
    assert export._csv_value('\t=cmd') == "'\t=cmd" and export._csv_value('\r=cmd') == "'\r=cmd"


async def test_csv_export_comes_back_unchanged_and_its_marked_file_holds_text_not_formulas(engine, actors, tmp_path):
    manager = actors['manager']
    payloads = await _styles(manager, ['=1+1', '+cmd|calc', '-2+3', '@SUM(A1)', "'quoted"])
    path = await _export(manager, 'shipments', tmp_path, 'csv')
    plan = await importer.plan_import(manager, 'shipments', path, path.name)
    assert plan.ok and (len(plan.creates), len(plan.updates), plan.unchanged) == (0, 0, 5)   # no apostrophes added
    text = path.read_text(encoding='utf-8-sig').replace('F-0', 'F-0,').replace('F-1,', 'F-1')   # break two rows
    bad = tmp_path / '发货单.csv'
    bad.write_text(text, encoding='utf-8-sig')
    plan = await importer.plan_import(manager, 'shipments', bad, bad.name)
    assert plan.problems
    assert annotate.filename(plan) == '发货单-错误标注.xlsx' and annotate.filename(plan, 'en') == '发货单-errors.xlsx'
    sheet = load_workbook(io.BytesIO(annotate.annotated(plan))).active
    styles = [c for row in sheet.iter_rows() for c in row if c.value in payloads]
    assert sorted(c.value for c in styles) == sorted(payloads)
    assert all(c.data_type == 's' for c in styles)        # '=1+1' is text in the marked file, not a formula


async def test_template_filled_in_and_imported(engine, actors, tmp_path):
    cs = actors['cs']
    data = await template.template(cs, 'complaints')
    book = load_workbook(io.BytesIO(data))
    sheet = book['complaints']
    headers = [c.value for c in sheet[1]]
    assert '投诉编号 *' in headers and '客户 *' in headers
    assert sheet.freeze_panes == 'A2'
    assert sheet.cell(row=1, column=headers.index('投诉类别 *') + 1).comment.text.startswith('可选:质量、物流')
    validations = {str(v.sqref).split(':')[0][0] for v in sheet.data_validations.dataValidation}
    assert validations                                   # dropdowns for choice/status/user columns
    row = {'投诉编号 *': 'TS20261127-77', '受理日期 *': '2026/11/27', '客户 *': '赵敏', '投诉类别 *': '物流',
           '投诉内容 *': '三天未发货', '负责人': '张客服 (cs)'}
    sheet.append([row.get(h) for h in headers])
    path = tmp_path / 'filled.xlsx'
    book.save(path)
    plan = await importer.plan_import(cs, 'complaints', path, path.name)
    assert plan.ok, [p.text() for p in plan.problems]
    await importer.apply_import(cs, plan)
    got = (await records.list_rows(cs, 'complaints', RowQuery(quick='TS20261127-77')))[0]
    assert (got['customer'], got['owner'], got['accepted_date'], got['status']) == ('赵敏', 'cs', date(2026, 11, 27),
                                                                                    '受理')


async def test_template_notes_say_what_the_import_accepts(engine, actors):
    """The note of each column agrees with its dropdown and the import: a status offers every state (history may
    come in any state its importer could reach), checklist items have their columns, a bound on one side reads ≥ / ≤, a pattern has the schema's words, English says Yes/No."""
    manager = actors['manager']
    sheet = load_workbook(io.BytesIO(await template.template(manager, 'shipments')))['shipments']
    notes = {c.value.rstrip(' *'): c.comment.text for c in sheet[1]}
    assert notes['状态'].startswith('新记录从「待发货」开始;也可以直接导入为流程中的其他状态') and '勾选' in notes['状态']
    assert notes['检查:打包时仔细检查,检查无误'] == '检查项:填“是”表示已勾选'
    assert notes['订单金额'].startswith('金额(元),≥ 0') and '– ' not in notes['订单金额']
    assert notes['数量'].startswith('整数,1 – 999')
    assert '8–20 位字母或数字' in notes['快递单号']
    book = load_workbook(io.BytesIO(await template.template(replace(manager, lang='en'), 'shipments')))
    lists = book.worksheets[1]
    assert ['Yes', 'No'] in [[c.value for c in col[:2]] for col in lists.iter_cols()]
    assert '是' not in {c.value for col in lists.iter_cols() for c in col}


def _book(rows: list[list], title_rows: int = 0) -> Workbook:
    book = Workbook()
    sheet = book.active
    for _ in range(title_rows):
        sheet.append(['2026 年 11 月 投诉登记(导出自旧系统)'])
    if title_rows:
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)
    for row in rows:
        sheet.append(row)
    return book


async def test_every_kind_of_bad_cell_is_reported_and_nothing_written(engine, actors, tmp_path):
    w = actors['warehouse']
    header = ['订单号', '发货日期', '平台', '货号', '数量', '快递单号', '地址已核实', '收件人电话']
    book = _book([header,
                  ['A-1', '2026/11/3', '京东', 'S1', '２', 'SF1234567890', '是', '13800138000'],      # fine
                  ['A-2', '2026-13-45', '京东', 'S2', '1', '', '否', ''],                          # bad date
                  ['A-3', 46329, '拼夕夕', 'S3', 'abc', '', '', ''],                               # bad choice, qty
                  ['A-4', '2026年11月3日', '天猫', '', '0', '##', '也许', '123'],                   # required, min,
                  [None, None, None, None, None, None, None, None],                                # empty: skipped
                  ['A-1', '2026-11-04', '京东', 'S1', '1', '', '', '']], title_rows=1)          # duplicate key
    path = tmp_path / 'bad.xlsx'
    book.save(path)
    plan = await importer.plan_import(w, 'shipments', path, path.name)
    found = {(p.row, p.column): p.message() for p in plan.problems}
    assert found[(4, 'B')].startswith('"2026-13-45" 不是日期')
    assert found[(5, 'C')].startswith('"拼夕夕" 不在可选项中')
    assert found[(5, 'E')] == '"abc" 不是整数'
    assert found[(6, 'D')] == '必填'
    assert found[(6, 'E')] == '0 小于最小值 1'
    assert found[(6, 'F')].startswith('"##" 格式不符合要求')
    assert found[(6, 'G')] == '"也许" 不是 是/否'
    assert found[(6, 'H')].startswith('"123" 不是有效的电话号码')
    assert found[(8, 'A')].startswith('与第 3 行重复')
    assert plan.rows == 5 and plan.header_row == 2 and len(plan.creates) == 1
    assert [p.text() for p in plan.problems][0].startswith('第 4 行 B 列(发货日期):')
    with pytest.raises(PortalError, match='未导入任何数据'):
        await importer.apply_import(w, plan)
    assert await db.row_model('shipments').all().count() == 0
    annotated = load_workbook(io.BytesIO(annotate.annotated(plan)))
    sheet = annotated.worksheets[0]
    assert sheet['E5'].comment.text == '"abc" 不是整数' and sheet['E5'].fill.fgColor.rgb.endswith('F4C7C3')
    errors_col = sheet.max_column
    assert sheet.cell(row=2, column=errors_col).value == '错误'
    assert '第 5 行 C 列' in sheet.cell(row=5, column=errors_col).value
    result = await importer.apply_import(w, plan, valid_only=True)       # explicit: only the valid rows
    assert result['created'] == 1 and await db.row_model('shipments').all().count() == 1


async def test_file_level_problems(engine, actors, tmp_path):
    w = actors['warehouse']
    book = _book([['订单号', '订单号', '颜色 ', '备注栏', '订单金额']])
    path = tmp_path / 'cols.xlsx'
    book.save(path)
    plan = await importer.plan_import(w, 'shipments', path, path.name)
    assert plan.file_problems == ['第 B 列「订单号」与第 A 列重复', '第 D 列「备注栏」不是本登记表(或您可见)的字段',
                                  '第 E 列「订单金额」不是本登记表(或您可见)的字段', '缺少必填列:平台、货号']


async def test_csv_in_gbk_and_excel_serial_dates(engine, actors, tmp_path):
    w = actors['warehouse']
    text = '订单号,发货日期,平台,货号,数量\nG-1,46329,京东,S1,1\nG-2,2026/11/4,淘宝,S2,"1,000"\n'
    path = tmp_path / 'gbk.csv'
    path.write_bytes(text.encode('gbk'))
    plan = await importer.plan_import(w, 'shipments', path, path.name)
    assert [p.text() for p in plan.problems] == ['第 3 行 E 列(数量):1000 大于最大值 999']
    path.write_bytes(text.replace('"1,000"', '9').encode('gbk'))
    plan = await importer.plan_import(w, 'shipments', path, path.name)
    assert plan.ok and [r['ship_date'] for _, r in plan.creates] == [date(2026, 11, 3), date(2026, 11, 4)]


async def test_updates_matched_by_natural_key(engine, actors, tmp_path):
    w = actors['warehouse']
    await records.create_row(w, 'shipments', {'order_no': 'K-1', 'platform': '京东', 'sku': 'S1', 'quantity': 1})
    book = _book([['订单号', '货号', '数量', '平台'], ['K-1', 'S1', '5', '京东'], ['K-2', 'S2', '1', '天猫']])
    path = tmp_path / 'upd.xlsx'
    book.save(path)
    plan = await importer.plan_import(w, 'shipments', path, path.name)
    assert (len(plan.creates), len(plan.updates)) == (1, 1)
    await importer.apply_import(w, plan)
    rows = {r['order_no']: r for r in await records.list_rows(w, 'shipments', RowQuery())}
    assert rows['K-1']['quantity'] == 5 and rows['K-1']['version'] == 2 and rows['K-2']['platform'] == '天猫'


async def test_blank_cells_keep_existing_values_and_give_new_rows_their_defaults(engine, actors, tmp_path):
    """A template filled in for some columns only must not wipe the others of existing rows (nor ask to move
    their status to nothing), and new rows get the defaults the form would give them."""
    w = actors['warehouse']
    old = await records.create_row(w, 'shipments', {'order_no': 'B-1', 'platform': '京东', 'sku': 'S1', 'quantity': 1,
                                                    'style': '卫衣', 'address_verified': '是'})
    book = _book([['订单号', '货号', '平台', '数量', '款式', '地址已核实', '状态', '发货员'],
                  ['B-1', 'S1', '京东', '4', None, '', '  ', None],
                  ['B-2', 'S2', '天猫', '1', None, None, None, None]])
    path = tmp_path / 'part.xlsx'
    book.save(path)
    plan = await importer.plan_import(w, 'shipments', path, path.name)
    assert plan.ok, [p.text() for p in plan.problems]
    assert [(r, changes) for r, _, _, changes in plan.updates] == [(2, {'quantity': '4'})]
    await importer.apply_import(w, plan)
    rows = {r['order_no']: r for r in await records.list_rows(w, 'shipments', RowQuery())}
    kept = rows['B-1']
    assert (kept['quantity'], kept['style'], kept['address_verified'], kept['status'], kept['version']) == \
        (4, '卫衣', True, old['status'], 2)
    new = rows['B-2']
    assert (new['shipper'], new['status'], new['ship_date']) == ('warehouse', '待发货', date(2026, 11, 27))


async def test_import_interrupted_half_way_changes_nothing(engine, actors, tmp_path, monkeypatch):
    w = actors['warehouse']
    rows = [['订单号', '平台', '货号']] + [[f'C-{i}', '京东', f'S{i}'] for i in range(12000)]
    path = tmp_path / 'big.xlsx'
    _book(rows).save(path)
    plan = await importer.plan_import(w, 'shipments', path, path.name)
    assert plan.ok and len(plan.creates) == 12000
    indexes = await _indexes('shipments')
    original = records.Writer.create_many
    heard = []

    async def failing(self, rows, written=None):
        async def power_cut(n: int) -> None:     # after the first 5,000 rows, with the next 5,000 on their way
            heard.append(n)
            raise RuntimeError('power cut')
        return await original(self, rows, power_cut)
    monkeypatch.setattr(records.Writer, 'create_many', failing)
    with pytest.raises(RuntimeError):
        await importer.apply_import(w, plan)
    assert heard == [5000]
    assert await db.row_model('shipments').all().count() == 0
    assert await _indexes('shipments') == indexes                   # set aside for the load, back after rollback


async def test_a_bulk_load_still_keeps_one_row_per_key(engine, actors, tmp_path):
    """A large import builds its indexes once at the end, the unique key's too: a key repeated in what is written
    (here slipped past the check, as a row another user just added would) makes the whole load roll back."""
    w = actors['warehouse']
    rows = [['订单号', '平台', '货号']] + [[f'K-{i}', '京东', f'S{i}'] for i in range(6000)]
    path = tmp_path / 'keys.xlsx'
    _book(rows).save(path)
    plan = await importer.plan_import(w, 'shipments', path, path.name)
    assert plan.ok
    indexes = await _indexes('shipments')
    plan.creates[-1][1].update(order_no='K-0', sku='S0')
    with pytest.raises(PortalError) as err:
        await importer.apply_import(w, plan)
    assert err.value.key == 'import.key_taken'
    assert await db.row_model('shipments').all().count() == 0
    assert await _indexes('shipments') == indexes


async def _indexes(table: str) -> list[tuple[str, str]]:
    if db.dialect() != 'sqlite':
        return []
    return sorted((r['name'], r['sql']) for r in await db.conn().execute_query_dict(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", [table]))


async def test_large_import_into_a_small_register_rebuilds_its_indexes(engine, actors, tmp_path):
    w = actors['warehouse']
    await records.create_row(w, 'shipments', {'order_no': 'OLD-1', 'platform': '京东', 'sku': 'S-OLD', 'quantity': 1})
    indexes = await _indexes('shipments')
    assert db.dialect() != 'sqlite' or len(indexes) >= 5
    rows = [['订单号', '平台', '货号', '数量']] + [[f'B-{i:05d}', '天猫', f'SKU-{i}', i % 9 + 1] for i in range(6000)]
    path = tmp_path / 'big.xlsx'
    _book(rows).save(path)
    plan = await importer.plan_import(w, 'shipments', path, path.name)
    assert await importer.apply_import(w, plan) == {'created': 6000, 'updated': 0, 'skipped': 0}
    assert await _indexes('shipments') == indexes
    if db.dialect() == 'sqlite':
        assert (await db.conn().execute_query_dict('PRAGMA integrity_check'))[0]['integrity_check'] == 'ok'
    query = RowQuery(quick='SKU-5999', filter={'platform': {'filterType': 'set', 'values': ['天猫']}})
    assert [r['order_no'] for r in await records.list_rows(w, 'shipments', query)] == ['B-05999']
    assert await records.count_rows(w, 'shipments', RowQuery()) == 6001


def _bomb(path: Path) -> None:
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('[Content_Types].xml', '<Types/>')
        z.writestr('xl/workbook.xml', '<workbook/>')
        with z.open('xl/worksheets/sheet1.xml', 'w') as f:
            chunk = b'0' * (1024 * 1024)
            for _ in range(120):
                f.write(chunk)


async def test_hostile_files_are_refused_quickly_with_small_memory(engine, actors, tmp_path):
    w = actors['warehouse']
    bomb = tmp_path / 'bomb.xlsx'
    _bomb(bomb)
    assert bomb.stat().st_size < 1024 * 1024
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(PortalError, match='压缩炸弹'):
        await importer.plan_import(w, 'shipments', bomb, bomb.name)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 5 and peak < 20 * 1024 * 1024      # the zip's directory alone decides: milliseconds when quiet
    macro = tmp_path / 'macro.xlsm'
    _book([['订单号']]).save(tmp_path / 'plain.xlsx')
    macro.write_bytes((tmp_path / 'plain.xlsx').read_bytes())
    with pytest.raises(PortalError, match='宏'):
        await importer.plan_import(w, 'shipments', macro, macro.name)
    with zipfile.ZipFile(tmp_path / 'plain.xlsx') as src, zipfile.ZipFile(tmp_path / 'vba.xlsx', 'w') as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr('xl/vbaProject.bin', b'\x00' * 100)
    with pytest.raises(PortalError, match='宏'):
        await importer.plan_import(w, 'shipments', tmp_path / 'vba.xlsx', 'vba.xlsx')
    with zipfile.ZipFile(tmp_path / 'plain.xlsx') as src, zipfile.ZipFile(tmp_path / 'ext.xlsx', 'w') as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr('xl/externalLinks/externalLink1.xml', '<externalLink/>')
    with pytest.raises(PortalError, match='外部链接'):
        await importer.plan_import(w, 'shipments', tmp_path / 'ext.xlsx', 'ext.xlsx')
    junk = tmp_path / 'junk.xlsx'
    junk.write_bytes(b'this is not a spreadsheet at all')
    with pytest.raises(PortalError, match='文件已损坏或不是 Excel 文件') as err:
        await importer.plan_import(w, 'shipments', junk, junk.name)
    assert err.value.message() == '文件已损坏或不是 Excel 文件'        # not the library's English words
    big = tmp_path / 'big.csv'
    big.write_bytes(b'a' * (2 * 1024 * 1024))
    with pytest.raises(PortalError, match='文件太大'):
        await importer.plan_import(w, 'shipments', big, big.name, limit_mb=1)
    with pytest.raises(PortalError, match='只能导入'):
        await importer.plan_import(w, 'shipments', junk, 'notes.txt')
    assert await db.row_model('shipments').all().count() == 0


async def test_formula_cells_are_taken_as_cached_values_never_evaluated(engine, actors, tmp_path):
    w = actors['warehouse']
    book = _book([['订单号', '平台', '货号', '数量'], ['=HYPERLINK("http://evil")', '京东', 'S1', '=1+1']])
    path = tmp_path / 'formula.xlsx'
    book.save(path)        # openpyxl stores no cached values: the cells are empty to a reader
    plan = await importer.plan_import(w, 'shipments', path, path.name)
    assert not plan.creates
    assert {(p.column, p.message()) for p in plan.problems} >= {('A', '必填')}


async def test_import_and_export_obey_rights(engine, actors, tmp_path):
    path = tmp_path / 'x.xlsx'
    _book([['订单号']]).save(path)
    with pytest.raises(PortalError):
        await importer.plan_import(actors['ops'], 'shipments', path, path.name)     # ops may not import
    with pytest.raises(PortalError):
        await export.export(actors['staff'], 'shipments', RowQuery(), tmp_path / 'y.xlsx')


async def test_a_long_check_reports_progress_and_lets_others_run(engine, actors, tmp_path, monkeypatch):
    """Checking a large file takes seconds: it goes in batches, each reported, with the event loop free in
    between (other users' requests are served meanwhile) — not one block that freezes the server."""
    monkeypatch.setattr(importer, 'CHECK_BATCH', 10)
    monkeypatch.setattr(importer, 'YIELD_ROWS', 5)
    w = actors['warehouse']
    rows = [['订单号', '平台', '货号', '数量']] + [[f'P-{i}', '京东', f'S{i}', '1'] for i in range(35)]
    book = _book(rows)
    path = tmp_path / 'many.xlsx'
    book.save(path)
    ticks = 0
    seen: list[tuple[int, int, int]] = []
    done = asyncio.Event()

    async def other_user() -> None:
        nonlocal ticks
        while not done.is_set():
            ticks += 1
            await asyncio.sleep(0)
    other = asyncio.create_task(other_user())
    plan = await importer.plan_import(w, 'shipments', path, path.name,
                                      progress=lambda n, total: seen.append((n, total, ticks)))
    done.set()
    await other
    assert plan.ok and len(plan.creates) == 35
    assert [(n, total) for n, total, _ in seen] == [(0, 35), (10, 35), (20, 35), (30, 35), (35, 35)]
    between = [b[2] - a[2] for a, b in zip(seen, seen[1:4])]
    assert all(t >= 2 for t in between), between      # the other task ran (twice) between every two reports
