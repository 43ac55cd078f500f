"""Cell ranges on the server: copy as TSV/HTML with Excel's quoting and the values people see, the status bar's
count / sum / average, clear (per-cell refusals, one undoable action) and fill (down, right, series)."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal import records
from portal.errors import PortalError
from portal.records import paste, range_fill, ranges, undo
from portal.store.query import RowQuery

BASE = {'platform': '天猫', 'sku': 'A1001-01', 'quantity': 1, 'courier': '顺丰'}
SORT = [{'colId': 'order_no', 'sort': 'asc'}]


async def _rows(actor, n=3, **extra):
    return [await records.create_row(actor, 'shipments', {**BASE, 'order_no': f'NO-{i}', **{
        k: v[i] if isinstance(v, list) else v for k, v in extra.items()}}) for i in range(n)]


def _range(columns, start=0, count=3, **query):
    return ranges.CellRange.parse({'start': start, 'count': count, 'columns': columns, 'sort': SORT, **query})


async def _list(actor):
    return await records.list_rows(actor, 'shipments', RowQuery.parse({'sort': SORT}))


def test_tsv_quotes_as_excel_does():
    cells = [['a\tb', 'say "hi"', 'plain'], ['line1\nline2', '', '<b>']]
    text = ranges.tsv(cells)
    assert text == '"a\tb"\t"say ""hi"""\tplain\r\n"line1\nline2"\t\t<b>'
    assert paste.parse_tsv(text) == cells                  # what we copy pastes back as it was
    html = ranges.html_table(cells)
    assert '<td>&lt;b&gt;</td>' in html and '<td>say "hi"</td>' in html and 'line1<br' in html
    odd = [['\ue000<i>', 'x'], ['y', '\ue001']]                 # the one-pass separators inside a cell
    assert ranges.html_table(odd).count('<td>') == 4 and '&lt;i&gt;' in ranges.html_table(odd)


_CELL = st.text(st.characters(blacklist_characters='\r', blacklist_categories=('Cs',)), max_size=12)


@given(st.integers(1, 4).flatmap(lambda width: st.lists(st.lists(_CELL, min_size=width, max_size=width).filter(
    lambda row: any(c.strip() for c in row)), min_size=1, max_size=5)))
def test_what_we_copy_pastes_back_cell_for_cell(cells):
    """Any cells — tabs, line breaks, quotes, spaces — survive copy (tsv) and paste (parse_tsv) unchanged."""
    assert paste.parse_tsv(ranges.tsv(cells)) == cells


async def test_copy_shows_what_people_see(engine, actors):
    m = actors['manager']
    await _rows(m, 2, gift=['a\t"b"', None], shipper='warehouse', address_verified=[True, False])
    found = await ranges.copy_cells(m, 'shipments', _range(['order_no', 'gift', 'shipper', 'address_verified',
                                                            'quantity']))
    assert found == [['NO-0', 'a\t"b"', '陈仓管', '是', '1'], ['NO-1', '', '陈仓管', '否', '1']]


async def test_copy_refuses_a_hidden_column(engine, actors):
    await _rows(actors['manager'], 1)
    with pytest.raises(PortalError):
        await ranges.copy_cells(actors['warehouse'], 'shipments', _range(['order_no', 'order_amount']))


async def test_summary_of_a_range_and_of_everything(engine, actors):
    m = actors['manager']
    await _rows(m, 4, quantity=[1, 2, 3, 10], gift=['x', None, 'y', None])
    found = await ranges.summarize(m, 'shipments', _range(['gift', 'quantity'], start=1, count=2))
    assert (found['rows'], found['cells'], found['numbers']) == (2, 3, 2)
    assert float(found['sum']) == 5 and float(found['average']) == 2.5
    whole = await ranges.summarize(m, 'shipments', _range(['id', 'quantity'], count=1_000_000), whole=True)
    assert (whole['rows'], whole['cells'], float(whole['sum'])) == (4, 8, 16)


async def test_clear_refuses_per_cell_and_is_one_undoable_action(engine, actors):
    m, ops = actors['manager'], actors['ops']
    await _rows(m, 3, gift='赠品', style='款')
    # ops may not edit order_no/sku/quantity; platform is required
    plan = await range_fill.plan_clear(ops, 'shipments', _range(['order_no', 'platform', 'style', 'gift']))
    refused = {(c.row, c.field): c.error for c in plan.errors}
    assert set(refused) == {(i, f) for i in range(3) for f in ('order_no', 'platform')}
    assert '只读' in refused[(0, 'order_no')] and '必填' in refused[(0, 'platform')]
    result = await paste.apply_paste(ops, plan, kind='clear')
    assert result['cells'] == 6
    rows = await _list(m)
    assert [(r['style'], r['gift'], r['platform']) for r in rows] == [(None, None, '天猫')] * 3
    step = await undo.undo(ops, 'shipments')
    assert step.message('zh') == '已撤销:清除 6 个单元格'
    assert [(r['style'], r['gift']) for r in await _list(m)] == [('款', '赠品')] * 3


async def test_fill_down_and_right(engine, actors):
    m = actors['manager']
    await _rows(m, 3, style=['甲', '乙', '丙'], colour=['红', '绿', '蓝'])
    plan = await range_fill.plan_fill(m, 'shipments', _range(['style', 'colour']), axis='down')
    assert not plan.errors
    await paste.apply_paste(m, plan, kind='fill')
    assert [(r['style'], r['colour']) for r in await _list(m)] == [('甲', '红')] * 3
    plan = await range_fill.plan_fill(m, 'shipments', _range(['style', 'colour', 'quantity']), axis='right')
    assert [(c.field, c.error) for c in plan.errors] == [('quantity', '"甲" 不是整数')] * 3
    await paste.apply_paste(m, plan, kind='fill')
    assert [(r['style'], r['colour'], r['quantity']) for r in await _list(m)] == [('甲', '甲', 1)] * 3


async def test_fill_handle_continues_series(engine, actors):
    m = actors['manager']
    await _rows(m, 5, quantity=[1, 2, 9, 9, 9], ship_date=['2026-11-01', '2026-11-03'] + ['2026-01-01'] * 3,
                gift=['P-0008', 'P-0009', None, None, None], style=['甲', '乙', None, None, None])
    cells = _range(['ship_date', 'gift', 'style', 'quantity'], count=5)
    plan = await range_fill.plan_fill(m, 'shipments', cells, axis='down', sources=2, series=True)
    assert not plan.errors
    await paste.apply_paste(m, plan, kind='fill')
    rows = await _list(m)
    assert [r['quantity'] for r in rows] == [1, 2, 3, 4, 5]
    assert [r['ship_date'] for r in rows][2:] == [date(2026, 11, 5), date(2026, 11, 7), date(2026, 11, 9)]
    assert [r['gift'] for r in rows][2:] == ['P-0010', 'P-0011', 'P-0012']
    assert [r['style'] for r in rows] == ['甲', '乙', '甲', '乙', '甲']      # no series: repeated


def test_continuation():
    assert range_fill.continuation([1, 2], 3, True) == [(3, None), (4, None), (5, None)]
    assert range_fill.continuation([5], 2, True) == [(5, 0), (5, 0)]
    assert range_fill.continuation([1, 2, 4], 2, True) == [(1, 0), (2, 1)]
    assert range_fill.continuation([1, 2], 2, False) == [(1, 0), (2, 1)]
